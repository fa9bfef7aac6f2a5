//! The history service of `ucs-history-proxy`: from a normalized query to the interactions of
//! the notification.
//!
//! [`Dispatcher`] maps each media type to the backend plugin that serves it; [`Dispatcher::resolve`]
//! asks every backend concerned in parallel (one request per media type, so per-type results can
//! later be cached and shared between queries), merges the parts, sorts and cuts them to
//! `maxSize`. [`present`] then prints them for the caller: timestamps in the configured time
//! zone, `uri` under the proxy's public base URL. No HTTP here; the cache joins in a later step.
#![deny(missing_docs)]

mod dispatcher;
mod present;

pub use dispatcher::{Dispatcher, HistoryError};
pub use present::present;
