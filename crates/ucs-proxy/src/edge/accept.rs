//! What every local POST needs first: an authenticated caller and its bounded body.

use super::caller;
use super::exchange::Exchange;
use super::RequestLog;
use crate::app::App;
use crate::auth::Authenticated;
use bytes::Bytes;

/// Authenticates the caller and reads the body. `None` when the request was refused (401, 413,
/// 408, 503): the answer has been written.
pub(crate) async fn accept(
    app: &App,
    session: &mut impl Exchange,
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
    match session.bounded_body(app).await? {
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
    session: &mut impl Exchange,
    log: &mut RequestLog,
) -> pingora::Result<Option<(Authenticated, Bytes)>> {
    if app.upstream.is_some() {
        session.keep_body_for_forwarding();
    }
    accept(app, session, log).await
}
