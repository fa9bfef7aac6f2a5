//! The cache as a client sees it (`X-Cache` on the ack) and as an operator sees it (the admin
//! listener: metrics, cache report, purge, health, readiness, reload; the access log).

use crate::support::{config_dir, sample, Launch, Proxy};
use serde_json::Value;

const INTERACTIONS: &str = "/api/v2/ucs/interactions";
const QUERY: &str = r#"{"operationName":"RetrieveInteractionHistory","fromDate":"2015-10-01","toDate":"2015-10-05","sort":"asc","customAttributes":["SearchId","CustomerId"],"mediaType":"chat"}"#;
/// The same query with fields, list order and enum case permuted, and a default stated.
const QUERY_PERMUTED: &str = r#"{"mediaType":"CHAT","customAttributes":["CustomerId","SearchId","SearchId"],"sort":"ASC","toDate":"2015-10-05","source":"main","fromDate":"2015-10-01","operationName":"RetrieveInteractionHistory"}"#;

/// POSTs `body` as `user` and returns the `X-Cache` of the ack.
fn x_cache(proxy: &Proxy, user: &str, body: &str) -> String {
    let response = proxy.connect_as(user, user).post(INTERACTIONS, body);
    assert_eq!(response.status, 200, "{}", response.text());
    response
        .headers
        .get("x-cache")
        .cloned()
        .expect("every ack carries X-Cache")
}

/// Waits until the cache holds the entry of a miss (the ack does not wait for the backend).
fn wait_for_entries(proxy: &Proxy, at_least: u64) {
    for _ in 0..200 {
        if cache_report(proxy)["entries"].as_u64().unwrap_or(0) >= at_least {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    panic!(
        "the cache never held {at_least} entries: {}",
        cache_report(proxy)
    );
}

fn cache_report(proxy: &Proxy) -> Value {
    let response = proxy.admin().request("GET", "/admin/cache", b"");
    assert_eq!(response.status, 200);
    response.json()
}

fn metrics(proxy: &Proxy) -> String {
    proxy.metrics()
}

#[test]
fn an_identical_normalized_query_is_a_hit_in_the_header_and_the_metrics() {
    let proxy = Proxy::start(&[]);
    assert_eq!(x_cache(&proxy, "demo", QUERY), "MISS");
    wait_for_entries(&proxy, 1);
    assert_eq!(x_cache(&proxy, "demo", QUERY_PERMUTED), "HIT");
    assert_eq!(x_cache(&proxy, "demo", QUERY), "HIT");

    // Requests are counted when their access line is written, just after the answer: wait for it.
    let accepted =
        r#"ucs_proxy_requests_total{operation="RetrieveInteractionHistory",outcome="accepted"}"#;
    let mut text = metrics(&proxy);
    for _ in 0..100 {
        if sample(&text, accepted) >= 3.0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        text = metrics(&proxy);
    }
    assert_eq!(
        sample(
            &text,
            r#"ucs_proxy_cache_requests_total{media_type="chat",result="hit"}"#
        ),
        2.0,
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"ucs_proxy_cache_requests_total{media_type="chat",result="miss"}"#
        ),
        1.0
    );
    assert_eq!(sample(&text, accepted), 3.0);
    assert!(text.contains("ucs_proxy_backend_request_duration_seconds_bucket{backend=\"store-sqlite\",media_type=\"chat\",le=\"0.0001\"}"), "{text}");
    let report = cache_report(&proxy);
    assert_eq!(report["lookups"]["hit"], 2);
    assert!((report["hitRatio"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert!(report["bytes"].as_u64().unwrap() > 0);
}

#[test]
fn user_scope_keeps_users_and_tenants_apart() {
    let proxy = Proxy::start(&[]);
    assert_eq!(x_cache(&proxy, "demo", QUERY), "MISS");
    wait_for_entries(&proxy, 1);
    assert_eq!(x_cache(&proxy, "novoice", QUERY), "MISS", "another user");
    assert_eq!(x_cache(&proxy, "other", QUERY), "MISS", "another tenant");
}

#[test]
fn tenant_scope_shares_within_a_tenant_and_never_across() {
    let proxy = Proxy::start(&[("UCS_PROXY_CACHE__SCOPE", "tenant")]);
    assert_eq!(x_cache(&proxy, "demo", QUERY), "MISS");
    wait_for_entries(&proxy, 1);
    assert_eq!(x_cache(&proxy, "novoice", QUERY), "HIT", "same tenant cc1");
    assert_eq!(x_cache(&proxy, "other", QUERY), "MISS", "tenant cc2");
}

#[test]
fn a_disabled_cache_bypasses() {
    let proxy = Proxy::start(&[("UCS_PROXY_CACHE__ENABLED", "false")]);
    assert_eq!(x_cache(&proxy, "demo", QUERY), "BYPASS");
    assert_eq!(x_cache(&proxy, "demo", QUERY), "BYPASS");
    assert_eq!(cache_report(&proxy)["enabled"], false);
}

#[test]
fn purges_empty_the_cache_by_tenant_media_type_or_all() {
    let proxy = Proxy::start(&[]);
    x_cache(&proxy, "demo", QUERY);
    x_cache(&proxy, "other", QUERY);
    wait_for_entries(&proxy, 2);

    let purge = |body: &str| proxy.admin().post("/admin/cache/purge", body);
    let response = purge(r#"{"tenant":"cc2"}"#);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(x_cache(&proxy, "other", QUERY), "MISS");
    assert_eq!(x_cache(&proxy, "demo", QUERY), "HIT");

    assert_eq!(purge(r#"{"mediaType":"email"}"#).status, 200);
    assert_eq!(
        x_cache(&proxy, "demo", QUERY),
        "HIT",
        "email purge keeps chat"
    );
    assert_eq!(purge("").status, 200);
    assert_eq!(x_cache(&proxy, "demo", QUERY), "MISS");

    let bad = purge(r#"{"tenant":42}"#);
    assert_eq!(bad.status, 400);
    assert!(
        bad.text().contains("invalid purge filter"),
        "{}",
        bad.text()
    );
    assert_eq!(purge(r#"{"mediaType":"fax"}"#).status, 400);
}

#[test]
fn health_readiness_and_unknown_admin_routes() {
    let proxy = Proxy::start(&[]);
    let health = proxy.admin().request("GET", "/healthz", b"");
    assert_eq!(
        (health.status, health.json()["status"].clone()),
        (200, "ok".into())
    );
    let ready = proxy.admin().request("GET", "/readyz", b"");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["backends"][0]["name"], "store-sqlite");
    assert_eq!(proxy.admin().request("GET", "/nope", b"").status, 404);
    assert_eq!(proxy.admin().request("DELETE", "/metrics", b"").status, 405);
    // The admin routes are not on the public port.
    let public = proxy.connect().request("GET", "/metrics", b"");
    assert_eq!(public.status, 404);
}

#[test]
fn no_backend_means_not_ready() {
    let dir = std::env::temp_dir().join(format!("ucs-e2e-nobackend-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("proxy.toml");
    std::fs::write(&config, "[api]\ntime_zone = \"UTC\"\n").unwrap();
    let proxy = Proxy::launch(Launch {
        config: Some(config),
        ..Launch::default()
    });
    let ready = proxy.admin().request("GET", "/readyz", b"");
    assert_eq!(ready.status, 503);
    assert_eq!(ready.json()["ready"], false);
}

/// The default configuration with the cache switched on or off.
fn default_config(cache_enabled: bool, threads: usize) -> String {
    let default = std::fs::read_to_string(config_dir().join("default.toml")).unwrap();
    let edited = default
        .replacen(
            "[cache]\nenabled = true",
            &format!("[cache]\nenabled = {cache_enabled}"),
            1,
        )
        .replacen("threads = 2", &format!("threads = {threads}"), 1);
    assert!(edited.contains(&format!("[cache]\nenabled = {cache_enabled}")));
    edited
}

#[test]
fn reload_applies_cache_tuning_and_reports_what_needs_a_restart() {
    let dir = std::env::temp_dir().join(format!("ucs-e2e-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("proxy.toml");
    std::fs::write(&config, default_config(true, 2)).unwrap();
    let proxy = Proxy::launch(Launch {
        config: Some(config.clone()),
        ..Launch::default()
    });
    assert_eq!(x_cache(&proxy, "demo", QUERY), "MISS");

    std::fs::write(&config, default_config(false, 3)).unwrap();
    let response = proxy.admin().post("/admin/reload", "");
    assert_eq!(response.status, 200, "{}", response.text());
    let report = response.json();
    assert_eq!(report["applied"], serde_json::json!(["cache"]));
    assert_eq!(report["requiresRestart"], serde_json::json!(["server"]));
    assert_eq!(report["cacheEmptied"], true);
    assert_eq!(x_cache(&proxy, "demo", QUERY), "BYPASS");

    // SIGHUP does the same: the cache comes back (empty).
    std::fs::write(&config, default_config(true, 2)).unwrap();
    proxy.signal("HUP");
    let mut status = String::new();
    for _ in 0..100 {
        status = x_cache(&proxy, "demo", QUERY);
        if status != "BYPASS" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(status, "MISS");

    // An invalid file is refused and the running configuration stays.
    std::fs::write(&config, "[cache]\nmax_bytes = 0\n").unwrap();
    let refused = proxy.admin().post("/admin/reload", "");
    assert_eq!(refused.status, 400);
    assert!(
        refused.text().contains("cache.max_bytes"),
        "{}",
        refused.text()
    );
    assert_ne!(x_cache(&proxy, "demo", QUERY), "BYPASS");
}

#[test]
fn one_access_line_per_request_without_credentials() {
    let log = std::env::temp_dir().join(format!("ucs-e2e-access-{}.log", std::process::id()));
    let proxy = Proxy::launch(Launch {
        env: &[
            ("UCS_PROXY_LOG__LEVEL", "warn,ucs_proxy::access=info"),
            ("UCS_PROXY_LOG__FORMAT", "json"),
        ],
        log_file: Some(log.clone()),
        ..Launch::default()
    });
    x_cache(&proxy, "demo", QUERY);
    let refused = proxy.connect_as("demo", "wrong").post(INTERACTIONS, QUERY);
    assert_eq!(refused.status, 401);
    // The line is written once the answer is out: wait for it before stopping the proxy.
    let mut text = String::new();
    for _ in 0..200 {
        text = std::fs::read_to_string(&log).unwrap();
        if text.matches("\"access\"").count() >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    drop(proxy);
    let lines: Vec<Value> = text
        .lines()
        .filter(|l| l.contains("\"access\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    let accepted = &lines[0]["fields"];
    assert_eq!(accepted["status"], 200);
    assert_eq!(accepted["status_code"], 0);
    assert_eq!(accepted["cache"], "MISS");
    assert_eq!(accepted["operation"], "RetrieveInteractionHistory");
    assert_eq!(accepted["user_id"], "cc9016eee9c84dfeb266c642d9fd92c5");
    assert!(accepted["reference_id"].as_u64().unwrap() > 0);
    assert_eq!(lines[1]["fields"]["status"], 401);
    assert!(
        !text.contains("Basic ") && !text.contains("ZGVtbzpkZW1v"),
        "{text}"
    );
}
