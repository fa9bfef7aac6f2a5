//! The CometD long-polling transport at `/api/v2/notifications` (and the sub-paths the official
//! JS client appends: `/handshake`, `/connect`, `/disconnect`, …).

use super::bayeux::{bayeux_answer, BROWSER_COOKIE};
use super::caller::{authenticate, reply};
use super::{long_poll, App};
use crate::http_io::{cookie, Answer};
use bytes::Bytes;
use pingora::proxy::Session;
use std::sync::Arc;
use ucs_cometd::{Begun, ConnectionType, TransportContext};

/// Where GWS serves CometD.
pub(crate) const NOTIFICATIONS_PATH: &str = "/api/v2/notifications";

/// Whether `path` is the CometD endpoint or one of its sub-paths.
pub(crate) fn is_notifications_path(path: &str) -> bool {
    path.strip_prefix(NOTIFICATIONS_PATH)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Answers one long-polling request. A held `/meta/connect` is parked beside its connection
/// (`long_poll.rs`), or, where it cannot be, waits here, as an async task: it costs no thread.
pub(crate) async fn serve(
    app: &Arc<App>,
    session: &mut Session,
    log: &mut super::RequestLog,
) -> pingora::Result<()> {
    if session.is_upgrade_req() && app.engine.config().websocket {
        return match authenticate(&app.auth, session).await {
            Ok(caller) => super::websocket::serve(app, session, caller).await,
            Err(answer) => answer.send(session).await,
        };
    }
    if session.req_header().method != http::Method::POST {
        let answer = Answer::json(405, Bytes::new()).with_header("allow", "POST".to_owned());
        return reply(session, log, None, answer).await;
    }
    let Some((caller, body)) = super::accept::accept(app, session, log).await? else {
        return Ok(());
    };
    let ctx = TransportContext {
        owner: caller.principal.owner(),
        browser_id: cookie(&session.req_header().headers, BROWSER_COOKIE).map(str::to_owned),
        connection_type: ConnectionType::LongPolling,
    };
    let response = match app.engine.begin(&body, &ctx) {
        Ok(Begun::Answered(response)) => response,
        Ok(Begun::Held(connect)) => {
            match long_poll::park_or_wait(app, session, log, &caller, connect).await {
                Some(response) => response,
                None => return Ok(()),
            }
        }
        Err(error) => {
            tracing::debug!(%error, "bayeux request refused");
            let answer = Answer::json(error.http_status(), Bytes::new());
            close_if_handing_over(app, session);
            return reply(session, log, Some(&caller), answer).await;
        }
    };
    close_if_handing_over(app, session);
    reply(session, log, Some(&caller), bayeux_answer(&response)).await?;
    if let Some(origin) = response.oldest_origin() {
        app.metrics.observe_delivery(origin.elapsed().as_secs_f64());
    }
    Ok(())
}

/// Once the sessions are handed over, the client's handshake must reach the process that stays:
/// the connection closes after the answer.
fn close_if_handing_over(app: &App, session: &mut Session) {
    if app.engine.is_handing_over() {
        session.set_keepalive(None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_endpoint_and_its_sub_paths_only() {
        assert!(is_notifications_path("/api/v2/notifications"));
        assert!(is_notifications_path("/api/v2/notifications/"));
        assert!(is_notifications_path("/api/v2/notifications/handshake"));
        assert!(!is_notifications_path("/api/v2/notificationsX"));
        assert!(!is_notifications_path("/api/v2/me"));
    }
}
