//! The parser never panics, whatever the body, and refuses with a well-formed answer.

use crate::util::ctx;
use proptest::prelude::*;
use ucs_model::{parse_request, Route};

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)),
        "\\PC{0,12}".prop_map(serde_json::Value::from),
        prop_oneof![
            Just("RetrieveInteractionHistory"),
            Just("chat"),
            Just("ASC"),
            Just("archive"),
            Just("2015-10-01"),
            Just("2015-10-01T10:00:00Z"),
            Just("100"),
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("\\PC{0,6}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("operationName"),
        Just("fromDate"),
        Just("toDate"),
        Just("mediaType"),
        Just("sort"),
        Just("maxSize"),
        Just("source"),
        Just("userId"),
        Just("customAttributes"),
        Just("searchCustomAttributes"),
        Just("other"),
    ]
    .prop_map(str::to_owned)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Err(e) = parse_request(&Route::Interactions, &body, &ctx()) {
            prop_assert!(matches!(e.status_code(), 1 | 2));
            prop_assert_eq!(e.http_status(), 400);
        }
    }

    #[test]
    fn arbitrary_objects_of_known_fields_never_panic(
        fields in proptest::collection::vec((field_name(), json_value()), 0..8),
        contact in any::<bool>(),
    ) {
        let object: serde_json::Map<String, serde_json::Value> = fields.into_iter().collect();
        let body = serde_json::to_vec(&object).unwrap();
        let route = if contact { Route::ContactInteractions("c1".into()) } else { Route::Interactions };
        match parse_request(&route, &body, &ctx()) {
            Ok(r) => {
                prop_assert!(r.query.from() <= r.query.to());
                prop_assert!(r.query.max_size() >= 1 && r.query.max_size() <= 1000);
            }
            Err(e) => {
                prop_assert!(matches!(e.status_code(), 1 | 2));
                prop_assert!(!e.status_message().is_empty());
            }
        }
    }
}
