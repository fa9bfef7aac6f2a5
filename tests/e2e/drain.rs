//! A stopping process (SIGTERM) keeps the connections it holds until it hands the CometD sessions
//! over: its listener is closed, so a connection it dropped while idle between two polls could
//! not be replaced, and the results it still owes would never reach their clients.

use crate::cometd::{cometd_session, connect, subscribe};
use crate::support::{config_with_backends, Client, Launch, Proxy, Response};
use std::time::Duration;

const NOTIFICATIONS: &str = "/api/v2/notifications";
const INTERACTIONS: &str = "/api/v2/ucs/interactions";
const CHAT_QUERY: &str = r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat"}"#;
const OTHER_CHAT_QUERY: &str =
    r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat","customAttributes":["x"]}"#;

/// Every query takes 2.5 s in the store: its result is still owed when the signal comes.
const SLOW_STORE: &str = "[[backends]]\nlibrary = \"libucs_plugin_fault_test.so\"\n\
    timeout_ms = 5000\n[backends.config]\nmode = \"count\"\ndelay_ms = 2500\n";

/// A proxy on the slow store (its grace period 6 s: results owed are awaited up to 5 s), and a
/// desk's CometD session on it (subscribed, its first poll answered): the desk's connection and
/// client id.
fn proxy_and_desk(name: &str) -> (Proxy, Client, String) {
    let proxy = Proxy::launch(Launch {
        env: &[("UCS_PROXY_SERVER__GRACE_PERIOD_SECONDS", "6")],
        config: Some(config_with_backends(name, SLOW_STORE)),
        ..Launch::default()
    });
    let (mut desk, id) = cometd_session(&proxy);
    assert_eq!(desk.post(NOTIFICATIONS, &subscribe(&id)).status, 200);
    let answered_at_once = connect(&id, serde_json::json!({"timeout": 0}));
    assert_eq!(desk.post(NOTIFICATIONS, &answered_at_once).status, 200);
    (proxy, desk, id)
}

/// The referenceId a history query's ack carries.
fn acked(ack: &Response) -> serde_json::Value {
    assert_eq!(ack.status, 200, "{}", ack.text());
    ack.json()["referenceId"].clone()
}

/// The history results a poll's answer carries, by referenceId.
fn results(poll: &Response) -> Vec<serde_json::Value> {
    assert_eq!(poll.status, 200, "{}", poll.text());
    let messages = poll.json();
    let results: Vec<_> = messages
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["channel"] == "/v2/ucs/interactions")
        .map(|m| {
            assert!(m["data"]["interactions"].is_array(), "a result: {m}");
            m["data"]["referenceId"].clone()
        })
        .collect();
    results
}

/// Sends SIGTERM and waits until the listener is closed.
fn stop(proxy: &Proxy) {
    proxy.signal("TERM");
    for _ in 0..200 {
        if std::net::TcpStream::connect(proxy.addr).is_err() {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("the listener is still open 2 s after SIGTERM");
}

#[test]
fn a_cometd_connection_idle_when_sigterm_comes_still_carries_the_result_owed() {
    let (mut proxy, mut desk, id) = proxy_and_desk("drain-idle");
    let owed = acked(&proxy.connect().post(INTERACTIONS, CHAT_QUERY));
    // The desk's connection is idle (between two polls) when the signal comes; its next poll
    // still reaches the process, and brings the result owed.
    stop(&proxy);
    let poll = desk.post(NOTIFICATIONS, &connect(&id, serde_json::json!({})));
    assert_eq!(results(&poll), [owed]);
    // Nothing else is owed: the sessions are handed over, the process exits.
    assert_eq!(proxy.exit_status(Duration::from_secs(15)).code(), Some(0));
}

#[test]
fn after_sigterm_an_answered_poll_keeps_its_connection_for_the_next_result() {
    let (mut proxy, mut desk, id) = proxy_and_desk("drain-next");
    let mut agent = proxy.connect();
    let first = acked(&agent.post(INTERACTIONS, CHAT_QUERY));
    // The desk's poll is parked when the signal comes.
    let poll = connect(&id, serde_json::json!({}));
    let parked = std::thread::spawn(move || {
        let answer = desk.post(NOTIFICATIONS, &poll);
        (desk, answer)
    });
    std::thread::sleep(Duration::from_millis(200));
    stop(&proxy);
    // The agent's connection, idle since its query, still takes one: its answer closes it.
    let ack = agent.post(INTERACTIONS, OTHER_CHAT_QUERY);
    assert_eq!(ack.headers["connection"], "close");
    let second = acked(&ack);
    let (mut desk, answer) = parked.join().unwrap();
    assert_eq!(results(&answer), [first]);
    // The desk's next poll, on the connection its answer kept, brings the second result.
    let poll = desk.post(NOTIFICATIONS, &connect(&id, serde_json::json!({})));
    assert_eq!(results(&poll), [second]);
    assert_eq!(proxy.exit_status(Duration::from_secs(15)).code(), Some(0));
}
