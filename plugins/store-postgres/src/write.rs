//! Bulk writes: interactions, their custom attributes and their contents streamed with `COPY … FROM STDIN
//! (FORMAT binary)`, the fastest way into PostgreSQL (the demo data and test fixtures).

use crate::codec::TIME_COLUMNS;
use crate::error::StoreError;
use crate::schema::SchemaName;
use std::pin::pin;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use ucs_plugin_api::ucs_model::chrono::{DateTime, Utc};
use ucs_plugin_api::ucs_model::{Interaction, InteractionContent};
use ucs_store_kit::demo::{demo_content, demo_interaction, DEMO_SEED};
use ucs_store_kit::{ContentRows, InteractionRow};

/// The column types of the store kit's insert list: six texts, start and end (instant, offset), eight
/// texts.
fn interaction_types() -> Vec<Type> {
    let texts = |n| std::iter::repeat_n(Type::TEXT, n);
    texts(6)
        .chain([Type::TIMESTAMPTZ, Type::INT4, Type::TIMESTAMPTZ, Type::INT4])
        .chain(texts(8))
        .collect()
}

/// Writes `rows` (tenant, interaction with all its custom attributes) into `schema`; returns how
/// many interactions were written. All or nothing: it runs in the caller's transaction.
pub async fn write_interactions(
    client: &tokio_postgres::Transaction<'_>,
    schema: &SchemaName,
    rows: &[(String, Interaction)],
) -> Result<u64, StoreError> {
    let quoted = schema.quoted();
    let sink = client
        .copy_in(&format!(
            "COPY {quoted}.interactions ({}) FROM STDIN (FORMAT binary)",
            TIME_COLUMNS.insert_list()
        ))
        .await?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &interaction_types()));
    for (tenant, interaction) in rows {
        let row = InteractionRow::from_interaction(interaction);
        let media_key = row.media_key();
        let values: [&(dyn ToSql + Sync); 18] = [
            &row.id,
            tenant,
            &row.media_type,
            &media_key,
            &row.type_id,
            &row.state,
            &row.start,
            &row.start_offset,
            &row.end,
            &row.end_offset,
            &row.subject,
            &row.contact_id,
            &row.owner_id,
            &row.owner_user_name,
            &row.owner_first_name,
            &row.owner_last_name,
            &row.path,
            &row.uri,
        ];
        writer.as_mut().write(&values).await?;
    }
    let written = writer.finish().await?;

    let sink = client
        .copy_in(&format!(
            "COPY {quoted}.custom_attributes (interaction_id, name, value) FROM STDIN (FORMAT binary)"
        ))
        .await?;
    let mut writer = pin!(BinaryCopyInWriter::new(
        sink,
        &[Type::TEXT, Type::TEXT, Type::TEXT]
    ));
    for (_, interaction) in rows {
        for (name, value) in &interaction.custom_attributes {
            writer
                .as_mut()
                .write(&[&interaction.id, name, value])
                .await?;
        }
    }
    writer.finish().await?;
    Ok(written)
}

/// Writes the content rows of `contents` into `schema` (their interactions must be written
/// already), in the caller's transaction.
pub async fn write_contents(
    client: &tokio_postgres::Transaction<'_>,
    schema: &SchemaName,
    contents: &[InteractionContent],
) -> Result<(), StoreError> {
    let quoted = schema.quoted();
    let rows: Vec<(&str, ContentRows)> = contents
        .iter()
        .map(|c| (c.interaction.summary.id.as_str(), ContentRows::of(c)))
        .collect();
    let copy = |table: &str, columns: &str| {
        format!("COPY {quoted}.{table} ({columns}) FROM STDIN (FORMAT binary)")
    };
    let sink = client
        .copy_in(&copy(
            "interaction_content",
            "interaction_id, text, structured_text, structured_text_mime_type",
        ))
        .await?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &[Type::TEXT; 4]));
    for (id, body) in rows
        .iter()
        .filter_map(|(id, r)| Some((id, r.body.as_ref()?)))
    {
        let values: [&(dyn ToSql + Sync); 4] = [
            id,
            &body.text,
            &body.structured_text,
            &body.structured_text_mime_type,
        ];
        writer.as_mut().write(&values).await?;
    }
    writer.finish().await?;

    let sink = client
        .copy_in(&copy(
            "attachments",
            "interaction_id, id, file_name, mime_type, size",
        ))
        .await?;
    let types = [Type::TEXT, Type::TEXT, Type::TEXT, Type::TEXT, Type::INT8];
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for (id, rows) in &rows {
        for a in &rows.attachments {
            let size = i64::try_from(a.size).unwrap_or(i64::MAX);
            let values: [&(dyn ToSql + Sync); 5] = [id, &a.id, &a.file_name, &a.mime_type, &size];
            writer.as_mut().write(&values).await?;
        }
    }
    writer.finish().await?;

    let sink = client
        .copy_in(&copy(
            "transcript_messages",
            "interaction_id, idx, nickname, party_type, participant_id, text, at_ms, at_offset, \
             visibility, message_type",
        ))
        .await?;
    let types = [
        Type::TEXT,
        Type::INT4,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::INT4,
        Type::TEXT,
        Type::TEXT,
    ];
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &types));
    for (id, rows) in &rows {
        for m in &rows.messages {
            let index = i32::try_from(m.index).unwrap_or(i32::MAX);
            let values: [&(dyn ToSql + Sync); 10] = [
                id,
                &index,
                &m.nickname,
                &m.party_type,
                &m.participant_id,
                &m.text,
                &m.at_ms,
                &m.at_offset,
                &m.visibility,
                &m.message_type,
            ];
            writer.as_mut().write(&values).await?;
        }
    }
    writer.finish().await?;
    Ok(())
}

/// Demo interactions written per transaction by [`write_demo_history`].
pub const DEMO_BATCH: u64 = 20_000;

/// Appends the shared demo history (`ucs_store_kit::demo`, the embedded store's) of `count`
/// interactions starting `now` to `schema`, one transaction per [`DEMO_BATCH`], then analyzes the
/// tables; `progress` gets the number written after each batch.
pub async fn write_demo_history(
    client: &mut tokio_postgres::Client,
    schema: &SchemaName,
    count: u64,
    now: DateTime<Utc>,
    mut progress: impl FnMut(u64),
) -> Result<(), StoreError> {
    let mut written = 0;
    while written < count {
        let end = (written + DEMO_BATCH).min(count);
        let rows: Vec<_> = (written..end)
            .map(|i| demo_interaction(DEMO_SEED, i, now))
            .collect();
        let contents: Vec<_> = rows
            .iter()
            .zip(written..end)
            .map(|((_, interaction), i)| demo_content(DEMO_SEED, i, interaction))
            .collect();
        let tx = client.transaction().await?;
        write_interactions(&tx, schema, &rows).await?;
        write_contents(&tx, schema, &contents).await?;
        tx.commit().await?;
        written = end;
        progress(written);
    }
    client
        .batch_execute(&format!(
            "ANALYZE {0}.interactions; ANALYZE {0}.custom_attributes",
            schema.quoted()
        ))
        .await?;
    Ok(())
}
