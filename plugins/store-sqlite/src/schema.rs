//! The UCS-like schema and the writes that fill it.

use crate::codec::TIME_COLUMNS;
use rusqlite::{params, Connection};
use ucs_plugin_api::ucs_model::{Interaction, InteractionContent};
use ucs_store_kit::{ContentRows, InteractionRow};

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
CREATE TABLE IF NOT EXISTS interaction_content (
    interaction_id            TEXT PRIMARY KEY REFERENCES interactions(id) ON DELETE CASCADE,
    text                      TEXT,
    structured_text           TEXT,
    structured_text_mime_type TEXT
);
CREATE TABLE IF NOT EXISTS attachments (
    interaction_id TEXT NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    id             TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    mime_type      TEXT NOT NULL,
    size           INTEGER NOT NULL,
    PRIMARY KEY (interaction_id, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS transcript_messages (
    interaction_id TEXT NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    idx            INTEGER NOT NULL,
    nickname       TEXT NOT NULL,
    party_type     TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    text           TEXT,
    at_ms          INTEGER NOT NULL,
    at_offset      INTEGER NOT NULL,
    visibility     TEXT NOT NULL,
    message_type   TEXT NOT NULL,
    PRIMARY KEY (interaction_id, idx)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS interactions_window  ON interactions (tenant, media_key, start_ms, id);
CREATE INDEX IF NOT EXISTS interactions_owner   ON interactions (tenant, owner_id, media_key, start_ms);
CREATE INDEX IF NOT EXISTS interactions_contact ON interactions (tenant, contact_id, media_key, start_ms);
CREATE INDEX IF NOT EXISTS attributes_search    ON custom_attributes (name, value, interaction_id);
";

/// The change log: triggers record every committed change of an interaction (or of its
/// attributes) as a row, which the plugin's change feed reads by `seq` (see `feed.rs`). An
/// update that moves an interaction to another tenant or media type is recorded twice, old and
/// new. Rows older than the feed's retention are pruned by the feed.
pub const CHANGE_LOG: &str = "
CREATE TABLE IF NOT EXISTS interaction_changes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant     TEXT NOT NULL,
    id         TEXT NOT NULL,
    kind       TEXT NOT NULL,
    media_type TEXT NOT NULL,
    owner_id   TEXT,
    contact_id TEXT,
    start_ms   INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
);
CREATE TRIGGER IF NOT EXISTS interactions_inserted AFTER INSERT ON interactions BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    VALUES (NEW.tenant, NEW.id, 'inserted', NEW.media_type, NEW.owner_id, NEW.contact_id, NEW.start_ms);
END;
CREATE TRIGGER IF NOT EXISTS interactions_moved AFTER UPDATE ON interactions
WHEN OLD.tenant IS NOT NEW.tenant OR OLD.media_key IS NOT NEW.media_key BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    VALUES (OLD.tenant, OLD.id, 'updated', OLD.media_type, OLD.owner_id, OLD.contact_id, OLD.start_ms);
END;
CREATE TRIGGER IF NOT EXISTS interactions_updated AFTER UPDATE ON interactions BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    VALUES (NEW.tenant, NEW.id, 'updated', NEW.media_type, NEW.owner_id, NEW.contact_id, NEW.start_ms);
END;
CREATE TRIGGER IF NOT EXISTS interactions_deleted AFTER DELETE ON interactions BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    VALUES (OLD.tenant, OLD.id, 'deleted', OLD.media_type, OLD.owner_id, OLD.contact_id, OLD.start_ms);
END;
CREATE TRIGGER IF NOT EXISTS attributes_inserted AFTER INSERT ON custom_attributes BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'updated', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = NEW.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS attributes_updated AFTER UPDATE ON custom_attributes BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'updated', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = NEW.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS attributes_deleted AFTER DELETE ON custom_attributes BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'updated', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = OLD.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS interaction_content_inserted AFTER INSERT ON interaction_content BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'content', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = NEW.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS interaction_content_updated AFTER UPDATE ON interaction_content BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'content', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = NEW.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS interaction_content_deleted AFTER DELETE ON interaction_content BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'content', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = OLD.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS attachments_inserted AFTER INSERT ON attachments BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'content', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = NEW.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS attachments_updated AFTER UPDATE ON attachments BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'content', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = NEW.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS attachments_deleted AFTER DELETE ON attachments BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'content', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = OLD.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS transcript_messages_inserted AFTER INSERT ON transcript_messages BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'content', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = NEW.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS transcript_messages_updated AFTER UPDATE ON transcript_messages BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'content', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = NEW.interaction_id;
END;
CREATE TRIGGER IF NOT EXISTS transcript_messages_deleted AFTER DELETE ON transcript_messages BEGIN
    INSERT INTO interaction_changes (tenant, id, kind, media_type, owner_id, contact_id, start_ms)
    SELECT tenant, id, 'content', media_type, owner_id, contact_id, start_ms
    FROM interactions WHERE id = OLD.interaction_id;
END;
";

/// Creates the tables, indexes and the change log if they are missing.
pub fn create_schema(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(SCHEMA)?;
    connection.execute_batch(CHANGE_LOG)
}

/// Creates the tables and indexes only: a bulk load runs before the change log exists (it
/// would record every row).
pub fn create_tables(connection: &Connection) -> rusqlite::Result<()> {
    connection.execute_batch(SCHEMA)
}

/// Writes one interaction (all its custom attributes) of `tenant`.
pub fn insert_interaction(
    connection: &Connection,
    tenant: &str,
    interaction: &Interaction,
) -> rusqlite::Result<()> {
    let row = InteractionRow::from_interaction(interaction);
    connection.execute(
        &format!(
            "INSERT INTO interactions ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, \
             ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
            TIME_COLUMNS.insert_list()
        ),
        params![
            row.id,
            tenant,
            row.media_type,
            row.media_key(),
            row.type_id,
            row.state,
            row.start.timestamp_millis(),
            row.start_offset,
            row.end.map(|d| d.timestamp_millis()),
            row.end_offset,
            row.subject,
            row.contact_id,
            row.owner_id,
            row.owner_user_name,
            row.owner_first_name,
            row.owner_last_name,
            row.path,
            row.uri,
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

/// Writes the content rows of `content` (its interaction must be written already).
pub fn insert_content(
    connection: &Connection,
    content: &InteractionContent,
) -> rusqlite::Result<()> {
    let id = &content.interaction.summary.id;
    let rows = ContentRows::of(content);
    if let Some(body) = &rows.body {
        connection
            .prepare_cached(
                "INSERT INTO interaction_content (interaction_id, text, structured_text, \
                 structured_text_mime_type) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                id,
                body.text,
                body.structured_text,
                body.structured_text_mime_type
            ])?;
    }
    let mut attachment = connection.prepare_cached(
        "INSERT INTO attachments (interaction_id, id, file_name, mime_type, size) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for a in &rows.attachments {
        attachment.execute(params![id, a.id, a.file_name, a.mime_type, a.size as i64])?;
    }
    let mut message = connection.prepare_cached(
        "INSERT INTO transcript_messages (interaction_id, idx, nickname, party_type, \
         participant_id, text, at_ms, at_offset, visibility, message_type) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for m in &rows.messages {
        message.execute(params![
            id,
            m.index,
            m.nickname,
            m.party_type,
            m.participant_id,
            m.text,
            m.at_ms,
            m.at_offset,
            m.visibility,
            m.message_type
        ])?;
    }
    Ok(())
}
