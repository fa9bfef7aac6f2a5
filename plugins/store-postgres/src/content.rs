//! GetInteractionContent on PostgreSQL: the interaction (with every custom attribute) and its
//! content rows, read with the store kit's statements; the result is the store kit's assembly.

use crate::codec::{columns, from_row};
use crate::error::StoreError;
use crate::schema::SchemaName;
use ucs_plugin_api::ucs_model::{Attachment, InteractionContent};
use ucs_plugin_api::ContentBackendRequest;
use ucs_store_kit::{BodyRow, ContentRows, ContentStatements, MessageRow};

fn placeholder(n: usize) -> String {
    format!("${n}")
}

/// The content `request` asks for in `schema`, `None` when the tenant holds no such interaction
/// of an allowed media type.
pub async fn read_content(
    client: &deadpool_postgres::Client,
    schema: &SchemaName,
    request: &ContentBackendRequest,
) -> Result<Option<InteractionContent>, StoreError> {
    let tables = format!("{}.", schema.quoted());
    let statements = ContentStatements::new(&tables, placeholder, &columns());
    let id: [&(dyn tokio_postgres::types::ToSql + Sync); 1] = [&request.id];
    let rows = |sql: String| async move {
        let statement = client.prepare_cached(&sql).await?;
        Ok::<_, StoreError>(client.query(&statement, &id).await?)
    };
    let row = async {
        let statement = client.prepare_cached(&statements.interaction).await?;
        Ok::<_, StoreError>(
            client
                .query_opt(&statement, &[&request.tenant, &request.id])
                .await?,
        )
    };
    // One round trip: tokio-postgres pipelines the five statements on the connection. The
    // content rows of an interaction another tenant holds are read and dropped.
    let (row, attributes, body, attachments, messages) = tokio::try_join!(
        row,
        rows(statements.attributes),
        rows(statements.body),
        rows(statements.attachments),
        rows(statements.transcript),
    )?;
    let found = row.map(|row| from_row(&row)).transpose()?;
    let Some(mut interaction) = found.filter(|i| request.allows(&i.media_type)) else {
        return Ok(None);
    };
    for row in attributes {
        interaction
            .custom_attributes
            .insert(row.try_get(0)?, row.try_get(1)?);
    }
    let body = match body.first() {
        Some(row) => Some(BodyRow {
            text: row.try_get(0)?,
            structured_text: row.try_get(1)?,
            structured_text_mime_type: row.try_get(2)?,
        }),
        None => None,
    };
    let attachments = attachments
        .iter()
        .map(|row| {
            Ok(Attachment {
                id: row.try_get(0)?,
                file_name: row.try_get(1)?,
                mime_type: row.try_get(2)?,
                size: row.try_get::<_, i64>(3)?.max(0) as u64,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let messages = messages
        .iter()
        .map(|row| {
            Ok(MessageRow {
                index: i64::from(row.try_get::<_, i32>(0)?),
                nickname: row.try_get(1)?,
                party_type: row.try_get(2)?,
                participant_id: row.try_get(3)?,
                text: row.try_get(4)?,
                at_ms: row.try_get(5)?,
                at_offset: row.try_get(6)?,
                visibility: row.try_get(7)?,
                message_type: row.try_get(8)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    let rows = ContentRows {
        body,
        attachments,
        messages,
    };
    rows.into_content(interaction)
        .map(Some)
        .map_err(|error| StoreError::Row(error.to_string()))
}
