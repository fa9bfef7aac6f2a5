//! Cache keys: a normalized query plus the authorization scope it was answered for.

use crate::media::MediaType;
use crate::query::HistoryQuery;
use std::fmt;

/// Who may share a cached result.
///
/// The scope is part of every key because GWS answers per caller: a result cached for one user
/// must never reach another unless configuration says the whole tenant sees the same data.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuthScope {
    /// One user of one tenant (the default, `cache.scope = "user"`).
    User {
        /// The tenant (contact centre id).
        tenant: String,
        /// The user's id.
        user_id: String,
    },
    /// Every user of one tenant (`cache.scope = "tenant"`); never wider.
    Tenant {
        /// The tenant (contact centre id).
        tenant: String,
    },
}

impl AuthScope {
    /// The tenant the scope lies in.
    pub fn tenant(&self) -> &str {
        match self {
            AuthScope::User { tenant, .. } | AuthScope::Tenant { tenant } => tenant,
        }
    }
}

/// The identity of a cached history result.
///
/// Built from the *normalized* query, so requests that differ only in field order, enum case,
/// list order or duplicates, or in stating a default explicitly, share one key; any semantic
/// difference (range, sort, maxSize, source, owner, contact, media type, attributes, search
/// values) or another scope gives another key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CacheKey {
    scope: AuthScope,
    query: HistoryQuery,
}

impl CacheKey {
    /// The key of `query` as asked, for callers in `scope`.
    pub fn new(scope: AuthScope, query: &HistoryQuery) -> Self {
        Self {
            scope,
            query: query.clone(),
        }
    }

    /// The key of one media type's part of `query`. A query over every media type and a query
    /// for that one type share this entry.
    pub fn for_media_type(scope: AuthScope, query: &HistoryQuery, media_type: MediaType) -> Self {
        Self {
            scope,
            query: query.with_media_type(media_type),
        }
    }

    /// The scope the entry was answered for.
    pub fn scope(&self) -> &AuthScope {
        &self.scope
    }

    /// The normalized query.
    pub fn query(&self) -> &HistoryQuery {
        &self.query
    }

    /// The media type of a per-type entry.
    pub fn media_type(&self) -> Option<MediaType> {
        self.query.media_type
    }
}

impl fmt::Display for CacheKey {
    /// A readable, stable rendering for logs and the admin API.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = &self.query;
        match &self.scope {
            AuthScope::User { tenant, user_id } => write!(f, "user:{tenant}/{user_id}")?,
            AuthScope::Tenant { tenant } => write!(f, "tenant:{tenant}")?,
        }
        write!(
            f,
            "|{}..{}|{}|{:?}|{}|{:?}",
            q.from.timestamp_millis(),
            q.to.timestamp_millis(),
            q.media_type.map_or("*", |m| m.as_str()),
            q.sort,
            q.max_size,
            q.source,
        )?;
        write!(
            f,
            "|user={}|contact={}|attrs={}|search=",
            q.user_id.as_deref().unwrap_or(""),
            q.contact_id.as_deref().unwrap_or(""),
            q.custom_attributes.join(","),
        )?;
        for (name, value) in &q.search_custom_attributes {
            write!(f, "{name}={value:?};")?;
        }
        Ok(())
    }
}
