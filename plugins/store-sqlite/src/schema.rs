//! The UCS-like schema and the writes that fill it.

use rusqlite::{params, Connection};
use ucs_plugin_api::ucs_model::Interaction;

/// Tables and indexes. `media_key` is the lower-cased media type, so filtering is
/// case-insensitive and indexed while `media_type` keeps the stored spelling GWS prints.
/// `start_ms` (UTC milliseconds) orders and filters; `start_offset` restores the printed offset.
pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS interactions (
    id               TEXT PRIMARY KEY,
    tenant           TEXT NOT NULL,
    media_type       TEXT NOT NULL,
    media_key        TEXT NOT NULL,
    type_id          TEXT NOT NULL,
    state            TEXT NOT NULL,
    start_ms         INTEGER NOT NULL,
    start_offset     INTEGER NOT NULL,
    end_ms           INTEGER,
    end_offset       INTEGER,
    subject          TEXT,
    contact_id       TEXT,
    owner_id         TEXT,
    owner_user_name  TEXT,
    owner_first_name TEXT,
    owner_last_name  TEXT,
    path             TEXT NOT NULL,
    uri              TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS custom_attributes (
    interaction_id TEXT NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (interaction_id, name)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS interactions_window  ON interactions (tenant, media_key, start_ms, id);
CREATE INDEX IF NOT EXISTS interactions_owner   ON interactions (tenant, owner_id, media_key, start_ms);
CREATE INDEX IF NOT EXISTS interactions_contact ON interactions (tenant, contact_id, media_key, start_ms);
CREATE INDEX IF NOT EXISTS attributes_search    ON custom_attributes (name, value, interaction_id);
";

/// Creates the tables and indexes if they are missing.
pub fn create_schema(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(SCHEMA)
}

/// Writes one interaction (all its custom attributes) of `tenant`.
pub fn insert_interaction(
    connection: &Connection,
    tenant: &str,
    interaction: &Interaction,
) -> rusqlite::Result<()> {
    let owner = interaction.owner_information.as_ref();
    connection.execute(
        "INSERT INTO interactions (id, tenant, media_type, media_key, type_id, state, start_ms,
             start_offset, end_ms, end_offset, subject, contact_id, owner_id, owner_user_name,
             owner_first_name, owner_last_name, path, uri)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        params![
            interaction.id,
            tenant,
            interaction.media_type,
            interaction.media_type.to_ascii_lowercase(),
            interaction.type_id.as_str(),
            interaction.state.as_str(),
            interaction.start_date.timestamp_millis(),
            interaction.start_date.offset().local_minus_utc(),
            interaction.end_date.map(|d| d.timestamp_millis()),
            interaction.end_date.map(|d| d.offset().local_minus_utc()),
            interaction.subject,
            interaction.contact_id,
            owner.map(|o| o.id.as_str()),
            owner.map(|o| o.user_name.as_str()),
            owner.map(|o| o.first_name.as_str()),
            owner.map(|o| o.last_name.as_str()),
            interaction.path,
            interaction.uri,
        ],
    )?;
    let mut attribute = connection.prepare_cached(
        "INSERT INTO custom_attributes (interaction_id, name, value) VALUES (?1, ?2, ?3)",
    )?;
    for (name, value) in &interaction.custom_attributes {
        attribute.execute(params![interaction.id, name, value])?;
    }
    Ok(())
}
