//! Every row of SPEC.md's error table that the model decides, with its statusCode, HTTP status
//! and a message naming the parameter.

use crate::util::{ctx, history, parse};
use ucs_model::{parse_request, ErrorKind, ParseContext, RequestError, Route};

#[track_caller]
fn assert_refused(body: &str, kind: ErrorKind, status_code: u8, http: u16, message_start: &str) {
    let err = parse(body).expect_err(body);
    assert_eq!(err.kind(), &kind, "{body}: {}", err.status_message());
    assert_eq!(err.status_code(), status_code, "{body}");
    assert_eq!(err.http_status(), http, "{body}");
    assert!(
        err.status_message().starts_with(message_start),
        "{body}: {:?} does not start with {message_start:?}",
        err.status_message()
    );
}

#[test]
fn body_that_is_not_json_or_not_an_object() {
    for body in ["", "not json", "{", r#"{"operationName":}"#, "\u{0}"] {
        assert_refused(
            body,
            ErrorKind::MalformedBody,
            2,
            400,
            "Malformed request body",
        );
    }
    for body in [
        "[]",
        r#"["RetrieveInteractionHistory"]"#,
        "42",
        "null",
        r#""x""#,
    ] {
        assert_refused(
            body,
            ErrorKind::MalformedBody,
            2,
            400,
            "Malformed request body",
        );
    }
}

#[test]
fn duplicate_parameters_are_malformed() {
    assert_refused(
        &history(r#""sort":"asc","sort":"desc""#),
        ErrorKind::MalformedBody,
        2,
        400,
        "Malformed request body",
    );
}

#[test]
fn body_over_the_size_limit() {
    let err = RequestError::body_too_large(65536);
    assert_eq!((err.status_code(), err.http_status()), (2, 413));
    assert_eq!(
        err.status_message(),
        "Request body is larger than 65536 bytes"
    );
}

#[test]
fn body_not_received_in_time() {
    let err = RequestError::body_timeout(10000);
    assert_eq!((err.status_code(), err.http_status()), (2, 408));
    assert_eq!(err.kind(), &ErrorKind::BodyTimeout);
}

#[test]
fn missing_operation_name() {
    for body in [
        "{}",
        r#"{"operationName":null}"#,
        r#"{"fromDate":"2015-10-01"}"#,
    ] {
        assert_refused(
            body,
            ErrorKind::MissingOperation,
            1,
            400,
            "Missing required parameter operationName",
        );
    }
}

#[test]
fn unknown_operation_name_or_one_of_another_url() {
    for name in [
        "RetrieveFoo",
        "retrieveinteractionhistory",
        "RetrieveContactHistory",
        "",
    ] {
        let body = format!(r#"{{"operationName":"{name}"}}"#);
        assert_refused(
            &body,
            ErrorKind::UnknownOperation,
            2,
            400,
            "Invalid operation",
        );
    }
    let contact = Route::ContactInteractions("0000FaA3VXUS000M".into());
    let err = parse_request(
        &contact,
        br#"{"operationName":"RetrieveInteractionHistory"}"#,
        &ctx(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::UnknownOperation);
}

#[test]
fn operation_name_of_the_wrong_type() {
    assert_refused(
        r#"{"operationName":7}"#,
        ErrorKind::InvalidParameter,
        2,
        400,
        "Invalid value for operationName",
    );
}

#[test]
fn bad_dates() {
    for (field, value) in [
        ("fromDate", r#""2015-13-01""#),
        ("fromDate", r#""01/10/2015""#),
        ("toDate", r#""2015-10-32""#),
        ("toDate", "20151005"),
        ("fromDate", "true"),
        ("toDate", r#""""#),
    ] {
        assert_refused(
            &history(&format!(r#""{field}":{value}"#)),
            ErrorKind::InvalidParameter,
            2,
            400,
            &format!("Invalid value for {field}: expected yyyy-MM-dd"),
        );
    }
}

#[test]
fn from_date_after_to_date() {
    assert_refused(
        &history(r#""fromDate":"2015-10-06","toDate":"2015-10-05""#),
        ErrorKind::InvalidParameter,
        2,
        400,
        "Invalid value for fromDate: must not be after toDate",
    );
    // Only fromDate, in the future: toDate defaults to today, so the range is inverted.
    assert_refused(
        &history(r#""fromDate":"2015-10-21""#),
        ErrorKind::InvalidParameter,
        2,
        400,
        "Invalid value for fromDate",
    );
}

#[test]
fn unknown_enum_values() {
    for (field, value) in [
        ("mediaType", r#""fax""#),
        ("mediaType", r#""""#),
        ("mediaType", r#"["chat"]"#),
        ("sort", r#""up""#),
        ("sort", "1"),
        ("source", r#""backup""#),
        ("source", "false"),
    ] {
        assert_refused(
            &history(&format!(r#""{field}":{value}"#)),
            ErrorKind::InvalidParameter,
            2,
            400,
            &format!("Invalid value for {field}"),
        );
    }
}

#[test]
fn max_size_out_of_range_or_not_an_integer() {
    for value in [
        "0", "-1", "1001", "10.5", r#""ten""#, r#""""#, r#""-5""#, "true", "[]",
    ] {
        assert_refused(
            &history(&format!(r#""maxSize":{value}"#)),
            ErrorKind::InvalidParameter,
            2,
            400,
            "Invalid value for maxSize: expected an integer from 1 to 1000",
        );
    }
}

#[test]
fn max_size_ceiling_comes_from_configuration() {
    let ctx = ParseContext::new(crate::util::now(), ucs_model::Tz::UTC).with_max_size_limit(50);
    let body = history(r#""maxSize":51"#);
    let err = parse_request(&Route::Interactions, body.as_bytes(), &ctx).unwrap_err();
    assert_eq!(
        err.status_message(),
        "Invalid value for maxSize: expected an integer from 1 to 50"
    );
}

#[test]
fn bad_attribute_parameters() {
    for (extra, field) in [
        (r#""customAttributes":"SearchId""#, "customAttributes"),
        (r#""customAttributes":[1]"#, "customAttributes"),
        (r#""customAttributes":[""]"#, "customAttributes"),
        (
            r#""searchCustomAttributes":["SearchId"]"#,
            "searchCustomAttributes",
        ),
        (
            r#""searchCustomAttributes":{"SearchId":123456}"#,
            "searchCustomAttributes.SearchId",
        ),
        (r#""userId":42"#, "userId"),
        (r#""userId":"""#, "userId"),
    ] {
        assert_refused(
            &history(extra),
            ErrorKind::InvalidParameter,
            2,
            400,
            &format!("Invalid value for {field}"),
        );
    }
}

#[test]
fn agent_history_needs_a_user() {
    assert_refused(
        r#"{"operationName":"RetrieveAgentHistory"}"#,
        ErrorKind::MissingParameter,
        1,
        400,
        "Missing required parameter userId",
    );
}

#[test]
fn forbidden_media_type_and_unauthenticated_answers() {
    let err = RequestError::forbidden_media_type("call", "api-ucs-voice");
    assert_eq!((err.status_code(), err.http_status()), (3, 403));
    assert!(err.status_message().contains("api-ucs-voice"));

    let err = RequestError::not_authenticated();
    assert_eq!((err.status_code(), err.http_status()), (20, 401));
    let body: serde_json::Value = serde_json::from_slice(&err.to_body()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"statusCode":20,"statusMessage":"Access denied"})
    );
}

#[test]
fn error_body_holds_only_status_code_and_message() {
    let err = parse("{}").unwrap_err();
    assert_eq!(
        String::from_utf8(err.to_body()).unwrap(),
        r#"{"statusCode":1,"statusMessage":"Missing required parameter operationName"}"#
    );
    assert_eq!(err.to_string(), "missing required parameter operationName");
}

#[test]
fn too_many_attribute_entries_are_refused_before_the_ack_naming_the_parameter() {
    let ctx = ucs_model::ParseContext::new(ucs_model::chrono::Utc::now(), ucs_model::Tz::UTC)
        .with_max_attributes(3);
    let names = |n: usize| {
        (0..n)
            .map(|i| format!("\"a{i}\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    let pairs = |n: usize| {
        (0..n)
            .map(|i| format!("\"k{i}\":\"v\""))
            .collect::<Vec<_>>()
            .join(",")
    };
    let body = |attrs: String, search: String| {
        format!(
            r#"{{"operationName":"RetrieveInteractionHistory","customAttributes":[{attrs}],"searchCustomAttributes":{{{search}}}}}"#
        )
    };
    let parse =
        |b: String| ucs_model::parse_request(&ucs_model::Route::Interactions, b.as_bytes(), &ctx);
    assert!(parse(body(names(3), pairs(3))).is_ok());
    let error = parse(body(names(4), pairs(1))).unwrap_err();
    assert_eq!(error.status_code(), 2);
    assert_eq!(
        error.status_message(),
        "Invalid value for customAttributes: at most 3 entries"
    );
    let error = parse(body(names(1), pairs(4))).unwrap_err();
    assert_eq!(
        error.status_message(),
        "Invalid value for searchCustomAttributes: at most 3 entries"
    );
}
