//! Printing results for the caller.

use ucs_model::{Interaction, Tz};

/// How results are printed for callers: the API's time zone and public base URL.
#[derive(Clone, Debug, PartialEq)]
pub struct Presentation {
    /// Zone of `startDate` / `endDate` (GWS prints them in its server's zone).
    pub time_zone: Tz,
    /// Base of every `uri` (`public_base_url` + `path`).
    pub public_base_url: String,
}

impl Default for Presentation {
    /// UTC and `http://127.0.0.1:8080`, the proxy's defaults.
    fn default() -> Self {
        Self {
            time_zone: Tz::UTC,
            public_base_url: "http://127.0.0.1:8080".to_owned(),
        }
    }
}

/// Prints `interactions` for the caller: start and end dates in `time_zone` (GWS prints them in
/// its server's zone), and `uri` as `public_base_url` + `path` (backends know nothing of the
/// URL the proxy is reached at).
pub fn present(interactions: &mut [Interaction], time_zone: Tz, public_base_url: &str) {
    let base = public_base_url.trim_end_matches('/');
    for interaction in interactions {
        interaction.start_date = interaction
            .start_date
            .with_timezone(&time_zone)
            .fixed_offset();
        interaction.end_date = interaction
            .end_date
            .map(|d| d.with_timezone(&time_zone).fixed_offset());
        if interaction.path.starts_with('/') {
            interaction.uri = format!("{base}{}", interaction.path);
        }
    }
}
