//! Parking (notifications waiting for their user's session to subscribe) and the hand-over of
//! sessions by a stopping server.

use crate::util::*;
use serde_json::json;
use std::time::Duration;
use ucs_cometd::BayeuxConfig;

const UCS: &str = "/v2/ucs/interactions";

#[tokio::test(start_paused = true)]
async fn a_notification_waits_for_its_users_first_subscribe() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    assert_eq!(engine.deliver_to_user("u1", UCS, &json!({"n": 1})), 0);
    assert_eq!(engine.deliver_to_user("u2", UCS, &json!({"n": 2})), 0);
    assert_eq!(engine.stats().parked, 2);
    // Subscribing to something else takes nothing.
    let id = handshake(&engine, &ctx, false).await;
    first_connect(&engine, &ctx, &id).await;
    subscribe(&engine, &ctx, &id, "/v2/me/*").await;
    assert_eq!(engine.stats().parked, 2);
    let reply = subscribe_reply(&engine, &ctx, &id).await;
    assert_eq!(
        reply.data(),
        vec![json!({"n": 1})],
        "only u1's, riding on the subscribe reply"
    );
    assert_eq!(engine.stats().parked, 1, "u2's still waits");
    assert!(
        first_connect(&engine, &ctx, &id).await.events.is_empty(),
        "once"
    );
}

#[tokio::test(start_paused = true)]
async fn a_parked_notification_expires_and_parking_can_be_off() {
    let engine = engine_with(BayeuxConfig {
        park_for: Duration::from_secs(5),
        ..BayeuxConfig::default()
    });
    engine.deliver_to_user("u1", UCS, &json!({"n": 1}));
    tokio::time::advance(Duration::from_secs(6)).await;
    engine.sweep(tokio::time::Instant::now());
    assert_eq!(engine.stats().parked, 0);
    let ctx = ctx("u1", "b1");
    let id = ready_session(&engine, &ctx, UCS, false).await;
    assert!(first_connect(&engine, &ctx, &id).await.events.is_empty());

    let off = engine_with(BayeuxConfig {
        park_for: Duration::ZERO,
        ..BayeuxConfig::default()
    });
    off.deliver_to_user("u1", UCS, &json!({"n": 1}));
    assert_eq!(off.stats().parked, 0);
    assert!(!off.may_deliver_to("u1"));
}

#[tokio::test(start_paused = true)]
async fn parking_keeps_the_newest_per_user() {
    let engine = engine();
    for n in 0..40 {
        engine.deliver_to_user("u1", UCS, &json!({"n": n}));
    }
    assert_eq!(engine.stats().parked, ucs_cometd::PARKED_PER_USER);
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, false).await;
    first_connect(&engine, &ctx, &id).await;
    let data = subscribe_reply(&engine, &ctx, &id).await.data();
    assert_eq!(
        data.first(),
        Some(&json!({"n": 40 - ucs_cometd::PARKED_PER_USER}))
    );
    assert_eq!(data.last(), Some(&json!({"n": 39})));
}

#[tokio::test(start_paused = true)]
async fn a_hand_over_answers_held_connects_with_what_is_queued_and_a_handshake_advice() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = ready_session(&engine, &ctx, UCS, false).await;
    let other = ctx_of("u2");
    let id2 = ready_session(&engine, &other, UCS, false).await;
    let held = spawn_connect(&engine, &ctx, &id).await;
    engine.hand_over();
    let reply = held.await.unwrap();
    let connect = reply.only();
    assert_eq!(
        connect["successful"], false,
        "the official client only re-handshakes after a failed connect"
    );
    assert_eq!(connect["advice"]["reconnect"], "handshake");
    assert_eq!(engine.stats().sessions, 1, "the session ended");

    // A session that was between connects: its next connect carries what was queued.
    engine.deliver_to_user("u2", UCS, &json!({"n": 7}));
    let reply = send(&engine, &other, connect_msg(&id2)).await;
    assert_eq!(reply.data(), vec![json!({"n": 7})]);
    assert_eq!(reply.replies[0]["advice"]["reconnect"], "handshake");
    assert_eq!(engine.stats().sessions, 0);

    // And a handshake on the stopping server is sent to try again later.
    let reply = send(
        &engine,
        &ctx,
        json!([{"channel": "/meta/handshake", "version": "1.0", "supportedConnectionTypes": ["long-polling"]}]),
    )
    .await;
    assert_eq!(reply.only()["successful"], false);
    assert_eq!(reply.only()["advice"]["reconnect"], "handshake");
    assert!(reply.only()["advice"]["interval"].as_u64().unwrap() > 0);
}

/// Subscribes `client_id` to the history channel; the whole response (parked notifications ride
/// on it).
async fn subscribe_reply(
    engine: &ucs_cometd::Engine,
    ctx: &ucs_cometd::TransportContext,
    client_id: &str,
) -> Reply {
    let reply = send(
        engine,
        ctx,
        json!([{"channel": "/meta/subscribe", "clientId": client_id, "subscription": UCS}]),
    )
    .await;
    assert_eq!(reply.only()["successful"], true);
    reply
}

fn ctx_of(user: &str) -> ucs_cometd::TransportContext {
    ctx(user, &format!("browser-of-{user}"))
}
