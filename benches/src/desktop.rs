//! A simulated agent desktop over raw Bayeux long-polling, for the load tools: a CometD session
//! (handshake, subscribe to `/v2/ucs/interactions`, a `/meta/connect` always held on its own
//! connection) and a second connection that POSTs history queries. Each notification arrives
//! with its `referenceId`, its arrival time and the whole reply it came in.

use crate::http::{Connection, Response};
use serde_json::{json, Value};
use std::io;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const NOTIFICATIONS: &str = "/api/v2/notifications";
const HISTORY: &str = "/api/v2/ucs/interactions";
const CHANNEL: &str = "/v2/ucs/interactions";
/// What precedes the referenceId of a history message in a `/meta/connect` answer.
const REFERENCE_ID: &[u8] = br#"{"referenceId":"#;

/// A notification as it arrived.
#[derive(Debug, Clone)]
pub struct Arrival {
    /// Its `referenceId`.
    pub reference_id: u64,
    /// When the reply carrying it was read.
    pub at: Instant,
    /// The whole `/meta/connect` reply (a JSON array of messages).
    pub reply: Arc<Vec<u8>>,
}

/// A logged-in desktop.
#[derive(Debug)]
pub struct Desktop {
    requests: Connection,
    cookie: String,
    arrived: mpsc::UnboundedReceiver<Arrival>,
    poller: JoinHandle<()>,
}

impl Drop for Desktop {
    fn drop(&mut self) {
        self.poller.abort();
    }
}

/// `Authorization: Basic …` for `user` and `password`.
pub fn basic(user: &str, password: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::from("Basic ");
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |a, b| (a << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            out.push(if i <= chunk.len() {
                ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    out
}

/// An error of the load tools.
pub fn failed(what: String) -> io::Error {
    io::Error::other(what)
}

/// A response body as JSON.
pub fn json_of(response: &Response) -> io::Result<Value> {
    serde_json::from_slice(&response.body).map_err(|e| failed(format!("not JSON: {e}")))
}

impl Desktop {
    /// Logs `user` in at the proxy at `addr` and starts its long-poll.
    pub async fn open(addr: &str, user: &str, password: &str) -> io::Result<Desktop> {
        let authorization = basic(user, password);
        let mut poll = Connection::open(addr).await?;
        let handshake = json!([{"channel": "/meta/handshake", "version": "1.0",
            "supportedConnectionTypes": ["long-polling"], "id": "1"}]);
        let reply = poll
            .post(
                &format!("{NOTIFICATIONS}/handshake"),
                &[("Authorization", &authorization)],
                handshake.to_string().as_bytes(),
            )
            .await?;
        let cookie = reply.cookies();
        let client_id = json_of(&reply)?[0]["clientId"]
            .as_str()
            .ok_or_else(|| {
                failed(format!(
                    "handshake refused for {user}: {}",
                    String::from_utf8_lossy(&reply.body)
                ))
            })?
            .to_owned();
        let subscribe = json!([{"channel": "/meta/subscribe", "clientId": client_id,
            "subscription": CHANNEL, "id": "2"}]);
        poll.post(
            NOTIFICATIONS,
            &[("Cookie", &cookie)],
            subscribe.to_string().as_bytes(),
        )
        .await?;
        let (arrivals, arrived) = mpsc::unbounded_channel();
        let poller = tokio::spawn(long_poll(poll, client_id, cookie.clone(), arrivals));
        Ok(Desktop {
            requests: Connection::open(addr).await?,
            cookie,
            arrived,
            poller,
        })
    }

    /// POSTs a history request; returns its `referenceId` and the ack.
    pub async fn post(&mut self, body: &[u8]) -> io::Result<(u64, Response)> {
        self.post_to(HISTORY, body).await
    }

    /// POSTs a history request to `path` (e.g. a contact's history URL).
    pub async fn post_to(&mut self, path: &str, body: &[u8]) -> io::Result<(u64, Response)> {
        let ack = self
            .requests
            .post(path, &[("Cookie", self.cookie.as_str())], body)
            .await?;
        let reference = json_of(&ack)?["referenceId"]
            .as_u64()
            .ok_or_else(|| failed(format!("no ack: {}", String::from_utf8_lossy(&ack.body))))?;
        Ok((reference, ack))
    }

    /// Waits for the notification of `reference` (earlier ones are skipped).
    pub async fn wait_for(&mut self, reference: u64) -> io::Result<Arrival> {
        loop {
            let arrival = self
                .arrived
                .recv()
                .await
                .ok_or_else(|| failed("the long-poll ended".to_owned()))?;
            if arrival.reference_id == reference {
                return Ok(arrival);
            }
        }
    }
}

/// The long-poll: every history notification goes to the desktop with its arrival time.
async fn long_poll(
    mut poll: Connection,
    client_id: String,
    cookie: String,
    arrivals: mpsc::UnboundedSender<Arrival>,
) {
    let mut id = 3u64;
    loop {
        id += 1;
        let connect = json!([{"channel": "/meta/connect", "clientId": client_id,
            "connectionType": "long-polling", "id": id.to_string()}]);
        let Ok(reply) = poll
            .post(
                &format!("{NOTIFICATIONS}/connect"),
                &[("Cookie", &cookie)],
                connect.to_string().as_bytes(),
            )
            .await
        else {
            return;
        };
        let at = Instant::now();
        let body = Arc::new(reply.body);
        // Only history messages carry "referenceId": find them without parsing the
        // interactions (the client must stay cheap next to the proxy it measures).
        for start in memchr::memmem::find_iter(&body, REFERENCE_ID) {
            let digits = &body[start + REFERENCE_ID.len()..];
            let end = digits
                .iter()
                .position(|b| !b.is_ascii_digit())
                .unwrap_or(digits.len());
            if let Some(reference_id) = std::str::from_utf8(&digits[..end])
                .ok()
                .and_then(|d| d.parse().ok())
            {
                let reply = Arc::clone(&body);
                let _ = arrivals.send(Arrival {
                    reference_id,
                    at,
                    reply,
                });
            }
        }
    }
}
