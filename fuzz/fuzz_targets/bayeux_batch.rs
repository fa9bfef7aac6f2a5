//! Feeds arbitrary bytes to the Bayeux engine as one request batch: message arrays, meta
//! messages, ext/ack fields, advice. The string `"CID"` in the input stands for the client id of
//! a session handshaken first, so connects, subscribes, publishes and disconnects reach a live
//! session. The engine must never panic; an accepted batch must answer a JSON array whose
//! replies all name their channel, and a refused one must map to the HTTP status a transport
//! sends.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use ucs_cometd::{BayeuxConfig, ConnectionType, Engine, GwsAuthorizer, Owner, TransportContext};

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    })
}

fn context(connection_type: ConnectionType) -> TransportContext {
    TransportContext {
        owner: Owner {
            user_id: "agent1".into(),
            tenant: "cc1".into(),
        },
        browser_id: Some("browser1".into()),
        connection_type,
    }
}

/// Replaces every `"CID"` with the quoted client id.
fn with_client_id(input: &[u8], client_id: &str) -> Vec<u8> {
    let quoted = format!("\"{client_id}\"");
    let mut out = Vec::with_capacity(input.len() + 32);
    let mut rest = input;
    while let Some(at) = rest.windows(5).position(|w| w == b"\"CID\"") {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(quoted.as_bytes());
        rest = &rest[at + 5..];
    }
    out.extend_from_slice(rest);
    out
}

fuzz_target!(|input: &[u8]| {
    runtime().block_on(async {
        // Connects are answered at once (no hold) so each input runs to its end.
        let config = BayeuxConfig {
            timeout: Duration::ZERO,
            ..BayeuxConfig::default()
        };
        let engine = Engine::new(config, Arc::new(GwsAuthorizer));
        let connection_type = if input.first().is_some_and(|b| b & 1 == 1) {
            ConnectionType::WebSocket
        } else {
            ConnectionType::LongPolling
        };
        let ctx = context(connection_type);
        let handshake = engine
            .process(
                br#"[{"channel":"/meta/handshake","version":"1.0","supportedConnectionTypes":["long-polling","websocket"],"ext":{"ack":true}}]"#,
                &ctx,
            )
            .await
            .expect("a well-formed handshake is accepted");
        let reply = handshake.replies().next().expect("a handshake reply");
        let client_id = reply["clientId"].as_str().expect("a client id").to_owned();

        let body = with_client_id(input, &client_id);
        match engine.process(&body, &ctx).await {
            Ok(response) => {
                let json: serde_json::Value =
                    serde_json::from_slice(&response.to_json()).unwrap_or(serde_json::Value::Array(vec![]));
                if response.status == 200 {
                    assert!(json.is_array(), "an answer is an array");
                }
                for reply in response.replies() {
                    assert!(reply["channel"].is_string(), "a reply names its channel: {reply}");
                }
            }
            Err(error) => assert!(matches!(error.http_status(), 400 | 500)),
        }
        engine.sweep(tokio::time::Instant::now() + Duration::from_secs(3600));
    });
});
