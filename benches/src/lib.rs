//! Benchmarks of ucs-history-proxy: criterion micro-benchmarks in `benches/`, load scripts in
//! `load/`, and the load tools in `src/bin` (a bare pingora reference server and a CometD-aware
//! load client) with this small HTTP client.

pub mod http;
