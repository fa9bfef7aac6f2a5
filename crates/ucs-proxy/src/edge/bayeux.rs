//! The HTTP answer of a Bayeux response: its status, its JSON body, and the browser cookie a
//! handshake sets.

use crate::http_io::{set_cookie, Answer};
use bytes::Bytes;
use ucs_cometd::Response;

/// The CometD browser-identification cookie.
pub(crate) const BROWSER_COOKIE: &str = "BAYEUX_BROWSER";

/// The HTTP answer carrying a Bayeux response (and the browser cookie a handshake sets).
pub(super) fn bayeux_answer(response: &Response) -> Answer {
    Answer {
        body: response.to_json().into(),
        ..bayeux_head(response)
    }
}

/// The HTTP answer of a Bayeux response, without its body.
pub(super) fn bayeux_head(response: &Response) -> Answer {
    let answer = Answer::json(response.status, Bytes::new());
    match &response.set_browser_id {
        Some(browser) => answer.with_header("set-cookie", set_cookie(BROWSER_COOKIE, browser)),
        None => answer,
    }
}
