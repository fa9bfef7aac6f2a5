//! End-to-end tests: the real `ucs-proxy` binary, started on a free loopback port, driven over
//! real HTTP.
//!
//! This target belongs to the `ucs-proxy` package (so Cargo builds the binary first and hands
//! its path over in `CARGO_BIN_EXE_ucs-proxy`), but its sources live in the workspace's
//! top-level `tests/` with the other end-to-end material.

mod cometd;
mod forwarder;
mod stand_in;
mod support;

mod api_description;
mod backend_errors;
mod cache_and_admin;
mod check_command;
mod cors;
mod dashboard;
mod direct;
mod drain;
mod hardening;
mod history_endpoint;
mod long_poll;
mod passthrough;
mod relay;
