//! A scratch schema per test in the real database, filled through the store's own writer, and
//! the plugin library loaded on it.

use crate::plugin_requests::plugin_path;
use std::time::Duration;
use ucs_plugin_api::ucs_model::Interaction;
use ucs_plugin_api::{PluginBackend, PluginLibrary};
use ucs_plugin_store_postgres::{migrate, tokio_postgres, write_interactions, SchemaName};

/// The database the tests use.
pub(crate) fn url() -> String {
    std::env::var("UCS_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_owned())
}

/// A connected client (the connection is driven on the current runtime).
pub(crate) async fn connect() -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&url(), tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {} is required: {e}", url()));
    tokio::spawn(connection);
    client
}

/// Drops the scratch schemas of test processes that are gone (`ucs_test_<purpose>_<pid>`), so
/// runs do not pile up in the shared database. Once per process: the first caller does it.
async fn drop_stale_schemas(client: &tokio_postgres::Client) {
    static DONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if DONE.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return;
    }
    let rows = client
        .query(
            r"SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ucs\_test\_%'",
            &[],
        )
        .await
        .unwrap();
    for row in rows {
        let name: &str = row.get(0);
        let pid = name.rsplit('_').next().unwrap_or_default();
        let alive = pid.parse::<u32>().is_ok_and(|pid| {
            pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists()
        });
        if !alive {
            client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                .await
                .unwrap();
        }
    }
}

/// A fresh schema named after `purpose` and this process, migrated and holding `rows`.
pub(crate) async fn scratch_schema(purpose: &str, rows: &[(String, Interaction)]) -> SchemaName {
    let schema = SchemaName::new(&format!("ucs_test_{purpose}_{}", std::process::id())).unwrap();
    let mut client = connect().await;
    drop_stale_schemas(&client).await;
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            schema.quoted()
        ))
        .await
        .unwrap();
    migrate(&mut client, &schema).await.unwrap();
    let tx = client.transaction().await.unwrap();
    write_interactions(&tx, &schema, rows).await.unwrap();
    tx.commit().await.unwrap();
    schema
}

/// Drops a scratch schema.
pub(crate) async fn drop_schema(schema: &SchemaName) {
    connect()
        .await
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {} CASCADE",
            schema.quoted()
        ))
        .await
        .unwrap();
}

/// The plugin, created with `config` (JSON text).
pub(crate) fn create_plugin(config: &str) -> Result<PluginBackend, ucs_plugin_api::PluginError> {
    PluginLibrary::load(&plugin_path("ucs_plugin_store_postgres"))
        .unwrap()
        .create(
            &ucs_plugin_api::serde_json::from_str(config).unwrap(),
            Duration::from_secs(10),
        )
}
