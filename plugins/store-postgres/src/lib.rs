//! History store on PostgreSQL: the UCS-like schema of the embedded store, pooled connections
//! (deadpool-postgres over tokio-postgres), every filter, the order and the limit pushed down
//! with bound parameters.
//!
//! Configuration (`[backends.config]`, as JSON):
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `url` | – | libpq-style connection string or `postgresql://` URL |
//! | `schema` | `ucs` | schema of the main history |
//! | `archive_schema` | none | schema serving `source = archive` (same database, or `archive_url`'s) |
//! | `archive_url` | none | a second database for the archive (schema `archive_schema`, else `schema`) |
//! | `pool_size` | 8 | connections per database |
//! | `migrate` | false | create or upgrade the schemas at start (else `ucs-store-postgres migrate`) |
//! | `connect_timeout_ms` | 5000 | to open a connection, and to wait for a pooled one |
//! | `change_feed` | true | LISTEN for the schema triggers' change notifications and report them to the proxy (its cached answers then stay exact) |
//!
//! The schema is created by `ucs-store-postgres migrate` (or `migrate = true`); at start the
//! plugin connects once and refuses to run on a missing or older schema, saying so.

mod codec;
mod content;
mod error;
mod feed;
mod query;
mod schema;
mod write;

pub use content::read_content;
pub use error::StoreError;
pub use feed::listener_name;
pub use query::run as run_query;
pub use schema::{migrate, schema_version, SchemaName, CHANGE_CHANNEL, SCHEMA_VERSION};
/// The driver this store is built with (for its tool, tests and benches).
pub use tokio_postgres;
pub use write::{write_contents, write_demo_history, write_interactions, DEMO_BATCH};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use serde::Deserialize;
use std::time::Duration;
use ucs_plugin_api::ucs_model::{Interaction, InteractionContent, MediaType, Source};
use ucs_plugin_api::{
    export_plugin, Backend, BackendError, BackendRequest, ChangeFeed, ContentBackendRequest,
    Description,
};

/// Connections per database by default.
pub const DEFAULT_POOL_SIZE: usize = 8;
/// Default schema of the main history.
pub const DEFAULT_SCHEMA: &str = "ucs";
/// Default time to connect, or to wait for a pooled connection.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 5000;

fn default_pool_size() -> usize {
    DEFAULT_POOL_SIZE
}

fn default_schema() -> String {
    DEFAULT_SCHEMA.to_owned()
}

fn default_connect_timeout_ms() -> u64 {
    DEFAULT_CONNECT_TIMEOUT_MS
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    url: String,
    #[serde(default = "default_schema")]
    schema: String,
    #[serde(default)]
    archive_schema: Option<String>,
    #[serde(default)]
    archive_url: Option<String>,
    #[serde(default = "default_pool_size")]
    pool_size: usize,
    #[serde(default)]
    migrate: bool,
    #[serde(default = "default_connect_timeout_ms")]
    connect_timeout_ms: u64,
    #[serde(default = "default_change_feed")]
    change_feed: bool,
}

fn default_change_feed() -> bool {
    true
}

/// One database and the schema in it that holds a history.
#[derive(Clone, Debug)]
pub struct Database {
    url: String,
    schema: SchemaName,
    pool: Pool,
}

impl Database {
    /// A pool of `size` connections to `url` for the history in `schema`. Connections are opened
    /// on first use, on the runtime that uses them.
    pub fn new(
        url: &str,
        schema: SchemaName,
        size: usize,
        timeout: Duration,
    ) -> Result<Database, StoreError> {
        let mut config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::Config(format!("url: {e}")))?;
        config.connect_timeout(timeout);
        let manager = Manager::from_config(
            config,
            tokio_postgres::NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(timeout))
            .create_timeout(Some(timeout))
            .build()
            .map_err(|e| StoreError::Config(format!("pool: {e}")))?;
        Ok(Database {
            url: url.to_owned(),
            schema,
            pool,
        })
    }

    /// Reads one interaction's content on a pooled connection.
    pub async fn content(
        &self,
        request: &ContentBackendRequest,
    ) -> Result<Option<InteractionContent>, StoreError> {
        let client = self.pool.get().await?;
        read_content(&client, &self.schema, request).await
    }

    /// Runs one query on a pooled connection.
    pub async fn query(&self, request: &BackendRequest) -> Result<Vec<Interaction>, StoreError> {
        let client = self.pool.get().await?;
        run_query(&client, &self.schema, request).await
    }

    /// Connects once (outside the pool), migrates when asked, and checks the schema version.
    async fn check(&self, migrate_first: bool) -> Result<(), StoreError> {
        let (mut client, connection) =
            tokio_postgres::connect(&self.url, tokio_postgres::NoTls).await?;
        let connection = tokio::spawn(connection);
        if migrate_first {
            migrate(&mut client, &self.schema).await?;
        }
        let found = schema_version(&client, &self.schema).await?;
        drop(client);
        let _ = connection.await;
        if found == SCHEMA_VERSION {
            Ok(())
        } else {
            Err(StoreError::SchemaVersion {
                schema: self.schema.as_str().to_owned(),
                found,
                needed: SCHEMA_VERSION,
            })
        }
    }
}

/// The PostgreSQL backend: the main history and, when configured, the archive.
#[derive(Debug)]
pub struct PostgresStore {
    main: Database,
    archive: Option<Database>,
    change_feed: bool,
}

impl PostgresStore {
    fn from_config(config: Config) -> Result<PostgresStore, StoreError> {
        let timeout = Duration::from_millis(config.connect_timeout_ms);
        let main = Database::new(
            &config.url,
            SchemaName::new(&config.schema)?,
            config.pool_size,
            timeout,
        )?;
        let archive = match (&config.archive_url, &config.archive_schema) {
            (None, None) => None,
            (url, schema) => Some(Database::new(
                url.as_deref().unwrap_or(&config.url),
                SchemaName::new(schema.as_deref().unwrap_or(&config.schema))?,
                config.pool_size,
                timeout,
            )?),
        };
        if let Some(archive) = &archive {
            if archive.url == main.url && archive.schema == main.schema {
                return Err(StoreError::Config(
                    "the archive is the main schema: set archive_schema or archive_url".into(),
                ));
            }
        }
        let store = PostgresStore {
            main,
            archive,
            change_feed: config.change_feed,
        };
        store.check_on_own_thread(config.migrate)?;
        Ok(store)
    }

    /// Checks every database before the proxy starts serving. On a thread of its own with a
    /// throw-away runtime: `create` may be called from inside the host's runtime, where blocking
    /// on another is not allowed.
    fn check_on_own_thread(&self, migrate_first: bool) -> Result<(), StoreError> {
        let databases: Vec<Database> = std::iter::once(&self.main)
            .chain(&self.archive)
            .cloned()
            .collect();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| StoreError::Config(format!("runtime: {e}")))?;
            runtime.block_on(async {
                for database in &databases {
                    database.check(migrate_first).await?;
                }
                Ok(())
            })
        })
        .join()
        .unwrap_or_else(|_| Err(StoreError::Config("the start-up check panicked".into())))
    }
}

impl Backend for PostgresStore {
    fn create(config: ucs_plugin_api::serde_json::Value) -> Result<Self, String> {
        let config: Config = ucs_plugin_api::serde_json::from_value(config)
            .map_err(|e| StoreError::Config(e.to_string()).to_string())?;
        PostgresStore::from_config(config).map_err(|e| e.to_string())
    }

    fn describe(&self) -> Description {
        Description {
            name: "store-postgres".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            media_types: MediaType::ALL.to_vec(),
            archive: self.archive.is_some(),
            batch: false,
            content: true,
        }
    }

    /// One listener per database (main, and archive when configured), on this instance's
    /// runtime.
    fn watch_changes(&self, feed: ChangeFeed) -> bool {
        if !self.change_feed {
            return false;
        }
        for database in std::iter::once(&self.main).chain(&self.archive) {
            tokio::spawn(feed::listen(
                database.url.clone(),
                database.schema.clone(),
                feed.clone(),
            ));
        }
        true
    }

    async fn query(&self, request: BackendRequest) -> Result<Vec<Interaction>, BackendError> {
        Ok(self
            .database(request.query.source())?
            .query(&request)
            .await?)
    }

    async fn content(
        &self,
        request: ContentBackendRequest,
    ) -> Result<Option<InteractionContent>, BackendError> {
        Ok(self.database(request.source)?.content(&request).await?)
    }
}

impl PostgresStore {
    /// The database serving `source`.
    fn database(&self, source: Source) -> Result<&Database, BackendError> {
        match source {
            Source::Main => Ok(&self.main),
            Source::Archive => self.archive.as_ref().ok_or_else(|| {
                BackendError::invalid_request("this store has no archive configured")
            }),
        }
    }
}

export_plugin!(PostgresStore);
