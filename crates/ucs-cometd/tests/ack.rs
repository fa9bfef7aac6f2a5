use crate::util::*;
use serde_json::{json, Value};

const UCS: &str = "/v2/ucs/interactions";

fn connect_with_ack(client_id: &str, acked: u64) -> Value {
    json!([{"channel":"/meta/connect","clientId":client_id,"connectionType":"long-polling",
            "advice":{"timeout":0},"ext":{"ack":acked}}])
}

#[tokio::test(start_paused = true)]
async fn handshake_with_ack_is_confirmed_and_connects_carry_batches() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let reply = send(
        &engine,
        &ctx,
        json!([{"channel":"/meta/handshake","supportedConnectionTypes":["long-polling"],"ext":{"ack":true}}]),
    )
    .await;
    assert_eq!(reply.only()["ext"], json!({"ack": true}));
    let id = reply.only()["clientId"].as_str().unwrap().to_owned();
    let c = send(&engine, &ctx, connect_with_ack(&id, 0)).await;
    assert_eq!(c.only()["ext"]["ack"], 1);
}

#[tokio::test(start_paused = true)]
async fn unacknowledged_messages_are_sent_again_once_in_order_and_acked_ones_never() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, true).await;
    let batch0 = send(&engine, &ctx, connect_with_ack(&id, 0)).await.only()["ext"]["ack"]
        .as_u64()
        .unwrap();
    subscribe(&engine, &ctx, &id, UCS).await;
    engine.deliver_to_user("u1", UCS, &json!({"n": 1}));
    engine.deliver_to_user("u1", UCS, &json!({"n": 2}));

    // With ack, messages travel only on connect replies: none on this subscribe reply.
    let sub = send(
        &engine,
        &ctx,
        json!([{"channel":"/meta/subscribe","clientId":id,"subscription":"/x"}]),
    )
    .await;
    assert!(sub.events.is_empty());

    // This reply is "lost" on the way: the client never acknowledges its batch.
    let lost = send(&engine, &ctx, connect_with_ack(&id, batch0)).await;
    assert_eq!(lost.data(), [json!({"n":1}), json!({"n":2})]);
    let lost_batch = lost.only()["ext"]["ack"].as_u64().unwrap();
    engine.deliver_to_user("u1", UCS, &json!({"n": 3}));

    // The client reconnects still acknowledging only batch0: everything comes again, in order,
    // followed by the new message.
    let again = send(&engine, &ctx, connect_with_ack(&id, batch0)).await;
    assert_eq!(
        again.data(),
        [json!({"n":1}), json!({"n":2}), json!({"n":3})]
    );
    let got = again.only()["ext"]["ack"].as_u64().unwrap();
    assert!(got > lost_batch);

    // Acknowledged: nothing is sent twice.
    let after = send(&engine, &ctx, connect_with_ack(&id, got)).await;
    assert!(after.events.is_empty());
    assert_eq!(engine.stats().queued, 0);
}

#[tokio::test(start_paused = true)]
async fn a_connect_with_unacknowledged_messages_is_not_held() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = handshake(&engine, &ctx, true).await;
    send(&engine, &ctx, connect_with_ack(&id, 0)).await;
    subscribe(&engine, &ctx, &id, UCS).await;
    engine.deliver_to_user("u1", UCS, &json!({"n": 1}));
    let first = send(&engine, &ctx, connect_with_ack(&id, 0)).await;
    assert_eq!(first.events.len(), 1);
    let started = tokio::time::Instant::now();
    let mut held = connect_msg(&id);
    held[0]["ext"] = json!({"ack": 0});
    let resent = send(&engine, &ctx, held).await;
    assert_eq!(started.elapsed(), std::time::Duration::ZERO);
    assert_eq!(resent.events.len(), 1);
}
