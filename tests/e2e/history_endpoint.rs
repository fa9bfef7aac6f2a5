//! The history endpoint over real HTTP: the ack, the GWS errors, framing and keep-alive.

use crate::support::Proxy;
use serde_json::json;

const INTERACTIONS: &str = "/api/v2/ucs/interactions";
const SEED_REQUEST: &str = include_str!("../../crates/ucs-model/tests/fixtures/seed-request.json");

#[test]
fn a_valid_request_gets_an_ack_with_increasing_reference_ids_on_one_connection() {
    let proxy = Proxy::start(&[]);
    let mut client = proxy.connect();
    let first = client.post(INTERACTIONS, SEED_REQUEST);
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(
        first.headers.get("content-type").map(String::as_str),
        Some("application/json;charset=UTF-8")
    );
    let first_id = first.json()["referenceId"].as_u64().expect("a referenceId");
    assert_eq!(
        first.text(),
        format!(r#"{{"statusCode":0,"referenceId":{first_id}}}"#)
    );

    // Same connection (keep-alive), other operations and the contact URL.
    let second = client.post(
        INTERACTIONS,
        r#"{"operationName":"RetrieveAgentHistory","userId":"cc9016eee9c84dfeb266c642d9fd92c5"}"#,
    );
    let third = client.post(
        "/api/v2/ucs/contacts/0000FaA3VXUS000M/interactions",
        r#"{"operationName":"RetrieveContactHistory","mediaType":"email"}"#,
    );
    let ids: Vec<u64> = [&second, &third]
        .iter()
        .map(|r| {
            assert_eq!(r.status, 200, "{}", r.text());
            assert_eq!(r.json()["statusCode"], 0);
            r.json()["referenceId"].as_u64().unwrap()
        })
        .collect();
    assert!(first_id < ids[0] && ids[0] < ids[1], "{first_id} {ids:?}");
}

#[test]
fn reference_ids_are_unique_across_connections() {
    let proxy = Proxy::start(&[]);
    let mut seen = std::collections::BTreeSet::new();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let mut client = proxy.connect();
                    (0..25)
                        .map(|_| {
                            client
                                .post(
                                    INTERACTIONS,
                                    r#"{"operationName":"RetrieveInteractionHistory"}"#,
                                )
                                .json()["referenceId"]
                                .as_u64()
                                .unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            seen.extend(handle.join().unwrap());
        }
    });
    assert_eq!(seen.len(), 100);
}

#[test]
fn bad_requests_get_the_gws_error_and_the_connection_stays_usable() {
    let proxy = Proxy::start(&[]);
    let mut client = proxy.connect();
    let cases = [
        (
            "not json",
            400,
            json!({"statusCode":2,"statusMessage":"Malformed request body: expected a JSON object"}),
        ),
        (
            r#"{"fromDate":"2015-10-01"}"#,
            400,
            json!({"statusCode":1,"statusMessage":"Missing required parameter operationName"}),
        ),
        (
            r#"{"operationName":"RetrieveInteractionHistory","fromDate":"01.10.2015"}"#,
            400,
            json!({"statusCode":2,"statusMessage":"Invalid value for fromDate: expected yyyy-MM-dd or an ISO-8601 date-time"}),
        ),
        (
            r#"{"operationName":"RetrieveInteractionHistory","mediaType":"fax"}"#,
            400,
            json!({"statusCode":2,"statusMessage":"Invalid value for mediaType: expected one of call, chat, email, facebook, facebooksession, openmedia, twitter, workitem"}),
        ),
        (
            r#"{"operationName":"RetrieveInteractionHistory","maxSize":5000}"#,
            400,
            json!({"statusCode":2,"statusMessage":"Invalid value for maxSize: expected an integer from 1 to 1000"}),
        ),
        (
            r#"{"operationName":"DeleteEverything"}"#,
            400,
            json!({"statusCode":2,"statusMessage":"Invalid operation: DeleteEverything"}),
        ),
    ];
    for (body, status, expected) in cases {
        let response = client.post(INTERACTIONS, body);
        assert_eq!(response.status, status, "{body}: {}", response.text());
        assert_eq!(response.json(), expected, "{body}");
    }
    let ok = client.post(
        INTERACTIONS,
        r#"{"operationName":"RetrieveInteractionHistory"}"#,
    );
    assert_eq!(ok.status, 200);
}

#[test]
fn the_configured_max_size_ceiling_applies() {
    let proxy = Proxy::start(&[("UCS_PROXY_LIMITS__MAX_SIZE", "10")]);
    let mut client = proxy.connect();
    let refused = client.post(
        INTERACTIONS,
        r#"{"operationName":"RetrieveInteractionHistory","maxSize":11}"#,
    );
    assert_eq!(refused.status, 400);
    assert_eq!(
        refused.json()["statusMessage"],
        "Invalid value for maxSize: expected an integer from 1 to 10"
    );
    let accepted = client.post(
        INTERACTIONS,
        r#"{"operationName":"RetrieveInteractionHistory","maxSize":10}"#,
    );
    assert_eq!(accepted.status, 200);
}

#[test]
fn an_oversized_body_gets_413_and_the_connection_is_closed() {
    let proxy = Proxy::start(&[("UCS_PROXY_LIMITS__MAX_BODY_BYTES", "1024")]);
    let mut client = proxy.connect();
    let big = format!(
        r#"{{"operationName":"RetrieveInteractionHistory","pad":"{}"}}"#,
        "x".repeat(2000)
    );
    let response = client.post(INTERACTIONS, &big);
    assert_eq!(response.status, 413);
    assert_eq!(
        response.json(),
        json!({"statusCode":2,"statusMessage":"Request body is larger than 1024 bytes"})
    );
    assert!(client.is_closed_by_server());

    // Chunked, with no Content-Length to check up front: refused while reading.
    let mut client = proxy.connect();
    let chunk = "x".repeat(800);
    let request = format!(
        "POST {INTERACTIONS} HTTP/1.1\r\nHost: x\r\n{}Transfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        client.authorization_line(),
        chunk.len(),
        chunk.len()
    );
    client.send_raw(request.as_bytes());
    assert_eq!(client.read_response().status, 413);
}

#[test]
fn a_body_that_does_not_arrive_in_time_gets_408() {
    let proxy = Proxy::start(&[("UCS_PROXY_LIMITS__BODY_READ_TIMEOUT_MS", "300")]);
    let mut client = proxy.connect();
    let auth = client.authorization_line();
    client.send_raw(
        format!(
            "POST {INTERACTIONS} HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: 100\r\n\r\n{{\"op"
        )
        .as_bytes(),
    );
    let response = client.read_response();
    assert_eq!(response.status, 408);
    assert_eq!(
        response.json(),
        json!({"statusCode":2,"statusMessage":"Request body was not received within 300 ms"})
    );
}

#[test]
fn other_routes_and_methods_are_not_served_without_an_upstream() {
    let proxy = Proxy::start(&[]);
    let mut client = proxy.connect();
    let me = client.request("GET", "/api/v2/me", b"");
    assert_eq!(me.status, 404);
    assert_eq!(
        me.json(),
        json!({"statusCode":2,"statusMessage":"Invalid operation"})
    );
    let get = client.request("GET", INTERACTIONS, b"");
    assert_eq!(get.status, 405);
    assert_eq!(get.headers.get("allow").map(String::as_str), Some("POST"));
    assert_eq!(get.json()["statusCode"], 2);
}

#[test]
fn callers_without_valid_credentials_get_access_denied() {
    let proxy = Proxy::start(&[]);
    let body = r#"{"operationName":"RetrieveInteractionHistory"}"#;
    for mut client in [
        proxy.connect_anonymous(),
        proxy.connect_as("demo", "wrong"),
        proxy.connect_as("nobody", "demo"),
    ] {
        let response = client.post(INTERACTIONS, body);
        assert_eq!(response.status, 401);
        assert_eq!(
            response.json(),
            json!({"statusCode":20,"statusMessage":"Access denied"})
        );
    }
}

#[test]
fn basic_credentials_open_a_session_that_the_cookie_alone_then_carries() {
    let proxy = Proxy::start(&[]);
    let body = r#"{"operationName":"RetrieveInteractionHistory"}"#;
    let mut client = proxy.connect();
    let first = client.post(INTERACTIONS, body);
    assert_eq!(first.status, 200);
    let set_cookie = first
        .headers
        .get("set-cookie")
        .expect("a JSESSIONID cookie");
    assert!(
        set_cookie.starts_with("JSESSIONID=") && set_cookie.contains("HttpOnly"),
        "{set_cookie}"
    );
    let session = set_cookie.split(';').next().unwrap().to_owned();

    let mut by_cookie = proxy.connect_anonymous();
    by_cookie.cookie = Some(session);
    let second = by_cookie.post(INTERACTIONS, body);
    assert_eq!(second.status, 200, "{}", second.text());
    assert!(!second.headers.contains_key("set-cookie"));

    let mut forged = proxy.connect_anonymous();
    forged.cookie = Some("JSESSIONID=0123456789abcdef0123456789abcdef".into());
    assert_eq!(forged.post(INTERACTIONS, body).status, 401);
}

#[test]
fn a_media_type_whose_feature_the_caller_lacks_is_forbidden_before_the_ack() {
    let proxy = Proxy::start(&[]);
    let mut client = proxy.connect_as("novoice", "novoice");
    let call = client.post(
        INTERACTIONS,
        r#"{"operationName":"RetrieveInteractionHistory","mediaType":"CALL"}"#,
    );
    assert_eq!(call.status, 403);
    assert_eq!(
        call.json(),
        json!({"statusCode":3,"statusMessage":"Operation forbidden for mediaType call: feature api-ucs-voice is not enabled"})
    );
    let chat = client.post(
        INTERACTIONS,
        r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat"}"#,
    );
    assert_eq!(chat.status, 200);
}
