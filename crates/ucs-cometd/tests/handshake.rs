use crate::util::*;
use serde_json::json;
use ucs_cometd::{BatchError, BayeuxConfig};

#[tokio::test(start_paused = true)]
async fn handshake_creates_a_session_with_full_advice_and_a_browser_cookie() {
    let engine = engine();
    let mut ctx = ctx("u1", "b1");
    ctx.browser_id = None;
    let bytes = br#"[{"channel":"/meta/handshake","id":"7","version":"1.0","supportedConnectionTypes":["websocket","long-polling"]}]"#;
    let response = engine.process(bytes, &ctx).await.unwrap();
    let browser = response
        .set_browser_id
        .clone()
        .expect("a BAYEUX_BROWSER id to set");
    assert_eq!(browser.len(), 40);
    let reply = Reply::from(&response);
    let hs = reply.only();
    assert_eq!(hs["id"], "7");
    assert_eq!(hs["channel"], "/meta/handshake");
    assert_eq!(hs["successful"], true);
    assert_eq!(hs["version"], "1.0");
    assert_eq!(hs["supportedConnectionTypes"], json!(["long-polling"]));
    assert_eq!(
        hs["advice"],
        json!({"reconnect":"retry","interval":0,"timeout":30000,"maxInterval":10000})
    );
    assert_eq!(hs["clientId"].as_str().unwrap().len(), 40);
    assert!(hs.get("ext").is_none());
    assert_eq!(engine.stats().sessions, 1);
}

#[tokio::test(start_paused = true)]
async fn a_browser_with_a_cookie_keeps_it_and_websocket_is_offered_only_when_enabled() {
    let engine = engine_with(BayeuxConfig {
        websocket: true,
        ..BayeuxConfig::default()
    });
    let ctx = ctx("u1", "b1");
    let response = engine
        .process(br#"{"channel":"/meta/handshake","supportedConnectionTypes":["websocket","long-polling"]}"#, &ctx)
        .await
        .unwrap();
    assert_eq!(response.set_browser_id, None);
    let reply = Reply::from(&response);
    assert_eq!(
        reply.only()["supportedConnectionTypes"],
        json!(["websocket", "long-polling"])
    );
}

#[tokio::test(start_paused = true)]
async fn no_common_connection_type_fails_the_handshake() {
    let engine = engine();
    let reply = send(
        &engine,
        &ctx("u1", "b1"),
        json!([{"channel":"/meta/handshake","supportedConnectionTypes":["callback-polling"]}]),
    )
    .await;
    let hs = reply.only();
    assert_eq!(hs["successful"], false);
    assert_eq!(hs["error"], "403::handshake_failed");
    assert_eq!(hs["advice"]["reconnect"], "none");
    assert_eq!(engine.stats().sessions, 0);
}

#[tokio::test(start_paused = true)]
async fn a_handshake_batched_with_anything_is_a_protocol_violation() {
    let engine = engine();
    let err = try_send(
        &engine,
        &ctx("u1", "b1"),
        json!([{"channel":"/meta/handshake"},{"channel":"/meta/connect"}]),
    )
    .await
    .unwrap_err();
    assert_eq!(err, BatchError::HandshakeNotAlone);
    assert_eq!(err.http_status(), 500);
}

#[tokio::test(start_paused = true)]
async fn malformed_batches_are_refused_whole() {
    let engine = engine();
    for body in [
        &b"not json"[..],
        b"[]",
        b"42",
        b"[1]",
        br#"[{"id":"1"}]"#,
        br#"[{"channel":7}]"#,
    ] {
        let err = engine.process(body, &ctx("u1", "b1")).await.unwrap_err();
        assert_eq!(
            err,
            BatchError::Malformed,
            "{}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(err.http_status(), 400);
    }
}

#[tokio::test(start_paused = true)]
async fn an_unknown_client_gets_402_with_handshake_advice_on_every_verb() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    for channel in [
        "/meta/connect",
        "/meta/subscribe",
        "/meta/unsubscribe",
        "/meta/disconnect",
        "/chat/room",
    ] {
        let reply = send(
            &engine,
            &ctx,
            json!([{"channel": channel, "clientId": "nope", "subscription": "/a", "id": "9", "data": {}}]),
        )
        .await;
        let r = reply.only();
        assert_eq!(r["successful"], false, "{channel}");
        assert_eq!(r["error"], "402::session_unknown", "{channel}");
        assert_eq!(
            r["advice"],
            json!({"reconnect":"handshake","interval":0}),
            "{channel}"
        );
        assert_eq!(r["id"], "9");
    }
}

#[tokio::test(start_paused = true)]
async fn a_session_is_unknown_to_another_user_and_another_browser() {
    let engine = engine();
    let owner = ctx("u1", "b1");
    let id = handshake(&engine, &owner, false).await;
    for stranger in [ctx("u2", "b1"), ctx("u1", "b2")] {
        let reply = first_connect(&engine, &stranger, &id).await;
        assert_eq!(reply.only()["error"], "402::session_unknown");
    }
    let reply = first_connect(&engine, &owner, &id).await;
    assert_eq!(reply.only()["successful"], true);
}
