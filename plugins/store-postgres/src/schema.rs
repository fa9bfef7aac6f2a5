//! The UCS-like schema on PostgreSQL and its migrations.
//!
//! Same tables as the embedded SQLite store, with PostgreSQL types: `start_at`/`end_at` are
//! `timestamptz` (the original offset is kept beside them so results print as stored), ids use
//! the `"C"` collation so that ties on the start order by id byte-wise, exactly as the reference
//! semantics (`HistoryQuery::select`) do, whatever the database's locale.

use crate::error::StoreError;

/// One migration: its version and the statements that take the schema there. `{schema}` stands
/// for the (validated, quoted) schema name.
struct Migration {
    version: i32,
    statements: &'static str,
}

/// The channel the change triggers notify (the payload names the schema).
pub const CHANGE_CHANNEL: &str = "ucs_interaction_changes";

/// Every migration, in order. Append only: an applied migration is never changed.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        statements: r#"
CREATE TABLE {schema}.interactions (
    id               TEXT COLLATE "C" PRIMARY KEY,
    tenant           TEXT NOT NULL,
    media_type       TEXT NOT NULL,
    media_key        TEXT NOT NULL,
    type_id          TEXT NOT NULL,
    state            TEXT NOT NULL,
    start_at         TIMESTAMPTZ NOT NULL,
    start_offset     INTEGER NOT NULL,
    end_at           TIMESTAMPTZ,
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
CREATE TABLE {schema}.custom_attributes (
    interaction_id TEXT COLLATE "C" NOT NULL REFERENCES {schema}.interactions(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    value          TEXT NOT NULL,
    PRIMARY KEY (interaction_id, name)
);
CREATE INDEX interactions_window  ON {schema}.interactions (tenant, media_key, start_at, id);
CREATE INDEX interactions_owner   ON {schema}.interactions (tenant, owner_id, media_key, start_at);
CREATE INDEX interactions_contact ON {schema}.interactions (tenant, contact_id, media_key, start_at);
CREATE INDEX attributes_search    ON {schema}.custom_attributes (name, value, interaction_id);
"#,
    },
    // The change feed: every committed change of an interaction, or of its attributes, is
    // NOTIFYed on `ucs_interaction_changes` as a compact JSON change (`InteractionChange` plus
    // the schema). An update that moves an interaction to another tenant or media type is sent
    // twice, old and new. Attributes are not in the interaction's payload (inserted after it
    // in the same transaction, they are not known yet): their own trigger reports them.
    Migration {
        version: 2,
        statements: r#"
CREATE FUNCTION {schema}.interaction_change(r {schema}.interactions, kind TEXT) RETURNS TEXT
LANGUAGE sql STABLE AS $$
    SELECT json_build_object(
        'schema', '{bare}', 'tenant', r.tenant, 'id', r.id, 'kind', kind,
        'mediaType', r.media_type, 'ownerId', r.owner_id, 'contactId', r.contact_id,
        'startDate', to_char(r.start_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
    )::text
$$;
CREATE FUNCTION {schema}.notify_interaction_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('ucs_interaction_changes', {schema}.interaction_change(OLD, 'deleted'));
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('ucs_interaction_changes', {schema}.interaction_change(NEW, 'inserted'));
    ELSE
        IF OLD.tenant IS DISTINCT FROM NEW.tenant OR OLD.media_key IS DISTINCT FROM NEW.media_key THEN
            PERFORM pg_notify('ucs_interaction_changes', {schema}.interaction_change(OLD, 'updated'));
        END IF;
        PERFORM pg_notify('ucs_interaction_changes', {schema}.interaction_change(NEW, 'updated'));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER interactions_changed AFTER INSERT OR UPDATE OR DELETE ON {schema}.interactions
    FOR EACH ROW EXECUTE FUNCTION {schema}.notify_interaction_change();
CREATE FUNCTION {schema}.notify_attribute_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r {schema}.interactions;
BEGIN
    SELECT * INTO r FROM {schema}.interactions
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.interaction_id ELSE NEW.interaction_id END;
    IF FOUND THEN
        PERFORM pg_notify('ucs_interaction_changes', {schema}.interaction_change(r, 'updated'));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER attributes_changed AFTER INSERT OR UPDATE OR DELETE ON {schema}.custom_attributes
    FOR EACH ROW EXECUTE FUNCTION {schema}.notify_attribute_change();
"#,
    },
    // GetInteractionContent: the body, the attachments' metadata and the transcript, each
    // change of them NOTIFYed as kind `content` (no history answer can differ, only the
    // interaction's cached content).
    Migration {
        version: 3,
        statements: r#"
CREATE TABLE {schema}.interaction_content (
    interaction_id            TEXT COLLATE "C" PRIMARY KEY REFERENCES {schema}.interactions(id) ON DELETE CASCADE,
    text                      TEXT,
    structured_text           TEXT,
    structured_text_mime_type TEXT
);
CREATE TABLE {schema}.attachments (
    interaction_id TEXT COLLATE "C" NOT NULL REFERENCES {schema}.interactions(id) ON DELETE CASCADE,
    id             TEXT COLLATE "C" NOT NULL,
    file_name      TEXT NOT NULL,
    mime_type      TEXT NOT NULL,
    size           BIGINT NOT NULL,
    PRIMARY KEY (interaction_id, id)
);
CREATE TABLE {schema}.transcript_messages (
    interaction_id TEXT COLLATE "C" NOT NULL REFERENCES {schema}.interactions(id) ON DELETE CASCADE,
    idx            INTEGER NOT NULL,
    nickname       TEXT NOT NULL,
    party_type     TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    text           TEXT,
    at_ms          BIGINT NOT NULL,
    at_offset      INTEGER NOT NULL,
    visibility     TEXT NOT NULL,
    message_type   TEXT NOT NULL,
    PRIMARY KEY (interaction_id, idx)
);
CREATE FUNCTION {schema}.notify_content_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    r {schema}.interactions;
BEGIN
    SELECT * INTO r FROM {schema}.interactions
        WHERE id = CASE WHEN TG_OP = 'DELETE' THEN OLD.interaction_id ELSE NEW.interaction_id END;
    IF FOUND THEN
        PERFORM pg_notify('ucs_interaction_changes', {schema}.interaction_change(r, 'content'));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER content_changed AFTER INSERT OR UPDATE OR DELETE ON {schema}.interaction_content
    FOR EACH ROW EXECUTE FUNCTION {schema}.notify_content_change();
CREATE TRIGGER attachments_changed AFTER INSERT OR UPDATE OR DELETE ON {schema}.attachments
    FOR EACH ROW EXECUTE FUNCTION {schema}.notify_content_change();
CREATE TRIGGER transcript_changed AFTER INSERT OR UPDATE OR DELETE ON {schema}.transcript_messages
    FOR EACH ROW EXECUTE FUNCTION {schema}.notify_content_change();
"#,
    },
];

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: i32 = 3;

/// A schema name: a plain lower-case SQL identifier, so it can be written into statements
/// (identifiers cannot be bound parameters) without any quoting question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaName(String);

impl SchemaName {
    /// Checks `name`: 1 to 63 characters of `a-z`, `0-9`, `_`, not starting with a digit.
    pub fn new(name: &str) -> Result<SchemaName, StoreError> {
        let valid = (1..=63).contains(&name.len())
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if valid {
            Ok(SchemaName(name.to_owned()))
        } else {
            Err(StoreError::Config(format!(
                "schema {name:?}: use 1-63 characters of a-z, 0-9 and _, not starting with a digit"
            )))
        }
    }

    /// The name, quoted for SQL.
    pub fn quoted(&self) -> String {
        format!("\"{}\"", self.0)
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The version the schema is at (0: not created).
pub async fn schema_version(
    client: &tokio_postgres::Client,
    schema: &SchemaName,
) -> Result<i32, StoreError> {
    let exists = client
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&format!("{}.schema_migrations", schema.quoted())],
        )
        .await?
        .get::<_, bool>(0);
    if !exists {
        return Ok(0);
    }
    let row = client
        .query_one(
            &format!(
                "SELECT COALESCE(MAX(version), 0) FROM {}.schema_migrations",
                schema.quoted()
            ),
            &[],
        )
        .await?;
    Ok(row.get(0))
}

/// Creates the schema or brings it to [`SCHEMA_VERSION`], each migration in its own transaction;
/// returns the versions applied (none when it was up to date).
pub async fn migrate(
    client: &mut tokio_postgres::Client,
    schema: &SchemaName,
) -> Result<Vec<i32>, StoreError> {
    let quoted = schema.quoted();
    client
        .batch_execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {quoted};
             CREATE TABLE IF NOT EXISTS {quoted}.schema_migrations (
                 version    INTEGER PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             );"
        ))
        .await?;
    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        let tx = client.transaction().await?;
        // Serialises concurrent migrators of one schema.
        tx.batch_execute(&format!(
            "LOCK TABLE {quoted}.schema_migrations IN EXCLUSIVE MODE"
        ))
        .await?;
        let done = tx
            .query_opt(
                &format!("SELECT 1 FROM {quoted}.schema_migrations WHERE version = $1"),
                &[&migration.version],
            )
            .await?
            .is_some();
        if !done {
            let statements = migration
                .statements
                .replace("{schema}", &quoted)
                .replace("{bare}", schema.as_str());
            tx.batch_execute(&statements).await?;
            tx.execute(
                &format!("INSERT INTO {quoted}.schema_migrations (version) VALUES ($1)"),
                &[&migration.version],
            )
            .await?;
            applied.push(migration.version);
        }
        tx.commit().await?;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        for good in ["ucs", "ucs_archive", "a1", "_x"] {
            assert!(SchemaName::new(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "1ucs",
            "UCS",
            "ucs;drop",
            "u\"cs",
            "a b",
            &"x".repeat(64),
        ] {
            assert!(SchemaName::new(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn migrations_are_in_order_and_reach_the_current_version() {
        let versions: Vec<i32> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(versions.last(), Some(&SCHEMA_VERSION));
    }
}
