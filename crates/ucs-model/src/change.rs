//! Changes of interactions, and which cached answers a change can affect.
//!
//! A store (PostgreSQL triggers, the SQLite change log), a write that passed through the proxy
//! (`SetCallCompleted`, …) or an operator's CDC pipeline reports each change of an interaction as
//! an [`InteractionChange`]: its tenant and id, what happened, and whatever it knows of the
//! interaction's fields. [`HistoryQuery::affected_by`] decides, with the same rules as
//! [`HistoryQuery::select`], whether a cached answer of a query may differ after the change, so
//! only those answers are dropped. A field that is not known counts as "may match": the decision
//! never misses an affected answer (see the property test in `tests/changes.rs`), at the cost of
//! dropping a few that were not.

use crate::interaction::Interaction;
use crate::media::SortOrder;
use crate::query::HistoryQuery;
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Deserializer, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// What happened to an interaction.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// A new interaction.
    Inserted,
    /// An existing interaction changed (closed, re-assigned, its note or attributes, …).
    #[default]
    Updated,
    /// An interaction removed.
    Deleted,
    /// An update that changed none of the fields queries filter or sort on (media type,
    /// owner, contact, start date, custom attributes): its state, end, subject or note. Only
    /// the answers holding the interaction can differ (e.g. `SetCallCompleted`,
    /// `SetCallNote`).
    Amended,
    /// Only the interaction's content changed (its text, attachments or transcript): no
    /// history answer can differ, only the cached content of that interaction.
    Content,
}

/// One change of one interaction, with what is known of its fields: after the change for an
/// insert or an update, before it for a delete.
///
/// JSON form (what stores, the admin API and plugins send):
///
/// ```json
/// {"tenant":"cc1","id":"0000Sa99620J0EM5","kind":"updated","mediaType":"chat",
///  "ownerId":"cc9016eee9c84dfeb266c642d9fd92c5","contactId":null,
///  "startDate":"2015-10-01T12:17:45+03:00","customAttributes":{"SearchId":"42"}}
/// ```
///
/// A field left out is unknown; `null` says the interaction has none (no owner, no contact).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InteractionChange {
    /// The tenant (contact centre) of the interaction.
    pub tenant: String,
    /// The interaction id.
    pub id: String,
    /// What happened.
    pub kind: ChangeKind,
    /// The media type as stored (`chat`, `Call`, …), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The owner's id: `None` unknown, `Some(None)` no owner.
    #[serde(
        default,
        deserialize_with = "known",
        skip_serializing_if = "Option::is_none"
    )]
    pub owner_id: Option<Option<String>>,
    /// The contact's id: `None` unknown, `Some(None)` no contact.
    #[serde(
        default,
        deserialize_with = "known",
        skip_serializing_if = "Option::is_none"
    )]
    pub contact_id: Option<Option<String>>,
    /// When the interaction started, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<DateTime<FixedOffset>>,
    /// Every custom attribute of the interaction, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_attributes: Option<BTreeMap<String, String>>,
}

/// A field that is present is known, even when `null`.
fn known<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl InteractionChange {
    /// A change of interaction `id` of `tenant` of which nothing else is known: it may affect
    /// every answer of the tenant that could hold the interaction.
    pub fn unknown(tenant: impl Into<String>, id: impl Into<String>, kind: ChangeKind) -> Self {
        Self {
            tenant: tenant.into(),
            id: id.into(),
            kind,
            ..Self::default()
        }
    }

    /// The change that `interaction` (of `tenant`), as it now is (or was, when deleted),
    /// represents: every field known.
    pub fn of(tenant: impl Into<String>, interaction: &Interaction, kind: ChangeKind) -> Self {
        Self {
            tenant: tenant.into(),
            id: interaction.id.clone(),
            kind,
            media_type: Some(interaction.media_type.clone()),
            owner_id: Some(interaction.owner_id().map(str::to_owned)),
            contact_id: Some(interaction.contact_id.clone()),
            start_date: Some(interaction.start_date),
            custom_attributes: Some(interaction.custom_attributes.clone()),
        }
    }

    /// Whether the interaction may be of `media_type` (as a query names it).
    pub fn may_be_of(&self, media_type: crate::MediaType) -> bool {
        self.media_type
            .as_deref()
            .is_none_or(|stored| media_type.matches(stored))
    }
}

impl HistoryQuery {
    /// Whether the changed interaction, with what is known of it, may be in this query's
    /// result set (before sorting and cutting): the rules of [`HistoryQuery::matches`], an
    /// unknown field matching anything. The tenant is not the query's business: the caller
    /// compares it with the answer's scope.
    pub fn may_match(&self, change: &InteractionChange) -> bool {
        let in_window = change
            .start_date
            .is_none_or(|start| start >= self.from && start <= self.to);
        let media = self.media_type.is_none_or(|m| change.may_be_of(m));
        let owner = may_equal(self.user_id.as_deref(), change.owner_id.as_ref());
        let contact = may_equal(self.contact_id.as_deref(), change.contact_id.as_ref());
        let attributes = change.custom_attributes.as_ref().is_none_or(|attributes| {
            self.search_custom_attributes
                .iter()
                .all(|(name, value)| attributes.get(name) == Some(value))
        });
        in_window && media && owner && contact && attributes
    }

    /// Whether this query's cached `answer` may differ once `change` is applied to the store.
    ///
    /// Affected: an answer holding the interaction (an update may change what it prints or move
    /// it out; a delete removes it); otherwise one the changed interaction may now enter: it
    /// may match, and the answer is not full or the interaction would sort before its last
    /// one. Never a false "not affected" when the answer is the query's result over the store
    /// before the change.
    pub fn affected_by(&self, change: &InteractionChange, answer: &[Interaction]) -> bool {
        if change.kind == ChangeKind::Content {
            return false;
        }
        if answer.iter().any(|interaction| interaction.id == change.id) {
            return true;
        }
        if matches!(change.kind, ChangeKind::Deleted | ChangeKind::Amended)
            || !self.may_match(change)
        {
            // A deleted interaction that is not in the answer leaves it as it is; an amended
            // one matches exactly the queries it matched before, where it was not shown.
            return false;
        }
        let (Some(last), Some(start)) = (answer.last(), change.start_date) else {
            return true;
        };
        if answer.len() < self.max_size as usize {
            return true;
        }
        self.sorts_before_or_at(start, &change.id, last)
    }

    /// Whether an interaction starting at `start` with `id` would sort before `last`, or at its
    /// place, in this query's order.
    fn sorts_before_or_at(
        &self,
        start: DateTime<FixedOffset>,
        id: &str,
        last: &Interaction,
    ) -> bool {
        let ascending = start
            .cmp(&last.start_date)
            .then_with(|| id.cmp(last.id.as_str()));
        match self.sort {
            SortOrder::Asc => ascending != Ordering::Greater,
            SortOrder::Desc => ascending != Ordering::Less,
        }
    }
}

/// A filter against a field of the change: no filter, or an unknown field, may match; a known
/// field must equal it.
fn may_equal(filter: Option<&str>, field: Option<&Option<String>>) -> bool {
    match (filter, field) {
        (None, _) | (Some(_), None) => true,
        (Some(wanted), Some(value)) => value.as_deref() == Some(wanted),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_json_and_tells_unknown_from_none() {
        let change: InteractionChange = serde_json::from_str(
            r#"{"tenant":"cc1","id":"i1","kind":"updated","mediaType":"chat","ownerId":"u1",
                "contactId":null,"startDate":"2015-10-01T12:17:45+03:00","customAttributes":{"a":"1"}}"#,
        )
        .unwrap();
        assert_eq!(change.owner_id, Some(Some("u1".into())));
        assert_eq!(change.contact_id, Some(None), "null: no contact");
        let bare: InteractionChange =
            serde_json::from_str(r#"{"tenant":"cc1","id":"i1","kind":"deleted"}"#).unwrap();
        assert_eq!(bare.contact_id, None, "absent: unknown");
        assert_eq!(
            bare,
            InteractionChange::unknown("cc1", "i1", ChangeKind::Deleted)
        );
        let round: InteractionChange =
            serde_json::from_str(&serde_json::to_string(&change).unwrap()).unwrap();
        assert_eq!(round.owner_id, change.owner_id);
        assert!(serde_json::from_str::<InteractionChange>(
            r#"{"tenant":"cc1","id":"i1","kind":"moved"}"#
        )
        .is_err());
        assert!(serde_json::from_str::<InteractionChange>(
            r#"{"tenant":"cc1","id":"i1","kind":"updated","colour":1}"#
        )
        .is_err());
    }
}
