//! One file per Bayeux verb: each reads its message, acts on the engine, and writes its reply.

pub(crate) mod connect;
pub(crate) mod disconnect;
pub(crate) mod handshake;
pub(crate) mod publish;
pub(crate) mod subscribe;

use crate::config::BayeuxConfig;
use serde_json::{json, Value};

/// The advice every handshake and connect reply carries.
pub(crate) fn retry_advice(config: &BayeuxConfig) -> Value {
    json!({
        "reconnect": "retry",
        "interval": config.interval.as_millis() as u64,
        "timeout": config.timeout.as_millis() as u64,
        "maxInterval": config.max_interval.as_millis() as u64,
    })
}
