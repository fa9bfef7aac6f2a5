//! Writes the shared demo history and contents (`ucs_store_kit::demo`) into a new SQLite
//! database.

use crate::schema::{create_schema, create_tables, insert_content, insert_interaction};
use rusqlite::Connection;
use std::path::Path;
use ucs_plugin_api::ucs_model::chrono::{DateTime, Utc};
use ucs_store_kit::demo::{demo_content, demo_interaction, DEMO_SEED};

/// Writes a database of `count` demo interactions at `path` (which must not exist yet), calling
/// `progress` with the number written so far every 10 000 rows and at the end.
pub fn write_demo_database(
    path: &Path,
    count: u64,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64),
) -> rusqlite::Result<()> {
    let mut connection = Connection::open(path)?;
    connection.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;")?;
    create_tables(&connection)?;
    let mut written = 0;
    while written < count {
        let batch_end = (written + 10_000).min(count);
        let tx = connection.transaction()?;
        for i in written..batch_end {
            let (tenant, interaction) = demo_interaction(DEMO_SEED, i, now);
            insert_interaction(&tx, &tenant, &interaction)?;
            insert_content(&tx, &demo_content(DEMO_SEED, i, &interaction))?;
        }
        tx.commit()?;
        written = batch_end;
        progress(written);
    }
    // The change log starts after the bulk load: nobody has cached anything yet.
    create_schema(&connection)?;
    connection.execute_batch("PRAGMA synchronous = NORMAL; ANALYZE;")?;
    Ok(())
}
