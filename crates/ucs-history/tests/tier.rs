//! The history service over a second tier (an in-process stand-in for the cluster's Redis
//! tier): a first-tier miss that the second tier holds is a hit with no backend call, a miss
//! in both calls the backend once and shares its answer, an answer another node filled meanwhile
//! is taken as it is, a failed call gives its lease up, and a first-tier hit never asks the
//! second tier.

use futures_util::future::BoxFuture;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use ucs_history::{
    BackendFailure, CachePolicy, CacheStatus, Dispatcher, FailureKind, Fill, FillMark,
    HistoryBackend, HistoryMetrics, HistoryService, SecondTier, TierEntry, TierKey,
};
use ucs_model::chrono::{TimeZone, Utc};
use ucs_model::{parse_request, HistoryQuery, Interaction, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::BackendRequest;

/// Counts its calls; fails while `down`.
#[derive(Debug, Default)]
struct Store {
    calls: AtomicU64,
    down: AtomicBool,
}

#[derive(Debug)]
struct Backend(Arc<Store>);

impl HistoryBackend for Backend {
    fn name(&self) -> &str {
        "store"
    }
    fn version(&self) -> &str {
        "0"
    }
    fn media_types(&self) -> &[MediaType] {
        &[MediaType::Chat]
    }
    fn query<'a>(
        &'a self,
        _: &'a BackendRequest,
    ) -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>> {
        Box::pin(async move {
            self.0.calls.fetch_add(1, Ordering::SeqCst);
            if self.0.down.load(Ordering::SeqCst) {
                return Err(BackendFailure::new(FailureKind::Unavailable, "down"));
            }
            let start = Utc.with_ymd_and_hms(2015, 10, 2, 10, 0, 0).unwrap();
            Ok(vec![Interaction::started(
                "from-backend",
                "chat",
                start.fixed_offset(),
            )])
        })
    }
}

/// What the shared tier holds and was asked.
#[derive(Debug, Default)]
struct Shared {
    entries: Mutex<HashMap<TierKey, TierEntry>>,
    gets: AtomicU64,
    puts: AtomicU64,
    abandons: AtomicU64,
    /// `begin_fill` answers `Found` with this entry (another node filled it meanwhile).
    filled_elsewhere: Mutex<Option<TierEntry>>,
}

impl SecondTier for Shared {
    fn get<'a>(&'a self, key: &'a TierKey) -> BoxFuture<'a, Option<TierEntry>> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move { self.entries.lock().unwrap().get(key).cloned() })
    }
    fn begin_fill<'a>(&'a self, _: &'a TierKey, _: bool) -> BoxFuture<'a, Fill> {
        Box::pin(async move {
            match self.filled_elsewhere.lock().unwrap().take() {
                Some(entry) => Fill::Found(entry),
                None => Fill::Lead(FillMark::default()),
            }
        })
    }
    fn put(&self, key: TierKey, _: FillMark, entry: TierEntry) -> BoxFuture<'_, ()> {
        self.puts.fetch_add(1, Ordering::SeqCst);
        self.entries.lock().unwrap().insert(key, entry);
        Box::pin(async {})
    }
    fn abandon(&self, _: TierKey, _: FillMark) -> BoxFuture<'_, ()> {
        self.abandons.fetch_add(1, Ordering::SeqCst);
        Box::pin(async {})
    }
}

fn node(shared: &Arc<Shared>) -> (HistoryService, Arc<Store>) {
    let store = Arc::new(Store::default());
    let mut dispatcher = Dispatcher::new();
    dispatcher
        .add(Arc::new(Backend(Arc::clone(&store))), &[MediaType::Chat])
        .unwrap();
    let policy = CachePolicy {
        ttl: Duration::from_secs(600),
        ..CachePolicy::default()
    };
    let service = HistoryService::new(dispatcher, policy, HistoryMetrics::unregistered())
        .with_second_tier(Arc::clone(shared) as Arc<dyn SecondTier>);
    (service, store)
}

fn chats() -> HistoryQuery {
    let ctx = ParseContext::new(
        Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
        Tz::UTC,
    );
    let body = r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat","fromDate":"2015-10-01","toDate":"2015-10-10"}"#;
    parse_request(&Route::Interactions, body.as_bytes(), &ctx)
        .expect("a valid request")
        .query
}

async fn ask(service: &HistoryService) -> (CacheStatus, Result<Vec<Interaction>, String>) {
    let lookup = service
        .lookup("cc1", "u1", &[MediaType::Chat], chats())
        .await;
    let status = lookup.status();
    (
        status,
        service.resolve(lookup).await.map_err(|e| e.to_string()),
    )
}

/// Lets the background share of an answer run.
async fn settle() {
    tokio::time::sleep(Duration::from_millis(20)).await;
}

#[tokio::test]
async fn a_miss_is_filled_once_and_shared_then_another_node_hits_the_shared_tier() {
    let shared = Arc::new(Shared::default());
    let (a, store_a) = node(&shared);
    let (b, store_b) = node(&shared);
    let (status, answer) = ask(&a).await;
    assert_eq!(status, CacheStatus::Miss);
    settle().await;
    assert_eq!(store_a.calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        shared.puts.load(Ordering::SeqCst),
        1,
        "the answer is shared"
    );

    let (status, on_b) = ask(&b).await;
    assert_eq!(
        status,
        CacheStatus::Hit,
        "B's first-tier miss is a second-tier hit"
    );
    assert_eq!(on_b, answer);
    assert_eq!(
        store_b.calls.load(Ordering::SeqCst),
        0,
        "no backend call on B"
    );

    // Now in B's first tier: a hit there asks nothing of the second tier.
    let gets = shared.gets.load(Ordering::SeqCst);
    assert_eq!(ask(&b).await.0, CacheStatus::Hit);
    assert_eq!(shared.gets.load(Ordering::SeqCst), gets);
}

#[tokio::test]
async fn an_answer_another_node_filled_meanwhile_is_taken_without_a_call() {
    let shared = Arc::new(Shared::default());
    let (a, store) = node(&shared);
    let start = Utc.with_ymd_and_hms(2015, 10, 3, 10, 0, 0).unwrap();
    let elsewhere = TierEntry {
        interactions: Arc::new(vec![Interaction::started(
            "from-b",
            "chat",
            start.fixed_offset(),
        )]),
        fresh_for: Duration::from_secs(60),
    };
    *shared.filled_elsewhere.lock().unwrap() = Some(elsewhere);
    let (status, answer) = ask(&a).await;
    assert_eq!(status, CacheStatus::Miss);
    assert_eq!(answer.unwrap()[0].id, "from-b");
    assert_eq!(store.calls.load(Ordering::SeqCst), 0);
    assert_eq!(ask(&a).await.0, CacheStatus::Hit, "kept in the first tier");
}

#[tokio::test]
async fn a_failed_call_gives_its_lease_up_and_shares_nothing() {
    let shared = Arc::new(Shared::default());
    let (a, store) = node(&shared);
    store.down.store(true, Ordering::SeqCst);
    assert!(ask(&a).await.1.is_err());
    settle().await;
    assert_eq!(shared.abandons.load(Ordering::SeqCst), 1);
    assert_eq!(shared.puts.load(Ordering::SeqCst), 0);
}
