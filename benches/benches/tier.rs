//! What a second-tier hit adds to a first-tier miss: one read of a shared entry (25 chats,
//! about 9 KiB of JSON) from the real Redis at 127.0.0.1:6379, checked against the change log
//! and the purge epoch, and turned back into interactions. Prints p50/p99/p99.9 over 20 000
//! reads, then criterion's estimate. Goal: < 0.5 ms p99 on loopback.
//!
//!   scripts/services && cargo bench -p ucs-benches --bench tier

use criterion::Criterion;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ucs_cluster::{Cluster, ClusterMetrics, ClusterSettings, LocalSessions};
use ucs_history::{
    CachePolicy, Dispatcher, Fill, HistoryMetrics, HistoryService, TierEntry, TierKey,
};
use ucs_model::chrono::{TimeZone, Utc};
use ucs_model::{
    parse_request, AuthScope, CacheKey, Interaction, MediaType, ParseContext, Route, Tz,
};

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

fn answer() -> Vec<Interaction> {
    (0..25)
        .map(|n| {
            let start = Utc
                .with_ymd_and_hms(2015, 10, 1 + n % 28, 10, 0, 0)
                .unwrap();
            let mut i =
                Interaction::started(&format!("00001a{n:010}"), "chat", start.fixed_offset());
            i.subject = Some("Customer support".to_owned());
            i.contact_id = Some(format!("0000Fa{n:010}"));
            i
        })
        .collect()
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let mut settings = ClusterSettings::new(vec!["redis://127.0.0.1:6379".to_owned()], "bench");
    settings.key_prefix = format!("bench-tier-{}:", std::process::id());
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
    runtime.spawn(async move { running.run(history, 0).await });
    let tier = cluster.second_tier();
    let ctx = ParseContext::new(Utc::now(), Tz::UTC);
    let body = br#"{"operationName":"RetrieveInteractionHistory","mediaType":"chat","fromDate":"2015-10-01","toDate":"2015-10-31","maxSize":25}"#;
    let query = parse_request(&Route::Interactions, body, &ctx)
        .expect("valid")
        .query;
    let key = TierKey {
        backend: Arc::from("store"),
        key: CacheKey::for_media_type(
            AuthScope::User {
                tenant: "cc1".to_owned(),
                user_id: "u1".to_owned(),
            },
            &query,
            MediaType::Chat,
        ),
    };
    runtime.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !cluster.is_up() {
            assert!(
                Instant::now() < deadline,
                "Redis at 127.0.0.1:6379 (scripts/services)"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let Fill::Lead(mark) = tier.begin_fill(&key, true).await else {
            panic!("the first fill leads");
        };
        let entry = TierEntry {
            interactions: Arc::new(answer()),
            fresh_for: Duration::from_secs(600),
        };
        tier.put(key.clone(), mark, entry).await;
        let mut times = Vec::with_capacity(20_000);
        for _ in 0..20_000 {
            let started = Instant::now();
            let found = tier.get(&key).await;
            times.push(started.elapsed());
            assert!(found.is_some());
        }
        times.sort_unstable();
        let at = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
        println!(
            "second-tier read of 25 chats, 20 000 reads: p50 {:?}, p99 {:?}, p99.9 {:?}",
            at(0.5),
            at(0.99),
            at(0.999)
        );
    });
    let mut criterion = Criterion::default().configure_from_args();
    criterion.bench_function("second-tier read, 25 chats", |b| {
        b.iter(|| runtime.block_on(tier.get(&key)).expect("present"))
    });
    criterion.final_summary();
}
