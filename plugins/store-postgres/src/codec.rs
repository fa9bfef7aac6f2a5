//! Rows to interactions and interactions to row values.

use crate::error::StoreError;
use tokio_postgres::Row;
use ucs_plugin_api::ucs_model::chrono::{DateTime, FixedOffset, Utc};
use ucs_plugin_api::ucs_model::{Interaction, InteractionState, InteractionType, OwnerInformation};

/// The columns [`from_row`] reads, in its order.
pub(crate) const COLUMNS: &str = "i.id, i.media_type, i.type_id, i.state, i.start_at, \
     i.start_offset, i.end_at, i.end_offset, i.subject, i.contact_id, i.owner_id, \
     i.owner_user_name, i.owner_first_name, i.owner_last_name, i.path, i.uri";

/// An instant with the offset it was stored with.
fn with_offset(
    at: DateTime<Utc>,
    offset_seconds: i32,
) -> Result<DateTime<FixedOffset>, StoreError> {
    FixedOffset::east_opt(offset_seconds)
        .map(|offset| at.with_timezone(&offset))
        .ok_or_else(|| StoreError::Row(format!("offset {offset_seconds}")))
}

/// An interaction from a row of [`COLUMNS`] (custom attributes are loaded separately).
pub(crate) fn from_row(row: &Row) -> Result<Interaction, StoreError> {
    let state: &str = row.try_get(3)?;
    let end_at: Option<DateTime<Utc>> = row.try_get(6)?;
    let end_offset: Option<i32> = row.try_get(7)?;
    let owner_id: Option<String> = row.try_get(10)?;
    let text = |i: usize| -> Result<String, StoreError> {
        Ok(row.try_get::<_, Option<String>>(i)?.unwrap_or_default())
    };
    Ok(Interaction {
        id: row.try_get(0)?,
        media_type: row.try_get(1)?,
        type_id: InteractionType::from_name(row.try_get(2)?),
        state: InteractionState::from_name(state)
            .ok_or_else(|| StoreError::Row(format!("state {state:?}")))?,
        start_date: with_offset(row.try_get(4)?, row.try_get(5)?)?,
        end_date: match (end_at, end_offset) {
            (Some(at), Some(offset)) => Some(with_offset(at, offset)?),
            _ => None,
        },
        subject: row.try_get(8)?,
        contact_id: row.try_get(9)?,
        owner_information: match owner_id {
            Some(id) => Some(OwnerInformation {
                id,
                user_name: text(11)?,
                first_name: text(12)?,
                last_name: text(13)?,
            }),
            None => None,
        },
        path: row.try_get(14)?,
        uri: row.try_get(15)?,
        custom_attributes: Default::default(),
    })
}
