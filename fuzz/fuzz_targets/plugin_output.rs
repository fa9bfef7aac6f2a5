//! Feeds arbitrary bytes to the host's check of a plugin's answer, for a single-media-type
//! request and for a batch. Whatever it accepts must hold what it promises: at most `maxSize`
//! interactions, each of a requested media type and inside the requested range; it must never
//! panic on anything a (buggy or hostile) plugin returns.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::{validate_output, BackendRequest};

fn requests() -> &'static [BackendRequest; 2] {
    static REQUESTS: OnceLock<[BackendRequest; 2]> = OnceLock::new();
    REQUESTS.get_or_init(|| {
        let ctx = ParseContext::new(Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(), Tz::UTC);
        let body = br#"{"operationName":"RetrieveInteractionHistory","maxSize":3,"fromDate":"2015-10-01T00:00:00Z","toDate":"2015-10-20T00:00:00Z"}"#;
        let query = parse_request(&Route::Interactions, body, &ctx).unwrap().query;
        [
            BackendRequest::new("cc1", &query, MediaType::Chat),
            BackendRequest::batch("cc1", &query, &[MediaType::Email, MediaType::Call]),
        ]
    })
}

fuzz_target!(|bytes: &[u8]| {
    for request in requests() {
        if let Ok(interactions) = validate_output(bytes, request) {
            let query = &request.query;
            assert!(interactions.len() <= query.max_size() as usize);
            for interaction in &interactions {
                assert!(request.asks_for(&interaction.media_type));
                assert!(query.from() <= interaction.start_date && interaction.start_date <= query.to());
            }
        }
    }
});
