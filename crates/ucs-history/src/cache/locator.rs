//! The locator: the media type of the interactions this node has seen in backend answers
//! (history and content), so that a content request of a caller without that type's feature is
//! refused before the ack, and only that type's backend is asked.

use moka::sync::Cache;
use ucs_model::{Interaction, MediaType};

/// Interactions whose media type the locator keeps (about 100 bytes each: some 20 MiB).
const LOCATOR_CAPACITY: u64 = 200_000;

/// Interaction (tenant, id) → media type, bounded.
#[derive(Debug)]
pub(crate) struct Locator {
    known: Cache<(String, String), MediaType, ahash::RandomState>,
}

impl Default for Locator {
    fn default() -> Self {
        Self {
            known: Cache::builder()
                .max_capacity(LOCATOR_CAPACITY)
                .build_with_hasher(ahash::RandomState::new()),
        }
    }
}

impl Locator {
    /// The media type of interaction `id` of `tenant`, when this node has seen it.
    pub(crate) fn locate(&self, tenant: &str, id: &str) -> Option<MediaType> {
        self.known.get(&(tenant.to_owned(), id.to_owned()))
    }

    /// Remembers that interaction `id` of `tenant` is of `media_type`.
    pub(crate) fn learn(&self, tenant: &str, id: &str, media_type: MediaType) {
        self.known
            .insert((tenant.to_owned(), id.to_owned()), media_type);
    }

    /// Remembers the media types of a backend's answer for `tenant`.
    pub(crate) fn learn_all(&self, tenant: &str, interactions: &[Interaction]) {
        for interaction in interactions {
            if let Some(media_type) = MediaType::from_name(&interaction.media_type) {
                self.learn(tenant, &interaction.id, media_type);
            }
        }
    }
}
