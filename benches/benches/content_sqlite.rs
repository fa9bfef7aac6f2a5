//! GetInteractionContent on the embedded store: the content of a 60-message chat read from
//! SQLite among 20 000 demo interactions and their contents, and the hit path of the history
//! service (lookup, resolve, the notification serialized). Prints the median and p99 of 2 000
//! timed reads of each, then lets criterion measure the same.
//!
//! cargo bench -p ucs-benches --bench content_sqlite

use criterion::{criterion_group, criterion_main, Criterion};
use futures_util::future::BoxFuture;
use std::sync::Arc;
use ucs_benches::content::{request, sixty_message_chat, AROUND, CHAT_ID};
use ucs_benches::store::print_latencies;
use ucs_history::{
    BackendFailure, CachePolicy, CacheStatus, Dispatcher, HistoryBackend, HistoryMetrics,
    HistoryService,
};
use ucs_model::chrono::Utc;
use ucs_model::{ContentDocument, ContentRequest, Interaction, MediaType, Source};
use ucs_plugin_api::{BackendRequest, ContentBackendRequest};
use ucs_plugin_store_sqlite::{insert_content, insert_interaction, read_content, rusqlite};

fn sqlite(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("ucs-bench-content-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("content.db");
    ucs_plugin_store_sqlite::write_demo_database(&path, AROUND, Utc::now(), |_| {}).unwrap();
    let connection = rusqlite::Connection::open(&path).unwrap();
    let (tenant, chat) = sixty_message_chat();
    insert_interaction(&connection, &tenant, &chat.interaction.summary).unwrap();
    insert_content(&connection, &chat).unwrap();
    let request = request();
    let read = read_content(&connection, &request).unwrap().unwrap();
    assert_eq!(read.messages.as_ref().map(Vec::len), Some(60));
    print_latencies("store-sqlite content of a 60-message chat", || {
        std::hint::black_box(read_content(&connection, &request).unwrap());
    });
    c.bench_function("content/store_sqlite_60_messages", |b| {
        b.iter(|| read_content(&connection, &request).unwrap())
    });
    let _ = std::fs::remove_dir_all(dir);
}

/// A backend that holds the 60-message chat (only asked on the first, missing, read).
#[derive(Debug)]
struct Held(ContentDocument);

impl HistoryBackend for Held {
    fn name(&self) -> &str {
        "held"
    }

    fn version(&self) -> &str {
        "0"
    }

    fn media_types(&self) -> &[MediaType] {
        &MediaType::ALL
    }

    fn query<'a>(
        &'a self,
        _request: &'a BackendRequest,
    ) -> BoxFuture<'a, Result<Vec<Interaction>, BackendFailure>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    fn serves_content(&self) -> bool {
        true
    }

    fn content<'a>(
        &'a self,
        _request: &'a ContentBackendRequest,
    ) -> BoxFuture<'a, Result<Option<ContentDocument>, BackendFailure>> {
        Box::pin(async { Ok(Some(self.0.clone())) })
    }
}

fn hit_path(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (_, chat) = sixty_message_chat();
    let mut dispatcher = Dispatcher::new();
    dispatcher
        .add(Arc::new(Held(ContentDocument::of(&chat))), &MediaType::ALL)
        .unwrap();
    let service = HistoryService::new(
        dispatcher,
        CachePolicy::default(),
        HistoryMetrics::unregistered(),
    );
    let hit = || async {
        let lookup = service
            .content_lookup(
                "cc1",
                "u1",
                &MediaType::ALL,
                ContentRequest::new(CHAT_ID, Source::Main),
            )
            .await;
        let status = lookup.status();
        let document = service.resolve_content(lookup).await.unwrap().unwrap();
        (status, serde_json::to_vec(&document.message(42)).unwrap())
    };
    assert_eq!(runtime.block_on(hit()).0, CacheStatus::Miss);
    let (status, bytes) = runtime.block_on(hit());
    assert_eq!(status, CacheStatus::Hit);
    println!("the hit's notification: {} bytes", bytes.len());
    print_latencies(
        "content hit (lookup, resolve, notification serialized)",
        || {
            std::hint::black_box(runtime.block_on(hit()));
        },
    );
    c.bench_function("content/hit_60_messages", |b| {
        b.iter(|| runtime.block_on(hit()))
    });
}

criterion_group!(benches, sqlite, hit_path);
criterion_main!(benches);
