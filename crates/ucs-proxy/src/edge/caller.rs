//! Authenticating the caller of a request.

use crate::auth::{AuthError, Authenticated, Authenticator, Credentials, SESSION_COOKIE};
use crate::http_io::{cookie, set_cookie, Answer};
use pingora::proxy::Session;
use std::sync::Arc;
use ucs_model::RequestError;

/// Authenticates the request, or returns the GWS answer for an unauthenticated one
/// (HTTP 401, `{"statusCode":20,"statusMessage":"Access denied"}`), or HTTP 503 when the upstream
/// that decides cannot be asked.
pub(crate) async fn authenticate(
    auth: &Arc<Authenticator>,
    session: &Session,
) -> Result<Authenticated, Answer> {
    let headers = &session.req_header().headers;
    let credentials = Credentials {
        session_cookie: cookie(headers, SESSION_COOKIE),
        authorization: headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
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
        })
}

/// Adds `Set-Cookie: JSESSIONID=…` when authentication opened a session.
pub(crate) fn with_session_cookie(answer: Answer, caller: &Authenticated) -> Answer {
    match &caller.new_session {
        Some(id) => answer.with_header("set-cookie", set_cookie(SESSION_COOKIE, id)),
        None => answer,
    }
}
