//! GetInteractionContent on SQLite: the interaction (with every custom attribute) and its
//! content rows, read with the store kit's statements; the result is the store kit's assembly.

use crate::codec::{columns, from_row};
use rusqlite::{Connection, OptionalExtension};
use ucs_plugin_api::ucs_model::{Attachment, InteractionContent};
use ucs_plugin_api::ContentBackendRequest;
use ucs_store_kit::{BodyRow, ContentRows, ContentStatements, MessageRow};

fn placeholder(n: usize) -> String {
    format!("?{n}")
}

/// The content `request` asks for, `None` when the tenant holds no such interaction of an
/// allowed media type.
pub fn read_content(
    connection: &Connection,
    request: &ContentBackendRequest,
) -> rusqlite::Result<Option<InteractionContent>> {
    let statements = ContentStatements::new("", placeholder, &columns());
    let found = connection
        .prepare_cached(&statements.interaction)?
        .query_row([&request.tenant, &request.id], from_row)
        .optional()?;
    let Some(mut interaction) = found.filter(|i| request.allows(&i.media_type)) else {
        return Ok(None);
    };
    let id = [&request.id];
    let mut attributes = connection.prepare_cached(&statements.attributes)?;
    for row in attributes.query_map(id, |row| Ok((row.get(0)?, row.get(1)?)))? {
        let (name, value) = row?;
        interaction.custom_attributes.insert(name, value);
    }
    let body = connection
        .prepare_cached(&statements.body)?
        .query_row(id, |row| {
            Ok(BodyRow {
                text: row.get(0)?,
                structured_text: row.get(1)?,
                structured_text_mime_type: row.get(2)?,
            })
        })
        .optional()?;
    let attachments = connection
        .prepare_cached(&statements.attachments)?
        .query_map(id, |row| {
            Ok(Attachment {
                id: row.get(0)?,
                file_name: row.get(1)?,
                mime_type: row.get(2)?,
                size: row.get::<_, i64>(3)?.max(0) as u64,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let messages = connection
        .prepare_cached(&statements.transcript)?
        .query_map(id, |row| {
            Ok(MessageRow {
                index: row.get(0)?,
                nickname: row.get(1)?,
                party_type: row.get(2)?,
                participant_id: row.get(3)?,
                text: row.get(4)?,
                at_ms: row.get(5)?,
                at_offset: row.get(6)?,
                visibility: row.get(7)?,
                message_type: row.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let rows = ContentRows {
        body,
        attachments,
        messages,
    };
    rows.into_content(interaction).map(Some).map_err(|error| {
        rusqlite::Error::InvalidColumnType(0, error.to_string(), rusqlite::types::Type::Integer)
    })
}
