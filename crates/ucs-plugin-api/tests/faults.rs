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

/// A content request for `id` of cc1, any media type.
fn content_request(id: &str) -> ucs_plugin_api::ContentBackendRequest {
    ucs_plugin_api::ContentBackendRequest {
        tenant: "cc1".to_owned(),
        id: id.to_owned(),
        source: ucs_model::Source::Main,
        media_types: ucs_model::MediaType::ALL.to_vec(),
    }
}

#[tokio::test]
async fn content_crosses_the_abi_checked_and_a_fault_in_it_never_passes() {
    let ok = fault_plugin("ok", Duration::from_secs(5));
    assert!(ok.serves_content());
    let found = ok
        .content(&content_request("fixture-1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.media_type(), "chat");
    assert!(ok
        .content(&content_request("nothing"))
        .await
        .unwrap()
        .is_none());
    let mut only_email = content_request("fixture-1");
    only_email.media_types = vec![ucs_model::MediaType::Email];
    assert_eq!(
        ok.content(&only_email).await.unwrap_err().kind(),
        &PluginErrorKind::InvalidOutput,
        "a chat where only e-mail was allowed"
    );
    for (mode, kind) in [
        ("panic", PluginErrorKind::Panic),
        ("malformed", PluginErrorKind::InvalidOutput),
        ("wrong-media", PluginErrorKind::InvalidOutput),
        ("error", PluginErrorKind::Internal),
    ] {
        let backend = fault_plugin(mode, Duration::from_secs(5));
        let error = backend
            .content(&content_request("fixture-1"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), &kind, "{mode}: {error}");
    }
    let hanging = fault_plugin("hang", Duration::from_millis(100));
    let error = hanging
        .content(&content_request("fixture-1"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), &PluginErrorKind::Timeout);
    // The panicking plugin still answers afterwards.
    let panicking = fault_plugin("panic", Duration::from_secs(5));
    let _ = panicking.content(&content_request("fixture-1")).await;
    assert!(panicking
        .content(&content_request("fixture-1"))
        .await
        .is_err());
}
