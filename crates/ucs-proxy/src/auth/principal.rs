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
    /// The media types `features` let the caller read, worked out once: every history request
    /// asks, and a principal is cached for many requests.
    readable: Vec<MediaType>,
}

impl Principal {
    /// A caller with `features`.
    pub fn new(
        user_id: String,
        user_name: String,
        tenant: String,
        features: BTreeSet<String>,
    ) -> Self {
        let readable = MediaType::ALL
            .into_iter()
            .filter(|m| features.contains(m.feature()))
            .collect();
        Self {
            user_id,
            user_name,
            tenant,
            features,
            readable,
        }
    }

    /// Whether the caller may read `media_type`'s history.
    pub fn may_read(&self, media_type: MediaType) -> bool {
        self.features.contains(media_type.feature())
    }

    /// The media types the caller may read.
    pub fn readable_media_types(&self) -> Vec<MediaType> {
        self.readable.clone()
    }

    /// The owner of the caller's CometD sessions.
    pub fn owner(&self) -> Owner {
        Owner {
            user_id: self.user_id.clone(),
            tenant: self.tenant.clone(),
        }
    }
}
