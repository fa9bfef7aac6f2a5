//! The operator's artefacts against the real binary: every metric the Grafana dashboard and the
//! alert rules query exists in `/metrics`, and the alert rules pass `promtool` (installed by
//! `scripts/deps` from the Debian package `prometheus`).

use crate::support::{config_dir, Proxy};
use std::collections::BTreeSet;
use std::process::Command;

/// The `ucs_proxy_*` metric names mentioned in `text`.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("ucs_proxy_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    names
}

/// Whether the exposition has a sample of `name` (a line `name{…} v` or `name v`).
fn exposes(exposition: &str, name: &str) -> bool {
    exposition.lines().any(|line| {
        line.strip_prefix(name)
            .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
    })
}

fn scrape(proxy: &Proxy) -> String {
    let response = proxy.admin().request("GET", "/metrics", b"");
    assert_eq!(response.status, 200);
    response.text()
}

#[test]
fn every_dashboard_panel_queries_metrics_the_proxy_exposes() {
    let text = std::fs::read_to_string(config_dir().join("grafana/ucs-proxy.json")).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let panels = dashboard["panels"].as_array().expect("panels");
    let titles: Vec<&str> = panels
        .iter()
        .map(|p| p["title"].as_str().unwrap())
        .collect();
    for wanted in [
        "hit ratio",
        "requests/s",
        "p50",
        "bytes",
        "entries",
        "evictions",
        "CometD",
    ] {
        assert!(
            titles.iter().any(|t| t.contains(wanted)),
            "no panel about {wanted}: {titles:?}"
        );
    }
    assert_eq!(
        panels[0]["type"], "gauge",
        "the hit ratio gauge comes first"
    );

    let proxy = clustered_proxy();
    let exposition = scrape(&proxy);
    for panel in panels {
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{} has no query", panel["title"]);
        for target in targets {
            let expr = target["expr"].as_str().expect("expr");
            let names = metric_names(expr);
            assert!(!names.is_empty(), "{expr}");
            for name in names {
                assert!(
                    exposes(&exposition, &name),
                    "panel {}: {name} is not in /metrics",
                    panel["title"]
                );
            }
        }
    }
}

/// A proxy in a cluster (the local Redis, a key prefix of its own), so that the cluster's
/// metrics exist too.
fn clustered_proxy() -> Proxy {
    let prefix = format!(
        "e2e-metrics-{}-{}:",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    Proxy::start(&[
        ("UCS_PROXY_CLUSTER__ENABLED", "true"),
        ("UCS_PROXY_CLUSTER__KEY_PREFIX", &prefix),
    ])
}

#[test]
fn the_alert_rules_query_exposed_metrics_and_pass_promtool() {
    let rules = config_dir().join("prometheus/alerts.yml");
    let text = std::fs::read_to_string(&rules).unwrap();
    let proxy = clustered_proxy();
    let exposition = scrape(&proxy);
    let names = metric_names(&text);
    assert!(names.len() >= 5, "{names:?}");
    for name in names {
        assert!(exposes(&exposition, &name), "{name} is not in /metrics");
    }

    let promtool = |args: &[&str]| {
        let output = Command::new("promtool")
            .args(args)
            .current_dir(config_dir().join("prometheus"))
            .output()
            .expect("promtool is installed (scripts/deps installs the Debian package prometheus)");
        assert!(
            output.status.success(),
            "promtool {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    promtool(&["check", "rules", "alerts.yml"]);
    promtool(&["test", "rules", "alerts.test.yml"]);
}
