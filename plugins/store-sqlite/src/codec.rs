//! SQLite rows to interactions: instants are stored as milliseconds; the mapping of the values
//! themselves is the store kit's ([`InteractionRow`]).

use rusqlite::Row;
use ucs_plugin_api::ucs_model::chrono::{DateTime, Utc};
use ucs_plugin_api::ucs_model::Interaction;
use ucs_store_kit::row::TimeColumns;
use ucs_store_kit::InteractionRow;

/// Where this store keeps instants: milliseconds since the epoch.
pub(crate) const TIME_COLUMNS: TimeColumns = TimeColumns {
    start: "start_ms",
    end: "end_ms",
};

/// The columns [`from_row`] reads, in its order.
pub(crate) fn columns() -> String {
    TIME_COLUMNS.select_list()
}

fn instant(ms: i64, column: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(ms).ok_or_else(|| {
        rusqlite::Error::InvalidColumnType(
            column,
            format!("timestamp {ms}"),
            rusqlite::types::Type::Integer,
        )
    })
}

/// An interaction from a row of [`columns`] (custom attributes are loaded separately).
pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<Interaction> {
    let end_ms: Option<i64> = row.get(6)?;
    let values = InteractionRow {
        id: row.get(0)?,
        media_type: row.get(1)?,
        type_id: row.get(2)?,
        state: row.get(3)?,
        start: instant(row.get(4)?, 4)?,
        start_offset: row.get(5)?,
        end: end_ms.map(|ms| instant(ms, 6)).transpose()?,
        end_offset: row.get(7)?,
        subject: row.get(8)?,
        contact_id: row.get(9)?,
        owner_id: row.get(10)?,
        owner_user_name: row.get(11)?,
        owner_first_name: row.get(12)?,
        owner_last_name: row.get(13)?,
        path: row.get(14)?,
        uri: row.get(15)?,
    };
    values.into_interaction().map_err(|error| {
        rusqlite::Error::InvalidColumnType(3, error.to_string(), rusqlite::types::Type::Text)
    })
}
