//! The authenticated caller.

use std::collections::BTreeSet;
use ucs_cometd::Owner;
use ucs_model::MediaType;

/// Who is calling: the user, the tenant, and the GWS features that decide what they may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The GWS user id (32 hex digits).
    pub user_id: String,
    /// The login name.
    pub user_name: String,
    /// The tenant (contact centre id).
    pub tenant: String,
    /// Enabled features, e.g. `api-ucs-voice`, `api-multimedia-chat`.
    pub features: BTreeSet<String>,
}

impl Principal {
    /// Whether the caller may read `media_type`'s history.
    pub fn may_read(&self, media_type: MediaType) -> bool {
        self.features.contains(media_type.feature())
    }

    /// The media types the caller may read.
    pub fn readable_media_types(&self) -> Vec<MediaType> {
        MediaType::ALL
            .into_iter()
            .filter(|m| self.may_read(*m))
            .collect()
    }

    /// The owner of the caller's CometD sessions.
    pub fn owner(&self) -> Owner {
        Owner {
            user_id: self.user_id.clone(),
            tenant: self.tenant.clone(),
        }
    }
}
