//! The store's errors, and the kinds they have for the host.

use deadpool_postgres::PoolError;
use ucs_plugin_api::{BackendError, BackendErrorKind};

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The `[backends.config]` table (or a tool's argument) is unusable.
    #[error("invalid store-postgres configuration: {0}")]
    Config(String),
    /// PostgreSQL refused or failed a statement, or the connection broke.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No connection could be had from the pool.
    #[error("postgres pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    /// A stored row cannot be an interaction.
    #[error("bad row: {0}")]
    Row(String),
    /// The schema is missing or older than this build.
    #[error("schema {schema} is at version {found}, this store needs {needed}: run `ucs-store-postgres migrate`")]
    SchemaVersion {
        /// The schema name.
        schema: String,
        /// The version found (0: not created).
        found: i32,
        /// The version this build needs.
        needed: i32,
    },
}

/// SQLSTATE of a statement cancelled by `statement_timeout` (or an operator).
const QUERY_CANCELED: &str = "57014";

impl From<StoreError> for BackendError {
    /// The kind an operator acts on: a connection that cannot be had or broke is the database
    /// being unavailable; a cancelled statement or a pool wait that ran out is a timeout;
    /// anything else is internal.
    fn from(error: StoreError) -> Self {
        let kind = match &error {
            StoreError::Pool(PoolError::Timeout(_)) => BackendErrorKind::Timeout,
            StoreError::Pool(_) => BackendErrorKind::Unavailable,
            StoreError::Postgres(e) if e.code().map(|c| c.code()) == Some(QUERY_CANCELED) => {
                BackendErrorKind::Timeout
            }
            StoreError::Postgres(e) if e.is_closed() || e.as_db_error().is_none() => {
                BackendErrorKind::Unavailable
            }
            StoreError::Config(_)
            | StoreError::Postgres(_)
            | StoreError::Row(_)
            | StoreError::SchemaVersion { .. } => BackendErrorKind::Internal,
        };
        BackendError::new(kind, error.to_string())
    }
}
