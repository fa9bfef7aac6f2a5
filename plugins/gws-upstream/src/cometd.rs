//! A CometD (Bayeux 1.0) long-polling client, as much of one as the relay needs: handshake,
//! subscribe, the `/meta/connect` loop, and the advice that says whether to reconnect or to
//! handshake again. Like the official JS client it appends the message type to the URL
//! (`…/notifications/connect`) and sends the session's cookies back (`BAYEUX_BROWSER`).

use crate::error::RelayError;
use crate::session::ServiceSession;
use std::time::Duration;
use ucs_plugin_api::serde_json::{json, Value};

/// The upstream's CometD endpoint (GWS).
pub(crate) const NOTIFICATIONS_PATH: &str = "/api/v2/notifications";
/// How long a held `/meta/connect` may last beyond the server's advised timeout.
const CONNECT_MARGIN: Duration = Duration::from_secs(15);
/// The long-poll timeout assumed until the server advises one (the CometD default).
const DEFAULT_SERVER_TIMEOUT: Duration = Duration::from_secs(30);

/// What to do after a `/meta/connect` (the server's `advice.reconnect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reconnect {
    /// Connect again.
    Retry,
    /// The session is gone (`402::Unknown client` or `reconnect: handshake`): handshake again.
    Handshake,
}

/// The non-meta messages one exchange brought, and what to do next.
#[derive(Debug)]
pub(crate) struct Exchange {
    /// Messages published to a subscribed channel.
    pub messages: Vec<Value>,
    /// The advice.
    pub reconnect: Reconnect,
}

/// One CometD session with the upstream.
#[derive(Debug)]
pub(crate) struct CometdClient<'a> {
    session: &'a ServiceSession,
    client_id: Option<String>,
    server_timeout: Duration,
    next_id: u64,
}

impl<'a> CometdClient<'a> {
    /// A client that has not handshaken yet.
    pub(crate) fn new(session: &'a ServiceSession) -> Self {
        Self {
            session,
            client_id: None,
            server_timeout: DEFAULT_SERVER_TIMEOUT,
            next_id: 0,
        }
    }

    fn id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// Sends one meta message and returns its reply (if the answer holds one) and the other
    /// messages of the answer.
    async fn exchange(
        &mut self,
        verb: &str,
        mut message: Value,
        timeout: Duration,
    ) -> Result<(Option<Value>, Vec<Value>), RelayError> {
        let channel = format!("/meta/{verb}");
        message["channel"] = Value::from(channel.as_str());
        message["id"] = Value::from(self.id());
        if let Some(client_id) = &self.client_id {
            message["clientId"] = Value::from(client_id.as_str());
        }
        let path = format!("{NOTIFICATIONS_PATH}/{verb}");
        let (status, answer) = self.session.post(&path, &json!([message]), timeout).await?;
        if !status.is_success() {
            return Err(RelayError::Status(status.as_u16()));
        }
        let Value::Array(messages) = answer else {
            return Err(RelayError::Protocol(format!(
                "{channel} answer is not a JSON array"
            )));
        };
        let (replies, others): (Vec<Value>, Vec<Value>) = messages
            .into_iter()
            .partition(|m| m.get("channel").and_then(Value::as_str) == Some(channel.as_str()));
        Ok((replies.into_iter().next(), others))
    }

    /// Opens a session; returns messages that came with the reply.
    pub(crate) async fn handshake(&mut self, timeout: Duration) -> Result<Vec<Value>, RelayError> {
        self.client_id = None;
        let (reply, others) = self
            .exchange(
                "handshake",
                json!({
                    "version": "1.0",
                    "minimumVersion": "1.0",
                    "supportedConnectionTypes": ["long-polling"],
                }),
                timeout,
            )
            .await?;
        let reply = required("handshake", reply)?;
        if reply.get("successful") != Some(&Value::Bool(true)) {
            return Err(refusal("handshake", &reply));
        }
        let client_id = reply
            .get("clientId")
            .and_then(Value::as_str)
            .ok_or_else(|| RelayError::Protocol("handshake reply without clientId".into()))?;
        self.client_id = Some(client_id.to_owned());
        if let Some(ms) = reply.pointer("/advice/timeout").and_then(Value::as_u64) {
            self.server_timeout = Duration::from_millis(ms);
        }
        Ok(others)
    }

    /// Subscribes to `channel`; returns messages that came with the reply.
    pub(crate) async fn subscribe(
        &mut self,
        channel: &str,
        timeout: Duration,
    ) -> Result<Vec<Value>, RelayError> {
        let (reply, others) = self
            .exchange("subscribe", json!({ "subscription": channel }), timeout)
            .await?;
        let reply = required("subscribe", reply)?;
        if reply.get("successful") != Some(&Value::Bool(true)) {
            return Err(refusal("subscribe", &reply));
        }
        Ok(others)
    }

    /// One `/meta/connect`: held by the server until messages arrive or its timeout passes.
    pub(crate) async fn connect(&mut self) -> Result<Exchange, RelayError> {
        let timeout = self.server_timeout + CONNECT_MARGIN;
        let (reply, messages) = self
            .exchange(
                "connect",
                json!({ "connectionType": "long-polling" }),
                timeout,
            )
            .await?;
        // The server may end the session while the connect is held: the answer then carries a
        // `/meta/disconnect` (and perhaps no connect reply).
        let disconnected = messages
            .iter()
            .any(|m| m.get("channel").and_then(Value::as_str) == Some("/meta/disconnect"));
        let reply = match reply {
            Some(reply) => reply,
            None if disconnected => Value::Null,
            None => return Err(RelayError::Protocol("no /meta/connect reply".into())),
        };
        let advice = reply.pointer("/advice/reconnect").and_then(Value::as_str);
        let successful = reply.get("successful") == Some(&Value::Bool(true));
        let reconnect =
            if successful && !disconnected && advice != Some("handshake") && advice != Some("none")
            {
                Reconnect::Retry
            } else {
                Reconnect::Handshake
            };
        Ok(Exchange {
            messages,
            reconnect,
        })
    }
}

/// The reply of a meta message that must have one.
fn required(verb: &str, reply: Option<Value>) -> Result<Value, RelayError> {
    reply.ok_or_else(|| RelayError::Protocol(format!("no /meta/{verb} reply")))
}

/// A refused meta message as an error: `402::Unknown client` and the like.
fn refusal(verb: &str, reply: &Value) -> RelayError {
    let error = reply
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("refused");
    RelayError::Protocol(format!("{verb}: {error}"))
}
