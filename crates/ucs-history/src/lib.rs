//! The history service of `ucs-history-proxy`: from a normalized query to the interactions of
//! the notification.
//!
//! [`Dispatcher`] maps each media type to the backend plugin that serves it. [`HistoryService`]
//! answers a query in two steps around the ack: [`HistoryService::lookup`] looks every media type
//! part up in the moka cache (keyed on backend, scope and normalized per-type query) and so knows
//! the `X-Cache` status before the ack is sent; [`HistoryService::resolve`] then fills the missing
//! parts through the backends (identical concurrent misses make one call), serves stale parts
//! while refreshing them once in the background, merges, sorts and cuts to `maxSize`.
//! [`present`] prints the result for the caller. No HTTP here.
#![deny(missing_docs)]

mod cache;
mod dispatcher;
mod metrics;
mod present;
mod service;
mod status;

pub use cache::{CacheError, CachePolicy, CacheStats, PurgeFilter, ScopeKind};
pub use dispatcher::{Dispatcher, HistoryError};
pub use metrics::{HistoryMetrics, LookupCounts};
pub use present::{present, Presentation};
pub use service::{HistoryService, Lookup};
pub use status::CacheStatus;
