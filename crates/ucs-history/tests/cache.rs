//! The history service against in-process fake backends, under a paused tokio clock (time
//! moves only when every task waits, so TTLs and stale windows are exact and nothing sleeps):
//! coalescing, hits, scopes, staleness, errors, purges and reconfiguration. Loading real plugin
//! libraries is tested where the ABI is (`ucs-plugin-api`, the end-to-end suite).

use futures_util::future::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use ucs_history::{
    BackendFailure, CachePolicy, CacheStatus, Dispatcher, FailureKind, HistoryBackend,
    HistoryMetrics, HistoryService, PurgeFilter, ScopeKind,
};
use ucs_model::chrono::{DateTime, TimeZone, Utc};
use ucs_model::{parse_request, HistoryQuery, Interaction, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::BackendRequest;

const CHAT: &[MediaType] = &[MediaType::Chat];
const FAKE: &str = "fake";

/// What the fake answers.
#[derive(Clone, Copy, Debug)]
enum Behaviour {
    /// One interaction whose `subject` is `call <n>`: this backend's n-th query.
    Count,
    /// A failure of this kind.
    Fail(FailureKind),
}

/// An in-process backend serving every media type, each answer after `delay`.
#[derive(Debug)]
struct Fake {
    behaviour: Behaviour,
    delay: Duration,
    calls: AtomicU64,
}

impl HistoryBackend for Fake {
    fn name(&self) -> &str {
        FAKE
    }

    fn version(&self) -> &str {
        "0"
    }

    fn media_types(&self) -> &[MediaType] {
        &MediaType::ALL
    }

    fn query<'a>(
        &'a self,
        request: &'a BackendRequest,
    ) -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>> {
        Box::pin(async move {
            let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            if !self.delay.is_zero() {
                tokio::time::sleep(self.delay).await;
            }
            match self.behaviour {
                Behaviour::Count => {
                    let media = request.media_type.as_str();
                    let mut counted = fixture(&format!("counted-{media}"), media);
                    counted.subject = Some(format!("call {call}"));
                    Ok(request.query.select(&[counted]))
                }
                Behaviour::Fail(kind) => Err(BackendFailure::new(kind, "fake: it failed")),
            }
        })
    }
}

/// One chat/email/… interaction on 2 October 2015.
fn fixture(id: &str, media: &str) -> Interaction {
    let start = DateTime::parse_from_rfc3339("2015-10-02T10:00:00Z").expect("a valid date");
    Interaction::started(id, media, start)
}

/// A service over one fake serving chat and email, with its metrics.
fn fake_service(
    behaviour: Behaviour,
    delay: Duration,
    policy: CachePolicy,
) -> (Arc<HistoryService>, prometheus::Registry) {
    let backend = Fake {
        behaviour,
        delay,
        calls: AtomicU64::new(0),
    };
    let mut dispatcher = Dispatcher::new();
    dispatcher
        .add(Arc::new(backend), &[MediaType::Chat, MediaType::Email])
        .unwrap();
    let registry = prometheus::Registry::new();
    let metrics = HistoryMetrics::register(&registry).unwrap();
    (
        Arc::new(HistoryService::new(dispatcher, policy, metrics)),
        registry,
    )
}

fn counting(delay_ms: u64, policy: CachePolicy) -> (Arc<HistoryService>, prometheus::Registry) {
    fake_service(Behaviour::Count, Duration::from_millis(delay_ms), policy)
}

fn query(body: &str) -> HistoryQuery {
    let ctx = ParseContext::new(
        Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
        Tz::UTC,
    );
    parse_request(&Route::Interactions, body.as_bytes(), &ctx)
        .expect("a valid request")
        .query
}

fn october() -> HistoryQuery {
    query(
        r#"{"operationName":"RetrieveInteractionHistory","fromDate":"2015-10-01","toDate":"2015-10-05"}"#,
    )
}

/// Looks up and resolves `q` as `user` of `tenant`.
async fn ask(
    service: &HistoryService,
    tenant: &str,
    user: &str,
    media: &[MediaType],
    q: &HistoryQuery,
) -> (
    CacheStatus,
    Result<Vec<Interaction>, ucs_history::HistoryError>,
) {
    let lookup = service.lookup(tenant, user, media, q.clone()).await;
    let status = lookup.status();
    (status, service.resolve(lookup).await)
}

/// Asks the October query so that its result is cached.
async fn warm(service: &HistoryService, tenant: &str, media: &[MediaType]) {
    let (_, result) = ask(service, tenant, "u1", media, &october()).await;
    assert!(result.is_ok(), "{result:?}");
}

/// The `call <n>` subjects of a result: which backend call produced each part.
fn calls(result: &Result<Vec<Interaction>, ucs_history::HistoryError>) -> Vec<String> {
    let interactions = result.as_ref().expect("a result");
    interactions
        .iter()
        .map(|i| i.subject.clone().unwrap_or_default())
        .collect()
}

fn counter(registry: &prometheus::Registry, name: &str, labels: &[(&str, &str)]) -> f64 {
    registry
        .gather()
        .iter()
        .filter(|family| family.name() == name)
        .flat_map(|family| family.get_metric().iter())
        .filter(|metric| {
            labels.iter().all(|(k, v)| {
                metric
                    .get_label()
                    .iter()
                    .any(|l| l.name() == *k && l.value() == *v)
            })
        })
        .map(|metric| metric.get_counter().get_value())
        .sum()
}

#[tokio::test(start_paused = true)]
async fn a_hundred_identical_concurrent_misses_make_one_backend_call() {
    let (service, registry) = counting(300, CachePolicy::default());
    let q = october();
    let askers = (0..100).map(|_| {
        let (service, q) = (Arc::clone(&service), q.clone());
        tokio::spawn(async move { ask(&service, "cc1", "u1", CHAT, &q).await })
    });
    let answers = futures_join(askers).await;
    for (status, result) in &answers {
        assert_eq!(*status, CacheStatus::Miss);
        assert_eq!(
            calls(result),
            ["call 1"],
            "every caller shares the one call"
        );
    }
    assert_eq!(
        counter(&registry, "ucs_proxy_cache_coalesced_total", &[]),
        99.0
    );
    // The plugin's own counter moved once: the next distinct query is its second call.
    let other = query(
        r#"{"operationName":"RetrieveInteractionHistory","fromDate":"2015-10-02","toDate":"2015-10-05"}"#,
    );
    assert_eq!(
        calls(&ask(&service, "cc1", "u1", CHAT, &other).await.1),
        ["call 2"]
    );
}

async fn futures_join<T: Send + 'static>(
    tasks: impl Iterator<Item = tokio::task::JoinHandle<T>>,
) -> Vec<T> {
    let mut out = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        out.push(task.await.expect("no task panics"));
    }
    out
}

#[tokio::test(start_paused = true)]
async fn an_identical_query_is_a_hit_and_per_type_entries_are_shared() {
    let (service, registry) = counting(0, CachePolicy::default());
    let both = [MediaType::Chat, MediaType::Email];
    let (status, first) = ask(&service, "cc1", "u1", &both, &october()).await;
    assert_eq!(status, CacheStatus::Miss);
    let mut first_calls = calls(&first);
    first_calls.sort();
    assert_eq!(first_calls, ["call 1", "call 2"], "one call per media type");

    let (status, again) = ask(&service, "cc1", "u1", &both, &october()).await;
    assert_eq!(status, CacheStatus::Hit);
    assert_eq!(again.unwrap(), first.unwrap());
    // The chat-only query is served by the chat part of the all-types query.
    let (status, chat) = ask(&service, "cc1", "u1", CHAT, &october()).await;
    assert_eq!(status, CacheStatus::Hit);
    assert_eq!(chat.unwrap()[0].media_type, "chat");
    assert_eq!(
        counter(
            &registry,
            "ucs_proxy_cache_requests_total",
            &[("result", "hit")]
        ),
        3.0
    );
}

#[tokio::test(start_paused = true)]
async fn user_scope_never_shares_and_tenant_scope_shares_only_within_the_tenant() {
    let (service, _) = counting(0, CachePolicy::default());
    warm(&service, "cc1", CHAT).await;
    let (status, result) = ask(&service, "cc1", "u2", CHAT, &october()).await;
    assert_eq!(status, CacheStatus::Miss, "another user of the same tenant");
    assert_eq!(calls(&result), ["call 2"]);

    let tenant_scope = CachePolicy {
        scope: ScopeKind::Tenant,
        ..CachePolicy::default()
    };
    let (service, _) = counting(0, tenant_scope);
    warm(&service, "cc1", CHAT).await;
    let (status, _) = ask(&service, "cc1", "u2", CHAT, &october()).await;
    assert_eq!(
        status,
        CacheStatus::Hit,
        "same tenant shares under scope=tenant"
    );
    let (status, result) = ask(&service, "cc2", "u1", CHAT, &october()).await;
    assert_eq!(status, CacheStatus::Miss, "another tenant never shares");
    assert_eq!(calls(&result), ["call 2"]);
}

#[tokio::test(start_paused = true)]
async fn errors_and_timeouts_are_not_cached() {
    for kind in FailureKind::ALL {
        let (service, registry) = fake_service(
            Behaviour::Fail(kind),
            Duration::from_millis(10),
            CachePolicy::default(),
        );
        for _ in 0..2 {
            let (status, result) = ask(&service, "cc1", "u1", CHAT, &october()).await;
            assert_eq!(status, CacheStatus::Miss, "{kind}");
            let error = result.expect_err("a failure");
            assert_eq!(error.failure_kind(), Some(kind));
            assert!(error.to_string().contains("fake: it failed"), "{error}");
        }
        assert_eq!(
            counter(
                &registry,
                "ucs_proxy_backend_errors_total",
                &[("kind", kind.as_label()), ("backend", FAKE)]
            ),
            2.0,
            "{kind}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_stale_entry_is_served_at_once_and_refreshed_once() {
    let policy = CachePolicy {
        ttl: Duration::from_millis(100),
        stale_while_revalidate: Duration::from_secs(60),
        ..CachePolicy::default()
    };
    let (service, _) = counting(50, policy);
    assert_eq!(
        calls(&ask(&service, "cc1", "u1", CHAT, &october()).await.1),
        ["call 1"]
    );
    tokio::time::sleep(Duration::from_millis(250)).await;
    // Ten readers of the stale entry: all served the old result, one refresh.
    for _ in 0..10 {
        let (status, result) = ask(&service, "cc1", "u1", CHAT, &october()).await;
        assert_eq!(status, CacheStatus::Stale);
        assert_eq!(calls(&result), ["call 1"]);
    }
    let refreshed = wait_for_hit(&service, &october()).await;
    assert_eq!(refreshed, ["call 2"], "exactly one background refresh");
}

async fn wait_for_hit(service: &HistoryService, q: &HistoryQuery) -> Vec<String> {
    for _ in 0..100 {
        let (status, result) = ask(service, "cc1", "u1", CHAT, q).await;
        if status == CacheStatus::Hit {
            return calls(&result);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the stale entry was never refreshed");
}

#[tokio::test(start_paused = true)]
async fn empty_results_expire_sooner() {
    let policy = CachePolicy {
        empty_ttl: Duration::from_millis(50),
        stale_while_revalidate: Duration::ZERO,
        ..CachePolicy::default()
    };
    let (service, _) = counting(0, policy);
    let empty = query(
        r#"{"operationName":"RetrieveInteractionHistory","fromDate":"2015-09-01","toDate":"2015-09-05"}"#,
    );
    assert!(ask(&service, "cc1", "u1", CHAT, &empty)
        .await
        .1
        .unwrap()
        .is_empty());
    warm(&service, "cc1", CHAT).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        ask(&service, "cc1", "u1", CHAT, &empty).await.0,
        CacheStatus::Miss
    );
    assert_eq!(
        ask(&service, "cc1", "u1", CHAT, &october()).await.0,
        CacheStatus::Hit
    );
}

#[tokio::test(start_paused = true)]
async fn a_disabled_cache_bypasses_every_time() {
    let policy = CachePolicy {
        enabled: false,
        ..CachePolicy::default()
    };
    let (service, registry) = counting(0, policy);
    for n in 1..=2 {
        let (status, result) = ask(&service, "cc1", "u1", CHAT, &october()).await;
        assert_eq!(status, CacheStatus::Bypass);
        assert_eq!(calls(&result), [format!("call {n}")]);
    }
    assert_eq!(
        counter(
            &registry,
            "ucs_proxy_cache_requests_total",
            &[("result", "bypass")]
        ),
        2.0
    );
}

#[tokio::test(start_paused = true)]
async fn purges_remove_what_they_name_and_nothing_else() {
    let (service, _) = counting(0, CachePolicy::default());
    let both = [MediaType::Chat, MediaType::Email];
    warm(&service, "cc1", &both).await;
    warm(&service, "cc2", &both).await;

    service
        .purge(&PurgeFilter {
            tenant: Some("cc1".into()),
            ..PurgeFilter::default()
        })
        .unwrap();
    assert_eq!(
        ask(&service, "cc1", "u1", CHAT, &october()).await.0,
        CacheStatus::Miss
    );
    assert_eq!(
        ask(&service, "cc2", "u1", &both, &october()).await.0,
        CacheStatus::Hit
    );

    service
        .purge(&PurgeFilter {
            media_type: Some(MediaType::Email),
            ..PurgeFilter::default()
        })
        .unwrap();
    assert_eq!(
        ask(&service, "cc2", "u1", CHAT, &october()).await.0,
        CacheStatus::Hit
    );
    assert_eq!(
        ask(&service, "cc2", "u1", &[MediaType::Email], &october())
            .await
            .0,
        CacheStatus::Miss
    );

    service.purge(&PurgeFilter::default()).unwrap();
    assert_eq!(
        ask(&service, "cc2", "u1", CHAT, &october()).await.0,
        CacheStatus::Miss
    );
}

#[tokio::test(start_paused = true)]
async fn reconfiguring_applies_the_new_policy() {
    let (service, _) = counting(0, CachePolicy::default());
    warm(&service, "cc1", CHAT).await;
    let stats = service.cache_stats().await;
    assert_eq!(stats.entries, 1);
    assert!(
        stats.bytes > 256,
        "weighed by memory plus overhead: {stats:?}"
    );

    // A new TTL keeps the entries; a new byte budget starts empty.
    let shorter = CachePolicy {
        ttl: Duration::from_secs(1),
        ..CachePolicy::default()
    };
    assert!(!service.reconfigure(shorter.clone()));
    assert_eq!(
        ask(&service, "cc1", "u1", CHAT, &october()).await.0,
        CacheStatus::Hit
    );
    assert!(service.reconfigure(CachePolicy {
        max_bytes: 1 << 20,
        ..shorter
    }));
    assert_eq!(service.cache_stats().await.max_bytes, 1 << 20);
    assert_eq!(
        ask(&service, "cc1", "u1", CHAT, &october()).await.0,
        CacheStatus::Miss
    );

    // Scope tenant: the user-scoped entries are not seen.
    service.reconfigure(CachePolicy {
        max_bytes: 1 << 20,
        scope: ScopeKind::Tenant,
        ..CachePolicy::default()
    });
    assert_eq!(
        ask(&service, "cc1", "u1", CHAT, &october()).await.0,
        CacheStatus::Miss
    );
    assert_eq!(
        ask(&service, "cc1", "u9", CHAT, &october()).await.0,
        CacheStatus::Hit
    );
}

#[tokio::test(start_paused = true)]
async fn a_media_type_without_backend_is_no_backend() {
    let (service, _) = counting(0, CachePolicy::default());
    let (status, result) = ask(&service, "cc1", "u1", &[MediaType::Call], &october()).await;
    assert_eq!(status, CacheStatus::Bypass);
    assert!(matches!(
        result,
        Err(ucs_history::HistoryError::NoBackend(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn a_repeated_hit_reuses_its_rendered_answer_until_an_entry_changes() {
    let (service, _) = counting(0, CachePolicy::default());
    let both = [MediaType::Chat, MediaType::Email];
    let render = |media: &'static [MediaType]| {
        let service = Arc::clone(&service);
        async move {
            let lookup = service.lookup("cc1", "u1", media, october()).await;
            service.resolve_presented(lookup).await.unwrap()
        }
    };
    const BOTH: &[MediaType] = &[MediaType::Chat, MediaType::Email];
    let first = render(BOTH).await;
    let again = render(BOTH).await;
    assert!(
        Arc::ptr_eq(&first, &again),
        "the second hit reuses the bytes"
    );

    // The rendering is the presented merge, serialized.
    let lookup = service.lookup("cc1", "u1", &both, october()).await;
    let mut expected = service.resolve(lookup).await.unwrap();
    ucs_history::present(&mut expected, Tz::UTC, "http://127.0.0.1:8080");
    assert_eq!(first.get(), serde_json::to_string(&expected).unwrap());

    // Another media set is another answer; a purged part makes a new rendering.
    let chat_only = render(CHAT).await;
    assert!(!Arc::ptr_eq(&first, &chat_only));
    service
        .purge(&PurgeFilter {
            media_type: Some(MediaType::Email),
            ..PurgeFilter::default()
        })
        .unwrap();
    let after_purge = render(BOTH).await;
    assert!(!Arc::ptr_eq(&first, &after_purge));
    let calls: Vec<String> = serde_json::from_str::<Vec<Interaction>>(after_purge.get())
        .unwrap()
        .iter()
        .map(|i| i.subject.clone().unwrap_or_default())
        .collect();
    assert!(
        calls.contains(&"call 3".to_owned()),
        "email asked again: {calls:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rendered_answer_is_not_a_hit_once_a_part_is_stale() {
    let policy = CachePolicy {
        ttl: Duration::from_millis(100),
        stale_while_revalidate: Duration::from_secs(60),
        ..CachePolicy::default()
    };
    let (service, _) = counting(0, policy);
    for _ in 0..2 {
        let lookup = service.lookup("cc1", "u1", CHAT, october()).await;
        service.resolve_presented(lookup).await.unwrap();
    }
    let lookup = service.lookup("cc1", "u1", CHAT, october()).await;
    assert_eq!(lookup.status(), CacheStatus::Hit);
    tokio::time::sleep(Duration::from_millis(250)).await;
    let lookup = service.lookup("cc1", "u1", CHAT, october()).await;
    assert_eq!(
        lookup.status(),
        CacheStatus::Stale,
        "the rendered answer aged with its part"
    );
    let stale: Vec<Interaction> =
        serde_json::from_str(service.resolve_presented(lookup).await.unwrap().get()).unwrap();
    assert_eq!(stale[0].subject.as_deref(), Some("call 1"));
    assert_eq!(wait_for_hit(&service, &october()).await, ["call 2"]);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_service_stops_its_background_refreshes() {
    let backend = Arc::new(Fake {
        behaviour: Behaviour::Count,
        delay: Duration::from_secs(3600),
        calls: AtomicU64::new(0),
    });
    let mut dispatcher = Dispatcher::new();
    dispatcher.add(backend.clone(), CHAT).unwrap();
    let policy = CachePolicy {
        ttl: Duration::from_millis(100),
        stale_while_revalidate: Duration::from_secs(60),
        ..CachePolicy::default()
    };
    let service = HistoryService::new(dispatcher, policy, HistoryMetrics::unregistered());
    // The first answer waits an hour of paused time, then goes stale.
    let (_, first) = ask(&service, "cc1", "u1", CHAT, &october()).await;
    assert_eq!(calls(&first), ["call 1"]);
    tokio::time::advance(Duration::from_secs(1)).await;
    let (status, _) = ask(&service, "cc1", "u1", CHAT, &october()).await;
    assert_eq!(status, CacheStatus::Stale);
    tokio::task::yield_now().await;
    assert_eq!(backend.calls.load(Ordering::SeqCst), 2, "the refresh runs");
    assert!(
        Arc::strong_count(&backend) > 2,
        "the refresh holds the backend"
    );
    drop(service);
    tokio::task::yield_now().await;
    assert_eq!(
        Arc::strong_count(&backend),
        1,
        "the refresh was stopped with the service"
    );
}
