//! One service account's relay: its session, its CometD session kept up in the background, the
//! requests awaiting notifications, and the circuit breaker.

use crate::breaker::CircuitBreaker;
use crate::cometd::{CometdClient, Reconnect};
use crate::config::Config;
use crate::error::RelayError;
use crate::pending::{Outcome, Pending};
use crate::request::{
    content_call, content_json, history_items, interactions, upstream_call, HISTORY_CHANNEL,
};
use crate::session::ServiceSession;
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use ucs_plugin_api::serde_json::Value;
use ucs_plugin_api::ucs_model::{Interaction, MediaType, Tz};
use ucs_plugin_api::{BackendRequest, ContentBackendRequest};

/// Consecutive failed `/meta/connect`s after which the relay handshakes again.
const CONNECT_FAILURES_BEFORE_HANDSHAKE: u32 = 3;

/// Exponential back-off between failed CometD attempts.
#[derive(Debug, Clone)]
struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    fn new(min: Duration, max: Duration) -> Self {
        Self {
            min,
            max,
            next: min,
        }
    }

    /// The pause before the next attempt; doubles the one after.
    fn pause(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(self.max);
        pause
    }

    fn reset(&mut self) {
        self.next = self.min;
    }
}

/// The relay of one account.
#[derive(Debug)]
pub(crate) struct Relay {
    session: Arc<ServiceSession>,
    pending: Arc<Pending>,
    breaker: CircuitBreaker,
    /// True while the notification session is up (set by its task, awaited by queries).
    ready: Arc<watch::Sender<bool>>,
    started: Once,
    time_zone: Tz,
    request_timeout: Duration,
    result_timeout: Duration,
    backoff: Backoff,
}

impl Relay {
    /// The relay of `session`; its CometD session starts with the first query (on the plugin's
    /// runtime).
    pub(crate) fn new(session: ServiceSession, config: &Config, time_zone: Tz) -> Self {
        Self {
            session: Arc::new(session),
            pending: Arc::new(Pending::default()),
            breaker: CircuitBreaker::new(
                config.breaker_failures,
                Duration::from_millis(config.breaker_cooldown_ms),
            ),
            ready: Arc::new(watch::Sender::new(false)),
            started: Once::new(),
            time_zone,
            request_timeout: config.request_timeout(),
            result_timeout: Duration::from_millis(config.result_timeout_ms),
            backoff: Backoff::new(
                Duration::from_millis(config.backoff_min_ms),
                Duration::from_millis(config.backoff_max_ms),
            ),
        }
    }

    /// Answers `request` through the upstream, failing fast while the circuit is open.
    /// Answers `request`. A batch over every media type is one upstream call without
    /// `mediaType` (GWS answers all types at once); a batch over some types is one call per type,
    /// merged (GWS cannot be asked for a subset, and its all-types answer cut to `maxSize` would
    /// not hold every asked item).
    pub(crate) async fn query(
        &self,
        request: &BackendRequest,
    ) -> Result<Vec<Interaction>, RelayError> {
        let asked = request.asked_media_types();
        if asked.len() == 1 || asked.len() >= MediaType::ALL.len() {
            return self.query_upstream(request).await;
        }
        let parts = futures_util::future::try_join_all(asked.iter().map(|media_type| {
            let one = BackendRequest::new(request.tenant.as_str(), &request.query, *media_type);
            async move { self.query_upstream(&one).await }
        }))
        .await?;
        Ok(request
            .query
            .merge_parts(parts.iter().map(|part| part.as_slice())))
    }

    async fn query_upstream(
        &self,
        request: &BackendRequest,
    ) -> Result<Vec<Interaction>, RelayError> {
        let (path, body) = upstream_call(request, self.time_zone);
        let data = self.call(&path, &body).await?;
        interactions(request, history_items(data)?)
    }

    /// GetInteractionContent through the upstream: GWS's content as it wrote it (`None` when
    /// the interaction is of a media type the request does not allow).
    pub(crate) async fn content(
        &self,
        request: &ContentBackendRequest,
    ) -> Result<Option<Vec<u8>>, RelayError> {
        let (path, body) = content_call(request);
        let data = self.call(&path, &body).await?;
        content_json(request, data)
    }

    /// One operation on the upstream, failing fast while the circuit is open: the `data` of
    /// its notification.
    async fn call(&self, path: &str, body: &Value) -> Outcome {
        self.breaker
            .allow(Instant::now())
            .map_err(|_| RelayError::CircuitOpen)?;
        let outcome = self.ask(path, body).await;
        match &outcome {
            Err(e) if e.counts_against_upstream() => self.breaker.failed(Instant::now()),
            _ => self.breaker.succeeded(),
        }
        outcome
    }

    async fn ask(&self, path: &str, body: &Value) -> Outcome {
        self.start_notifications();
        let mut ready = self.ready.subscribe();
        tokio::time::timeout(self.request_timeout, ready.wait_for(|up| *up))
            .await
            .map_err(|_| RelayError::NotConnected)?
            .map_err(|_| RelayError::NotConnected)?;
        let reference = self.post_history(path, body).await?;
        let answer = self.pending.register(reference);
        match tokio::time::timeout(self.result_timeout, answer).await {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_)) => Err(RelayError::SessionLost),
            Err(_) => {
                self.pending.forget(reference);
                Err(RelayError::Timeout(self.result_timeout.as_millis() as u64))
            }
        }
    }

    /// POSTs the history request; its ack's referenceId. A stale session (401) or CSRF token
    /// (403) is renewed once.
    async fn post_history(&self, path: &str, body: &Value) -> Result<u64, RelayError> {
        let mut renewed = false;
        loop {
            let (status, ack) = self.session.post_json(path, body).await?;
            if (status == 401 || status == 403) && !renewed {
                renewed = true;
                self.session.login().await?;
                continue;
            }
            if status == 401 || status == 403 {
                return Err(RelayError::Refused(
                    self.session.account().user_name.clone(),
                ));
            }
            if status.is_server_error() {
                return Err(RelayError::Status(status.as_u16()));
            }
            return match ack.get("statusCode").and_then(Value::as_i64) {
                Some(0) => ack
                    .get("referenceId")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| RelayError::Protocol("ack without referenceId".into())),
                Some(_) => Err(RelayError::Rejected(
                    ack.get("statusMessage")
                        .and_then(Value::as_str)
                        .unwrap_or("no statusMessage")
                        .to_owned(),
                )),
                None => Err(RelayError::Status(status.as_u16())),
            };
        }
    }

    fn start_notifications(&self) {
        self.started.call_once(|| {
            tokio::spawn(keep_notifications(
                Arc::clone(&self.session),
                Arc::clone(&self.pending),
                Arc::clone(&self.ready),
                self.backoff.clone(),
                self.request_timeout,
            ));
        });
    }
}

/// Keeps a CometD session to the upstream subscribed to the history channel, forever: log in,
/// handshake, subscribe, long-poll; handshake again when the server says so, back off
/// exponentially on failures. `ready` is true while notifications can be received.
async fn keep_notifications(
    session: Arc<ServiceSession>,
    pending: Arc<Pending>,
    ready: Arc<watch::Sender<bool>>,
    mut backoff: Backoff,
    timeout: Duration,
) {
    let mut was_up = true;
    loop {
        let error = serve_one_session(&session, &pending, &ready, &mut backoff, timeout)
            .await
            .err();
        ready.send_replace(false);
        pending.fail_all();
        if let Some(error) = error {
            // The plugin has no logger of the host's; a state change is rare enough for stderr.
            if was_up {
                eprintln!(
                    "ucs-plugin-gws-upstream: notification session of {:?} down: {error}",
                    session.account().user_name
                );
            }
            was_up = false;
            tokio::time::sleep(backoff.pause()).await;
        } else {
            was_up = true;
        }
    }
}

/// One CometD session, from login to the moment it must be replaced (`Ok`: the server asked for
/// a new handshake; `Err`: it failed).
async fn serve_one_session(
    session: &ServiceSession,
    pending: &Pending,
    ready: &watch::Sender<bool>,
    backoff: &mut Backoff,
    timeout: Duration,
) -> Result<(), RelayError> {
    session.login().await?;
    let mut client = CometdClient::new(session);
    dispatch(pending, client.handshake(timeout).await?);
    dispatch(pending, client.subscribe(HISTORY_CHANNEL, timeout).await?);
    ready.send_replace(true);
    backoff.reset();
    let mut failures = 0;
    loop {
        match client.connect().await {
            Ok(exchange) => {
                failures = 0;
                dispatch(pending, exchange.messages);
                if exchange.reconnect == Reconnect::Handshake {
                    return Ok(());
                }
            }
            Err(error) => {
                failures += 1;
                if failures >= CONNECT_FAILURES_BEFORE_HANDSHAKE {
                    return Err(error);
                }
                tokio::time::sleep(backoff.pause()).await;
            }
        }
    }
}

/// Hands the notifications of the history channel (history results, contents) to whoever
/// awaits them; other messages are ignored.
fn dispatch(pending: &Pending, messages: Vec<Value>) {
    let now = Instant::now();
    for mut message in messages {
        if message.get("channel").and_then(Value::as_str) != Some(HISTORY_CHANNEL) {
            continue;
        }
        let Some(data) = message.get_mut("data").map(Value::take) else {
            continue;
        };
        let Some(reference) = data.get("referenceId").and_then(Value::as_u64) else {
            continue;
        };
        let outcome = match data.get("errorMessage").and_then(Value::as_str) {
            Some(error) => Err(RelayError::Failed(error.to_owned())),
            None => Ok(data),
        };
        pending.deliver(reference, outcome, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ucs_plugin_api::serde_json::json;

    #[test]
    fn backoff_doubles_up_to_its_maximum_and_resets() {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_millis(350));
        let pauses: Vec<u128> = (0..4).map(|_| backoff.pause().as_millis()).collect();
        assert_eq!(pauses, [100, 200, 350, 350]);
        backoff.reset();
        assert_eq!(backoff.pause(), Duration::from_millis(100));
    }

    #[tokio::test]
    async fn history_notifications_are_dispatched_by_reference_and_others_ignored() {
        let pending = Pending::default();
        let ok = pending.register(1);
        let failed = pending.register(2);
        dispatch(
            &pending,
            vec![
                json!({"channel": "/v2/me/calls", "data": {"referenceId": 1}}),
                json!({"channel": HISTORY_CHANNEL, "data": {"referenceId": 1,
                    "messageType": "GetInteractionsHistoryMessage", "interactions": [{"id": "a"}]}}),
                json!({"channel": HISTORY_CHANNEL, "data": {"referenceId": 2,
                    "messageType": "GetInteractionsHistoryMessage", "errorMessage": "Request failed"}}),
            ],
        );
        let data = ok.await.unwrap().unwrap();
        assert_eq!(history_items(data), Ok(vec![json!({"id": "a"})]));
        assert_eq!(
            failed.await.unwrap(),
            Err(RelayError::Failed("Request failed".into()))
        );
    }
}
