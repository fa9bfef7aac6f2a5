//! A held `/meta/connect` is parked beside its connection (the request ends inside pingora and
//! the connection's own loop writes the answer): the answer must be framed as every other one
//! and the connection must go on serving requests.

use crate::cometd::{cometd_session, connect, subscribe};
use crate::support::{Client, Proxy, Response};
use std::time::Duration;

#[test]
fn a_parked_long_poll_is_answered_like_any_request_and_its_connection_serves_the_next() {
    let proxy = Proxy::start(&[]);
    let (mut client, id) = cometd_session(&proxy);
    assert_eq!(
        client.post("/api/v2/notifications", &subscribe(&id)).status,
        200
    );
    let connect = |advice| connect(&id, advice);
    let immediate = client.post(
        "/api/v2/notifications",
        &connect(serde_json::json!({"timeout": 0})),
    );
    assert_eq!(immediate.status, 200);

    let (held, ack) = held_across_a_query(&proxy, &mut client, &connect(serde_json::json!({})));
    assert_eq!(ack.status, 200, "{}", ack.text());
    let reference_id = ack.json()["referenceId"].clone();
    assert_eq!(held.status, 200, "{}", held.text());
    // The framing of an answer written inside a request: same headers, same values but the date.
    let names = |r: &crate::support::Response| r.headers.keys().cloned().collect::<Vec<_>>();
    assert_eq!(names(&held), names(&immediate));
    assert_eq!(
        held.headers["content-type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(held.headers["connection"], "keep-alive");
    assert_eq!(held.headers["content-length"], held.body.len().to_string());
    assert!(!held.headers["date"].is_empty());
    let messages = held.json();
    let messages = messages.as_array().expect("a Bayeux batch");
    let notification = messages
        .iter()
        .find(|m| m["channel"] == "/v2/ucs/interactions")
        .unwrap_or_else(|| panic!("the notification rides on the held connect: {messages:?}"));
    assert_eq!(notification["data"]["referenceId"], reference_id);
    let reply = messages.last().unwrap();
    assert_eq!(reply["channel"], "/meta/connect");
    assert_eq!(reply["successful"], true);

    // Its delivery was timed, from the POST received to the answer's last byte written.
    let delivered = crate::support::sample(
        &proxy.metrics(),
        "ucs_proxy_notification_delivery_seconds_count",
    );
    assert_eq!(delivered, 1.0);

    // The same connection serves the next request.
    let next = client.post(
        "/api/v2/notifications",
        &connect(serde_json::json!({"timeout": 0})),
    );
    assert_eq!(next.status, 200, "{}", next.text());
    assert_eq!(
        next.json().as_array().unwrap().last().unwrap()["successful"],
        true
    );
}

/// Sends the held `connect` on `client` and, once it is parked, a history query of its user:
/// the connect's answer and the query's ack.
fn held_across_a_query(proxy: &Proxy, client: &mut Client, connect: &str) -> (Response, Response) {
    std::thread::scope(|scope| {
        let query = scope.spawn(|| {
            // The connect below is held (parked) by then.
            std::thread::sleep(Duration::from_millis(300));
            proxy.connect().post(
                "/api/v2/ucs/interactions",
                r#"{"operationName":"RetrieveInteractionHistory"}"#,
            )
        });
        let held = client.post("/api/v2/notifications", connect);
        (held, query.join().unwrap())
    })
}

#[test]
fn a_client_gone_while_its_long_poll_is_parked_frees_its_browser_at_once() {
    let proxy = Proxy::start(&[]);
    // A page of the browser holds a connect, then goes away (reloaded) without its answer.
    let (mut page, id) = cometd_session(&proxy);
    let first = page.post(
        "/api/v2/notifications",
        &connect(&id, serde_json::json!({"timeout": 0})),
    );
    assert_eq!(first.status, 200, "{}", first.text());
    let held = connect(&id, serde_json::json!({}));
    page.send_request("POST", "/api/v2/notifications", &[], held.as_bytes());
    std::thread::sleep(Duration::from_millis(300));
    drop(page);
    std::thread::sleep(Duration::from_millis(200));

    // The reloaded page, same browser: its connect is held (and answered with the notification),
    // not told "multiple-clients" while the old poll waits for its timeout.
    let (mut reloaded, id) = cometd_session(&proxy);
    assert_eq!(
        reloaded
            .post("/api/v2/notifications", &subscribe(&id))
            .status,
        200
    );
    let first = reloaded.post(
        "/api/v2/notifications",
        &connect(&id, serde_json::json!({"timeout": 0})),
    );
    assert_eq!(first.status, 200, "{}", first.text());
    let (held, ack) =
        held_across_a_query(&proxy, &mut reloaded, &connect(&id, serde_json::json!({})));
    assert_eq!(ack.status, 200, "{}", ack.text());
    let messages = held.json();
    let messages = messages.as_array().expect("a Bayeux batch");
    assert!(
        messages
            .iter()
            .any(|m| m["channel"] == "/v2/ucs/interactions"),
        "the reloaded page's connect was held and carries the notification: {messages:?}"
    );
    assert!(!held.text().contains("multiple-clients"), "{}", held.text());
}
