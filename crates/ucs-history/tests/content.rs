//! GetInteractionContent in the history service, against an in-process fake backend under a
//! paused tokio clock: coalesced misses, hits, invalidation by a change of the interaction
//! (also one that overtakes a backend call), the locator's refusal before the ack, tenants,
//! purges and the cache switched off.

use futures_util::future::BoxFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ucs_history::{
    BackendFailure, CachePolicy, CacheStatus, Dispatcher, HistoryBackend, HistoryMetrics,
    HistoryService, PurgeFilter, ScopeKind,
};
use ucs_model::chrono::DateTime;
use ucs_model::{
    ChangeKind, ContentDocument, ContentInteraction, ContentRequest, Interaction,
    InteractionChange, InteractionContent, MediaType, Source,
};
use ucs_plugin_api::{BackendRequest, ContentBackendRequest};

/// A backend holding a chat of tenant cc1 (`chat1`) and a call (`call1`); each content call
/// takes `delay`, and the chat's subject is whatever `subject` says when it is read.
#[derive(Debug)]
struct Store {
    calls: AtomicU64,
    delay: Duration,
    subject: Mutex<String>,
}

impl Store {
    fn new(delay: Duration) -> Arc<Store> {
        Arc::new(Store {
            calls: AtomicU64::new(0),
            delay,
            subject: Mutex::new("first".into()),
        })
    }

    fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }
}

impl HistoryBackend for Store {
    fn name(&self) -> &str {
        "store"
    }

    fn version(&self) -> &str {
        "0"
    }

    fn media_types(&self) -> &[MediaType] {
        &MediaType::ALL
    }

    fn query<'a>(
        &'a self,
        _request: &'a BackendRequest,
    ) -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn serves_content(&self) -> bool {
        true
    }

    fn content<'a>(
        &'a self,
        request: &'a ContentBackendRequest,
    ) -> BoxFuture<'a, Result<Option<ContentDocument>, BackendFailure>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            // Read as the call begins, answered after the delay (a change may come meanwhile).
            let subject = self.subject.lock().unwrap().clone();
            tokio::time::sleep(self.delay).await;
            let media = match request.id.as_str() {
                "chat1" => "Chat",
                "call1" => "Call",
                _ => return Ok(None),
            };
            if request.tenant != "cc1" || !request.allows(media) {
                return Ok(None);
            }
            let start = DateTime::parse_from_rfc3339("2015-10-02T10:00:00Z").unwrap();
            let mut summary = Interaction::started(&request.id, media, start);
            summary.subject = Some(subject);
            let content = InteractionContent {
                interaction: ContentInteraction {
                    summary,
                    text: Some("hello".into()),
                    structured_text: None,
                    structured_text_mime_type: None,
                    attachments: Vec::new(),
                },
                messages: (media == "Chat").then(Vec::new),
            };
            Ok(Some(ContentDocument::of(&content)))
        })
    }
}

fn service(store: &Arc<Store>, policy: CachePolicy) -> HistoryService {
    let mut dispatcher = Dispatcher::new();
    dispatcher
        .add(
            Arc::clone(store) as Arc<dyn HistoryBackend>,
            &MediaType::ALL,
        )
        .unwrap();
    HistoryService::new(dispatcher, policy, HistoryMetrics::unregistered())
}

const ALL: &[MediaType] = &MediaType::ALL;

/// The media types of a caller without `api-ucs-voice`.
fn without_calls() -> Vec<MediaType> {
    ALL.iter()
        .copied()
        .filter(|m| *m != MediaType::Call)
        .collect()
}

/// Looks `id` up as `user` of cc1 reading `readable`, resolves it: status and subject.
async fn fetch(
    service: &HistoryService,
    user: &str,
    readable: &[MediaType],
    id: &str,
) -> (CacheStatus, Option<String>) {
    let lookup = service
        .content_lookup("cc1", user, readable, ContentRequest::new(id, Source::Main))
        .await;
    let status = lookup.status();
    let document = service.resolve_content(lookup).await.unwrap();
    let subject = document.map(|d| {
        let interaction: Interaction = serde_json::from_str(d.interaction().get()).unwrap();
        interaction.subject.unwrap_or_default()
    });
    (status, subject)
}

#[tokio::test(start_paused = true)]
async fn identical_concurrent_misses_make_one_call_and_the_next_is_a_hit() {
    let store = Store::new(Duration::from_millis(50));
    let service = Arc::new(service(&store, CachePolicy::default()));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let service = Arc::clone(&service);
            tokio::spawn(async move { fetch(&service, "u1", ALL, "chat1").await })
        })
        .collect();
    for task in tasks {
        assert_eq!(
            task.await.unwrap(),
            (CacheStatus::Miss, Some("first".into()))
        );
    }
    assert_eq!(store.calls(), 1);
    assert_eq!(
        fetch(&service, "u1", ALL, "chat1").await,
        (CacheStatus::Hit, Some("first".into()))
    );
    assert_eq!(store.calls(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_change_of_the_interaction_drops_its_content_even_when_it_overtakes_the_call() {
    let store = Store::new(Duration::from_millis(50));
    let service = Arc::new(service(&store, CachePolicy::default()));
    fetch(&service, "u1", ALL, "chat1").await;
    *store.subject.lock().unwrap() = "second".into();
    let change = InteractionChange::unknown("cc1", "chat1", ChangeKind::Content);
    service.apply_change("store", change).await;
    assert_eq!(
        fetch(&service, "u1", ALL, "chat1").await,
        (CacheStatus::Miss, Some("second".into()))
    );

    // A change while a call is out: the answer it brings (read before) is not served again.
    let reading = {
        let service = Arc::clone(&service);
        tokio::spawn(async move {
            let lookup = service
                .content_lookup("cc1", "u2", ALL, ContentRequest::new("chat1", Source::Main))
                .await;
            service.resolve_content(lookup).await.unwrap()
        })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    *store.subject.lock().unwrap() = "third".into();
    let change = InteractionChange::unknown("cc1", "chat1", ChangeKind::Updated);
    service.apply_change("store", change).await;
    reading.await.unwrap();
    assert_eq!(
        fetch(&service, "u2", ALL, "chat1").await,
        (CacheStatus::Miss, Some("third".into()))
    );
    // Another tenant's change of the same id touches nothing.
    let elsewhere = InteractionChange::unknown("cc2", "chat1", ChangeKind::Updated);
    service.apply_change("store", elsewhere).await;
    assert_eq!(
        fetch(&service, "u2", ALL, "chat1").await.0,
        CacheStatus::Hit
    );
}

#[tokio::test(start_paused = true)]
async fn a_known_media_type_the_caller_may_not_read_is_refused_before_the_ack() {
    let store = Store::new(Duration::ZERO);
    let service = service(&store, CachePolicy::default());
    let no_voice = without_calls();
    // Not known yet: looked up in the caller's media types only, so not found.
    let lookup = service
        .content_lookup(
            "cc1",
            "u1",
            &no_voice,
            ContentRequest::new("call1", Source::Main),
        )
        .await;
    assert_eq!(lookup.forbidden(), None);
    assert!(service.resolve_content(lookup).await.unwrap().is_none());
    // Someone who may read calls fetches it: from now on the node knows it is a call.
    fetch(&service, "u2", ALL, "call1").await;
    let lookup = service
        .content_lookup(
            "cc1",
            "u1",
            &no_voice,
            ContentRequest::new("call1", Source::Main),
        )
        .await;
    assert_eq!(lookup.forbidden(), Some(MediaType::Call));
    // The same id in another tenant is not known there.
    let lookup = service
        .content_lookup(
            "cc2",
            "u3",
            &no_voice,
            ContentRequest::new("call1", Source::Main),
        )
        .await;
    assert_eq!(lookup.forbidden(), None);
}

#[tokio::test(start_paused = true)]
async fn a_miss_coalesced_with_a_caller_who_may_read_more_never_reaches_one_who_may_not() {
    let store = Store::new(Duration::from_millis(50));
    let policy = CachePolicy {
        scope: ScopeKind::Tenant,
        ..CachePolicy::default()
    };
    let service = Arc::new(service(&store, policy));
    let no_voice = without_calls();
    let voice = {
        let service = Arc::clone(&service);
        tokio::spawn(async move { fetch(&service, "agent", ALL, "call1").await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    let without = fetch(&service, "novoice", &no_voice, "call1").await;
    assert_eq!(without.1, None, "never the call's content");
    assert_eq!(voice.await.unwrap().1, Some("first".into()));
    assert_eq!(store.calls(), 1, "coalesced into the first caller's call");
}

#[tokio::test(start_paused = true)]
async fn contents_are_kept_per_scope_and_source_and_purged_by_filter() {
    let store = Store::new(Duration::ZERO);
    let service = service(&store, CachePolicy::default());
    fetch(&service, "u1", ALL, "chat1").await;
    // Another user (user scope, the default) and another source are other entries.
    assert_eq!(
        fetch(&service, "u2", ALL, "chat1").await.0,
        CacheStatus::Miss
    );
    let archive = service
        .content_lookup(
            "cc1",
            "u1",
            ALL,
            ContentRequest::new("chat1", Source::Archive),
        )
        .await;
    assert_eq!(archive.status(), CacheStatus::Miss);
    assert_eq!(
        fetch(&service, "u1", ALL, "chat1").await.0,
        CacheStatus::Hit
    );

    service
        .purge(&PurgeFilter {
            user_id: Some("u2".into()),
            ..PurgeFilter::default()
        })
        .unwrap();
    let stats = service.cache_stats().await;
    assert_eq!(stats.content_entries, 1, "u1's stays");
    assert!(stats.content_bytes > 0);
    assert_eq!(
        fetch(&service, "u2", ALL, "chat1").await.0,
        CacheStatus::Miss
    );
    service
        .purge(&PurgeFilter {
            interaction_id: Some("chat1".into()),
            ..PurgeFilter::default()
        })
        .unwrap();
    assert_eq!(service.cache_stats().await.content_entries, 0);
}

#[tokio::test(start_paused = true)]
async fn with_the_cache_off_every_fetch_asks_the_backend() {
    let store = Store::new(Duration::ZERO);
    let policy = CachePolicy {
        enabled: false,
        ..CachePolicy::default()
    };
    let service = service(&store, policy);
    for _ in 0..3 {
        assert_eq!(
            fetch(&service, "u1", ALL, "chat1").await,
            (CacheStatus::Bypass, Some("first".into()))
        );
    }
    assert_eq!(store.calls(), 3);
    assert_eq!(fetch(&service, "u1", ALL, "nothing").await.1, None);
}
