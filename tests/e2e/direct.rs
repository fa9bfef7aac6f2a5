//! Requests answered before pingora parses them (`connection/direct.rs`): a history POST that
//! arrives whole in one read gets the very bytes pingora's path writes for the same request.

use crate::support::{Client, Launch, Proxy, Response};
use std::collections::BTreeMap;
use std::time::Duration;

const INTERACTIONS: &str = "/api/v2/ucs/interactions";

/// What must match between the two paths: the status, the headers but `Date`, and the body with
/// its `referenceId` (a counter) blanked.
fn comparable(response: &Response) -> (u16, BTreeMap<String, String>, serde_json::Value) {
    let mut headers = response.headers.clone();
    headers.remove("date");
    let mut body = response.json();
    if let Some(id) = body.get_mut("referenceId") {
        *id = serde_json::json!(0);
    }
    (response.status, headers, body)
}

/// The raw request: head and body.
fn request(client: &Client, body: &str) -> (String, String) {
    let head = format!(
        "POST {INTERACTIONS} HTTP/1.1\r\nHost: x\r\n{}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        client.authorization_line(),
        body.len()
    );
    (head, body.to_owned())
}

/// Sends the request in one write (whole in the proxy's first read: answered directly).
fn whole(client: &mut Client, body: &str) -> Response {
    let (head, body) = request(client, body);
    client.send_raw(format!("{head}{body}").as_bytes());
    client.read_response()
}

/// Sends the head, then the body a moment later (pingora reads the rest).
fn split(client: &mut Client, body: &str) -> Response {
    let (head, body) = request(client, body);
    client.send_raw(head.as_bytes());
    std::thread::sleep(Duration::from_millis(50));
    client.send_raw(body.as_bytes());
    client.read_response()
}

#[test]
fn a_request_read_whole_is_answered_as_pingoras_path_answers_it() {
    let log = std::env::temp_dir().join(format!("ucs-e2e-direct-{}.log", std::process::id()));
    let proxy = Proxy::launch(Launch {
        env: &[("UCS_PROXY_LOG__LEVEL", "warn,ucs_proxy::edge::direct=debug")],
        log_file: Some(log.clone()),
        ..Launch::default()
    });
    let query = r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat"}"#;
    // Warm the cache: both paths then answer a hit.
    split(&mut proxy.connect(), query);
    std::thread::sleep(Duration::from_millis(300));
    let bodies = [
        query,
        r#"{"operationName":"RetrieveInteractionHistory","maxSize":0}"#,
        r#"{"operationName":"NoSuchOperation"}"#,
        "not json",
    ];
    assert_eq!(whole(&mut proxy.connect(), query).headers["x-cache"], "HIT");
    let mut wholes = 1;
    for anonymous in [false, true] {
        let connect = || match anonymous {
            false => proxy.connect(),
            true => proxy.connect_anonymous(),
        };
        for body in bodies {
            // Each on its own connection: a refused login closes it (its body unread).
            let (mut one, mut other) = (connect(), connect());
            let direct = whole(&mut one, body);
            wholes += 1;
            let through_pingora = split(&mut other, body);
            assert_eq!(
                comparable(&direct),
                comparable(&through_pingora),
                "{body}: {} / {}",
                direct.text(),
                through_pingora.text()
            );
            if anonymous {
                assert!(one.is_closed_by_server(), "{body}");
                assert!(other.is_closed_by_server(), "{body}");
            } else {
                // Kept alive: the next request on the connection is answered too.
                assert_eq!(whole(&mut one, query).status, 200, "{body}");
                wholes += 1;
            }
        }
    }
    drop(proxy);
    let text = std::fs::read_to_string(&log).unwrap();
    let direct_lines = text.matches("answered before pingora").count();
    assert!(direct_lines >= wholes, "{direct_lines} of {wholes}: {text}");
}
