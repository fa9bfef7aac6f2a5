//! Checking a plugin's answer before it can reach a cache.

use crate::wire::BackendRequest;
use ucs_model::Interaction;

/// Parses and checks a plugin's answer to `request`: a JSON array of interactions, each of a
/// requested media type and inside the requested range, at most `maxSize` of them. The host
/// runs every answer through it before anything can be cached; the error says what was wrong.
pub fn validate_output(bytes: &[u8], request: &BackendRequest) -> Result<Vec<Interaction>, String> {
    let interactions: Vec<Interaction> =
        serde_json::from_slice(bytes).map_err(|e| format!("malformed result: {e}"))?;
    let query = &request.query;
    if interactions.len() > query.max_size() as usize {
        return Err(format!(
            "{} interactions for maxSize {}",
            interactions.len(),
            query.max_size()
        ));
    }
    for interaction in &interactions {
        if !request.asks_for(&interaction.media_type) {
            let asked: Vec<&str> = request
                .asked_media_types()
                .iter()
                .map(|m| m.as_str())
                .collect();
            return Err(format!(
                "interaction {} is {:?}, not {}",
                interaction.id,
                interaction.media_type,
                asked.join(" or ")
            ));
        }
        if interaction.start_date < query.from() || interaction.start_date > query.to() {
            return Err(format!(
                "interaction {} starts outside the requested range",
                interaction.id
            ));
        }
    }
    Ok(interactions)
}
