//! Bulk writes: interactions and their custom attributes streamed with `COPY … FROM STDIN
//! (FORMAT binary)`, the fastest way into PostgreSQL (the demo data and test fixtures).

use crate::error::StoreError;
use crate::schema::SchemaName;
use std::pin::pin;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use ucs_plugin_api::demo::{demo_interaction, DEMO_SEED};
use ucs_plugin_api::ucs_model::chrono::{DateTime, Utc};
use ucs_plugin_api::ucs_model::Interaction;

const INTERACTION_COLUMNS: &str = "id, tenant, media_type, media_key, type_id, state, start_at, \
     start_offset, end_at, end_offset, subject, contact_id, owner_id, owner_user_name, \
     owner_first_name, owner_last_name, path, uri";

/// The column types of [`INTERACTION_COLUMNS`]: six texts, start and end (instant, offset), eight
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
            "COPY {quoted}.interactions ({INTERACTION_COLUMNS}) FROM STDIN (FORMAT binary)"
        ))
        .await?;
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &interaction_types()));
    for (tenant, interaction) in rows {
        let owner = interaction.owner_information.as_ref();
        let start: DateTime<Utc> = interaction.start_date.to_utc();
        let end: Option<DateTime<Utc>> = interaction.end_date.map(|d| d.to_utc());
        let media_key = interaction.media_type.to_ascii_lowercase();
        let values: [&(dyn ToSql + Sync); 18] = [
            &interaction.id,
            tenant,
            &interaction.media_type,
            &media_key,
            &interaction.type_id.as_str(),
            &interaction.state.as_str(),
            &start,
            &interaction.start_date.offset().local_minus_utc(),
            &end,
            &interaction.end_date.map(|d| d.offset().local_minus_utc()),
            &interaction.subject,
            &interaction.contact_id,
            &owner.map(|o| o.id.as_str()),
            &owner.map(|o| o.user_name.as_str()),
            &owner.map(|o| o.first_name.as_str()),
            &owner.map(|o| o.last_name.as_str()),
            &interaction.path,
            &interaction.uri,
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

/// Demo interactions written per transaction by [`write_demo_history`].
pub const DEMO_BATCH: u64 = 20_000;

/// Appends the shared demo history (`ucs_plugin_api::demo`, the embedded store's) of `count`
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
        let tx = client.transaction().await?;
        write_interactions(&tx, schema, &rows).await?;
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
