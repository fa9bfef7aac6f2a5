//! `[cometd]`: the Bayeux server at `/api/v2/notifications`.

use super::units;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use ucs_cometd::BayeuxConfig;

/// `[cometd]`: the Bayeux server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CometdConfig {
    /// How long a `/meta/connect` is held (default 30 s).
    #[serde(rename = "timeout_ms", with = "units::millis")]
    pub timeout: Duration,
    /// Advised pause between connects (default 0).
    #[serde(rename = "interval_ms", with = "units::millis")]
    pub interval: Duration,
    /// How long a session survives without a connect (default 10 s).
    #[serde(rename = "max_interval_ms", with = "units::millis")]
    pub max_interval: Duration,
    /// Messages queued per session before the oldest is dropped (default 1000).
    pub max_queue: usize,
    /// Held connects per browser before `multiple-clients` advice (default 1).
    pub max_sessions_per_browser: usize,
    /// Poll interval advised past that limit (default 2 s).
    #[serde(rename = "multi_session_interval_ms", with = "units::millis")]
    pub multi_session_interval: Duration,
    /// Offer the `websocket` transport (default false: GWS serves long-polling only).
    pub websocket: bool,
    /// Channels one session may subscribe to (default 100); a subscribe past it is refused.
    pub max_subscriptions: usize,
    /// How long a notification for a user with no session subscribed to its channel waits for
    /// one (default 30 s; 0: dropped at once).
    #[serde(rename = "park_ms", with = "units::millis")]
    pub park_for: Duration,
}

impl Default for CometdConfig {
    fn default() -> Self {
        let d = BayeuxConfig::default();
        Self {
            timeout: d.timeout,
            interval: d.interval,
            max_interval: d.max_interval,
            max_queue: d.max_queue,
            max_sessions_per_browser: d.max_sessions_per_browser,
            multi_session_interval: d.multi_session_interval,
            websocket: d.websocket,
            max_subscriptions: d.max_subscriptions,
            park_for: d.park_for,
        }
    }
}

impl CometdConfig {
    /// The engine settings.
    pub fn to_bayeux(&self) -> BayeuxConfig {
        BayeuxConfig {
            timeout: self.timeout,
            interval: self.interval,
            max_interval: self.max_interval,
            max_queue: self.max_queue,
            max_sessions_per_browser: self.max_sessions_per_browser,
            multi_session_interval: self.multi_session_interval,
            websocket: self.websocket,
            max_subscriptions: self.max_subscriptions,
            park_for: self.park_for,
            ..BayeuxConfig::default()
        }
    }
}
