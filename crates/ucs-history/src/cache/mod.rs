//! The result cache: per (backend, media type, scope, normalized query) entries in moka, with
//! per-media-type TTLs, a short TTL for empty results, stale-while-revalidate and purges; and
//! the interaction contents (`content.rs`) with the locator of media types (`locator.rs`).

mod changes;
mod content;
mod entry;
mod locator;
mod policy;
mod rendered;
mod store;

pub(crate) use content::{CachedContent, ContentKey, ContentStore};
pub(crate) use entry::{CachedPart, EntryState, PartKey};
pub(crate) use locator::Locator;
pub use policy::{CachePolicy, ScopeKind};
pub(crate) use rendered::{RenderKey, Rendered};
pub(crate) use store::{remove_if_same, CacheState, EvictionCause, ResultCache};
pub use store::{CacheError, CacheStats, Invalidation, PurgeFilter};
