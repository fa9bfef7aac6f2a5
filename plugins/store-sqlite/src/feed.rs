//! The change feed of the embedded store: a thread with its own connection notices commits of
//! other connections cheaply (`PRAGMA data_version` changes only then), reads the new rows of
//! the change log (`interaction_changes`, filled by triggers) by `seq`, and hands them to the
//! host. It starts with a resync (changes before it are unknown), reports another when rows it
//! had not read were pruned, and prunes rows older than [`RETENTION`].

use rusqlite::{params, Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use ucs_plugin_api::ucs_model::chrono::{DateTime, Utc};
use ucs_plugin_api::ucs_model::{ChangeKind, InteractionChange};
use ucs_plugin_api::ChangeFeed;

/// How long change rows are kept (every feed reading the file reads them well within it).
const RETENTION: Duration = Duration::from_secs(600);
/// How often old rows are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(30);
/// Rows read at a time.
const BATCH: i64 = 1000;

/// Watches the change log of the database at `path` every `poll` until `stopped` is set.
pub(crate) fn watch(path: PathBuf, poll: Duration, feed: ChangeFeed, stopped: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("store-sqlite-changes".into())
        .spawn(move || {
            while !stopped.load(Ordering::Acquire) {
                // An error (the file went away, a corrupt log) ends this watch: start again,
                // after a resync, a moment later.
                let _ = follow(&path, poll, &feed, &stopped);
                std::thread::sleep(poll.max(Duration::from_millis(200)));
            }
        })
        .expect("a thread can be spawned");
}

fn follow(
    path: &PathBuf,
    poll: Duration,
    feed: &ChangeFeed,
    stopped: &AtomicBool,
) -> rusqlite::Result<()> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection.busy_timeout(Duration::from_secs(1))?;
    // The version first: a commit between the two reads is then seen at the first poll.
    let mut version: i64 = data_version(&connection)?;
    let mut last: i64 = connection.query_row(
        "SELECT COALESCE(MAX(seq), 0) FROM interaction_changes",
        [],
        |r| r.get(0),
    )?;
    feed.resync("watching the change log (again): changes made meanwhile are unknown");
    let mut pruned_at = Instant::now();
    while !stopped.load(Ordering::Acquire) {
        std::thread::sleep(poll);
        let now_version = data_version(&connection)?;
        if now_version != version {
            version = now_version;
            last = read_new(&connection, last, feed)?;
        }
        if pruned_at.elapsed() >= PRUNE_EVERY {
            pruned_at = Instant::now();
            let horizon = Utc::now().timestamp_millis() - RETENTION.as_millis() as i64;
            connection.execute(
                "DELETE FROM interaction_changes WHERE at_ms < ?1",
                params![horizon],
            )?;
        }
    }
    Ok(())
}

fn data_version(connection: &Connection) -> rusqlite::Result<i64> {
    connection.query_row("PRAGMA data_version", [], |r| r.get(0))
}

/// Reports the rows after `last`; returns the last one read.
fn read_new(connection: &Connection, mut last: i64, feed: &ChangeFeed) -> rusqlite::Result<i64> {
    let oldest: Option<i64> =
        connection.query_row("SELECT MIN(seq) FROM interaction_changes", [], |r| r.get(0))?;
    if oldest.is_some_and(|oldest| oldest > last + 1) && last > 0 {
        feed.resync("change rows were pruned before they were read");
    }
    let mut statement = connection.prepare_cached(
        "SELECT seq, tenant, id, kind, media_type, owner_id, contact_id, start_ms \
         FROM interaction_changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    )?;
    loop {
        let rows: Vec<(i64, Option<InteractionChange>)> = statement
            .query_map(params![last, BATCH], |row| {
                let kind = match row.get::<_, String>(3)?.as_str() {
                    "inserted" => Some(ChangeKind::Inserted),
                    "updated" => Some(ChangeKind::Updated),
                    "deleted" => Some(ChangeKind::Deleted),
                    "content" => Some(ChangeKind::Content),
                    _ => None,
                };
                let start: i64 = row.get(7)?;
                let change = kind.map(|kind| InteractionChange {
                    tenant: row.get(1).unwrap_or_default(),
                    id: row.get(2).unwrap_or_default(),
                    kind,
                    media_type: row.get(4).ok(),
                    owner_id: row.get(5).ok(),
                    contact_id: row.get(6).ok(),
                    start_date: DateTime::<Utc>::from_timestamp_millis(start)
                        .map(|at| at.fixed_offset()),
                    // In another table, maybe written after this row: unknown.
                    custom_attributes: None,
                });
                Ok((row.get(0)?, change))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let Some((newest, _)) = rows.last() else {
            return Ok(last);
        };
        last = *newest;
        let read = rows.len() as i64;
        let changes: Vec<InteractionChange> = rows.into_iter().filter_map(|(_, c)| c).collect();
        feed.changes(&changes);
        if read < BATCH {
            return Ok(last);
        }
    }
}
