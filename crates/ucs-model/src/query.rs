//! The normalized history query: what a request asks for once defaults are resolved and every
//! spelling variant is folded away.

use crate::media::{MediaType, SortOrder, Source};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `maxSize` of a request that gives none (GWS: 100).
pub const DEFAULT_MAX_SIZE: u32 = 100;
/// The largest `maxSize` accepted unless configuration says otherwise (`limits.max_size`).
pub const DEFAULT_MAX_SIZE_LIMIT: u32 = 1000;

/// A validated, normalized history query.
///
/// Two requests that mean the same thing produce equal `HistoryQuery` values: dates are resolved
/// to instants, enums are folded, `customAttributes` is sorted and de-duplicated and
/// `searchCustomAttributes` is a sorted map. Equality and hashing are therefore semantic, which is
/// what [`CacheKey`](crate::CacheKey) builds on.
///
/// Its JSON form (serde) is what crosses the plugin boundary: `from`/`to` as RFC 3339 instants,
/// enums in lower case, absent filters as `null`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    pub(crate) from: DateTime<Utc>,
    pub(crate) to: DateTime<Utc>,
    pub(crate) media_type: Option<MediaType>,
    pub(crate) sort: SortOrder,
    pub(crate) max_size: u32,
    pub(crate) source: Source,
    pub(crate) user_id: Option<String>,
    pub(crate) contact_id: Option<String>,
    pub(crate) custom_attributes: Vec<String>,
    pub(crate) search_custom_attributes: BTreeMap<String, String>,
}

impl HistoryQuery {
    /// The first instant of the range (inclusive).
    pub fn from(&self) -> DateTime<Utc> {
        self.from
    }

    /// The last instant of the range (inclusive).
    pub fn to(&self) -> DateTime<Utc> {
        self.to
    }

    /// The one media type asked for, or `None` for every media type the caller may read.
    pub fn media_type(&self) -> Option<MediaType> {
        self.media_type
    }

    /// The order of results.
    pub fn sort(&self) -> SortOrder {
        self.sort
    }

    /// How many interactions to return at most.
    pub fn max_size(&self) -> u32 {
        self.max_size
    }

    /// Main or archive database.
    pub fn source(&self) -> Source {
        self.source
    }

    /// The owner filter (`ownerInformation.id`), if any.
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// The contact filter (RetrieveContactHistory), if any.
    pub fn contact_id(&self) -> Option<&str> {
        self.contact_id.as_deref()
    }

    /// The custom attribute names to include in results, sorted and unique.
    pub fn custom_attributes(&self) -> &[String] {
        &self.custom_attributes
    }

    /// The custom attributes every result must equal, sorted by name.
    pub fn search_custom_attributes(&self) -> &BTreeMap<String, String> {
        &self.search_custom_attributes
    }

    /// The same query narrowed to one media type: what one backend is asked when a query over
    /// several media types fans out.
    pub fn with_media_type(&self, media_type: MediaType) -> HistoryQuery {
        HistoryQuery {
            media_type: Some(media_type),
            ..self.clone()
        }
    }
}
