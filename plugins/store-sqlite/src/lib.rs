//! The embedded default store: interaction history in a SQLite file (rusqlite, SQLite bundled),
//! no external service.
//!
//! Configuration (`[backends.config]`, as JSON): `path` of the database file, `pool_size`
//! (connections, default 4), `create_if_missing` (default true: an empty database with the
//! schema is created), `demo_interactions` (default 0: when the database is created, fill it with
//! that many generated demo interactions), `change_feed` (default true: report the change log's
//! rows to the proxy, see `feed.rs`) and `change_poll_ms` (default 10: how often the feed looks
//! for commits of other connections). Queries run on blocking threads of the plugin's runtime,
//! one pooled connection each, with every filter, the order and the limit pushed down to SQL.

mod codec;
mod content;
mod demo;
mod dump;
mod feed;
mod live;
mod query;
mod schema;

pub use content::read_content;
pub use demo::write_demo_database;
pub use dump::read_tenant;
pub use live::{run_live, LiveCounts};
pub use query::run as run_query;
/// The rusqlite this store is built with (for tools and tests that write its database).
pub use rusqlite;
pub use schema::{
    create_schema, create_tables, insert_content, insert_interaction, CHANGE_LOG, SCHEMA,
};

use rusqlite::{Connection, OpenFlags};
use serde::Deserialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::Semaphore;
use ucs_plugin_api::ucs_model::chrono::Utc;
use ucs_plugin_api::ucs_model::{Interaction, InteractionContent, MediaType, Source};
use ucs_plugin_api::{
    export_plugin, Backend, BackendError, BackendRequest, ChangeFeed, ContentBackendRequest,
    Description,
};

/// Connections opened by default.
pub const DEFAULT_POOL_SIZE: usize = 4;

fn default_pool_size() -> usize {
    DEFAULT_POOL_SIZE
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    path: PathBuf,
    #[serde(default = "default_pool_size")]
    pool_size: usize,
    #[serde(default = "yes")]
    create_if_missing: bool,
    /// When the database does not exist yet, fill it with this many demo interactions.
    #[serde(default)]
    demo_interactions: u64,
    #[serde(default = "yes")]
    change_feed: bool,
    #[serde(default = "default_change_poll_ms")]
    change_poll_ms: u64,
}

/// How often the change feed looks for other connections' commits by default.
pub const DEFAULT_CHANGE_POLL_MS: u64 = 10;

fn default_change_poll_ms() -> u64 {
    DEFAULT_CHANGE_POLL_MS
}

/// The SQLite backend.
#[derive(Debug)]
pub struct SqliteStore {
    pool: Arc<Mutex<Vec<Connection>>>,
    permits: Arc<Semaphore>,
    path: PathBuf,
    /// `None`: no change feed configured.
    change_poll: Option<Duration>,
    /// Set when the instance goes: the feed's thread ends.
    stopped: Arc<AtomicBool>,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.stopped.store(true, Ordering::Release);
    }
}

fn open(config: &Config) -> Result<Vec<Connection>, String> {
    let exists = config.path.exists();
    if !exists && !config.create_if_missing {
        return Err(format!("database {} does not exist", config.path.display()));
    }
    if !exists && config.demo_interactions > 0 {
        if let Some(dir) = config.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        write_demo_database(&config.path, config.demo_interactions, Utc::now(), |_| {})
            .map_err(|e| format!("cannot write demo data to {}: {e}", config.path.display()))?;
    }
    let mut connections = Vec::with_capacity(config.pool_size.max(1));
    for _ in 0..config.pool_size.max(1) {
        let connection = Connection::open_with_flags(
            &config.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| format!("cannot open {}: {e}", config.path.display()))?;
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;")
            .map_err(|e| e.to_string())?;
        connections.push(connection);
    }
    create_schema(&connections[0]).map_err(|e| format!("cannot create the schema: {e}"))?;
    Ok(connections)
}

impl Backend for SqliteStore {
    fn create(config: ucs_plugin_api::serde_json::Value) -> Result<Self, String> {
        let config: Config = ucs_plugin_api::serde_json::from_value(config)
            .map_err(|e| format!("invalid store-sqlite configuration: {e}"))?;
        let connections = open(&config)?;
        Ok(Self {
            permits: Arc::new(Semaphore::new(connections.len())),
            pool: Arc::new(Mutex::new(connections)),
            path: config.path.clone(),
            change_poll: config
                .change_feed
                .then(|| Duration::from_millis(config.change_poll_ms.max(1))),
            stopped: Arc::new(AtomicBool::new(false)),
        })
    }

    fn watch_changes(&self, feed: ChangeFeed) -> bool {
        let Some(poll) = self.change_poll else {
            return false;
        };
        feed::watch(self.path.clone(), poll, feed, Arc::clone(&self.stopped));
        true
    }

    fn describe(&self) -> Description {
        Description {
            name: "store-sqlite".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            media_types: MediaType::ALL.to_vec(),
            archive: false,
            batch: false,
            content: true,
        }
    }

    async fn query(&self, request: BackendRequest) -> Result<Vec<Interaction>, BackendError> {
        if request.query.source() == Source::Archive {
            return Err(BackendError::invalid_request("this store has no archive"));
        }
        self.with_connection(move |connection| run_query(connection, &request))
            .await
    }

    async fn content(
        &self,
        request: ContentBackendRequest,
    ) -> Result<Option<InteractionContent>, BackendError> {
        if request.source == Source::Archive {
            return Err(BackendError::invalid_request("this store has no archive"));
        }
        self.with_connection(move |connection| read_content(connection, &request))
            .await
    }
}

impl SqliteStore {
    /// Runs `work` on a pooled connection, on a blocking thread of the plugin's runtime, at
    /// most one per connection at a time.
    async fn with_connection<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, BackendError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| BackendError::internal(e.to_string()))?;
        let pool = Arc::clone(&self.pool);
        tokio::task::spawn_blocking(move || {
            let connection = pool
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()
                .ok_or("no free connection")?;
            // A locked or unreadable database file is a store that cannot serve now.
            let result = work(&connection).map_err(|e| match e {
                rusqlite::Error::SqliteFailure(code, _)
                    if matches!(
                        code.code,
                        rusqlite::ErrorCode::DatabaseBusy
                            | rusqlite::ErrorCode::DatabaseLocked
                            | rusqlite::ErrorCode::CannotOpen
                    ) =>
                {
                    BackendError::unavailable(e.to_string())
                }
                other => BackendError::internal(other.to_string()),
            });
            pool.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(connection);
            result
        })
        .await
        .map_err(|e| BackendError::internal(e.to_string()))?
    }
}

export_plugin!(SqliteStore);
