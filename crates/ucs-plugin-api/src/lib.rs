//! The backend plugin boundary of `ucs-history-proxy`.
//!
//! History misses are resolved by per-media-type backends built as shared libraries and loaded
//! at run time. This crate is the only thing both sides compile against:
//!
//! * [`abi`]: the versioned C ABI — one exported entry symbol returning a `#[repr(C)]` table
//!   (magic, major/minor version, size, then `create`, `describe`, `query_start`, `destroy`);
//! * [`sdk`]: for plugin authors, the safe [`Backend`] trait and [`export_plugin!`], which
//!   generate all the glue, so a plugin crate holds no `unsafe`;
//! * [`sql`]: the pushdown every SQL store shares (one statement per backend request);
//! * the host side: [`PluginLibrary::load`] checks a library and [`PluginBackend::query`] runs a
//!   query with a timeout and validates the answer.
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
#![deny(missing_docs)]

pub mod abi;
pub mod demo;
mod error;
mod host;
pub mod sdk;
pub mod sql;
mod validate;
mod wire;

pub use error::{PluginError, PluginErrorKind};
pub use host::{PluginBackend, PluginLibrary};
pub use sdk::Backend;
pub use wire::{BackendRequest, Description};

// Re-exported so plugins depend on this crate alone.
pub use serde_json;
pub use ucs_model;
