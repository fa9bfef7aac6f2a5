//! The query semantics every backend shares: filter, sort, cut, project.
//!
//! Backends may push all of this down to their store, but their result must equal
//! [`HistoryQuery::select`] on the same data; the plugin tests hold them to it.

use crate::interaction::Interaction;
use crate::media::SortOrder;
use crate::query::HistoryQuery;
use std::cmp::Ordering;

impl HistoryQuery {
    /// Whether `interaction` is in the query's result set, before sorting and cutting:
    /// `startDate` inside the range (both ends inclusive), media type (case-insensitive), owner,
    /// contact, and every `searchCustomAttributes` pair equal.
    pub fn matches(&self, interaction: &Interaction) -> bool {
        let start = interaction.start_date;
        start >= self.from
            && start <= self.to
            && self
                .media_type
                .is_none_or(|m| m.matches(&interaction.media_type))
            && self
                .user_id
                .as_deref()
                .is_none_or(|user| interaction.owner_id() == Some(user))
            && self
                .contact_id
                .as_deref()
                .is_none_or(|contact| interaction.contact_id.as_deref() == Some(contact))
            && self
                .search_custom_attributes
                .iter()
                .all(|(name, value)| interaction.custom_attributes.get(name) == Some(value))
    }

    /// The result order: by `startDate`, ties by `id`; `desc` reverses both.
    pub fn compare(&self, a: &Interaction, b: &Interaction) -> Ordering {
        let ascending = a
            .start_date
            .cmp(&b.start_date)
            .then_with(|| a.id.cmp(&b.id));
        match self.sort {
            SortOrder::Asc => ascending,
            SortOrder::Desc => ascending.reverse(),
        }
    }

    /// The reference result of this query over `candidates`: the matching interactions, sorted,
    /// cut to `maxSize`, with `customAttributes` projected to the requested names.
    pub fn select<'a, I>(&self, candidates: I) -> Vec<Interaction>
    where
        I: IntoIterator<Item = &'a Interaction>,
    {
        let mut hits: Vec<&Interaction> =
            candidates.into_iter().filter(|i| self.matches(i)).collect();
        hits.sort_unstable_by(|a, b| self.compare(a, b));
        hits.truncate(self.max_size as usize);
        hits.into_iter()
            .map(|i| {
                let mut out = i.clone();
                out.project_custom_attributes(&self.custom_attributes);
                out
            })
            .collect()
    }

    /// Merges already-selected parts (e.g. the cached per-media-type results of one query): the
    /// first `maxSize` of their union in the result order, cloning only those.
    pub fn merge_parts<'a, I>(&self, parts: I) -> Vec<Interaction>
    where
        I: IntoIterator<Item = &'a [Interaction]>,
    {
        let mut all: Vec<&Interaction> = parts.into_iter().flatten().collect();
        all.sort_unstable_by(|a, b| self.compare(a, b));
        all.truncate(self.max_size as usize);
        all.into_iter().cloned().collect()
    }

    /// Sorts and cuts already-selected results, e.g. the per-media-type parts of one query
    /// merged into one list.
    pub fn sort_and_truncate(&self, mut results: Vec<Interaction>) -> Vec<Interaction> {
        results.sort_unstable_by(|a, b| self.compare(a, b));
        results.truncate(self.max_size as usize);
        results
    }
}
