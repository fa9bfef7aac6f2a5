//! The cost of one change with 100 000 cached entries across 100 tenants: each tenant has
//! 1 000 cached chat answers (distinct queries: contact histories over one week); changes of
//! random tenants (an insert for one contact, which drops that contact's answer and spares the
//! tenant's 999 others; or an amended interaction held by none) are applied one by one and
//! timed. Prints p50, p99 and the largest, in microseconds.
//!
//!   cargo bench -p ucs-benches --bench invalidation

use futures_util::future::BoxFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};
use ucs_history::{
    BackendFailure, CachePolicy, Dispatcher, HistoryBackend, HistoryMetrics, HistoryService,
};
use ucs_model::chrono::{TimeZone, Utc};
use ucs_model::{
    parse_request, ChangeKind, HistoryQuery, Interaction, InteractionChange, MediaType,
    ParseContext, Route, Tz,
};
use ucs_plugin_api::BackendRequest;

const TENANTS: usize = 100;
const PER_TENANT: usize = 1000;
const CHANGES: usize = 2000;

/// Answers every contact's history with three chats of that contact.
#[derive(Debug)]
struct Store;

impl HistoryBackend for Store {
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
        request: &'a BackendRequest,
    ) -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>> {
        Box::pin(async move {
            let contact = request.query.contact_id().unwrap_or("none").to_owned();
            let rows: Vec<Interaction> = (0..3)
                .map(|n| {
                    let start = Utc.with_ymd_and_hms(2015, 10, 2 + n, 10, 0, 0).unwrap();
                    let mut i = Interaction::started(
                        &format!("{contact}-{n}"),
                        "chat",
                        start.fixed_offset(),
                    );
                    i.contact_id = Some(contact.clone());
                    i
                })
                .collect();
            Ok(request.query.select(&rows))
        })
    }
}

fn contact_query(contact: &str) -> HistoryQuery {
    let ctx = ParseContext::new(
        Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
        Tz::UTC,
    );
    let body = r#"{"operationName":"RetrieveContactHistory","mediaType":"chat","fromDate":"2015-10-01","toDate":"2015-10-08"}"#;
    parse_request(
        &Route::ContactInteractions(contact.into()),
        body.as_bytes(),
        &ctx,
    )
    .expect("a valid request")
    .query
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut dispatcher = Dispatcher::new();
        dispatcher.add(Arc::new(Store), &[MediaType::Chat]).unwrap();
        let policy = CachePolicy {
            max_bytes: 4 << 30,
            ttl: Duration::from_secs(3600),
            ..CachePolicy::default()
        };
        let service = HistoryService::new(dispatcher, policy, HistoryMetrics::unregistered());
        let filled = Instant::now();
        for tenant in 0..TENANTS {
            for contact in 0..PER_TENANT {
                let query = contact_query(&format!("c{contact}"));
                let lookup = service
                    .lookup(&format!("t{tenant}"), "u", &[MediaType::Chat], query)
                    .await;
                service.resolve(lookup).await.unwrap();
            }
        }
        let entries = service.cache_stats().await.entries;
        eprintln!("{entries} entries cached in {:.1} s", filled.elapsed().as_secs_f64());

        let mut costs = Vec::with_capacity(CHANGES);
        let (mut invalidated, mut spared) = (0, 0);
        let mut seed = 0x2545_f491_u64;
        for n in 0..CHANGES {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let tenant = format!("t{}", seed % TENANTS as u64);
            let contact = format!("c{}", (seed >> 20) % PER_TENANT as u64);
            let change = if n % 2 == 0 {
                let start = Utc.with_ymd_and_hms(2015, 10, 5, 9, 0, 0).unwrap().fixed_offset();
                let mut new = Interaction::started(&format!("new-{n}"), "chat", start);
                new.contact_id = Some(contact);
                InteractionChange::of(&tenant, &new, ChangeKind::Inserted)
            } else {
                InteractionChange::unknown(&tenant, format!("elsewhere-{n}"), ChangeKind::Amended)
            };
            let started = Instant::now();
            let outcome = service.apply_change("bench", change).await;
            costs.push(started.elapsed());
            invalidated += outcome.invalidated;
            spared += outcome.spared;
        }
        costs.sort();
        let micros = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "invalidation: {CHANGES} changes over {entries} entries in {TENANTS} tenants: p50 {:.0} µs, p99 {:.0} µs, max {:.0} µs (entries dropped {invalidated}, looked at and kept {spared})",
            micros(costs[CHANGES / 2]),
            micros(costs[CHANGES * 99 / 100]),
            micros(costs[CHANGES - 1]),
        );
    });
}
