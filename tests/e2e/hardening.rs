//! What an attacker or a bad day finds (one test per finding of the hardening issue), against
//! the real binary.

use crate::support::Proxy;

const INTERACTIONS: &str = "/api/v2/ucs/interactions";

/// Finding 7: ~990 `searchCustomAttributes` pairs were acknowledged, then failed in the store
/// ("Expression tree is too large") and counted against the backend. Now they are refused before
/// the ack, naming the parameter, and the backend is never asked.
#[test]
fn too_many_search_pairs_are_refused_before_the_ack() {
    let proxy = Proxy::start(&[]);
    let pairs: Vec<String> = (0..990).map(|i| format!("\"k{i}\":\"v{i}\"")).collect();
    let body = format!(
        r#"{{"operationName":"RetrieveInteractionHistory","mediaType":"chat","searchCustomAttributes":{{{}}}}}"#,
        pairs.join(",")
    );
    let answer = proxy.connect().post(INTERACTIONS, &body);
    assert_eq!(answer.status, 400, "{}", answer.text());
    assert_eq!(
        answer.json(),
        serde_json::json!({"statusCode": 2, "statusMessage": "Invalid value for searchCustomAttributes: at most 100 entries"})
    );
    let names: Vec<String> = (0..101).map(|i| format!("\"a{i}\"")).collect();
    let body = format!(
        r#"{{"operationName":"RetrieveInteractionHistory","customAttributes":[{}]}}"#,
        names.join(",")
    );
    let answer = proxy.connect().post(INTERACTIONS, &body);
    assert_eq!(answer.status, 400);
    assert_eq!(answer.json()["statusCode"], 2);
    let metrics = proxy.metrics();
    assert!(
        !metrics.lines().any(
            |l| l.starts_with("ucs_proxy_backend_request_duration_seconds_count")
                && !l.ends_with(" 0")
        ),
        "no backend was asked: {metrics}"
    );
}

/// Finding 5: one session could hold 100 000 subscriptions, each subscribe scanning them all.
/// Now a session holds at most `cometd.max_subscriptions` (100 by default): a subscribe past it
/// is refused whole, and the session keeps working.
#[test]
fn a_session_cannot_subscribe_past_its_limit() {
    let proxy = Proxy::start(&[]);
    let (mut client, id) = crate::cometd::cometd_session(&proxy);
    let mut subscribe = |channels: Vec<String>| {
        let body = serde_json::json!([{"channel": "/meta/subscribe", "clientId": id, "subscription": channels}]);
        let reply = client.post("/api/v2/notifications", &body.to_string());
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()[0].clone()
    };
    let huge: Vec<String> = (0..4000).map(|i| format!("/c/{i}")).collect();
    let refused = subscribe(huge);
    assert_eq!(refused["successful"], false);
    assert_eq!(refused["error"], "403::subscription_limit");
    let hundred: Vec<String> = (0..100).map(|i| format!("/c/{i}")).collect();
    assert_eq!(
        subscribe(hundred.clone())["successful"],
        true,
        "up to the limit"
    );
    assert_eq!(subscribe(hundred)["successful"], true, "again: nothing new");
    let one_more = subscribe(vec!["/c/extra".to_owned()]);
    assert_eq!(one_more["error"], "403::subscription_limit");
}

/// Finding 2: 200 concurrent wrong passwords were each checked (argon2, memory never given back)
/// and a legitimate first login meanwhile took seconds. Now a source and a user name that keep
/// failing are refused unchecked (HTTP 429, `Retry-After`), and an agent logging in from another
/// address is not affected.
#[test]
fn a_password_guessing_flood_is_throttled_and_another_agent_logs_in() {
    use crate::support::Client;
    let proxy = Proxy::start(&[]);
    let query = r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat"}"#;
    let addr = proxy.addr;
    let guesses: Vec<_> = (0..200)
        .map(|i| {
            std::thread::spawn(move || {
                let mut client = Client::connect_from("127.0.0.1".parse().unwrap(), addr);
                client.authorization = Some(crate::support::basic("other", &format!("guess{i}")));
                let answer = client.post(INTERACTIONS, query);
                (answer.status, answer.headers.get("retry-after").cloned())
            })
        })
        .collect();
    let mut agent = Client::connect_from("127.0.0.2".parse().unwrap(), addr);
    agent.authorization = Some(crate::support::basic("demo", "demo"));
    let login = agent.post(INTERACTIONS, query);
    assert_eq!(login.status, 200, "{}", login.text());
    let answers: Vec<_> = guesses.into_iter().map(|g| g.join().unwrap()).collect();
    let throttled = answers.iter().filter(|(status, _)| *status == 429).count();
    let checked = answers.iter().filter(|(status, _)| *status == 401).count();
    assert_eq!(throttled + checked, 200);
    // Five free failures, plus what was being checked when the sixth blocked the rest.
    assert!(
        checked <= 8,
        "about the free attempts were checked: {checked}"
    );
    assert!(answers
        .iter()
        .filter(|(status, _)| *status == 429)
        .all(|(_, retry)| retry.is_some()));
    let metrics = proxy.metrics();
    assert!(
        crate::support::sample(&metrics, "ucs_proxy_auth_throttled_total{by=\"source\"}") > 0.0,
        "{metrics}"
    );
}

/// Finding 4: a proxy whose public port was taken gave up binding after ~30 s, kept running and
/// said it was ready. Now it stops at once with a message naming the address, and a non-zero
/// exit status.
#[test]
fn a_port_that_cannot_be_bound_stops_the_start() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let started = std::time::Instant::now();
    let output = std::process::Command::new(crate::support::proxy_binary())
        .args(["--config"])
        .arg(crate::support::config_dir().join("default.toml"))
        .current_dir(crate::support::work_dir())
        .env("UCS_PROXY_SERVER__LISTEN", &addr)
        .env(
            "UCS_PROXY_ADMIN__LISTEN",
            format!("127.0.0.1:{}", crate::support::free_port()),
        )
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")) && stderr.contains("in use"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "it stopped instead of retrying"
    );
}

#[test]
fn readiness_says_the_listener_accepts_connections() {
    let proxy = Proxy::start(&[]);
    let ready = proxy.admin().request("GET", "/readyz", b"");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["listening"], true);
}

/// Finding 6: a malformed chunked body (bad chunk size) got HTTP 500 with an empty body and an
/// ERROR line. Now it is a 400 with the GWS error body, and the connection closes (its framing
/// is lost).
#[test]
fn a_malformed_chunked_body_is_a_400_with_a_gws_error() {
    let proxy = Proxy::start(&[]);
    let mut client = proxy.connect();
    client.send_raw(
        format!(
            "POST {INTERACTIONS} HTTP/1.1\r\nHost: x\r\n{}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
            client.authorization_line()
        )
        .as_bytes(),
    );
    let answer = client.read_response();
    assert_eq!(answer.status, 400);
    assert_eq!(
        answer.json(),
        serde_json::json!({"statusCode": 2, "statusMessage": "Malformed request: invalid HTTP body framing"})
    );
    assert_eq!(answer.headers["connection"], "close");
}

/// Finding 10: two requests sent back to back in one segment got one answer (claiming
/// keep-alive); the second was dropped. Now both are answered, in order.
#[test]
fn pipelined_requests_are_all_answered_in_order() {
    let proxy = Proxy::start(&[]);
    let mut client = proxy.connect();
    let body = r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat"}"#;
    let request = format!(
        "POST {INTERACTIONS} HTTP/1.1\r\nHost: x\r\n{}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        client.authorization_line(),
        body.len()
    );
    client.send_raw(format!("{request}{request}{request}").as_bytes());
    let ids: Vec<u64> = (0..3)
        .map(|_| {
            let answer = client.read_response();
            assert_eq!(answer.status, 200, "{}", answer.text());
            answer.json()["referenceId"].as_u64().unwrap()
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in order: {ids:?}");
}

/// Finding 8 (in part): every connection closed mid-headers wrote an ERROR line, so an
/// unauthenticated client could flood the log. Now they are counted
/// (`ucs_proxy_downstream_dropped_total`) and not logged.
#[test]
fn connections_dropped_mid_headers_are_counted_not_logged() {
    use std::io::Write;
    let log = std::env::temp_dir().join(format!("ucs-e2e-drops-{}.log", std::process::id()));
    let proxy = Proxy::launch(crate::support::Launch {
        log_file: Some(log.clone()),
        ..crate::support::Launch::default()
    });
    for _ in 0..5 {
        let mut stream = std::net::TcpStream::connect(proxy.addr).unwrap();
        stream
            .write_all(b"POST /api/v2/ucs/interactions HTTP/1.1\r\nHost: x\r\nX-Slow: 1")
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut dropped = 0.0;
    for _ in 0..100 {
        dropped = crate::support::sample(&proxy.metrics(), "ucs_proxy_downstream_dropped_total");
        if dropped >= 5.0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(dropped, 5.0);
    drop(proxy);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(!text.contains("ERROR"), "{text}");
}

/// Finding 6 (the HTTP layer's own refusals): a bad `Content-Length`, a URI over 64 KiB and too
/// many headers got pingora's empty 400. Now each gets the GWS error body, and the next client
/// is served as usual.
#[test]
fn heads_the_http_layer_refuses_get_a_gws_error() {
    let proxy = Proxy::start(&[]);
    let many_headers: String = (0..300).map(|i| format!("X-H{i}: v\r\n")).collect();
    let heads = [
        format!("POST {INTERACTIONS} HTTP/1.1\r\nHost: x\r\nContent-Length: 12ab\r\n\r\n"),
        format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(70 * 1024)),
        format!("POST {INTERACTIONS} HTTP/1.1\r\nHost: x\r\n{many_headers}\r\n"),
    ];
    for head in heads {
        let mut client = proxy.connect();
        client.send_raw(head.as_bytes());
        let answer = client.read_response();
        assert_eq!(answer.status, 400, "{}", &head[..40]);
        assert_eq!(
            answer.json(),
            serde_json::json!({"statusCode": 2, "statusMessage": "Malformed request: invalid HTTP request line or headers"})
        );
        assert_eq!(
            answer.headers["content-type"],
            "application/json;charset=UTF-8"
        );
    }
    let metrics = proxy.metrics();
    assert_eq!(
        crate::support::sample(
            &metrics,
            "ucs_proxy_request_heads_refused_total{reason=\"malformed\"}"
        ),
        3.0
    );
    let ok = proxy.connect().post(
        INTERACTIONS,
        r#"{"operationName":"RetrieveInteractionHistory"}"#,
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
}

/// Finding 8 (the rest): there was no deadline for a whole request head, so a client sending a
/// header byte a second held its connection for ever. Now a head that has not arrived within
/// `limits.header_read_timeout_ms` gets HTTP 408 with the GWS error and the connection closes;
/// an idle kept-alive connection is not a late head, and a client that keeps its pace is served.
#[test]
fn a_head_that_trickles_in_gets_408_and_the_connection_closes() {
    use std::io::Write;
    let proxy = Proxy::start(&[("UCS_PROXY_LIMITS__HEADER_READ_TIMEOUT_MS", "800")]);
    let mut slow = proxy.connect();
    // Idle before its first byte for longer than the deadline: not a late head.
    let mut idle = proxy.connect();
    let started = std::time::Instant::now();
    slow.send_raw(format!("POST {INTERACTIONS} HTTP/1.1\r\n").as_bytes());
    let mut trickle = slow.stream().try_clone().unwrap();
    let feeder = std::thread::spawn(move || {
        for _ in 0..20 {
            std::thread::sleep(std::time::Duration::from_millis(100));
            if trickle.write_all(b"X").is_err() {
                break;
            }
        }
    });
    let answer = slow.read_response();
    let waited = started.elapsed();
    feeder.join().unwrap();
    assert_eq!(answer.status, 408);
    assert_eq!(
        answer.json(),
        serde_json::json!({"statusCode": 2, "statusMessage": "Request headers were not received within 800 ms"})
    );
    assert_eq!(answer.headers["connection"], "close");
    assert!(slow.is_closed_by_server());
    assert!(
        waited >= std::time::Duration::from_millis(700)
            && waited < std::time::Duration::from_secs(5),
        "{waited:?}"
    );
    std::thread::sleep(std::time::Duration::from_millis(400));
    let late = idle.post(
        INTERACTIONS,
        r#"{"operationName":"RetrieveInteractionHistory"}"#,
    );
    assert_eq!(late.status, 200, "{}", late.text());
    // The same kept-alive connection, idle again past the deadline, still serves.
    std::thread::sleep(std::time::Duration::from_millis(1000));
    let again = idle.post(
        INTERACTIONS,
        r#"{"operationName":"RetrieveInteractionHistory"}"#,
    );
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(
        crate::support::sample(
            &proxy.metrics(),
            "ucs_proxy_request_heads_refused_total{reason=\"timeout\"}"
        ),
        1.0
    );
}
