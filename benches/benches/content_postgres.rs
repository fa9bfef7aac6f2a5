//! GetInteractionContent on PostgreSQL: the content of a 60-message chat read through the
//! store's pool among 20 000 demo interactions and their contents. Prints the median and p99 of
//! 2 000 timed reads, then lets criterion measure the same.
//!
//! cargo bench -p ucs-benches --bench content_postgres
//! (PostgreSQL at 127.0.0.1:5432, database `test`, or UCS_TEST_POSTGRES_URL; written into schema
//! `ucs_bench_content`, dropped at the end)

use criterion::{criterion_group, criterion_main, Criterion};
use std::time::Duration;
use ucs_benches::content::{request, sixty_message_chat, AROUND};
use ucs_benches::store::print_latencies;
use ucs_model::chrono::Utc;
use ucs_plugin_store_postgres::{
    migrate, tokio_postgres, write_contents, write_demo_history, write_interactions, Database,
    SchemaName,
};

fn url() -> String {
    std::env::var("UCS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_owned())
}

fn postgres(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let schema = SchemaName::new("ucs_bench_content").unwrap();
    runtime.block_on(async {
        let (mut client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
            .await
            .expect("PostgreSQL is required");
        tokio::spawn(connection);
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", schema.quoted());
        client.batch_execute(&drop).await.unwrap();
        migrate(&mut client, &schema).await.unwrap();
        write_demo_history(&mut client, &schema, AROUND, Utc::now(), |_| {})
            .await
            .unwrap();
        let (tenant, chat) = sixty_message_chat();
        let tx = client.transaction().await.unwrap();
        let rows = [(tenant, chat.interaction.summary.clone())];
        write_interactions(&tx, &schema, &rows).await.unwrap();
        write_contents(&tx, &schema, &[chat]).await.unwrap();
        tx.commit().await.unwrap();
        client
            .batch_execute(&format!("ANALYZE {0}.transcript_messages", schema.quoted()))
            .await
            .unwrap();
    });
    let store = Database::new(&url(), schema.clone(), 1, Duration::from_secs(5)).unwrap();
    let request = request();
    let read = runtime.block_on(store.content(&request)).unwrap().unwrap();
    assert_eq!(read.messages.as_ref().map(Vec::len), Some(60));
    print_latencies("store-postgres content of a 60-message chat", || {
        std::hint::black_box(runtime.block_on(store.content(&request)).unwrap());
    });
    c.bench_function("content/store_postgres_60_messages", |b| {
        b.iter(|| runtime.block_on(store.content(&request)).unwrap())
    });
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", schema.quoted());
        client.batch_execute(&drop).await.unwrap();
    });
}

criterion_group!(benches, postgres);
criterion_main!(benches);
