//! The shared tier against the real Redis at 127.0.0.1:6379 (`scripts/services` starts it), each
//! test under a key prefix of its own: entries are served until a change that may affect them
//! or a purge, one node fills a key while the others wait for its answer, and a dead Redis makes
//! every call give up at once.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use ucs_cluster::{Cluster, ClusterMetrics, ClusterSettings, LocalSessions};
use ucs_history::{
    CachePolicy, Dispatcher, Fill, FillMark, HistoryMetrics, HistoryService, PurgeFilter,
    SecondTier, TierEntry, TierKey,
};
use ucs_model::chrono::{TimeZone, Utc};
use ucs_model::{
    parse_request, AuthScope, CacheKey, ChangeKind, Interaction, InteractionChange, MediaType,
    ParseContext, Route, Tz,
};

/// No CometD sessions: these tests are about the cache.
#[derive(Debug)]
struct NoSessions;

impl LocalSessions for NoSessions {
    fn deliver_here(&self, _: &str, _: &str, _: &str) -> usize {
        0
    }
    fn park_here(&self, _: &str, _: &str, _: &str) {}
    fn holds(&self, _: &str) -> bool {
        false
    }
    fn users_here(&self) -> Vec<String> {
        Vec::new()
    }
}

static PREFIXES: AtomicU64 = AtomicU64::new(0);

fn prefix() -> String {
    let n = PREFIXES.fetch_add(1, Ordering::Relaxed);
    format!(
        "tier-test-{}-{n}-{}:",
        std::process::id(),
        Utc::now().timestamp_millis()
    )
}

/// A node of a cluster under `prefix` on `redis`, running, once Redis is seen up (or after a
/// second when it is not expected to be).
async fn node(name: &str, prefix: &str, redis: &str) -> Cluster {
    let mut settings = ClusterSettings::new(vec![redis.to_owned()], name);
    settings.key_prefix = prefix.to_owned();
    settings.op_timeout = Duration::from_millis(200);
    settings.lease = Duration::from_secs(3);
    let cluster = Cluster::new(
        settings,
        ClusterMetrics::unregistered(),
        Arc::new(NoSessions),
    );
    let history = Arc::new(HistoryService::new(
        Dispatcher::new(),
        CachePolicy::default(),
        HistoryMetrics::unregistered(),
    ));
    let running = cluster.clone();
    tokio::spawn(async move { running.run(history, 0).await });
    let deadline = Instant::now() + Duration::from_secs(1);
    while !cluster.is_up() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cluster
}

/// Two nodes of one cluster of their own on the local Redis.
async fn two_nodes() -> (Cluster, Cluster) {
    let prefix = prefix();
    (
        node("A", &prefix, "redis://127.0.0.1:6379").await,
        node("B", &prefix, "redis://127.0.0.1:6379").await,
    )
}

/// A takes the lease of `key`; B's fill of it runs in the background (with how long it took).
async fn contended(
    a: &Cluster,
    b: &Cluster,
    key: &TierKey,
) -> (FillMark, tokio::task::JoinHandle<(Fill, Duration)>) {
    let Fill::Lead(mark) = a.second_tier().begin_fill(key, true).await else {
        panic!("A leads");
    };
    let (tier, key) = (b.second_tier(), key.clone());
    let waiting = tokio::spawn(async move {
        let started = Instant::now();
        (tier.begin_fill(&key, true).await, started.elapsed())
    });
    (mark, waiting)
}

fn key(tenant: &str, body: &str) -> TierKey {
    let ctx = ParseContext::new(Utc::now(), Tz::UTC);
    let query = parse_request(&Route::Interactions, body.as_bytes(), &ctx)
        .expect("a valid request")
        .query;
    let scope = AuthScope::User {
        tenant: tenant.to_owned(),
        user_id: "u1".to_owned(),
    };
    TierKey {
        backend: Arc::from("store"),
        key: CacheKey::for_media_type(scope, &query, MediaType::Chat),
    }
}

const OCTOBER: &str = r#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat","fromDate":"2015-10-01","toDate":"2015-10-31","maxSize":10}"#;

fn answer() -> TierEntry {
    let start = Utc
        .with_ymd_and_hms(2015, 10, 2, 10, 0, 0)
        .unwrap()
        .fixed_offset();
    TierEntry {
        interactions: Arc::new(vec![Interaction::started("a", "chat", start)]),
        fresh_for: Duration::from_secs(60),
    }
}

/// Fills `key` through `tier` as a backend call would: lead, then store.
async fn fill(tier: &dyn SecondTier, key: &TierKey) {
    let Fill::Lead(mark) = tier.begin_fill(key, true).await else {
        panic!("the first fill leads");
    };
    tier.put(key.clone(), mark, answer()).await;
}

fn change(tenant: &str, id: &str, day: u32) -> InteractionChange {
    let start = Utc
        .with_ymd_and_hms(2015, 10, day, 10, 0, 0)
        .unwrap()
        .fixed_offset();
    InteractionChange::of(
        tenant,
        &Interaction::started(id, "chat", start),
        ChangeKind::Inserted,
    )
}

#[tokio::test]
async fn an_entry_is_served_until_a_change_that_may_affect_it() {
    let (a, b) = two_nodes().await;
    assert!(
        a.is_up(),
        "Redis at 127.0.0.1:6379 (scripts/services starts it)"
    );
    let key = key("cc1", OCTOBER);
    fill(&*a.second_tier(), &key).await;
    let found = b.second_tier().get(&key).await.expect("B reads A's entry");
    assert_eq!(found.interactions, answer().interactions);
    assert!(found.fresh_for <= Duration::from_secs(60));

    // Another tenant's change, and one outside the query's window, leave it served.
    a.changed(&change("cc2", "x", 5), true).await;
    let mut november = change("cc1", "y", 5);
    november.start_date = Some(
        Utc.with_ymd_and_hms(2015, 11, 5, 0, 0, 0)
            .unwrap()
            .fixed_offset(),
    );
    a.changed(&november, false).await;
    assert!(b.second_tier().get(&key).await.is_some());

    // A new interaction in the window may enter the answer: the entry is no longer served.
    a.changed(&change("cc1", "z", 7), false).await;
    assert!(b.second_tier().get(&key).await.is_none());
    // A fill begun after the change is served again.
    fill(&*b.second_tier(), &key).await;
    assert!(a.second_tier().get(&key).await.is_some());
}

#[tokio::test]
async fn a_purge_drops_every_shared_entry() {
    let prefix = prefix();
    let a = node("A", &prefix, "redis://127.0.0.1:6379").await;
    let key = key("cc1", OCTOBER);
    fill(&*a.second_tier(), &key).await;
    assert!(a.second_tier().get(&key).await.is_some());
    a.purged(&PurgeFilter::default()).await;
    assert!(a.second_tier().get(&key).await.is_none());
}

#[tokio::test]
async fn one_node_fills_a_key_while_the_others_wait_for_its_answer() {
    let (a, b) = two_nodes().await;
    let key = key("cc1", OCTOBER);
    let (mark, waiting) = contended(&a, &b, &key).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "B waits while A holds the lease");
    a.second_tier().put(key.clone(), mark, answer()).await;
    let (fill, waited) = waiting.await.unwrap();
    assert!(matches!(fill, Fill::Found(found) if found.interactions == answer().interactions));
    assert!(
        waited < Duration::from_secs(2),
        "woken by A's answer, not the lease's end"
    );
}

#[tokio::test]
async fn a_waiting_node_leads_when_the_filler_gives_up() {
    let (a, b) = two_nodes().await;
    let key = key("cc1", OCTOBER);
    let (mark, waiting) = contended(&a, &b, &key).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    a.second_tier().abandon(key.clone(), mark).await;
    let (fill, _) = tokio::time::timeout(Duration::from_secs(2), waiting)
        .await
        .expect("B stops waiting at once")
        .unwrap();
    assert!(matches!(fill, Fill::Lead(_)));
}

#[tokio::test]
async fn a_dead_redis_makes_every_call_give_up_at_once() {
    // Nothing listens on port 1.
    let dead = node("A", &prefix(), "redis://127.0.0.1:1").await;
    assert!(!dead.is_up());
    let key = key("cc1", OCTOBER);
    let started = Instant::now();
    assert!(dead.second_tier().get(&key).await.is_none());
    assert!(matches!(
        dead.second_tier().begin_fill(&key, true).await,
        Fill::Alone
    ));
    dead.changed(&change("cc1", "z", 7), true).await;
    assert!(started.elapsed() < Duration::from_millis(100));
}
