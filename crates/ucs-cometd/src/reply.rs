//! Replies as the CometD Java server writes them, built as typed values and serialized once.

use crate::config::BayeuxConfig;
use crate::incoming::Incoming;
use serde::Serialize;
use serde_json::Value;

/// Error strings as the CometD Java server words them (`code:args:message`).
pub(crate) mod errors {
    pub(crate) const SESSION_UNKNOWN: &str = "402::session_unknown";
    pub(crate) const CHANNEL_INVALID: &str = "405::channel_invalid";
    pub(crate) const CHANNEL_UNKNOWN: &str = "400::channel_unknown";
    pub(crate) const HANDSHAKE_FAILED: &str = "403::handshake_failed";
    pub(crate) const SUBSCRIPTION_MISSING: &str = "403::subscription_missing";
    pub(crate) const SUBSCRIPTION_INVALID: &str = "403::subscription_invalid";
    pub(crate) const SUBSCRIBE_DENIED: &str = "403::subscribe_denied";
    pub(crate) const SUBSCRIPTION_LIMIT: &str = "403::subscription_limit";
    pub(crate) const PUBLISH_DENIED: &str = "403::publish_denied";
    /// A handshake reaching a server that is handing its sessions over.
    pub(crate) const SERVER_STOPPING: &str = "503::server_stopping";
}

/// The `advice` of a reply.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Advice {
    pub(crate) reconnect: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) interval: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) timeout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) max_interval: Option<u64>,
    #[serde(rename = "multiple-clients", skip_serializing_if = "Option::is_none")]
    pub(crate) multiple_clients: Option<bool>,
}

fn millis(duration: std::time::Duration) -> Option<u64> {
    Some(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

impl Advice {
    /// `reconnect: retry` with the configured timings: every handshake and connect reply.
    pub(crate) fn retry(config: &BayeuxConfig) -> Advice {
        Advice {
            reconnect: "retry",
            interval: millis(config.interval),
            timeout: millis(config.timeout),
            max_interval: millis(config.max_interval),
            multiple_clients: None,
        }
    }

    /// `reconnect: handshake, interval: 0`: the session is unknown, start again.
    pub(crate) fn handshake() -> Advice {
        Advice {
            reconnect: "handshake",
            interval: Some(0),
            ..Advice::default()
        }
    }

    /// `reconnect: handshake` after a second: the server is stopping, another takes over.
    pub(crate) fn handshake_later() -> Advice {
        Advice {
            reconnect: "handshake",
            interval: Some(1000),
            ..Advice::default()
        }
    }

    /// `reconnect: none`: stop.
    pub(crate) fn none() -> Advice {
        Advice {
            reconnect: "none",
            ..Advice::default()
        }
    }

    /// Poll every `interval` instead of holding a second connection from one browser.
    pub(crate) fn multiple_clients(config: &BayeuxConfig) -> Advice {
        Advice {
            reconnect: "retry",
            interval: millis(config.multi_session_interval),
            multiple_clients: Some(true),
            ..Advice::default()
        }
    }
}

/// The `ext` of a reply: the ack extension's flag (handshake) or batch number (connect).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ReplyExt {
    pub(crate) ack: Value,
}

/// One reply message.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Reply {
    pub(crate) channel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<Value>,
    pub(crate) successful: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) version: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) minimum_version: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) supported_connection_types: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) subscription: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) advice: Option<Advice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ext: Option<ReplyExt>,
}

impl Reply {
    /// `{"channel":…,"id":…,"successful":…}` (id only when the request had one).
    pub(crate) fn to(message: &Incoming, successful: bool) -> Reply {
        Reply::on(message.channel.clone(), message.id.clone(), successful)
    }

    /// The reply on `channel` to the message with this `id`, when the message itself is not
    /// kept (a held connect keeps only its id).
    pub(crate) fn on(channel: String, id: Option<Value>, successful: bool) -> Reply {
        Reply {
            channel,
            id,
            successful,
            error: None,
            client_id: None,
            version: None,
            minimum_version: None,
            supported_connection_types: None,
            subscription: None,
            advice: None,
            ext: None,
        }
    }

    /// A failed reply with a Bayeux error string.
    pub(crate) fn error(message: &Incoming, error: &'static str) -> Reply {
        Reply {
            error: Some(error),
            ..Reply::to(message, false)
        }
    }

    /// The `402::session_unknown` reply, with the advice that makes clients handshake again.
    pub(crate) fn unknown_session(message: &Incoming) -> Reply {
        Reply {
            advice: Some(Advice::handshake()),
            ..Reply::error(message, errors::SESSION_UNKNOWN)
        }
    }

    /// The reply with `advice`.
    pub(crate) fn with_advice(self, advice: Advice) -> Reply {
        Reply {
            advice: Some(advice),
            ..self
        }
    }
}
