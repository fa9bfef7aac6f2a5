//! Feeds arbitrary bytes to the request parser on both history URLs. It must never panic, and
//! whatever it accepts must be a well-formed query whose cache key is stable.
#![no_main]

use chrono::{TimeZone, Utc};
use libfuzzer_sys::fuzz_target;
use ucs_model::{parse_request, AuthScope, CacheKey, ParseContext, Route, Tz};

fuzz_target!(|body: &[u8]| {
    let ctx = ParseContext::new(Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap(), Tz::UTC);
    for route in [Route::Interactions, Route::ContactInteractions("c1".into())] {
        match parse_request(&route, body, &ctx) {
            Ok(request) => {
                let q = &request.query;
                assert!(q.from() <= q.to());
                assert!((1..=1000).contains(&q.max_size()));
                assert!(q.custom_attributes().windows(2).all(|w| w[0] < w[1]));
                let scope = AuthScope::Tenant { tenant: "t".into() };
                let again = parse_request(&route, body, &ctx).unwrap();
                assert_eq!(CacheKey::new(scope.clone(), q), CacheKey::new(scope, &again.query));
            }
            Err(error) => {
                assert!(matches!(error.status_code(), 1 | 2));
                assert!(!error.status_message().is_empty());
                let _ = error.to_body();
            }
        }
    }
});
