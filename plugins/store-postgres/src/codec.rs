//! PostgreSQL rows to interactions: instants are `timestamptz`; the mapping of the values
//! themselves is the store kit's ([`InteractionRow`]).

use crate::error::StoreError;
use tokio_postgres::Row;
use ucs_plugin_api::ucs_model::Interaction;
use ucs_store_kit::row::TimeColumns;
use ucs_store_kit::InteractionRow;

/// Where this store keeps instants: `timestamptz` columns.
pub(crate) const TIME_COLUMNS: TimeColumns = TimeColumns {
    start: "start_at",
    end: "end_at",
};

/// The columns [`from_row`] reads, in its order.
pub(crate) fn columns() -> String {
    TIME_COLUMNS.select_list()
}

/// An interaction from a row of [`columns`] (custom attributes are loaded separately).
pub(crate) fn from_row(row: &Row) -> Result<Interaction, StoreError> {
    let values = InteractionRow {
        id: row.try_get(0)?,
        media_type: row.try_get(1)?,
        type_id: row.try_get(2)?,
        state: row.try_get(3)?,
        start: row.try_get(4)?,
        start_offset: row.try_get(5)?,
        end: row.try_get(6)?,
        end_offset: row.try_get(7)?,
        subject: row.try_get(8)?,
        contact_id: row.try_get(9)?,
        owner_id: row.try_get(10)?,
        owner_user_name: row.try_get(11)?,
        owner_first_name: row.try_get(12)?,
        owner_last_name: row.try_get(13)?,
        path: row.try_get(14)?,
        uri: row.try_get(15)?,
    };
    values
        .into_interaction()
        .map_err(|error| StoreError::Row(error.to_string()))
}
