//! The JSON documents that cross the boundary.
//!
//! JSON, not Rust types: host and plugin may be built by different compilers, and a
//! serialization cost of microseconds is nothing next to a database round trip.

use serde::{Deserialize, Serialize};
use ucs_model::{HistoryQuery, MediaType};

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
}

/// One query to a backend: one media type of one tenant's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendRequest {
    /// The caller's tenant: a backend returns nothing of another tenant.
    pub tenant: String,
    /// The media type asked for (the query's own is the same).
    pub media_type: MediaType,
    /// The normalized query.
    pub query: HistoryQuery,
}

impl BackendRequest {
    /// The request for `media_type`'s part of `query` (narrowed to that type) in `tenant`.
    pub fn new(tenant: impl Into<String>, query: &HistoryQuery, media_type: MediaType) -> Self {
        Self {
            tenant: tenant.into(),
            media_type,
            query: query.with_media_type(media_type),
        }
    }
}
