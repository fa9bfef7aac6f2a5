//! The `interactions` table of the UCS-like schema, as plain values: every store reads its
//! driver's row into an [`InteractionRow`] and writes one out, and the mapping to and from an
//! [`Interaction`] (enum spellings, offsets, the owner) is written here once.

use ucs_plugin_api::ucs_model::chrono::{DateTime, FixedOffset, TimeZone, Utc};
use ucs_plugin_api::ucs_model::{Interaction, InteractionState, InteractionType, OwnerInformation};

/// Where a store keeps the start and end instants (the other columns are named alike in every
/// store): `start_ms`/`end_ms` (SQLite, milliseconds) or `start_at`/`end_at` (PostgreSQL).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeColumns {
    /// The start column.
    pub start: &'static str,
    /// The end column.
    pub end: &'static str,
}

impl TimeColumns {
    /// The columns [`InteractionRow`] is read from, in its field order, prefixed by `i.`.
    pub fn select_list(&self) -> String {
        format!(
            "i.id, i.media_type, i.type_id, i.state, i.{start}, i.start_offset, i.{end}, \
             i.end_offset, i.subject, i.contact_id, i.owner_id, i.owner_user_name, \
             i.owner_first_name, i.owner_last_name, i.path, i.uri",
            start = self.start,
            end = self.end
        )
    }

    /// The columns a row is written to: the columns of [`TimeColumns::select_list`] (without
    /// `i.`), with `tenant` and `media_key` after the id and the media type.
    pub fn insert_list(&self) -> String {
        format!(
            "id, tenant, media_type, media_key, type_id, state, {start}, start_offset, {end}, \
             end_offset, subject, contact_id, owner_id, owner_user_name, owner_first_name, \
             owner_last_name, path, uri",
            start = self.start,
            end = self.end
        )
    }
}

/// A row that cannot be an interaction.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// The `state` column holds a name no interaction state has.
    #[error("state {0:?}")]
    State(String),
    /// An offset in seconds east of UTC that is out of range.
    #[error("offset {0}")]
    Offset(i32),
}

/// One row of `interactions` (custom attributes live in their own table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InteractionRow {
    /// `id`.
    pub id: String,
    /// `media_type`, as UCS spells it (`Chat`, `facebooksession`, …).
    pub media_type: String,
    /// `type_id`.
    pub type_id: String,
    /// `state`.
    pub state: String,
    /// The start instant.
    pub start: DateTime<Utc>,
    /// `start_offset`: seconds east of UTC the start was written in.
    pub start_offset: i32,
    /// The end instant, if any.
    pub end: Option<DateTime<Utc>>,
    /// `end_offset`.
    pub end_offset: Option<i32>,
    /// `subject`.
    pub subject: Option<String>,
    /// `contact_id`.
    pub contact_id: Option<String>,
    /// `owner_id`; no owner when absent.
    pub owner_id: Option<String>,
    /// `owner_user_name`.
    pub owner_user_name: Option<String>,
    /// `owner_first_name`.
    pub owner_first_name: Option<String>,
    /// `owner_last_name`.
    pub owner_last_name: Option<String>,
    /// `path`.
    pub path: String,
    /// `uri`.
    pub uri: String,
}

pub(crate) fn with_offset(
    at: DateTime<Utc>,
    offset_seconds: i32,
) -> Result<DateTime<FixedOffset>, RowError> {
    FixedOffset::east_opt(offset_seconds)
        .map(|offset| offset.from_utc_datetime(&at.naive_utc()))
        .ok_or(RowError::Offset(offset_seconds))
}

impl InteractionRow {
    /// The row of `interaction`.
    pub fn from_interaction(interaction: &Interaction) -> Self {
        let owner = interaction.owner_information.as_ref();
        Self {
            id: interaction.id.clone(),
            media_type: interaction.media_type.clone(),
            type_id: interaction.type_id.as_str().to_owned(),
            state: interaction.state.as_str().to_owned(),
            start: interaction.start_date.to_utc(),
            start_offset: interaction.start_date.offset().local_minus_utc(),
            end: interaction.end_date.map(|d| d.to_utc()),
            end_offset: interaction.end_date.map(|d| d.offset().local_minus_utc()),
            subject: interaction.subject.clone(),
            contact_id: interaction.contact_id.clone(),
            owner_id: owner.map(|o| o.id.clone()),
            owner_user_name: owner.map(|o| o.user_name.clone()),
            owner_first_name: owner.map(|o| o.first_name.clone()),
            owner_last_name: owner.map(|o| o.last_name.clone()),
            path: interaction.path.clone(),
            uri: interaction.uri.clone(),
        }
    }

    /// The `media_key` column: the media type lower-cased, what queries filter on.
    pub fn media_key(&self) -> String {
        self.media_type.to_ascii_lowercase()
    }

    /// The interaction of this row (custom attributes are for the store to load).
    pub fn into_interaction(self) -> Result<Interaction, RowError> {
        let state =
            InteractionState::from_name(&self.state).ok_or(RowError::State(self.state.clone()))?;
        Ok(Interaction {
            type_id: InteractionType::from_name(&self.type_id),
            state,
            start_date: with_offset(self.start, self.start_offset)?,
            end_date: match (self.end, self.end_offset) {
                (Some(at), Some(offset)) => Some(with_offset(at, offset)?),
                _ => None,
            },
            owner_information: self.owner_id.map(|id| OwnerInformation {
                id,
                user_name: self.owner_user_name.unwrap_or_default(),
                first_name: self.owner_first_name.unwrap_or_default(),
                last_name: self.owner_last_name.unwrap_or_default(),
            }),
            id: self.id,
            media_type: self.media_type,
            subject: self.subject,
            contact_id: self.contact_id,
            path: self.path,
            uri: self.uri,
            custom_attributes: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{demo_interaction, DEMO_SEED};

    #[test]
    fn every_demo_interaction_survives_a_row_round_trip() {
        let now = Utc::now();
        for i in 0..500 {
            let (_, mut interaction) = demo_interaction(DEMO_SEED, i, now);
            interaction.custom_attributes.clear();
            let row = InteractionRow::from_interaction(&interaction);
            assert_eq!(row.into_interaction().unwrap(), interaction);
        }
    }

    #[test]
    fn a_bad_state_or_offset_is_an_error() {
        let (_, interaction) = demo_interaction(DEMO_SEED, 1, Utc::now());
        let mut row = InteractionRow::from_interaction(&interaction);
        row.state = "Flying".into();
        assert_eq!(
            row.clone().into_interaction(),
            Err(RowError::State("Flying".into()))
        );
        row.state = "Stopped".into();
        row.start_offset = 100_000;
        assert_eq!(row.into_interaction(), Err(RowError::Offset(100_000)));
    }

    #[test]
    fn both_stores_read_the_same_columns_in_the_same_order() {
        let sqlite = TimeColumns {
            start: "start_ms",
            end: "end_ms",
        };
        let postgres = TimeColumns {
            start: "start_at",
            end: "end_at",
        };
        assert_eq!(
            sqlite.select_list().replace("_ms", "_at"),
            postgres.select_list()
        );
        assert_eq!(sqlite.insert_list().split(", ").count(), 18);
    }
}
