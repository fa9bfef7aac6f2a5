//! Parking a held `/meta/connect`: the request ends without an answer and the connection loop
//! writes the answer when the connect is released (`connection/park.rs`). What stays alive
//! while it waits is the [`HeldConnect`] and the facts its answer and access line need.

use super::caller::session_cookies;
use super::notifications::bayeux_answer;
use super::{App, RequestLog};
use crate::auth::Authenticated;
use crate::connection::{park_slot, ParkedAnswer, WireAnswer};
use pingora::proxy::Session;
use std::sync::Arc;
use ucs_cometd::{HeldConnect, Response};

/// Parks `connect` on the request's connection, when the connection can take it (a kept-alive
/// HTTP/1.1 one); otherwise it is waited for here, inside the request.
pub(super) async fn park_or_wait(
    app: &Arc<App>,
    session: &Session,
    log: &mut RequestLog,
    caller: &Authenticated,
    connect: HeldConnect,
) -> Option<Response> {
    match park_slot(session.as_downstream()) {
        Some(slot) => {
            let path = session.req_header().uri.path().to_owned();
            slot.park(parked_answer(app, path, log, caller, connect));
            None
        }
        None => Some(connect.wait().await),
    }
}

/// The answer of a parked connect: its access line is written when it is ready.
fn parked_answer(
    app: &Arc<App>,
    path: String,
    log: &mut RequestLog,
    caller: &Authenticated,
    connect: HeldConnect,
) -> ParkedAnswer {
    let mut parked_log = RequestLog::new();
    parked_log.parked = true;
    let log = std::mem::replace(log, parked_log);
    // Only the cookies of a session this request opened are needed, not the caller.
    let cookies: Vec<_> = caller
        .new_session
        .iter()
        .flat_map(session_cookies)
        .map(|cookie| ("set-cookie", cookie))
        .collect();
    let app = Arc::clone(app);
    Box::pin(async move {
        let response = connect.wait().await;
        let answer = bayeux_answer(&response)
            .with_headers(&cookies)
            .with_headers(&log.cors);
        // Once the sessions are handed over, the client's handshake must reach the process
        // that stays: the connection closes.
        let keep_alive = !app.engine.is_handing_over();
        log.write_line("POST", &path, answer.status);
        match answer.to_wire(keep_alive) {
            Ok(bytes) => WireAnswer { bytes, keep_alive },
            Err(error) => {
                tracing::error!(%error, "cannot serialize a long poll's answer");
                WireAnswer {
                    bytes: Vec::new(),
                    keep_alive: false,
                }
            }
        }
    })
}
