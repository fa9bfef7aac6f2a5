//! The history service of `ucs-history-proxy`: from a normalized query to the interactions of
//! the notification.
//!
//! # Brief overview
//!
//! * [`HistoryBackend`] is what the service knows of a backend: a name, its media types and an
//!   async query that fails with a typed [`BackendFailure`] (its [`FailureKind`] is a metric
//!   label). The proxy adapts its loaded plugins to it; tests use in-process fakes.
//! * [`Dispatcher`] maps each media type to the backend that serves it.
//! * [`HistoryService`] answers a query in two steps around the ack:
//!   [`HistoryService::lookup`] looks every media type part up in the moka cache (keyed on
//!   backend, scope and normalized per-type query) and so knows the `X-Cache` status before the
//!   ack is sent; [`HistoryService::resolve`] then fills the missing parts through the backends
//!   (identical concurrent misses make one call), serves stale parts while refreshing them once
//!   in the background (tasks the service owns), merges, sorts and cuts to `maxSize`.
//!   [`HistoryService::resolve_presented`] also keeps the rendered answer for repeated hits.
//! * [`present`] prints the result for the caller. No HTTP here, no plugin loading.
//!
//! # Why the cache key holds the authorization scope
//!
//! A cached answer may only reach a caller who would have received the same answer from GWS.
//! Every key therefore starts with the caller's scope (user, or tenant when operators choose
//! to share within a contact centre): two scopes never share an entry.
//!
//! ```
//! use std::sync::Arc;
//! use futures_util::future::BoxFuture;
//! use ucs_history::{
//!     BackendFailure, CachePolicy, CacheStatus, Dispatcher, HistoryBackend, HistoryMetrics,
//!     HistoryService,
//! };
//! use ucs_model::{chrono::Utc, parse_request, Interaction, MediaType, ParseContext, Route, Tz};
//! use ucs_plugin_api::BackendRequest;
//!
//! #[derive(Debug)]
//! struct Empty;
//!
//! impl HistoryBackend for Empty {
//!     fn name(&self) -> &str { "empty" }
//!     fn version(&self) -> &str { "1" }
//!     fn media_types(&self) -> &[MediaType] { &[MediaType::Chat] }
//!     fn query<'a>(&'a self, _: &'a BackendRequest)
//!         -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>> {
//!         Box::pin(async { Ok(Vec::new()) })
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let mut dispatcher = Dispatcher::new();
//! dispatcher.add(Arc::new(Empty), &[MediaType::Chat])?;
//! let service = HistoryService::new(dispatcher, CachePolicy::default(), HistoryMetrics::unregistered());
//! let body = br#"{"operationName":"RetrieveInteractionHistory"}"#;
//! let ctx = ParseContext::new(Utc::now(), Tz::UTC);
//! let query = parse_request(&Route::Interactions, body, &ctx).expect("a valid request").query;
//! let lookup = service.lookup("cc1", "u1", &[MediaType::Chat], query).await;
//! assert_eq!(lookup.status(), CacheStatus::Miss);
//! assert!(service.resolve(lookup).await?.is_empty());
//! # Ok::<(), ucs_history::HistoryError>(())
//! # }).unwrap();
//! ```
#![deny(missing_docs)]

mod admission;
mod backend;
mod cache;
mod dispatcher;
mod error;
mod metrics;
mod present;
mod service;
mod status;
mod tier;

pub use admission::{AdmissionPolicy, Overload};
pub use backend::{BackendFailure, FailureKind, HistoryBackend};
pub use cache::{CacheError, CachePolicy, CacheStats, Invalidation, PurgeFilter, ScopeKind};
pub use dispatcher::Dispatcher;
pub use error::HistoryError;
pub use metrics::{HistoryMetrics, LookupCounts};
pub use present::{present, Presentation};
pub use service::{ContentLookup, HistoryService, Lookup};
pub use status::CacheStatus;
pub use tier::{Fill, FillMark, SecondTier, TierEntry, TierKey};
