//! The store's errors.

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
