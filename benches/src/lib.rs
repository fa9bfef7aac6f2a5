//! Benchmarks of ucs-history-proxy: criterion micro-benchmarks in `benches/`, load scripts in
//! `load/`, and the load tools in `src/bin` (a bare pingora reference server and a CometD-aware
//! load client) with this small HTTP client, and what the store benches share.

pub mod content;
pub mod desktop;
pub mod http;
pub mod store;
