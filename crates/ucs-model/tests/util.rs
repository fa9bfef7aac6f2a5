//! Helpers shared by the integration tests.

use chrono::{DateTime, TimeZone, Utc};
use ucs_model::{parse_request, ParseContext, ParsedRequest, RequestError, Route, Tz};

/// "Now" in every test unless a test pins another clock: 2015-10-20 08:00 UTC.
pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2015, 10, 20, 8, 0, 0).unwrap()
}

/// The context every test parses in unless it says otherwise.
pub(crate) fn ctx() -> ParseContext {
    ParseContext::new(now(), Tz::UTC)
}

/// Parses `body` on the interactions URL.
pub(crate) fn parse(body: &str) -> Result<ParsedRequest, RequestError> {
    parse_request(&Route::Interactions, body.as_bytes(), &ctx())
}

/// Parses `body` that must be valid.
pub(crate) fn parse_ok(body: &str) -> ParsedRequest {
    parse(body).unwrap_or_else(|e| panic!("{body} refused: {}", e.status_message()))
}

/// An instant written in RFC 3339.
pub(crate) fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

/// A history request with the given extra fields (JSON text after the operationName).
pub(crate) fn history(extra: &str) -> String {
    if extra.is_empty() {
        r#"{"operationName":"RetrieveInteractionHistory"}"#.to_owned()
    } else {
        format!(r#"{{"operationName":"RetrieveInteractionHistory",{extra}}}"#)
    }
}
