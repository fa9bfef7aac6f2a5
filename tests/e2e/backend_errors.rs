//! A backend's failure keeps its kind from the plugin to the operator: the
//! `ucs_proxy_backend_errors_total{kind}` series and the access log's line for the failed
//! notification. With the fault-test plugin reporting each kind, with the PostgreSQL store whose
//! database goes away (the real server behind a forwarder that is cut), and with a plugin built
//! against ABI 1.0, whose failures can only be internal.

use crate::forwarder::Forwarder;
use crate::support::{config_with_backends, sample, Launch, Proxy};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

const INTERACTIONS: &str = "/api/v2/ucs/interactions";
const CHAT_QUERY: &str = r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat"}"#;

/// Starts the proxy on `backends` with its logs (JSON) in a file.
fn launch(name: &str, backends: &str) -> (Proxy, PathBuf) {
    let log = std::env::temp_dir().join(format!("ucs-e2e-{name}-{}.log", std::process::id()));
    let proxy = Proxy::launch(Launch {
        env: &[
            ("UCS_PROXY_LOG__LEVEL", "warn,ucs_proxy::access=info"),
            ("UCS_PROXY_LOG__FORMAT", "json"),
        ],
        config: Some(config_with_backends(name, backends)),
        log_file: Some(log.clone()),
    });
    (proxy, log)
}

/// POSTs the chat query, waits for its failed notification's access line, and returns that
/// line's fields and the errors counted for `backend` and `kind`.
fn failed_query(proxy: &Proxy, log: &PathBuf, backend: &str, kind: &str) -> (Value, f64) {
    let ack = proxy.connect().post(INTERACTIONS, CHAT_QUERY);
    assert_eq!(ack.status, 200, "{}", ack.text());
    let reference_id = ack.json()["referenceId"].as_u64().unwrap();
    for _ in 0..400 {
        let text = std::fs::read_to_string(log).unwrap();
        let line = text
            .lines()
            .filter(|l| l.contains("history request failed"))
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .find(|l| l["fields"]["reference_id"] == reference_id);
        if let Some(line) = line {
            assert_eq!(line["target"], "ucs_proxy::access", "{line}");
            let series = format!(
                "ucs_proxy_backend_errors_total{{backend=\"{backend}\",kind=\"{kind}\",media_type=\"chat\"}}"
            );
            return (line["fields"].clone(), sample(&proxy.metrics(), &series));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!(
        "no failed delivery logged for {reference_id}: {}",
        std::fs::read_to_string(log).unwrap()
    );
}

#[test]
fn each_kind_a_plugin_reports_reaches_the_metric_and_the_access_log() {
    for kind in ["unavailable", "timeout", "invalid_request", "internal"] {
        let (proxy, log) = launch(
            &format!("kind-{kind}"),
            &format!(
                "[[backends]]\nlibrary = \"libucs_plugin_fault_test.so\"\nmedia_types = [\"chat\"]\n\
                 [backends.config]\nmode = \"error\"\nkind = \"{kind}\"\n"
            ),
        );
        let (line, count) = failed_query(&proxy, &log, "fault-test", kind);
        assert_eq!(line["error_kind"], kind, "{line}");
        assert_eq!(count, 1.0, "{kind}");
        // Every other kind of this backend stays at zero.
        let text = proxy.metrics();
        let other_kinds: f64 = text
            .lines()
            .filter(|l| l.starts_with("ucs_proxy_backend_errors_total{backend=\"fault-test\""))
            .filter(|l| !l.contains(&format!("kind=\"{kind}\"")))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        assert_eq!(other_kinds, 0.0, "{text}");
    }
}

#[test]
fn a_plugin_built_against_abi_1_0_loads_and_its_failures_read_as_internal() {
    let (proxy, log) = launch(
        "abi-1-0",
        "[[backends]]\nlibrary = \"libucs_plugin_fault_abi_1_0.so\"\n",
    );
    let ready = proxy.admin().request("GET", "/readyz", b"");
    assert_eq!(ready.status, 200);
    assert_eq!(ready.json()["backends"][0]["name"], "fault-abi-1-0");
    let (line, count) = failed_query(&proxy, &log, "fault-abi-1-0", "internal");
    assert_eq!(line["error_kind"], "internal", "{line}");
    assert_eq!(count, 1.0);
}

/// `psql` against the test database (the machine's PostgreSQL, as in the store's own tests).
fn psql(sql: &str) {
    let url = std::env::var("UCS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_owned());
    let status = Command::new("psql")
        .args([url.as_str(), "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .status()
        .expect("psql");
    assert!(status.success(), "psql {sql}");
}

#[test]
fn an_unreachable_postgresql_is_unavailable() {
    let schema = format!("e2e_unreachable_{}", std::process::id());
    let forwarder = Forwarder::start("127.0.0.1:5432".parse().unwrap());
    let (proxy, log) = launch(
        "postgres-unreachable",
        &format!(
            "[[backends]]\nlibrary = \"libucs_plugin_store_postgres.so\"\ntimeout_ms = 8000\n\
             [backends.config]\nurl = \"postgresql://postgres@{}/test\"\nschema = \"{schema}\"\n\
             migrate = true\nconnect_timeout_ms = 1000\n",
            forwarder.addr
        ),
    );
    forwarder.cut();
    let (line, count) = failed_query(&proxy, &log, "store-postgres", "unavailable");
    drop(proxy);
    psql(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
    assert_eq!(line["error_kind"], "unavailable", "{line}");
    assert_eq!(count, 1.0);
}
