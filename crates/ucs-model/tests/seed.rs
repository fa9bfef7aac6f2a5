//! The seed's sample notification (shared/seed/retrieve-interaction-history.txt, copied to
//! `fixtures/seed-notification.json`) survives a parse → serialize round trip unchanged.

use ucs_model::{HistoryNotification, HistoryOutcome, InteractionState, InteractionType};

const SEED: &str = include_str!("fixtures/seed-notification.json");

#[test]
fn the_seed_notification_round_trips_to_the_same_json_value() {
    let parsed: HistoryNotification = serde_json::from_str(SEED).unwrap();
    let printed = serde_json::to_string(&parsed).unwrap();
    let original: serde_json::Value = serde_json::from_str(SEED).unwrap();
    let again: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(original, again);
}

#[test]
fn keys_print_in_the_seed_order_and_open_interactions_have_no_end_date() {
    let parsed: HistoryNotification = serde_json::from_str(SEED).unwrap();
    let printed = serde_json::to_string(&parsed).unwrap();
    assert!(printed.starts_with(
        r#"{"referenceId":1,"messageType":"GetInteractionsHistoryMessage","interactions":[{"path":"interactions/0000Sa99620J0EM5","mediaType":"Chat","typeId":"Inbound","state":"New","startDate":"2015-10-01 12:17:45.000+0300","subject":"Customer support","contactId":"0000FaA3VXUS000M","uri":"http://localhost:8080/api/v2/interactions/0000Sa99620J0EM5","ownerInformation":{"userName":"a2","lastName":"a2","id":"cc9016eee9c84dfeb266c642d9fd92c5","firstName":"a2"},"id":"0000Sa99620J0EM5","customAttributes":{"#
    ));
    let HistoryOutcome::Interactions(list) = parsed.outcome else {
        panic!("the seed is a success")
    };
    assert_eq!(list.len(), 3);
    assert_eq!(list[0].end_date, None);
    assert_eq!(list[1].type_id, InteractionType::Outbound);
    assert_eq!(list[1].state, InteractionState::Stopped);
    assert_eq!(
        list[2].end_date.unwrap().to_rfc3339(),
        "2015-10-02T22:02:25+03:00"
    );
}

#[test]
fn the_error_form_matches_the_seed() {
    let failed = HistoryNotification::failed(1, None);
    assert_eq!(
        serde_json::to_string(&failed).unwrap(),
        r#"{"referenceId":1,"messageType":"GetInteractionsHistoryMessage","errorMessage":"Request failed"}"#
    );
    let back: HistoryNotification = serde_json::from_str(
        r#"{"referenceId":1,"messageType":"GetInteractionsHistoryMessage","errorMessage":"Request failed"}"#,
    )
    .unwrap();
    assert_eq!(back, failed);
    let verbose = HistoryNotification::failed(2, Some("backend timed out"));
    assert!(serde_json::to_string(&verbose)
        .unwrap()
        .contains(r#""errorMessage":"Request failed: backend timed out""#));
}

#[test]
fn an_empty_result_still_carries_an_interactions_list() {
    let empty = HistoryNotification::interactions(9, Vec::new());
    assert_eq!(
        serde_json::to_string(&empty).unwrap(),
        r#"{"referenceId":9,"messageType":"GetInteractionsHistoryMessage","interactions":[]}"#
    );
}

#[test]
fn another_message_type_is_not_a_history_notification() {
    let other =
        r#"{"referenceId":1,"messageType":"GetInteractionContentMessage","interactions":[]}"#;
    assert!(serde_json::from_str::<HistoryNotification>(other).is_err());
}

#[test]
fn a_message_around_serialized_interactions_has_the_same_bytes() {
    let notification: HistoryNotification = serde_json::from_str(SEED).unwrap();
    let HistoryOutcome::Interactions(list) = &notification.outcome else {
        panic!("the seed is a result");
    };
    let interactions = serde_json::value::to_raw_value(list).unwrap();
    let message = ucs_model::HistoryMessageJson {
        reference_id: notification.reference_id,
        interactions: &interactions,
    };
    assert_eq!(
        serde_json::to_string(&message).unwrap(),
        serde_json::to_string(&notification).unwrap()
    );
    // Framed around the interactions, written from their one copy: the same bytes again.
    let (head, tail) = ucs_model::HistoryMessageJson::frame(notification.reference_id);
    assert_eq!(
        [head.as_str(), interactions.get(), tail].concat(),
        serde_json::to_string(&notification).unwrap()
    );
}
