//! Engine settings, with the CometD Java server's defaults.

use std::time::Duration;

/// How long a `/meta/connect` is held when nothing is queued (CometD 5–7 default; GWS clients
/// expect it).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(30_000);
/// Pause the client should make between a connect reply and its next connect.
pub const DEFAULT_INTERVAL: Duration = Duration::ZERO;
/// How long a session lives without a connect before it is swept.
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_millis(10_000);
/// Messages a session may have queued before the oldest is dropped.
pub const DEFAULT_MAX_QUEUE: usize = 1000;
/// How often the sweeper looks for expired sessions (CometD's prime period).
pub const DEFAULT_SWEEP_PERIOD: Duration = Duration::from_millis(997);
/// Held connects one browser (`BAYEUX_BROWSER`) may have at once.
pub const DEFAULT_MAX_SESSIONS_PER_BROWSER: usize = 1;
/// Channels and patterns one session may subscribe to (a GWS desktop needs a handful).
pub const DEFAULT_MAX_SUBSCRIPTIONS: usize = 100;
/// How long a notification for a user with no subscribed session waits for one.
pub const DEFAULT_PARK_FOR: Duration = Duration::from_millis(30_000);
/// Notifications that may wait per user (the oldest is dropped past it).
pub const PARKED_PER_USER: usize = 16;
/// Poll interval advised to a browser past its limit (`multiple-clients`).
pub const DEFAULT_MULTI_SESSION_INTERVAL: Duration = Duration::from_millis(2000);

/// The engine's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BayeuxConfig {
    /// `advice.timeout`: how long a connect is held.
    pub timeout: Duration,
    /// `advice.interval`.
    pub interval: Duration,
    /// `advice.maxInterval`: how long a session survives without a connect.
    pub max_interval: Duration,
    /// Per-session queue bound. When full, the oldest queued message is dropped (and counted)
    /// so that a slow or vanished consumer can never grow memory without bound.
    pub max_queue: usize,
    /// How often expired sessions are swept.
    pub sweep_period: Duration,
    /// Held connects per browser before `multiple-clients` advice.
    pub max_sessions_per_browser: usize,
    /// `advice.interval` for connects past the browser limit.
    pub multi_session_interval: Duration,
    /// Whether the websocket transport is offered in `supportedConnectionTypes`.
    pub websocket: bool,
    /// Subscriptions one session may hold; a subscribe past it is refused whole
    /// (`403::subscription_limit`).
    pub max_subscriptions: usize,
    /// How long a notification for a user with no session subscribed to its channel waits for
    /// one (zero: it is dropped at once).
    pub park_for: Duration,
}

impl Default for BayeuxConfig {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            interval: DEFAULT_INTERVAL,
            max_interval: DEFAULT_MAX_INTERVAL,
            max_queue: DEFAULT_MAX_QUEUE,
            sweep_period: DEFAULT_SWEEP_PERIOD,
            max_sessions_per_browser: DEFAULT_MAX_SESSIONS_PER_BROWSER,
            multi_session_interval: DEFAULT_MULTI_SESSION_INTERVAL,
            websocket: false,
            max_subscriptions: DEFAULT_MAX_SUBSCRIPTIONS,
            park_for: DEFAULT_PARK_FOR,
        }
    }
}

impl BayeuxConfig {
    /// The connection types offered, in the Java server's order of preference.
    pub fn connection_types(&self) -> Vec<&'static str> {
        if self.websocket {
            vec!["websocket", "long-polling"]
        } else {
            vec!["long-polling"]
        }
    }
}
