//! Parking a held `/meta/connect`: the request ends without an answer and the connection loop
//! writes the answer when the connect is released (`connection/park.rs`). What stays alive
//! while it waits is the [`HeldConnect`] and the facts its answer and access line need.

use super::bayeux::bayeux_head;
use super::caller::session_cookie_headers;
use super::{App, RequestLog, RouteKind};
use crate::auth::Authenticated;
use crate::connection::{park_slot, ParkedAnswer, WireAnswer};
use bytes::Bytes;
use futures_util::FutureExt;
use pingora::proxy::Session;
use std::sync::Arc;
use ucs_cometd::{HeldConnect, JsonPiece, Response};

/// Parks `connect` on the request's connection, when the connection can take it (a kept-alive
/// HTTP/1.1 one); otherwise it is waited for here, inside the request.
pub(super) async fn park_or_wait(
    app: &Arc<App>,
    session: &mut Session,
    log: &mut RequestLog,
    caller: &Authenticated,
    connect: HeldConnect,
) -> Option<Response> {
    // Parked, the request must be the last bytes read from its connection: a client that
    // pipelined another request behind a long poll (none does: the poll's answer is what it
    // waits for) has its connection closed by pingora instead of a prefix kept for later, so
    // that the connection loop may wait for the socket itself once the answer is written.
    session.as_downstream_mut().set_pipelining_enabled(false);
    match park_slot(session.as_downstream()) {
        Some(slot) => {
            let path = session.req_header().uri.path().to_owned();
            slot.park(parked_answer(app, path, log, caller, connect));
            None
        }
        None => {
            session.as_downstream_mut().set_pipelining_enabled(true);
            Some(connect.wait().await)
        }
    }
}

/// The answer of a parked connect: its access line is written when it is ready. It keeps only
/// what the answer and the line need (a parked connect is what most sessions are, most of the
/// time: every byte here is paid per session).
fn parked_answer(
    app: &Arc<App>,
    path: String,
    log: &mut RequestLog,
    caller: &Authenticated,
    connect: HeldConnect,
) -> ParkedAnswer {
    log.parked = true;
    let started = log.started;
    let user_id = log.user_id.take();
    // The session cookies of a session this request opened, and the CORS headers.
    let headers: Vec<_> = session_cookie_headers(caller)
        .chain(std::mem::take(&mut log.cors))
        .collect();
    let engine = app.engine.clone();
    let deliveries = app.metrics.notification_delivery();
    // The answer is built by a closure mapped over the wait, not in an async block: a future
    // awaited there is moved into the block's state beside the value it was captured as, and
    // took its room twice (~0.3 KiB more for every parked session).
    Box::pin(connect.wait().map(move |response| {
        // Once the sessions are handed over, the client's handshake must reach the process
        // that stays: the connection closes.
        let keep_alive = !engine.is_handing_over();
        let body: Vec<Bytes> = response
            .to_json_pieces()
            .into_iter()
            .map(|piece| match piece {
                JsonPiece::Text(text) => Bytes::from(text),
                JsonPiece::Shared(text) => Bytes::from_owner(text),
            })
            .collect();
        let body_len = body.iter().map(Bytes::len).sum();
        let answer = bayeux_head(&response).with_headers(&headers);
        let log = RequestLog {
            started,
            route: RouteKind::Notifications,
            user_id,
            ..RequestLog::new()
        };
        log.write_line("POST", &path, answer.status);
        let head = match answer.head_to_wire(keep_alive, body_len) {
            Ok(head) => head,
            Err(error) => {
                tracing::error!(%error, "cannot serialize a long poll's answer");
                return WireAnswer::close();
            }
        };
        WireAnswer {
            pieces: std::iter::once(Bytes::from(head)).chain(body).collect(),
            keep_alive,
            written: response.oldest_origin().map(|origin| {
                Box::new(move || deliveries.observe(origin.elapsed().as_secs_f64()))
                    as Box<dyn FnOnce() + Send>
            }),
        }
    }))
}
