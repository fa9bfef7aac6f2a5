//! Cross-origin access to the proxy's own routes (`[api.cors]`): a listed origin's preflight is
//! answered with what it may send, its answers carry `Access-Control-Allow-Origin`; another
//! origin gets none of that; with no origin listed (the default) nothing is allowed.

use crate::support::Proxy;

const ALLOWED: &str = "https://desk.example";
const QUERY: &str = r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat"}"#;

fn preflight(proxy: &Proxy, path: &str, origin: &str) -> crate::support::Response {
    proxy.connect_anonymous().request_with(
        "OPTIONS",
        path,
        &[
            ("Origin", origin),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type, authorization",
            ),
        ],
        b"",
    )
}

#[test]
fn a_listed_origin_may_call_the_history_and_cometd_routes_and_another_may_not() {
    let proxy = Proxy::start(&[(
        "UCS_PROXY_API__CORS__ALLOWED_ORIGINS",
        &format!("[\"{ALLOWED}\"]"),
    )]);
    for path in [
        "/api/v2/ucs/interactions",
        "/api/v2/notifications/handshake",
    ] {
        let ok = preflight(&proxy, path, ALLOWED);
        assert_eq!(ok.status, 204, "{path}: {}", ok.text());
        assert_eq!(ok.headers["access-control-allow-origin"], ALLOWED);
        assert_eq!(ok.headers["access-control-allow-credentials"], "true");
        assert!(ok.headers["access-control-allow-methods"].contains("POST"));
        assert!(ok.headers["access-control-allow-headers"].contains("authorization"));
        let refused = preflight(&proxy, path, "https://elsewhere.example");
        assert_eq!(refused.status, 403, "{path}");
        assert_eq!(refused.json()["statusCode"], 3);
        assert!(!refused.headers.contains_key("access-control-allow-origin"));
    }
    let ack = proxy.connect().request_with(
        "POST",
        "/api/v2/ucs/interactions",
        &[("Origin", ALLOWED)],
        QUERY.as_bytes(),
    );
    assert_eq!(ack.status, 200);
    assert_eq!(ack.headers["access-control-allow-origin"], ALLOWED);
    assert_eq!(ack.headers["access-control-expose-headers"], "X-Cache");
    let other = proxy.connect().request_with(
        "POST",
        "/api/v2/ucs/interactions",
        &[("Origin", "https://elsewhere.example")],
        QUERY.as_bytes(),
    );
    assert_eq!(
        other.status, 200,
        "served, but the browser will not show it"
    );
    assert!(!other.headers.contains_key("access-control-allow-origin"));
}

#[test]
fn by_default_no_origin_is_allowed() {
    let proxy = Proxy::start(&[]);
    let refused = preflight(&proxy, "/api/v2/ucs/interactions", ALLOWED);
    assert_eq!(refused.status, 403);
    let ack = proxy.connect().request_with(
        "POST",
        "/api/v2/ucs/interactions",
        &[("Origin", ALLOWED)],
        QUERY.as_bytes(),
    );
    assert!(!ack.headers.contains_key("access-control-allow-origin"));
}
