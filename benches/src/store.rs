//! What the store benchmarks share: the query an agent desktop sends most, and the latency
//! summary they print before criterion's own measurement.

use std::time::{Duration, Instant};
use ucs_model::chrono::Utc;
use ucs_model::{parse_request, MediaType, ParseContext, Route, Tz};
use ucs_plugin_api::BackendRequest;

/// Timed queries behind the printed median and p99.
pub const SAMPLES: usize = 2000;

/// The database size to bench: `UCS_BENCH_INTERACTIONS`, default 1 000 000.
pub fn bench_size() -> u64 {
    std::env::var("UCS_BENCH_INTERACTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

/// A one-month window (the default range), `maxSize` 100 (the default), chats of tenant `cc1`,
/// with the two custom attributes of the demo history.
pub fn month_request() -> BackendRequest {
    let ctx = ParseContext::new(Utc::now(), Tz::UTC);
    let body = br#"{"operationName":"RetrieveInteractionHistory","customAttributes":["SearchId","CustomerId"]}"#;
    let query = parse_request(&Route::Interactions, body, &ctx)
        .expect("a valid request")
        .query;
    BackendRequest::new("cc1", &query, MediaType::Chat)
}

/// Runs `query` [`SAMPLES`] times and prints `label` with the median, p99 and maximum.
pub fn print_latencies(label: &str, mut query: impl FnMut()) {
    let mut samples: Vec<Duration> = (0..SAMPLES)
        .map(|_| {
            let started = Instant::now();
            query();
            started.elapsed()
        })
        .collect();
    samples.sort();
    println!(
        "{label}: median {:?}, p99 {:?}, max {:?}",
        samples[samples.len() / 2],
        samples[samples.len() * 99 / 100],
        samples[samples.len() - 1]
    );
}
