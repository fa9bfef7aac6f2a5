//! What every local POST needs first: an authenticated caller and its bounded body.

use super::caller;
use super::RequestLog;
use crate::app::App;
use crate::auth::Authenticated;
use crate::http_io::{read_body, Answer, BodyError};
use bytes::Bytes;
use pingora::proxy::Session;

/// Authenticates the caller and reads the body. `None` when the request was refused (401, 413,
/// 408, 503): the answer has been written.
pub(crate) async fn accept(
    app: &App,
    session: &mut Session,
    log: &mut RequestLog,
) -> pingora::Result<Option<(Authenticated, Bytes)>> {
    let caller = match caller::authenticate(&app.auth, session).await {
        Ok(caller) => {
            log.user_id = Some(caller.principal.user_id.clone());
            caller
        }
        Err(answer) => {
            caller::reply(session, log, None, answer).await?;
            return Ok(None);
        }
    };
    match bounded_body(app, session).await? {
        Ok(body) => Ok(Some((caller, body))),
        Err(answer) => {
            caller::reply(session, log, Some(&caller), answer).await?;
            Ok(None)
        }
    }
}

/// [`accept`] for a request that may yet be forwarded (an `operationName` that is GWS's): with
/// an upstream, the body read here is kept in pingora's retry buffer, which the proxy phase
/// sends on.
pub(crate) async fn accept_forwardable(
    app: &App,
    session: &mut Session,
    log: &mut RequestLog,
) -> pingora::Result<Option<(Authenticated, Bytes)>> {
    if app.upstream.is_some() {
        session.enable_retry_buffering();
    }
    accept(app, session, log).await
}

/// Reads the request body within the configured bounds. `Ok(Err(answer))`: refused (413 or
/// 408), and the connection will close since the rest of the body is still on the wire;
/// `Err`: the connection failed.
pub(crate) async fn bounded_body(
    app: &App,
    session: &mut Session,
) -> pingora::Result<Result<Bytes, Answer>> {
    let settings = &app.settings;
    match read_body(session, settings.max_body_bytes, settings.body_read_timeout).await {
        Ok(body) => Ok(Ok(body)),
        Err(BodyError::Refused(error)) => {
            session.set_keepalive(None);
            Ok(Err(Answer::error(&error)))
        }
        Err(BodyError::Io(error)) => Err(error),
    }
}
