//! The embedded store on 1 000 000 generated interactions: a one-month window, `maxSize` 100,
//! one media type of one tenant (the query an agent desktop sends most). Prints the median and
//! p99 of 2 000 timed queries, then lets criterion measure the same query.
//!
//! cargo bench -p ucs-benches --bench store_sqlite
//! (the database is generated once into target/bench-data/; set UCS_BENCH_INTERACTIONS to change
//! its size)

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::PathBuf;
use ucs_benches::store::{bench_size, month_request, print_latencies};
use ucs_model::chrono::Utc;
use ucs_plugin_store_sqlite::rusqlite::Connection;
use ucs_plugin_store_sqlite::{run_query, write_demo_database};

fn database(size: u64) -> PathBuf {
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

fn store(c: &mut Criterion) {
    let connection = Connection::open(database(bench_size())).unwrap();
    let request = month_request();
    let warm = run_query(&connection, &request).unwrap();
    assert_eq!(
        warm.len(),
        100,
        "the window holds more than maxSize interactions"
    );
    print_latencies("store-sqlite one-month window, maxSize 100", || {
        std::hint::black_box(run_query(&connection, &request).unwrap());
    });
    c.bench_function("store_sqlite/month_window_max100", |b| {
        b.iter(|| run_query(&connection, &request).unwrap())
    });
}

criterion_group!(benches, store);
criterion_main!(benches);
