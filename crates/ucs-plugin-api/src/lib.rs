//! The backend plugin boundary of `ucs-history-proxy`.
//!
//! History misses are resolved by per-media-type backends built as shared libraries and loaded
//! at run time. This crate is the only thing both sides compile against, and it holds only what
//! both share:
//!
//! * [`abi`]: the versioned C ABI — one exported entry symbol returning a `#[repr(C)]` table
//!   (magic, major/minor version, size, then `create`, `describe`, `query_start`, `destroy`);
//!   a failed query's kind travels as the completion's status code (ABI 1.1); the change feed
//!   (1.2); `content_start`, GetInteractionContent (1.3);
//! * [`sdk`]: for plugin authors, the safe [`Backend`] trait, [`BackendError`] and
//!   [`export_plugin!`], which generate all the glue, so a plugin crate holds no `unsafe`;
//! * the wire types ([`BackendRequest`], [`Description`]) that cross the boundary as JSON;
//! * with the `host` feature, the host side: [`PluginLibrary::load`] checks a library and
//!   [`PluginBackend::query`] runs a query with a timeout and validates the answer. Plugins leave
//!   the feature off and never compile libloading.
//!
//! What stores of the bundled schema share (SQL, row codec, demo data) is `ucs-store-kit`'s.
//!
//! | feature | what it adds |
//! |---|---|
//! | `host` | `PluginLibrary`, `PluginBackend`, `PluginError` (libloading) |
//!
//! # Why JSON over a C ABI
//!
//! Rust has no stable ABI: a plugin built by another compiler version must not exchange `String`
//! or trait objects with the host. A C table of function pointers and byte buffers is stable,
//! checkable at load time (magic, version, size), and implementable in any language. The JSON
//! costs microseconds per query, next to milliseconds in a database.
//!
//! # Why each plugin owns its runtime
//!
//! tokio keeps its context in thread-locals, which exist once per library: a future started in
//! the host cannot run on a plugin's copy of tokio. So `query_start` returns at once and the
//! plugin calls back from its own threads; the host awaits a oneshot channel with a timeout.
//! Panics are caught on the plugin's side and come back as errors.
//!
//! ```
//! use ucs_plugin_api::{BackendError, BackendErrorKind};
//!
//! // A plugin's own error keeps its kind across the boundary through a From impl.
//! let error = BackendError::unavailable("connection refused");
//! assert_eq!(error.kind(), BackendErrorKind::Unavailable);
//! assert_eq!(BackendErrorKind::from_status(error.kind().status(), 1), error.kind());
//! ```
#![deny(missing_docs)]

pub mod abi;
mod backend_error;
#[cfg(feature = "host")]
mod changes;
#[cfg(feature = "host")]
mod error;
mod feed;
#[cfg(feature = "host")]
mod host;
pub mod sdk;
#[cfg(feature = "host")]
mod validate;
mod wire;

pub use backend_error::{BackendError, BackendErrorKind};
#[cfg(feature = "host")]
pub use changes::FeedEvent;
#[cfg(feature = "host")]
pub use error::{PluginError, PluginErrorKind};
pub use feed::ChangeFeed;
#[cfg(feature = "host")]
pub use host::{PluginBackend, PluginLibrary};
pub use sdk::Backend;
#[cfg(feature = "host")]
pub use validate::validate_output;
pub use wire::{BackendRequest, ContentBackendRequest, Description};

// Re-exported so plugins depend on this crate alone.
pub use serde_json;
pub use ucs_model;
