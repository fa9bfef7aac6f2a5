//! A misbehaving plugin yields an error for that query, and the host keeps serving.

use crate::{chat_request, fault_plugin, kind_of, library};
use std::time::{Duration, Instant};
use ucs_plugin_api::{PluginErrorKind, PluginLibrary};

#[tokio::test]
async fn a_panic_in_a_query_is_an_error_and_the_plugin_keeps_answering() {
    let backend = fault_plugin("panic", Duration::from_secs(5));
    let error = backend.query(&chat_request()).await.unwrap_err();
    assert_eq!(error.kind(), &PluginErrorKind::Panic);
    assert!(error.message().contains("panic in query"), "{error}");
    // The same instance, and the host, are still alive.
    assert_eq!(
        kind_of(backend.query(&chat_request()).await),
        PluginErrorKind::Panic
    );
    let healthy = fault_plugin("ok", Duration::from_secs(5));
    assert_eq!(healthy.query(&chat_request()).await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_plugin_that_never_answers_times_out_without_blocking_others() {
    let hanging = fault_plugin("hang", Duration::from_millis(300));
    let healthy = fault_plugin("ok", Duration::from_secs(5));
    let started = Instant::now();
    let request = chat_request();
    let (hung, fine) = tokio::join!(hanging.query(&request), healthy.query(&request));
    let error = hung.unwrap_err();
    assert_eq!(error.kind(), &PluginErrorKind::Timeout);
    assert!(error.message().contains("300 ms"), "{error}");
    assert_eq!(fine.unwrap().len(), 2);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn malformed_or_invalid_answers_never_pass() {
    for (mode, expected) in [
        ("malformed", "malformed result"),
        ("wrong-media", "not chat"),
    ] {
        let backend = fault_plugin(mode, Duration::from_secs(5));
        let error = backend.query(&chat_request()).await.unwrap_err();
        assert_eq!(error.kind(), &PluginErrorKind::InvalidOutput, "{mode}");
        assert!(error.message().contains(expected), "{mode}: {error}");
    }
}

#[tokio::test]
async fn a_reported_error_keeps_its_message() {
    let backend = fault_plugin("error", Duration::from_secs(5));
    let error = backend.query(&chat_request()).await.unwrap_err();
    assert_eq!(error.kind(), &PluginErrorKind::Internal);
    assert_eq!(error.message(), "fault plugin: backend unavailable");
}

#[tokio::test]
async fn many_concurrent_queries_each_get_their_own_answer() {
    let backend = fault_plugin("ok", Duration::from_secs(5));
    let request = chat_request();
    let answers = futures_join_all((0..64).map(|_| backend.query(&request))).await;
    assert!(answers.iter().all(|a| a.as_ref().map(Vec::len) == Ok(2)));
}

async fn futures_join_all<F: std::future::Future>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output> {
    let mut out = Vec::new();
    let pinned: Vec<_> = futures.map(Box::pin).collect();
    for f in pinned {
        out.push(f.await);
    }
    out
}

#[tokio::test]
async fn each_reported_kind_crosses_the_abi() {
    for (kind, expected) in [
        ("unavailable", PluginErrorKind::Unavailable),
        ("timeout", PluginErrorKind::Timeout),
        ("invalid_request", PluginErrorKind::InvalidRequest),
        ("internal", PluginErrorKind::Internal),
    ] {
        let backend = PluginLibrary::load(&library("ucs-plugin-fault-test"))
            .unwrap()
            .create(
                &serde_json::json!({"mode": "error", "kind": kind}),
                Duration::from_secs(5),
            )
            .unwrap();
        let error = backend.query(&chat_request()).await.unwrap_err();
        assert_eq!(error.kind(), &expected, "{kind}");
        assert_eq!(error.message(), "fault plugin: backend unavailable");
    }
}
