//! Routes that are not ours go to the upstream GWS pool unchanged (pingora load balancing with
//! active health checks). The upstream here is a stand-in node written for the test (no GWS
//! exists on this machine): it echoes what it received.

use crate::stand_in::read_request_head;
use crate::support::{free_port, Launch, Proxy};
use std::io::{BufReader, Read, Write};
use std::net::TcpListener;

/// A stand-in GWS node: answers every request with HTTP 207, a `Set-Cookie`, and a JSON body
/// echoing the request line, every header and the body. Keep-alive, one thread per connection.
fn echo_node() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut out = stream;
                while let Some((line, lines)) = read_request_head(&mut reader) {
                    let mut headers = serde_json::Map::new();
                    let mut length = 0;
                    for header in lines {
                        let (name, value) = header.split_once(':').unwrap();
                        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
                        if name == "content-length" {
                            length = value.parse().unwrap();
                        }
                        headers.insert(name, value.into());
                    }
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    let echo = serde_json::json!({
                        "requestLine": line,
                        "headers": headers,
                        "body": String::from_utf8_lossy(&body),
                        "node": port,
                    })
                    .to_string();
                    let answer = format!(
                        "HTTP/1.1 207 Multi-Status\r\nContent-Type: application/json\r\n\
                         Set-Cookie: GWSID=node{port}; Path=/\r\nContent-Length: {}\r\n\r\n{echo}",
                        echo.len()
                    );
                    if out.write_all(answer.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn servers(ports: &[u16]) -> String {
    let list: Vec<String> = ports.iter().map(|p| format!("\"127.0.0.1:{p}\"")).collect();
    format!("[{}]", list.join(","))
}

#[test]
fn routes_that_are_not_ours_pass_through_unchanged() {
    let node = echo_node();
    let upstream = servers(&[node]);
    let proxy = Proxy::launch(Launch {
        env: &[("UCS_PROXY_UPSTREAM__SERVERS", &upstream)],
        ..Launch::default()
    });
    let mut client = proxy.connect_anonymous();
    client.cookie = Some("JSESSIONID=abc123; theme=dark".into());
    let response = client.request("POST", "/api/v2/me?subresources=features", b"hello");
    assert_eq!(response.status, 207, "{}", response.text());
    assert_eq!(
        response.headers["set-cookie"],
        format!("GWSID=node{node}; Path=/")
    );
    let echo = response.json();
    assert_eq!(
        echo["requestLine"],
        "POST /api/v2/me?subresources=features HTTP/1.1"
    );
    assert_eq!(echo["body"], "hello");
    assert_eq!(echo["headers"]["cookie"], "JSESSIONID=abc123; theme=dark");
    assert_eq!(echo["headers"]["content-type"], "application/json");
    assert_eq!(echo["headers"]["x-forwarded-for"], "127.0.0.1");
    assert_eq!(echo["headers"]["x-forwarded-proto"], "http");

    // On our URL, an operationName that is not ours goes upstream with its body intact.
    let other_operation = r#"{"operationName":"AddInteractionNote","note":"x"}"#;
    let forwarded = proxy
        .connect()
        .post("/api/v2/ucs/interactions", other_operation);
    assert_eq!(forwarded.status, 207, "{}", forwarded.text());
    let echo = forwarded.json();
    assert_eq!(
        echo["requestLine"],
        "POST /api/v2/ucs/interactions HTTP/1.1"
    );
    assert_eq!(echo["body"], other_operation);
    // The same, whole in one write (the connection's direct answers leave it to pingora).
    let mut client = proxy.connect();
    client.send_raw(
        format!(
            "POST /api/v2/ucs/interactions HTTP/1.1\r\nHost: x\r\n{}Content-Length: {}\r\n\r\n{other_operation}",
            client.authorization_line(),
            other_operation.len()
        )
        .as_bytes(),
    );
    let forwarded = client.read_response();
    assert_eq!(forwarded.status, 207, "{}", forwarded.text());
    assert_eq!(forwarded.json()["body"], other_operation);

    // Our own routes are still ours.
    let ack = proxy.connect().post(
        "/api/v2/ucs/interactions",
        r#"{"operationName":"RetrieveInteractionHistory"}"#,
    );
    assert_eq!(ack.status, 200);
    assert!(ack.headers.contains_key("x-cache"));
}

#[test]
fn a_dead_node_leaves_the_rotation_and_no_node_at_all_is_502() {
    let live = echo_node();
    let dead = free_port();
    let upstream = servers(&[dead, live]);
    let proxy = Proxy::launch(Launch {
        env: &[
            ("UCS_PROXY_UPSTREAM__SERVERS", &upstream),
            ("UCS_PROXY_UPSTREAM__SELECTION", "round_robin"),
            ("UCS_PROXY_UPSTREAM__HEALTH_CHECK_INTERVAL_MS", "100"),
        ],
        ..Launch::default()
    });
    std::thread::sleep(std::time::Duration::from_millis(600));
    let mut client = proxy.connect_anonymous();
    for _ in 0..10 {
        let response = client.request("GET", "/api/v2/me", b"");
        assert_eq!(response.status, 207, "{}", response.text());
        assert_eq!(response.json()["node"], live);
    }

    let nowhere = servers(&[free_port()]);
    let proxy = Proxy::launch(Launch {
        env: &[
            ("UCS_PROXY_UPSTREAM__SERVERS", &nowhere),
            ("UCS_PROXY_UPSTREAM__HEALTH_CHECK_INTERVAL_MS", "100"),
        ],
        ..Launch::default()
    });
    std::thread::sleep(std::time::Duration::from_millis(600));
    let response = proxy.connect_anonymous().request("GET", "/api/v2/me", b"");
    assert_eq!(response.status, 502);
}

#[test]
fn a_gws_session_stays_on_one_node() {
    let nodes = [echo_node(), echo_node()];
    let upstream = servers(&nodes);
    let proxy = Proxy::launch(Launch {
        env: &[("UCS_PROXY_UPSTREAM__SERVERS", &upstream)],
        ..Launch::default()
    });
    let mut seen = std::collections::BTreeSet::new();
    for session in 0..16 {
        let mut client = proxy.connect_anonymous();
        client.cookie = Some(format!("JSESSIONID=session-{session}"));
        let first = client.request("GET", "/api/v2/me", b"").json()["node"].clone();
        for _ in 0..5 {
            assert_eq!(
                client.request("GET", "/api/v2/me", b"").json()["node"],
                first
            );
        }
        seen.insert(first.as_u64().unwrap());
    }
    assert_eq!(seen.len(), 2, "sixteen sessions spread over both nodes");
}
