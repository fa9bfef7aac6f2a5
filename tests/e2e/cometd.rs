//! CometD over raw HTTP for the end-to-end tests: a handshaken session of the demo user, and
//! its notifications on the history channel read by long-polling.

use crate::support::{Client, Proxy};

/// A CometD session of the demo user over raw HTTP: its client id and a connection that carries
/// its browser cookie.
pub(crate) fn cometd_session(proxy: &Proxy) -> (Client, String) {
    let mut client = proxy.connect();
    client.cookie = Some("BAYEUX_BROWSER=e2e-browser".into());
    let handshake = client.post(
        "/api/v2/notifications",
        r#"[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling"]}]"#,
    );
    assert_eq!(handshake.status, 200, "{}", handshake.text());
    let id = handshake.json()[0]["clientId"]
        .as_str()
        .expect("a clientId")
        .to_owned();
    (client, id)
}

/// A `/meta/connect` of session `id` with `advice` (`{"timeout": 0}`: answered at once).
pub(crate) fn connect(id: &str, advice: serde_json::Value) -> String {
    serde_json::json!([{"channel": "/meta/connect", "clientId": id,
        "connectionType": "long-polling", "advice": advice}])
    .to_string()
}

/// A subscription of session `id` to the history channel.
pub(crate) fn subscribe(id: &str) -> String {
    serde_json::json!([{"channel": "/meta/subscribe", "clientId": id,
        "subscription": "/v2/ucs/interactions"}])
    .to_string()
}

/// The demo user's notifications on `/v2/ucs/interactions`, read by long-polling over raw HTTP.
pub(crate) struct Notifications {
    client: Client,
    id: String,
    received: Vec<serde_json::Value>,
}

impl Notifications {
    /// Handshakes, subscribes to the history channel and polls once.
    pub(crate) fn open(proxy: &Proxy) -> Notifications {
        let (mut client, id) = cometd_session(proxy);
        let subscribe = serde_json::json!([{"channel": "/meta/subscribe", "clientId": id,
            "subscription": "/v2/ucs/interactions"}]);
        let reply = client.post("/api/v2/notifications", &subscribe.to_string());
        assert_eq!(reply.json()[0]["successful"], true, "{}", reply.text());
        let mut notifications = Notifications {
            client,
            id,
            received: Vec::new(),
        };
        notifications.poll();
        notifications
    }

    /// One `/meta/connect`: keeps the history channel's messages it brings.
    fn poll(&mut self) {
        let connect = serde_json::json!([{"channel": "/meta/connect", "clientId": self.id,
            "connectionType": "long-polling"}]);
        let reply = self
            .client
            .post("/api/v2/notifications", &connect.to_string());
        assert_eq!(reply.status, 200, "{}", reply.text());
        let messages = reply.json();
        self.received.extend(
            messages
                .as_array()
                .into_iter()
                .flatten()
                .filter(|m| m["channel"] == "/v2/ucs/interactions")
                .map(|m| m["data"].clone()),
        );
    }

    /// The `data` of the notification answering `reference_id` (polling until it comes).
    pub(crate) fn data_of(&mut self, reference_id: u64) -> serde_json::Value {
        for _ in 0..20 {
            if let Some(i) = self
                .received
                .iter()
                .position(|d| d["referenceId"] == reference_id)
            {
                return self.received.remove(i);
            }
            self.poll();
        }
        panic!("no notification for referenceId {reference_id}");
    }
}
