//! The PostgreSQL store on 1 000 000 generated interactions (the shared demo history): a one-month
//! window, `maxSize` 100, one media type of one tenant, the custom attributes an agent desktop
//! asks for. Prints the median and p99 of 2 000 timed queries through the store's pool, then lets
//! criterion measure the same query.
//!
//! cargo bench -p ucs-benches --bench store_postgres
//! (PostgreSQL at 127.0.0.1:5432, database `test`, or UCS_TEST_POSTGRES_URL; the history is
//! written once into schema `ucs_bench_<size>` and reused; UCS_BENCH_INTERACTIONS changes its size)

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use ucs_benches::store::{bench_size, month_request, print_latencies};
use ucs_model::chrono::Utc;
use ucs_plugin_store_postgres::{
    migrate, schema_version, tokio_postgres, write_demo_history, Database, SchemaName,
    SCHEMA_VERSION,
};

fn url() -> String {
    std::env::var("UCS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_owned())
}

/// The bench schema holding `size` demo interactions, written when missing or incomplete.
async fn database(size: u64) -> SchemaName {
    let schema = SchemaName::new(&format!("ucs_bench_{size}")).unwrap();
    let (mut client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL is required");
    tokio::spawn(connection);
    let count = format!("SELECT count(*) FROM {}.interactions", schema.quoted());
    if schema_version(&client, &schema).await.unwrap() == SCHEMA_VERSION
        && client
            .query_one(&count, &[])
            .await
            .unwrap()
            .get::<_, i64>(0) as u64
            == size
    {
        return schema;
    }
    eprintln!(
        "writing {size} interactions into schema {} …",
        schema.as_str()
    );
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            schema.quoted()
        ))
        .await
        .unwrap();
    migrate(&mut client, &schema).await.unwrap();
    write_demo_history(&mut client, &schema, size, Utc::now(), |_| {})
        .await
        .unwrap();
    schema
}

fn store(c: &mut Criterion) {
    let size = bench_size();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let schema = runtime.block_on(database(size));
    let store = Database::new(&url(), schema, 1, Duration::from_secs(5)).unwrap();
    let request = month_request();
    let warm = runtime.block_on(store.query(&request)).unwrap();
    assert_eq!(
        warm.len(),
        100,
        "the window holds more than maxSize interactions"
    );
    print_latencies(
        &format!("store-postgres ({size} interactions) one-month window, maxSize 100"),
        || {
            std::hint::black_box(runtime.block_on(store.query(&request)).unwrap());
        },
    );
    c.bench_function("store_postgres/month_window_max100", |b| {
        b.iter(|| runtime.block_on(store.query(&request)).unwrap())
    });
}

criterion_group!(benches, store);
criterion_main!(benches);
