use crate::util::*;
use serde_json::json;
use std::time::Duration;
use ucs_cometd::BayeuxConfig;

const UCS: &str = "/v2/ucs/interactions";

#[tokio::test(start_paused = true)]
async fn a_delivery_releases_the_held_connect_with_the_message_before_the_reply() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = ready_session(&engine, &ctx, UCS, false).await;
    let held = spawn_connect(&engine, &ctx, &id).await;
    let started = tokio::time::Instant::now();
    assert_eq!(
        engine.deliver_to_user("u1", UCS, &json!({"referenceId": 1})),
        1
    );
    let reply = held.await.unwrap();
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(
        reply.body,
        json!([
            {"channel": UCS, "data": {"referenceId": 1}},
            reply.replies[0].clone()
        ])
    );
    assert_eq!(reply.replies[0]["channel"], "/meta/connect");
}

#[tokio::test(start_paused = true)]
async fn delivery_reaches_only_the_users_sessions_on_matching_channels() {
    let engine = engine();
    let mine = ctx("u1", "b1");
    let other = ctx("u2", "b2");
    let a = ready_session(&engine, &mine, UCS, false).await;
    let b = ready_session(&engine, &mine, "/v2/**", false).await;
    let c = ready_session(&engine, &mine, "/v2/ucs/*", false).await;
    let d = ready_session(&engine, &mine, "/v2/me/*", false).await;
    let e = ready_session(&engine, &other, UCS, false).await;
    assert_eq!(engine.deliver_to_user("u1", UCS, &json!({"n": 1})), 3);
    for (ctx, id, expected) in [
        (&mine, &a, 1),
        (&mine, &b, 1),
        (&mine, &c, 1),
        (&mine, &d, 0),
        (&other, &e, 0),
    ] {
        let reply = first_connect(&engine, ctx, id).await;
        assert_eq!(reply.events.len(), expected, "session {id}");
    }
}

#[tokio::test(start_paused = true)]
async fn unsubscribed_sessions_receive_nothing() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = ready_session(&engine, &ctx, UCS, false).await;
    let reply = send(
        &engine,
        &ctx,
        json!([{"channel":"/meta/unsubscribe","clientId":id,"subscription":UCS}]),
    )
    .await;
    assert_eq!(reply.only()["successful"], true);
    assert_eq!(reply.only()["subscription"], UCS);
    assert_eq!(engine.deliver_to_user("u1", UCS, &json!({})), 0);
}

#[tokio::test(start_paused = true)]
async fn messages_arrive_in_order_and_ride_on_other_replies() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = ready_session(&engine, &ctx, UCS, false).await;
    for n in 0..3 {
        engine.deliver_to_user("u1", UCS, &json!({"n": n}));
    }
    // A subscribe reply carries what is queued (the spec allows it; the Java server does it).
    let reply = send(
        &engine,
        &ctx,
        json!([{"channel":"/meta/subscribe","clientId":id,"subscription":"/other"}]),
    )
    .await;
    assert_eq!(
        reply.data(),
        [json!({"n":0}), json!({"n":1}), json!({"n":2})]
    );
    let next = first_connect(&engine, &ctx, &id).await;
    assert!(next.events.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_full_queue_drops_the_oldest_and_counts_it() {
    let engine = engine_with(BayeuxConfig {
        max_queue: 3,
        ..BayeuxConfig::default()
    });
    let ctx = ctx("u1", "b1");
    let id = ready_session(&engine, &ctx, UCS, false).await;
    for n in 0..5 {
        engine.deliver_to_user("u1", UCS, &json!({"n": n}));
    }
    let stats = engine.stats();
    assert_eq!((stats.queued, stats.dropped, stats.deliveries), (3, 2, 5));
    let reply = first_connect(&engine, &ctx, &id).await;
    assert_eq!(
        reply.data(),
        [json!({"n":2}), json!({"n":3}), json!({"n":4})]
    );
    assert_eq!(engine.stats().queued, 0);
}

#[tokio::test(start_paused = true)]
async fn subscription_errors() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, false).await;
    for (subscription, error) in [
        (json!(null), "403::subscription_missing"),
        (json!([]), "403::subscription_missing"),
        (json!([1]), "403::subscription_missing"),
        (json!("no-slash"), "403::subscription_invalid"),
        (json!("/a/*/b"), "403::subscription_invalid"),
        (json!("/meta/connect"), "403::subscribe_denied"),
        (json!("/meta/**"), "403::subscribe_denied"),
    ] {
        let reply = send(
            &engine,
            &ctx,
            json!([{"channel":"/meta/subscribe","clientId":id,"subscription":subscription}]),
        )
        .await;
        assert_eq!(reply.only()["successful"], false, "{subscription}");
        assert_eq!(reply.only()["error"], error, "{subscription}");
    }
    let list = send(
        &engine,
        &ctx,
        json!([{"channel":"/meta/subscribe","clientId":id,"subscription":["/a","/b/**"]}]),
    )
    .await;
    assert_eq!(list.only()["successful"], true);
    assert_eq!(list.only()["subscription"], json!(["/a", "/b/**"]));
}

#[tokio::test(start_paused = true)]
async fn serialized_data_is_delivered_as_written_and_sessions_are_known_per_user() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    assert!(!engine.has_sessions("u1"));
    let id = ready_session(&engine, &ctx, UCS, false).await;
    assert!(engine.has_sessions("u1"));
    assert!(!engine.has_sessions("u2"));
    let data = ucs_cometd::JsonText::of(&json!({"referenceId": 7, "interactions": []})).unwrap();
    assert_eq!(
        engine.deliver_json_to_user("u1", UCS, &data, std::time::Instant::now()),
        1
    );
    assert_eq!(
        engine.deliver_json_to_user("u2", UCS, &data, std::time::Instant::now()),
        0
    );
    let reply = first_connect(&engine, &ctx, &id).await;
    assert_eq!(
        reply.events,
        [json!({"channel": UCS, "data": {"referenceId": 7, "interactions": []}})]
    );
}

#[tokio::test(start_paused = true)]
async fn a_large_result_is_written_from_its_one_shared_copy_and_keeps_its_origin() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = ready_session(&engine, &ctx, UCS, false).await;
    let big = "x".repeat(4096);
    let small = ucs_cometd::JsonText::of(&json!({"referenceId": 1})).unwrap();
    let large = ucs_cometd::JsonText::of(&json!({"referenceId": 2, "pad": big})).unwrap();
    let asked = std::time::Instant::now() - Duration::from_millis(5);
    engine.deliver_json_to_user("u1", UCS, &small, std::time::Instant::now());
    engine.deliver_json_to_user("u1", UCS, &large, asked);
    let mut msg = connect_msg(&id);
    msg[0]["advice"] = json!({"timeout": 0});
    let body = serde_json::to_vec(&msg).unwrap();
    let Ok(ucs_cometd::Begun::Answered(response)) = engine.begin(&body, &ctx) else {
        panic!("a connect with queued messages is answered at once");
    };
    assert_eq!(response.oldest_origin(), Some(asked));
    let pieces = response.to_json_pieces();
    let mut joined = Vec::new();
    let mut shared = 0;
    for piece in &pieces {
        match piece {
            ucs_cometd::JsonPiece::Text(text) => joined.extend_from_slice(text),
            ucs_cometd::JsonPiece::Shared(text) => {
                shared += 1;
                assert!(String::from_utf8_lossy(text.as_ref()).contains(&big));
                joined.extend_from_slice(text.as_ref());
            }
        }
    }
    assert_eq!(
        shared, 1,
        "only the large event is shared, the small one is copied"
    );
    assert_eq!(joined, response.to_json());
}
