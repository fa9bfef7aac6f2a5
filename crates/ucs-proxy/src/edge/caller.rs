//! Authenticating the caller of a request.

use super::exchange::Exchange;
use super::RequestLog;
use crate::auth::{
    AuthError, Authenticated, Authenticator, Credentials, NewSession, SESSION_COOKIE,
};
use crate::http_io::{cookies, set_cookie, Answer};
use crate::upstream::AFFINITY_COOKIE;
use std::sync::Arc;
use ucs_model::RequestError;

/// Authenticates the request, or returns the GWS answer for an unauthenticated one
/// (HTTP 401, `{"statusCode":20,"statusMessage":"Access denied"}`), or HTTP 503 when the upstream
/// that decides cannot be asked.
pub(crate) async fn authenticate(
    auth: &Arc<Authenticator>,
    session: &impl Exchange,
) -> Result<Authenticated, Answer> {
    let headers = session.headers();
    let [session_cookie, affinity] = cookies(headers, [SESSION_COOKIE, AFFINITY_COOKIE]);
    let credentials = Credentials {
        session_cookie,
        authorization: headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
        affinity,
        client_ip: session.client_ip(),
    };
    auth.authenticate(credentials)
        .await
        .map_err(|error| match error {
            AuthError::Unavailable(reason) => {
                tracing::warn!(%reason, "cannot authenticate: the upstream is unavailable");
                Answer::error(&RequestError::authentication_unavailable())
            }
            AuthError::Missing | AuthError::Refused => {
                Answer::error(&RequestError::not_authenticated())
            }
            AuthError::Throttled(wait) => Answer::error(&RequestError::too_many_failed_logins())
                .with_header("retry-after", wait.as_secs().max(1).to_string()),
        })
}

/// The `Set-Cookie` values that hand a new session to the caller: `JSESSIONID`, and the node
/// that holds it (upstream mode).
fn session_cookies(new_session: &NewSession) -> impl Iterator<Item = String> + '_ {
    std::iter::once(set_cookie(SESSION_COOKIE, &new_session.id)).chain(
        new_session
            .node
            .as_deref()
            .map(|node| set_cookie(AFFINITY_COOKIE, node)),
    )
}

/// Writes a local answer of the edge: the session a caller's authentication opened (if any)
/// and the request's CORS headers ride on every one.
pub(crate) async fn reply(
    session: &mut impl Exchange,
    log: &RequestLog,
    caller: Option<&Authenticated>,
    answer: Answer,
) -> pingora::Result<()> {
    let answer = match caller {
        Some(caller) => with_session_cookie(answer, caller),
        None => answer,
    };
    session.send(answer.with_headers(&log.cors)).await
}

/// Adds the `Set-Cookie`s of a session authentication opened.
pub(crate) fn with_session_cookie(answer: Answer, caller: &Authenticated) -> Answer {
    session_cookie_headers(caller).fold(answer, |answer, (name, value)| {
        answer.with_header(name, value)
    })
}

/// The `Set-Cookie` headers of a session the caller's authentication opened (none when the
/// request carried its session).
pub(crate) fn session_cookie_headers(
    caller: &Authenticated,
) -> impl Iterator<Item = (&'static str, String)> + '_ {
    caller
        .new_session
        .iter()
        .flat_map(session_cookies)
        .map(|cookie| ("set-cookie", cookie))
}
