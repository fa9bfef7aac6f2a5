//! Rows to interactions and back: the enum spellings and the timestamps.

use rusqlite::Row;
use ucs_plugin_api::ucs_model::chrono::{DateTime, FixedOffset, TimeZone};
use ucs_plugin_api::ucs_model::{Interaction, InteractionState, InteractionType, OwnerInformation};

fn parse_state(text: &str) -> rusqlite::Result<InteractionState> {
    InteractionState::from_name(text).ok_or_else(|| {
        rusqlite::Error::InvalidColumnType(
            5,
            format!("state {text:?}"),
            rusqlite::types::Type::Text,
        )
    })
}

fn timestamp(ms: i64, offset_seconds: i32) -> rusqlite::Result<DateTime<FixedOffset>> {
    FixedOffset::east_opt(offset_seconds)
        .and_then(|offset| offset.timestamp_millis_opt(ms).single())
        .ok_or_else(|| {
            rusqlite::Error::InvalidColumnType(
                6,
                format!("timestamp {ms}"),
                rusqlite::types::Type::Integer,
            )
        })
}

/// The columns [`from_row`] reads, in its order.
pub(crate) const COLUMNS: &str =
    "i.id, i.media_type, i.type_id, i.state, i.start_ms, i.start_offset,
    i.end_ms, i.end_offset, i.subject, i.contact_id, i.owner_id, i.owner_user_name,
    i.owner_first_name, i.owner_last_name, i.path, i.uri";

/// An interaction from a row of [`COLUMNS`] (custom attributes are loaded separately).
pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Interaction> {
    let owner_id: Option<String> = row.get(10)?;
    let end_ms: Option<i64> = row.get(6)?;
    let end_offset: Option<i32> = row.get(7)?;
    Ok(Interaction {
        id: row.get(0)?,
        media_type: row.get(1)?,
        type_id: InteractionType::from_name(&row.get::<_, String>(2)?),
        state: parse_state(&row.get::<_, String>(3)?)?,
        start_date: timestamp(row.get(4)?, row.get(5)?)?,
        end_date: match (end_ms, end_offset) {
            (Some(ms), Some(offset)) => Some(timestamp(ms, offset)?),
            _ => None,
        },
        subject: row.get(8)?,
        contact_id: row.get(9)?,
        owner_information: match owner_id {
            Some(id) => Some(OwnerInformation {
                id,
                user_name: row.get::<_, Option<String>>(11)?.unwrap_or_default(),
                first_name: row.get::<_, Option<String>>(12)?.unwrap_or_default(),
                last_name: row.get::<_, Option<String>>(13)?.unwrap_or_default(),
            }),
            None => None,
        },
        path: row.get(14)?,
        uri: row.get(15)?,
        custom_attributes: Default::default(),
    })
}
