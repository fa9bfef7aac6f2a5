use crate::util::*;
use std::time::Duration;
use tokio::time::{advance, Instant};

#[tokio::test(start_paused = true)]
async fn a_session_that_never_connects_expires_after_max_interval() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    handshake(&engine, &ctx, false).await;
    advance(Duration::from_millis(9_999)).await;
    assert_eq!(engine.sweep(Instant::now()), 0);
    advance(Duration::from_millis(2)).await;
    assert_eq!(engine.sweep(Instant::now()), 1);
    assert_eq!(engine.stats().sessions, 0);
    assert_eq!(engine.stats().expired, 1);
}

#[tokio::test(start_paused = true)]
async fn a_held_connect_keeps_the_session_alive_and_a_reply_restarts_the_clock() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, false).await;
    first_connect(&engine, &ctx, &id).await;
    let held = spawn_connect(&engine, &ctx, &id).await;
    // 25 s into a 30 s hold: far past maxInterval, but held sessions never expire.
    advance(Duration::from_secs(25)).await;
    assert_eq!(engine.sweep(Instant::now()), 0);
    held.await.unwrap();
    // The reply went out at 30 s: the client has interval + maxInterval (10 s) to come back.
    advance(Duration::from_millis(9_999)).await;
    assert_eq!(engine.sweep(Instant::now()), 0);
    advance(Duration::from_millis(2)).await;
    assert_eq!(engine.sweep(Instant::now()), 1);
}

#[tokio::test(start_paused = true)]
async fn the_background_sweeper_removes_expired_sessions_on_its_own() {
    let engine = engine();
    let sweeper = tokio::spawn(engine.clone().run_sweeper());
    let ctx = ctx("u1", "b1");
    handshake(&engine, &ctx, false).await;
    handshake(&engine, &ctx, false).await;
    assert_eq!(engine.stats().sessions, 2);
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(engine.stats().sessions, 0);
    sweeper.abort();
}

#[tokio::test(start_paused = true)]
async fn messages_for_an_expired_session_are_not_queued() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    ready_session(&engine, &ctx, "/v2/ucs/interactions", false).await;
    advance(Duration::from_secs(11)).await;
    engine.sweep(Instant::now());
    let n = engine.deliver_to_user("u1", "/v2/ucs/interactions", &serde_json::json!({}));
    assert_eq!(n, 0);
}
