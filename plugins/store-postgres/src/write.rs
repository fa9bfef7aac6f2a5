//! Bulk writes: interactions and their custom attributes streamed with `COPY … FROM STDIN
//! (FORMAT binary)`, the fastest way into PostgreSQL (the demo data and test fixtures).

use crate::error::StoreError;
use crate::schema::SchemaName;
use std::pin::pin;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use ucs_plugin_api::ucs_model::chrono::{DateTime, Utc};
use ucs_plugin_api::ucs_model::Interaction;

const INTERACTION_COLUMNS: &str = "id, tenant, media_type, media_key, type_id, state, start_at, \
     start_offset, end_at, end_offset, subject, contact_id, owner_id, owner_user_name, \
     owner_first_name, owner_last_name, path, uri";

const INTERACTION_TYPES: [Type; 18] = [
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TIMESTAMPTZ,
    Type::INT4,
    Type::TIMESTAMPTZ,
    Type::INT4,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
];

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
    let mut writer = pin!(BinaryCopyInWriter::new(sink, &INTERACTION_TYPES));
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
