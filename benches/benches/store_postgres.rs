//! The PostgreSQL store on 1 000 000 generated interactions (the shared demo history): a one-month
//! window, `maxSize` 100, one media type of one tenant, the custom attributes an agent desktop
//! asks for — the query an agent desktop sends most. Prints the median and p99 of 2 000 timed
//! queries through the store's pool, then lets criterion measure the same query.
//!
//! cargo bench -p ucs-benches --bench store_postgres
//! (PostgreSQL at 127.0.0.1:5432, database `test`, or UCS_TEST_POSTGRES_URL; the history is
//! written once into schema `ucs_bench_<size>` and reused; UCS_BENCH_INTERACTIONS changes its size)

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::{Duration, Instant};
use ucs_model::chrono::Utc;
use ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::demo::{demo_interaction, DEMO_SEED};
use ucs_plugin_api::BackendRequest;
use ucs_plugin_store_postgres::{
    migrate, schema_version, tokio_postgres, write_interactions, Database, SchemaName,
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
    if schema_version(&client, &schema).await.unwrap() == SCHEMA_VERSION {
        let count: i64 = client
            .query_one(
                &format!("SELECT count(*) FROM {}.interactions", schema.quoted()),
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if count as u64 == size {
            return schema;
        }
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
    let now = Utc::now();
    let mut written = 0;
    while written < size {
        let end = (written + 20_000).min(size);
        let rows: Vec<_> = (written..end)
            .map(|i| demo_interaction(DEMO_SEED, i, now))
            .collect();
        let tx = client.transaction().await.unwrap();
        write_interactions(&tx, &schema, &rows).await.unwrap();
        tx.commit().await.unwrap();
        written = end;
    }
    client
        .batch_execute(&format!(
            "ANALYZE {0}.interactions; ANALYZE {0}.custom_attributes",
            schema.quoted()
        ))
        .await
        .unwrap();
    schema
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
    let size: u64 = std::env::var("UCS_BENCH_INTERACTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
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

    let mut samples: Vec<Duration> = (0..2000)
        .map(|_| {
            let started = Instant::now();
            std::hint::black_box(runtime.block_on(store.query(&request)).unwrap());
            started.elapsed()
        })
        .collect();
    samples.sort();
    println!(
        "store-postgres ({size} interactions) one-month window, maxSize 100: median {:?}, p99 {:?}, max {:?}",
        samples[samples.len() / 2],
        samples[samples.len() * 99 / 100],
        samples[samples.len() - 1]
    );

    c.bench_function("store_postgres/month_window_max100", |b| {
        b.iter(|| runtime.block_on(store.query(&request)).unwrap())
    });
}

criterion_group!(benches, store);
criterion_main!(benches);
