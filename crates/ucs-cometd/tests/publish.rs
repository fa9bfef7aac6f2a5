use crate::util::*;
use serde_json::json;

#[tokio::test(start_paused = true)]
async fn a_client_publish_reaches_subscribers_of_its_tenant_and_itself() {
    let engine = engine();
    let alice = ctx("u1", "b1");
    let bob = ctx("u2", "b2");
    let mallory = ctx("t2-u3", "b3");
    let a = ready_session(&engine, &alice, "/chat/**", false).await;
    let b = ready_session(&engine, &bob, "/chat/room", false).await;
    let m = ready_session(&engine, &mallory, "/chat/room", false).await;
    let reply = send(
        &engine,
        &alice,
        json!([{"channel":"/chat/room","clientId":a,"id":"p","data":{"text":"hi"}}]),
    )
    .await;
    let ack = reply.replies.last().unwrap();
    assert_eq!(
        ack,
        &json!({"channel":"/chat/room","id":"p","successful":true})
    );
    // The publisher is subscribed: its copy rides on the publish reply, without clientId or id.
    assert_eq!(
        reply.events,
        [json!({"channel":"/chat/room","data":{"text":"hi"}})]
    );
    assert_eq!(first_connect(&engine, &bob, &b).await.events.len(), 1);
    assert_eq!(first_connect(&engine, &mallory, &m).await.events.len(), 0);
}

#[tokio::test(start_paused = true)]
async fn clients_may_not_publish_to_server_meta_or_wildcard_channels() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = ready_session(&engine, &ctx, "/v2/**", false).await;
    for (channel, error) in [
        ("/v2/ucs/interactions", "403::publish_denied"),
        ("/v2", "403::publish_denied"),
        ("/meta/foo", "400::channel_unknown"),
        ("/chat/*", "405::channel_invalid"),
        ("not-a-channel", "405::channel_invalid"),
    ] {
        let reply = send(
            &engine,
            &ctx,
            json!([{"channel":channel,"clientId":id,"data":{"forged":true}}]),
        )
        .await;
        let r = reply.replies.last().unwrap();
        assert_eq!(r["successful"], false, "{channel}");
        assert_eq!(r["error"], error, "{channel}");
    }
    assert_eq!(engine.stats().deliveries, 0);
}

#[tokio::test(start_paused = true)]
async fn a_service_publish_is_acknowledged_but_never_broadcast() {
    let engine = engine();
    let ctx = ctx("u1", "b1");
    let id = ready_session(&engine, &ctx, "/service/echo", false).await;
    let reply = send(
        &engine,
        &ctx,
        json!([{"channel":"/service/echo","clientId":id,"data":1}]),
    )
    .await;
    assert_eq!(reply.only()["successful"], true);
    assert!(reply.events.is_empty());
    assert_eq!(engine.stats().deliveries, 0);
}
