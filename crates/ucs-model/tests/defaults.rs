//! Every default of SPEC.md, resolved against the injected clock and time zone.

use crate::util::{ctx, history, instant, now, parse_ok};
use chrono::TimeZone;
use ucs_model::{parse_request, MediaType, Operation, ParseContext, Route, SortOrder, Source, Tz};

#[test]
fn a_bare_request_asks_for_the_last_month_newest_first() {
    let q = parse_ok(&history("")).query;
    assert_eq!(q.from(), instant("2015-09-20T00:00:00Z"));
    assert_eq!(q.to(), instant("2015-10-20T23:59:59.999Z"));
    assert_eq!(q.media_type(), None);
    assert_eq!(q.sort(), SortOrder::Desc);
    assert_eq!(q.max_size(), 100);
    assert_eq!(q.source(), Source::Main);
    assert_eq!(q.user_id(), None);
    assert_eq!(q.contact_id(), None);
    assert!(q.custom_attributes().is_empty());
    assert!(q.search_custom_attributes().is_empty());
}

#[test]
fn today_is_taken_in_the_configured_time_zone() {
    // 2015-10-20 22:30 UTC is already the 21st in Moscow (+03:00).
    let late = chrono::Utc
        .with_ymd_and_hms(2015, 10, 20, 22, 30, 0)
        .unwrap();
    let moscow: Tz = "Europe/Moscow".parse().unwrap();
    let ctx = ParseContext::new(late, moscow);
    let q = parse_request(&Route::Interactions, history("").as_bytes(), &ctx)
        .unwrap()
        .query;
    assert_eq!(q.to(), instant("2015-10-21T23:59:59.999+03:00"));
    assert_eq!(q.from(), instant("2015-09-21T00:00:00+03:00"));
}

#[test]
fn a_month_back_from_the_31st_lands_on_the_last_day_of_the_shorter_month() {
    let ctx = ParseContext::new(
        chrono::Utc.with_ymd_and_hms(2024, 3, 31, 12, 0, 0).unwrap(),
        Tz::UTC,
    );
    let q = parse_request(&Route::Interactions, history("").as_bytes(), &ctx)
        .unwrap()
        .query;
    assert_eq!(q.from(), instant("2024-02-29T00:00:00Z"));
}

#[test]
fn only_from_date_runs_to_the_end_of_today() {
    let q = parse_ok(&history(r#""fromDate":"2015-10-01""#)).query;
    assert_eq!(q.from(), instant("2015-10-01T00:00:00Z"));
    assert_eq!(q.to(), instant("2015-10-20T23:59:59.999Z"));
}

#[test]
fn only_a_past_to_date_gives_the_month_before_it() {
    let q = parse_ok(&history(r#""toDate":"2015-08-15""#)).query;
    assert_eq!(q.from(), instant("2015-07-15T00:00:00Z"));
    assert_eq!(q.to(), instant("2015-08-15T23:59:59.999Z"));
}

#[test]
fn only_a_future_to_date_starts_a_month_before_today() {
    let q = parse_ok(&history(r#""toDate":"2015-12-01""#)).query;
    assert_eq!(q.from(), instant("2015-09-20T00:00:00Z"));
}

#[test]
fn both_bounds_are_inclusive_whole_days() {
    let q = parse_ok(&history(r#""fromDate":"2015-10-01","toDate":"2015-10-01""#)).query;
    assert_eq!(q.from(), instant("2015-10-01T00:00:00Z"));
    assert_eq!(q.to(), instant("2015-10-01T23:59:59.999Z"));
}

#[test]
fn a_date_time_bound_is_taken_as_the_exact_instant() {
    let q = parse_ok(&history(
        r#""fromDate":"2015-10-01T10:00:00+02:00","toDate":"2015-10-02T10:00:00Z""#,
    ))
    .query;
    assert_eq!(q.from(), instant("2015-10-01T08:00:00Z"));
    assert_eq!(q.to(), instant("2015-10-02T10:00:00Z"));
}

#[test]
fn max_size_default_never_exceeds_a_lower_ceiling() {
    let ctx = ParseContext::new(now(), Tz::UTC).with_max_size_limit(20);
    let q = parse_request(&Route::Interactions, history("").as_bytes(), &ctx)
        .unwrap()
        .query;
    assert_eq!(q.max_size(), 20);
}

#[test]
fn max_size_accepts_a_number_or_a_string_of_digits() {
    assert_eq!(parse_ok(&history(r#""maxSize":7"#)).query.max_size(), 7);
    assert_eq!(parse_ok(&history(r#""maxSize":"7""#)).query.max_size(), 7);
    assert_eq!(
        parse_ok(&history(r#""maxSize":1000"#)).query.max_size(),
        1000
    );
}

#[test]
fn nulls_count_as_absent_and_unknown_fields_are_ignored() {
    let plain = parse_ok(&history(""));
    let noisy = parse_ok(&history(
        r#""sort":null,"mediaType":null,"maxSize":null,"customAttributes":null,"x-extra":{"a":[1,2]},"debug":true"#,
    ));
    assert_eq!(plain, noisy);
}

#[test]
fn enums_are_case_insensitive() {
    let q = parse_ok(&history(
        r#""mediaType":"FaceBookSession","sort":"AsC","source":"ARCHIVE""#,
    ))
    .query;
    assert_eq!(q.media_type(), Some(MediaType::Facebooksession));
    assert_eq!(q.sort(), SortOrder::Asc);
    assert_eq!(q.source(), Source::Archive);
}

#[test]
fn attribute_lists_are_sorted_and_unique() {
    let q = parse_ok(&history(
        r#""customAttributes":["SearchId","CustomerId","SearchId"],"searchCustomAttributes":{"b":"2","a":"1"}"#,
    ))
    .query;
    assert_eq!(q.custom_attributes(), ["CustomerId", "SearchId"]);
    let names: Vec<_> = q.search_custom_attributes().keys().collect();
    assert_eq!(names, ["a", "b"]);
}

#[test]
fn agent_history_filters_on_the_agent() {
    let r = parse_ok(
        r#"{"operationName":"RetrieveAgentHistory","userId":"cc9016eee9c84dfeb266c642d9fd92c5"}"#,
    );
    assert_eq!(r.operation, Operation::RetrieveAgentHistory);
    assert_eq!(r.query.user_id(), Some("cc9016eee9c84dfeb266c642d9fd92c5"));
}

#[test]
fn contact_history_takes_the_contact_from_the_url_and_ignores_max_size_and_user() {
    let route = Route::ContactInteractions("0000FaA3VXUS000M".into());
    let r = parse_request(
        &route,
        br#"{"operationName":"RetrieveContactHistory","maxSize":5,"userId":"u"}"#,
        &ctx(),
    )
    .unwrap();
    assert_eq!(r.operation, Operation::RetrieveContactHistory);
    assert_eq!(r.query.contact_id(), Some("0000FaA3VXUS000M"));
    assert_eq!(r.query.user_id(), None);
    assert_eq!(r.query.max_size(), 1000);
}

#[test]
fn the_seed_request_parses_to_what_it_says() {
    let body = include_str!("fixtures/seed-request.json");
    let q = parse_ok(body).query;
    assert_eq!(q.from(), instant("2015-10-01T00:00:00Z"));
    assert_eq!(q.to(), instant("2015-10-05T23:59:59.999Z"));
    assert_eq!(q.user_id(), Some("cc9016eeee9c84dfcb66c642d9fd92c5"));
    assert_eq!(q.sort(), SortOrder::Asc);
    assert_eq!(q.custom_attributes(), ["CustomerId", "SearchId"]);
    assert_eq!(
        q.search_custom_attributes()
            .get("SearchId")
            .map(String::as_str),
        Some("123456")
    );
}
