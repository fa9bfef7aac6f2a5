//! The JSON documents that cross the boundary.
//!
//! JSON, not Rust types: host and plugin may be built by different compilers, and a
//! serialization cost of microseconds is nothing next to a database round trip.

use serde::{Deserialize, Serialize};
use ucs_model::{HistoryQuery, MediaType, Source};

/// What a plugin says about itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Description {
    /// A short name, e.g. `store-sqlite`.
    pub name: String,
    /// The plugin's version.
    pub version: String,
    /// The media types it can serve.
    pub media_types: Vec<MediaType>,
    /// Whether it serves `source = archive`.
    pub archive: bool,
    /// Whether it answers a request for several media types in one call (see
    /// [`BackendRequest::batch`]); absent in older plugins: false.
    #[serde(default)]
    pub batch: bool,
    /// (ABI 1.3) Whether it serves GetInteractionContent ([`ContentBackendRequest`]); absent
    /// in older plugins: false, and the host answers content requests without it (or forwards
    /// them to GWS when it has an upstream).
    #[serde(default)]
    pub content: bool,
}

/// One query to a backend: one media type of one tenant's history, or (to a plugin that
/// declares `batch`) several: then the answer is the query's first `maxSize` over the union of
/// those types, in the query's order, as if the per-type answers were merged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendRequest {
    /// The caller's tenant: a backend returns nothing of another tenant.
    pub tenant: String,
    /// The media type asked for (the query's own is the same).
    pub media_type: MediaType,
    /// The normalized query.
    pub query: HistoryQuery,
    /// A batch request's media types (`media_type` is the first of them); empty for a request
    /// of one media type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media_types: Vec<MediaType>,
}

impl BackendRequest {
    /// The request for `media_type`'s part of `query` (narrowed to that type) in `tenant`.
    pub fn new(tenant: impl Into<String>, query: &HistoryQuery, media_type: MediaType) -> Self {
        Self {
            tenant: tenant.into(),
            media_type,
            query: query.with_media_type(media_type),
            media_types: Vec::new(),
        }
    }

    /// The batch request for `media_types`' parts of `query` (at least one type; the query
    /// stays without a media type).
    pub fn batch(
        tenant: impl Into<String>,
        query: &HistoryQuery,
        media_types: &[MediaType],
    ) -> Self {
        Self {
            tenant: tenant.into(),
            media_type: media_types[0],
            query: query.clone(),
            media_types: media_types.to_vec(),
        }
    }

    /// The media types asked: a batch's, or the one.
    pub fn asked_media_types(&self) -> &[MediaType] {
        if self.media_types.is_empty() {
            std::slice::from_ref(&self.media_type)
        } else {
            &self.media_types
        }
    }

    /// Whether `media_type` (as a store spells it) is one of the types asked.
    pub fn asks_for(&self, media_type: &str) -> bool {
        self.asked_media_types()
            .iter()
            .any(|m| m.matches(media_type))
    }
}

/// (ABI 1.3) One GetInteractionContent call: the interaction `id` of `tenant`, in `source`,
/// if its media type is one of `media_types` (the caller's, that this backend serves). A backend
/// answers `null` when it holds no such interaction, never another tenant's or media type's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentBackendRequest {
    /// The caller's tenant.
    pub tenant: String,
    /// The interaction id.
    pub id: String,
    /// Where to look (`main`, `archive`).
    pub source: Source,
    /// The media types the answer may be of.
    pub media_types: Vec<MediaType>,
}

impl ContentBackendRequest {
    /// Whether an interaction of `media_type` (as a store spells it) may be answered.
    pub fn allows(&self, media_type: &str) -> bool {
        self.media_types.iter().any(|m| m.matches(media_type))
    }
}
