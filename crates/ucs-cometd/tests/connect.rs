use crate::util::*;
use serde_json::json;
use std::time::Duration;
use ucs_cometd::BayeuxConfig;

#[tokio::test(start_paused = true)]
async fn the_first_connect_is_answered_at_once_with_advice() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, false).await;
    let started = tokio::time::Instant::now();
    let reply = send(&engine, &ctx, connect_msg(&id)).await;
    assert_eq!(started.elapsed(), Duration::ZERO);
    let c = reply.only();
    assert_eq!(c["successful"], true);
    assert_eq!(c["id"], "c");
    assert_eq!(c["advice"]["reconnect"], "retry");
    assert_eq!(c["advice"]["timeout"], 30000);
}

#[tokio::test(start_paused = true)]
async fn a_later_connect_is_held_for_the_timeout() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, false).await;
    first_connect(&engine, &ctx, &id).await;
    let started = tokio::time::Instant::now();
    let reply = send(&engine, &ctx, connect_msg(&id)).await;
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    assert_eq!(reply.only()["successful"], true);
    assert!(reply.events.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_connect_asking_for_timeout_zero_or_batched_with_others_is_not_held() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, false).await;
    first_connect(&engine, &ctx, &id).await;
    let started = tokio::time::Instant::now();
    first_connect(&engine, &ctx, &id).await; // advice.timeout = 0
    let batched = send(
        &engine,
        &ctx,
        json!([
            {"channel":"/meta/connect","clientId":id,"connectionType":"long-polling"},
            {"channel":"/meta/subscribe","clientId":id,"subscription":"/a"}
        ]),
    )
    .await;
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(batched.replies.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_newer_connect_supersedes_the_held_one_with_http_500() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, false).await;
    first_connect(&engine, &ctx, &id).await;
    let old = spawn_connect(&engine, &ctx, &id).await;
    let newer = spawn_connect(&engine, &ctx, &id).await;
    let old = old.await.unwrap();
    assert_eq!(old.status, 500);
    assert!(!newer.is_finished());
    let newer = newer.await.unwrap();
    assert_eq!(newer.status, 200);
}

#[tokio::test(start_paused = true)]
async fn disconnect_releases_the_held_connect_and_forgets_the_session() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, false).await;
    first_connect(&engine, &ctx, &id).await;
    let held = spawn_connect(&engine, &ctx, &id).await;
    let started = tokio::time::Instant::now();
    let bye = send(
        &engine,
        &ctx,
        json!([{"channel":"/meta/disconnect","clientId":id,"id":"d"}]),
    )
    .await;
    assert_eq!(bye.only()["successful"], true);
    let held = held.await.unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(held.only()["advice"]["reconnect"], "none");
    assert_eq!(engine.stats().sessions, 0);
    let after = first_connect(&engine, &ctx, &id).await;
    assert_eq!(after.only()["error"], "402::session_unknown");
}

#[tokio::test(start_paused = true)]
async fn a_second_session_of_one_browser_gets_multiple_clients_advice() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let (a, b) = two_connected_sessions(&engine, &ctx).await;
    let held = spawn_connect(&engine, &ctx, &a).await;
    let started = tokio::time::Instant::now();
    let second = send(&engine, &ctx, connect_msg(&b)).await;
    assert_eq!(started.elapsed(), Duration::ZERO);
    let advice = &second.only()["advice"];
    assert_eq!(advice["multiple-clients"], true);
    assert_eq!(advice["reconnect"], "retry");
    assert_eq!(advice["interval"], 2000);
    // Another browser of the same user is not limited.
    let other_browser = crate::util::ctx("u1", "b2");
    let c = handshake(&engine, &other_browser, false).await;
    first_connect(&engine, &other_browser, &c).await;
    let third = spawn_connect(&engine, &other_browser, &c).await;
    assert!(!third.is_finished());
    held.abort();
    third.abort();
}

#[tokio::test(start_paused = true)]
async fn the_configured_timeout_is_advised_and_used() {
    let engine = engine_with(BayeuxConfig {
        timeout: Duration::from_secs(5),
        ..BayeuxConfig::default()
    });
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, false).await;
    let first = first_connect(&engine, &ctx, &id).await;
    assert_eq!(first.only()["advice"]["timeout"], 5000);
    let started = tokio::time::Instant::now();
    send(&engine, &ctx, connect_msg(&id)).await;
    assert_eq!(started.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn a_held_connect_dropped_unanswered_frees_its_browser_slot_and_lets_the_session_expire() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let (a, b) = two_connected_sessions(&engine, &ctx).await;
    let body = serde_json::to_vec(&connect_msg(&a)).unwrap();
    let Ok(ucs_cometd::Begun::Held(held)) = engine.begin(&body, &ctx) else {
        panic!("the second connect of a session is held");
    };
    // While it is held, the browser's other session may not hold a connect too.
    let second = send(&engine, &ctx, connect_msg(&b)).await;
    assert_eq!(second.only()["advice"]["multiple-clients"], true);
    // Its connection closed: the slot is the browser's again.
    drop(held);
    let third = spawn_connect(&engine, &ctx, &b).await;
    assert!(!third.is_finished(), "b's connect is held");
    // And `a`, which nobody polls any more, expires after maxInterval.
    tokio::time::advance(Duration::from_secs(11)).await;
    assert_eq!(engine.sweep(tokio::time::Instant::now()), 1);
    let after = first_connect(&engine, &ctx, &a).await;
    assert_eq!(after.only()["error"], "402::session_unknown");
    third.abort();
}

/// Two sessions of one browser, each past its first connect.
async fn two_connected_sessions(
    engine: &ucs_cometd::Engine,
    ctx: &ucs_cometd::TransportContext,
) -> (String, String) {
    let a = handshake(engine, ctx, false).await;
    let b = handshake(engine, ctx, false).await;
    first_connect(engine, ctx, &a).await;
    first_connect(engine, ctx, &b).await;
    (a, b)
}
