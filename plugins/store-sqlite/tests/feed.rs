//! The change feed of the store, loaded as the real plugin: commits of another connection (as
//! another process would make them) arrive as changes, starting with a resync.

use crate::plugin_requests::plugin_path;
use std::time::{Duration, Instant};
use ucs_plugin_api::ucs_model::chrono::{TimeZone, Utc};
use ucs_plugin_api::ucs_model::{ChangeKind, Interaction, InteractionChange};
use ucs_plugin_api::{FeedEvent, PluginLibrary};
use ucs_plugin_store_sqlite::rusqlite::{params, Connection};
use ucs_plugin_store_sqlite::{create_schema, insert_interaction};

/// The next event, waiting at most a second.
fn next(events: &mut tokio::sync::mpsc::UnboundedReceiver<FeedEvent>) -> FeedEvent {
    let deadline = Instant::now() + Duration::from_secs(1);
    loop {
        if let Ok(event) = events.try_recv() {
            return event;
        }
        assert!(Instant::now() < deadline, "no change event within a second");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn changes(event: FeedEvent) -> Vec<InteractionChange> {
    match event {
        FeedEvent::Changes(changes) => changes,
        other => panic!("expected changes, got {other:?}"),
    }
}

#[test]
fn commits_of_another_connection_arrive_as_changes() {
    let dir = std::env::temp_dir().join(format!("ucs-store-sqlite-feed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("history.db");
    let _ = std::fs::remove_file(&path);
    let writer = Connection::open(&path).unwrap();
    writer.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    create_schema(&writer).unwrap();
    let backend = PluginLibrary::load(&plugin_path("ucs_plugin_store_sqlite"))
        .unwrap()
        .create(
            &ucs_plugin_api::serde_json::json!({"path": path, "change_poll_ms": 10}),
            Duration::from_secs(10),
        )
        .unwrap();
    let mut events = backend
        .watch_changes()
        .expect("the store has a change feed");
    assert!(matches!(next(&mut events), FeedEvent::Resync(_)));

    let start = Utc
        .with_ymd_and_hms(2015, 10, 2, 10, 0, 0)
        .unwrap()
        .fixed_offset();
    let mut chat = Interaction::started("i1", "chat", start);
    chat.contact_id = Some("c1".into());
    let written = Instant::now();
    insert_interaction(&writer, "cc1", &chat).unwrap();
    let inserted = changes(next(&mut events));
    let seen = written.elapsed();
    assert_eq!(inserted.len(), 1);
    assert_eq!(inserted[0].kind, ChangeKind::Inserted);
    assert_eq!(inserted[0].tenant, "cc1");
    assert_eq!(inserted[0].media_type.as_deref(), Some("chat"));
    assert_eq!(inserted[0].contact_id, Some(Some("c1".into())));
    assert_eq!(inserted[0].owner_id, Some(None));
    assert_eq!(inserted[0].start_date, Some(start));
    assert_eq!(
        inserted[0].custom_attributes, None,
        "attributes are not in the row: unknown"
    );
    assert!(seen < Duration::from_millis(200), "{seen:?}");

    writer
        .execute(
            "UPDATE interactions SET state = 'Stopped' WHERE id = ?1",
            params!["i1"],
        )
        .unwrap();
    assert_eq!(changes(next(&mut events))[0].kind, ChangeKind::Updated);
    writer
        .execute(
            "INSERT INTO custom_attributes (interaction_id, name, value) VALUES ('i1', 'a', 'b')",
            [],
        )
        .unwrap();
    assert_eq!(changes(next(&mut events))[0].kind, ChangeKind::Updated);
    writer
        .execute("DELETE FROM interactions WHERE id = 'i1'", [])
        .unwrap();
    let deleted = changes(next(&mut events));
    assert!(deleted
        .iter()
        .any(|c| c.kind == ChangeKind::Deleted && c.id == "i1"));
    drop(backend);
    let _ = std::fs::remove_dir_all(&dir);
}
