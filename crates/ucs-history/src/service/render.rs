//! Rendered answers: the merged, presented and serialized answer of a whole query, kept and
//! reused for as long as the query is answered by the very same cache entries.

use super::lookup::{Lookup, Part};
use super::HistoryService;
use crate::cache::{CachedPart, Rendered};
use crate::error::HistoryError;
use crate::present::present;
use serde_json::value::RawValue;
use std::sync::Arc;

impl HistoryService {
    /// As [`HistoryService::resolve`], presented for the caller (see
    /// [`Presentation`](crate::Presentation)) and serialized as the JSON array of the
    /// notification's `interactions`. The rendered answer is kept and reused as long as the
    /// query is answered by the very same cache entries.
    pub async fn resolve_presented(&self, lookup: Lookup) -> Result<Arc<RawValue>, HistoryError> {
        if let Some(answer) = &lookup.answer {
            return Ok(Arc::clone(&answer.json));
        }
        if let Some(answer) = self.rendered_from_same_entries(&lookup) {
            for part in &lookup.parts {
                self.refresh_if_stale(part, &lookup);
            }
            return Ok(answer);
        }
        let render_key = lookup.render_key.clone();
        let state = Arc::clone(&lookup.state);
        let (query, parts) = self.resolve_parts(lookup).await?;
        let mut interactions =
            query.merge_parts(parts.iter().map(|part| part.interactions.as_slice()));
        let presentation = &self.presentation;
        present(
            &mut interactions,
            presentation.time_zone,
            &presentation.public_base_url,
        );
        let json: Arc<RawValue> = Arc::from(
            serde_json::value::to_raw_value(&interactions).expect("interactions always serialize"),
        );
        if let (Some(rendered), Some(key)) = (&state.rendered, render_key) {
            let media_types = parts.iter().map(|part| part.media_type).collect();
            let entries: Option<Vec<Arc<CachedPart>>> =
                parts.into_iter().map(|part| part.entry).collect();
            if let Some(entries) = entries {
                let answer = Rendered::new(media_types, &entries, Arc::clone(&json));
                rendered.insert(key, Arc::new(answer));
            }
        }
        Ok(json)
    }

    /// The rendered answer of this query if it was made of exactly the entries just looked up.
    fn rendered_from_same_entries(&self, lookup: &Lookup) -> Option<Arc<RawValue>> {
        let (rendered, key) = (lookup.state.rendered.as_ref()?, lookup.render_key.as_ref()?);
        let answer = rendered.get(key)?;
        let entries: Vec<&Arc<CachedPart>> = lookup
            .parts
            .iter()
            .map(Part::entry)
            .collect::<Option<_>>()?;
        answer
            .is_made_of(entries.into_iter())
            .then(|| Arc::clone(&answer.json))
    }
}
