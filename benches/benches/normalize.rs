//! The cost of turning a request body into a normalized query and a cache key: the work the
//! edge does for every history request before it can answer or look in the cache.
//!
//! cargo bench -p ucs-benches --bench normalize

use chrono::{TimeZone, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use ucs_model::{parse_request, AuthScope, CacheKey, ParseContext, Route, Tz};

const SEED: &[u8] = include_bytes!("../../crates/ucs-model/tests/fixtures/seed-request.json");
const BARE: &[u8] = br#"{"operationName":"RetrieveInteractionHistory"}"#;
const BAD: &[u8] = br#"{"operationName":"RetrieveInteractionHistory","fromDate":"01.10.2015"}"#;

fn context() -> ParseContext {
    ParseContext::new(
        Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(),
        Tz::UTC,
    )
}

fn parse(c: &mut Criterion) {
    let ctx = context();
    let mut group = c.benchmark_group("parse_request");
    for (name, body) in [("seed", SEED), ("bare", BARE), ("refused", BAD)] {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| parse_request(&Route::Interactions, black_box(body), &ctx))
        });
    }
    group.finish();
}

fn key(c: &mut Criterion) {
    let ctx = context();
    let query = parse_request(&Route::Interactions, SEED, &ctx)
        .unwrap()
        .query;
    let scope = AuthScope::User {
        tenant: "cc1".into(),
        user_id: "cc9016eeee9c84dfcb66c642d9fd92c5".into(),
    };
    c.bench_function("cache_key/build_and_hash", |b| {
        b.iter(|| {
            let key = CacheKey::new(scope.clone(), black_box(&query));
            let mut hasher = DefaultHasher::new();
            key.hash(&mut hasher);
            hasher.finish()
        })
    });
}

criterion_group!(benches, parse, key);
criterion_main!(benches);
