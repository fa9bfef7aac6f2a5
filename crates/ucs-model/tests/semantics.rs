//! The reference semantics: filter, sort, cut, project.

use crate::util::{history, parse_ok};
use chrono::{DateTime, Duration, FixedOffset};
use proptest::prelude::*;
use std::collections::BTreeMap;
use ucs_model::{HistoryQuery, Interaction, InteractionState, InteractionType, OwnerInformation};

fn at(text: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(text).unwrap()
}

fn interaction(id: &str, media: &str, start: DateTime<FixedOffset>) -> Interaction {
    Interaction {
        path: Interaction::path_for(id),
        media_type: media.to_owned(),
        type_id: InteractionType::Inbound,
        state: InteractionState::Stopped,
        start_date: start,
        end_date: Some(start + Duration::minutes(5)),
        subject: Some("Customer support".into()),
        contact_id: Some("contact-1".into()),
        uri: format!("http://127.0.0.1:8080{}", Interaction::path_for(id)),
        owner_information: Some(OwnerInformation {
            user_name: "a2".into(),
            last_name: "a2".into(),
            id: "owner-1".into(),
            first_name: "a2".into(),
        }),
        id: id.to_owned(),
        custom_attributes: BTreeMap::from([
            ("SearchId".to_owned(), "123456".to_owned()),
            ("CustomerId".to_owned(), "a21d4c3".to_owned()),
        ]),
    }
}

fn query(extra: &str) -> HistoryQuery {
    parse_ok(&history(extra)).query
}

fn ids(list: &[Interaction]) -> Vec<&str> {
    list.iter().map(|i| i.id.as_str()).collect()
}

#[test]
fn both_ends_of_the_range_are_inclusive_to_the_millisecond() {
    let q = query(r#""fromDate":"2015-10-01","toDate":"2015-10-02","sort":"asc""#);
    let data = [
        interaction("before", "Chat", at("2015-09-30T23:59:59.999Z")),
        interaction("first", "Chat", at("2015-10-01T00:00:00Z")),
        interaction("last", "Chat", at("2015-10-02T23:59:59.999Z")),
        interaction("after", "Chat", at("2015-10-03T00:00:00Z")),
        // An offset does not change the instant: 02:30+03:00 is 23:30 UTC the day before.
        interaction("offset", "Chat", at("2015-10-01T02:30:00+03:00")),
    ];
    assert_eq!(ids(&q.select(&data)), ["first", "last"]);
}

#[test]
fn media_type_matches_case_insensitively_and_only_its_own_type() {
    let q = query(r#""mediaType":"chat","fromDate":"2015-10-01","toDate":"2015-10-02""#);
    let t = at("2015-10-01T10:00:00Z");
    let data = [
        interaction("a", "Chat", t),
        interaction("b", "CHAT", t),
        interaction("c", "Email", t),
        interaction("d", "chatx", t),
    ];
    assert_eq!(ids(&q.select(&data)), ["b", "a"]);
}

#[test]
fn owner_contact_and_search_attributes_filter() {
    let t = at("2015-10-01T10:00:00Z");
    let mut other_owner = interaction("other-owner", "Call", t);
    other_owner.owner_information.as_mut().unwrap().id = "owner-2".into();
    let mut no_owner = interaction("no-owner", "Call", t);
    no_owner.owner_information = None;
    let mut other_contact = interaction("other-contact", "Call", t);
    other_contact.contact_id = Some("contact-2".into());
    let mut other_search = interaction("other-search", "Call", t);
    other_search
        .custom_attributes
        .insert("SearchId".into(), "654321".into());
    let data = [
        interaction("match", "Call", t),
        other_owner,
        no_owner,
        other_contact,
        other_search,
    ];
    let range = r#""fromDate":"2015-10-01","toDate":"2015-10-01""#;
    let by_owner = query(&format!(r#"{range},"userId":"owner-1""#));
    assert_eq!(
        ids(&by_owner.select(&data)),
        ["other-search", "other-contact", "match"]
    );
    let by_search = query(&format!(
        r#"{range},"searchCustomAttributes":{{"SearchId":"123456"}}"#
    ));
    assert_eq!(
        ids(&by_search.select(&data)),
        ["other-owner", "other-contact", "no-owner", "match"]
    );
    let route = ucs_model::Route::ContactInteractions("contact-2".into());
    let body = format!(r#"{{"operationName":"RetrieveContactHistory",{range}}}"#);
    let by_contact = ucs_model::parse_request(&route, body.as_bytes(), &crate::util::ctx())
        .unwrap()
        .query;
    assert_eq!(ids(&by_contact.select(&data)), ["other-contact"]);
}

#[test]
fn sorts_by_start_date_then_id_and_cuts_after_sorting() {
    let t = at("2015-10-01T10:00:00Z");
    let data = [
        interaction("b", "Chat", t),
        interaction("late", "Chat", t + Duration::hours(1)),
        interaction("a", "Chat", t),
        interaction("early", "Chat", t - Duration::hours(1)),
    ];
    let range = r#""fromDate":"2015-10-01","toDate":"2015-10-01""#;
    assert_eq!(
        ids(&query(&format!(r#"{range},"sort":"asc""#)).select(&data)),
        ["early", "a", "b", "late"]
    );
    assert_eq!(
        ids(&query(range).select(&data)),
        ["late", "b", "a", "early"]
    );
    assert_eq!(
        ids(&query(&format!(r#"{range},"maxSize":2"#)).select(&data)),
        ["late", "b"]
    );
}

#[test]
fn custom_attributes_hold_only_requested_names_with_a_value() {
    let data = [interaction("a", "Chat", at("2015-10-01T10:00:00Z"))];
    let range = r#""fromDate":"2015-10-01","toDate":"2015-10-01""#;
    let none = query(range).select(&data);
    assert!(none[0].custom_attributes.is_empty());
    assert!(!serde_json::to_string(&none[0])
        .unwrap()
        .contains("customAttributes"));

    let some = query(&format!(
        r#"{range},"customAttributes":["SearchId","Missing"]"#
    ))
    .select(&data);
    assert_eq!(
        some[0].custom_attributes,
        BTreeMap::from([("SearchId".to_owned(), "123456".to_owned())])
    );
}

proptest! {
    #[test]
    fn a_selection_is_the_sorted_prefix_of_the_matches(
        offsets in proptest::collection::vec((0i64..72, 0u8..4, "[a-d]{1,2}"), 0..40),
        max_size in 1u32..10,
        asc in any::<bool>(),
    ) {
        let base = at("2015-09-30T00:00:00Z");
        let medias = ["Chat", "Email", "Call", "Workitem"];
        let data: Vec<Interaction> = offsets
            .iter()
            .map(|(hours, m, id)| interaction(id, medias[*m as usize], base + Duration::hours(*hours)))
            .collect();
        let q = query(&format!(
            r#""fromDate":"2015-10-01","toDate":"2015-10-02","maxSize":{max_size},"sort":"{}""#,
            if asc { "asc" } else { "desc" }
        ));
        let selected = q.select(&data);
        let matching: Vec<&Interaction> = data.iter().filter(|i| q.matches(i)).collect();
        prop_assert_eq!(selected.len(), matching.len().min(max_size as usize));
        for pair in selected.windows(2) {
            prop_assert!(q.compare(&pair[0], &pair[1]).is_le());
        }
        if let Some(last) = selected.last() {
            let beyond = matching.iter().filter(|i| q.compare(i, last).is_lt()).count();
            prop_assert!(beyond < selected.len());
        }
        prop_assert_eq!(q.sort_and_truncate(selected.clone()), selected);
    }
}
