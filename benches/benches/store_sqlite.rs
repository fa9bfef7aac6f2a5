//! The embedded store on 1 000 000 generated interactions: a one-month window, `maxSize` 100,
//! one media type of one tenant (the query an agent desktop sends most). Prints the median and
//! p99 of 2 000 timed queries, then lets criterion measure the same query.
//!
//! cargo bench -p ucs-benches --bench store_sqlite
//! (the database is generated once into target/bench-data/; set UCS_BENCH_INTERACTIONS to change
//! its size)

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use ucs_model::chrono::Utc;
use ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::BackendRequest;
use ucs_plugin_store_sqlite::rusqlite::Connection;
use ucs_plugin_store_sqlite::{run_query, write_demo_database};

fn database() -> PathBuf {
    let size: u64 = std::env::var("UCS_BENCH_INTERACTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("demo-{size}.db"));
    if !path.exists() {
        let partial = dir.join(format!("demo-{size}.db.partial"));
        let _ = std::fs::remove_file(&partial);
        eprintln!("generating {size} interactions into {} …", path.display());
        write_demo_database(&partial, size, Utc::now(), |_| {}).unwrap();
        std::fs::rename(&partial, &path).unwrap();
    }
    path
}

fn month_request() -> BackendRequest {
    let ctx = ParseContext::new(Utc::now(), Tz::UTC);
    let body = br#"{"operationName":"RetrieveInteractionHistory","customAttributes":["SearchId","CustomerId"]}"#;
    let query = parse_request(&Route::Interactions, body, &ctx)
        .unwrap()
        .query
        .with_media_type(MediaType::Chat);
    BackendRequest {
        tenant: "cc1".into(),
        media_type: MediaType::Chat,
        query,
    }
}

fn store(c: &mut Criterion) {
    let connection = Connection::open(database()).unwrap();
    let request = month_request();
    let warm = run_query(&connection, &request).unwrap();
    assert_eq!(
        warm.len(),
        100,
        "the window holds more than maxSize interactions"
    );

    let mut samples: Vec<Duration> = (0..2000)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(run_query(&connection, &request).unwrap());
            started.elapsed()
        })
        .collect();
    samples.sort();
    println!(
        "store-sqlite one-month window, maxSize 100: median {:?}, p99 {:?}, max {:?}",
        samples[samples.len() / 2],
        samples[samples.len() * 99 / 100],
        samples[samples.len() - 1]
    );

    c.bench_function("store_sqlite/month_window_max100", |b| {
        b.iter(|| run_query(&connection, &request).unwrap())
    });
}

criterion_group!(benches, store);
criterion_main!(benches);
