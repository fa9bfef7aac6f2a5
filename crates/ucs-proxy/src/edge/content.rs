//! GetInteractionContent: `POST /api/v2/ucs/interactions/{id}` (ack, then the content on
//! `/v2/ucs/interactions`) and the resource every history result links to,
//! `GET /api/v2/interactions/{id}` (the interaction itself, at once).
//!
//! The same POST URL carries GWS's UCS writes (`SetCallCompleted`, …): with an upstream they are
//! forwarded and watched (`writes.rs`); without one they are `Invalid operation`.

use super::accept::accept_forwardable;
use super::caller::{authenticate, reply};
use super::history::{acknowledge, refuse, refuse_overload, Served};
use super::writes::WriteCapture;
use super::{App, RequestLog};
use crate::auth::Authenticated;
use crate::drain::InFlight;
use crate::http_io::Answer;
use pingora::proxy::Session;
use std::sync::Arc;
use ucs_cometd::JsonText;
use ucs_history::{ContentLookup, FailureKind};
use ucs_model::{
    parse_content_request, ContentMessageJson, ContentRequest, ErrorKind, RequestError, Source,
    CONTENT_OPERATION, HISTORY_CHANNEL, INTERACTION_NOT_FOUND, REQUEST_FAILED,
};

/// The `operation` of `GET /api/v2/interactions/{id}` in the access log and
/// `ucs_proxy_requests_total` (it has no `operationName`).
const RESOURCE_OPERATION: &str = "GetInteraction";

/// What a request on one of the two content URLs is.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ContentTarget {
    /// `POST /api/v2/ucs/interactions/{id}`.
    Post(String),
    /// `GET /api/v2/interactions/{id}`.
    Get(String),
}

/// Whether `path` is one of the two content URLs (whatever the method: CORS preflights).
pub(crate) fn is_content_path(path: &str) -> bool {
    ucs_model::content_path_id(path).is_some() || ucs_model::resource_path_id(path).is_some()
}

impl ContentTarget {
    /// The target of a request with `method` on `path`, if it is one.
    pub(crate) fn of(method: &http::Method, path: &str) -> Option<ContentTarget> {
        if method == http::Method::POST {
            ucs_model::content_path_id(path).map(|id| ContentTarget::Post(id.to_owned()))
        } else if method == http::Method::GET {
            ucs_model::resource_path_id(path).map(|id| ContentTarget::Get(id.to_owned()))
        } else {
            None
        }
    }
}

/// Answers a POST on an interaction's URL, or hands it to the upstream (a UCS write, or content
/// that no backend here serves).
pub(crate) async fn serve_post(
    app: &Arc<App>,
    session: &mut Session,
    id: String,
    log: &mut RequestLog,
) -> pingora::Result<Served> {
    let Some((caller, body)) = accept_forwardable(app, session, log).await? else {
        return Ok(Served::Answered);
    };
    let request = match parse_content_request(&id, &body) {
        Ok(request) => request,
        Err(error) if *error.kind() == ErrorKind::UnknownOperation && app.upstream.is_some() => {
            log.write = Some(WriteCapture::new(id, &body));
            return Ok(Served::Forward);
        }
        Err(error) => {
            refuse(session, log, &caller, &error).await?;
            return Ok(Served::Answered);
        }
    };
    log.operation = Some(CONTENT_OPERATION);
    let lookup = match look_up(app, session, log, &caller, request).await? {
        Ok(lookup) => lookup,
        Err(served) => return Ok(served),
    };
    let cache = lookup.status();
    if refuse_overload(app, session, log, &caller, cache).await? {
        return Ok(Served::Answered);
    }
    let (reference_id, in_flight) = acknowledge(app, session, log, &caller, cache).await?;
    let app = Arc::clone(app);
    let user_id = caller.principal.user_id.clone();
    let received = log.started;
    tokio::spawn(deliver(
        app,
        user_id,
        reference_id,
        received,
        lookup,
        in_flight,
    ));
    Ok(Served::Answered)
}

/// Answers `GET /api/v2/interactions/{id}`: HTTP 200 with the interaction (main source), 404
/// when the caller has no such interaction, 403 when it is of a media type they may not read.
/// With an upstream and no backend serving content here, GWS answers (`Forward`).
pub(crate) async fn serve_get(
    app: &Arc<App>,
    session: &mut Session,
    id: String,
    log: &mut RequestLog,
) -> pingora::Result<Served> {
    let caller = match authenticate(&app.auth, session).await {
        Ok(caller) => caller,
        Err(answer) => {
            reply(session, log, None, answer).await?;
            return Ok(Served::Answered);
        }
    };
    log.user_id = Some(caller.principal.user_id.clone());
    log.operation = Some(RESOURCE_OPERATION);
    let request = ContentRequest::new(id.clone(), Source::Main);
    let lookup = match look_up(app, session, log, &caller, request).await? {
        Ok(lookup) => lookup,
        Err(served) => return Ok(served),
    };
    let cache = lookup.status();
    log.cache = Some(cache);
    let answer = match app.history.resolve_content(lookup).await {
        Ok(Some(document)) => {
            log.status_code = Some(0);
            Answer::json(200, document.interaction().get().to_owned())
                .with_header("x-cache", cache.as_header().to_owned())
        }
        Ok(None) => {
            let error = RequestError::interaction_not_found(&id);
            log.status_code = Some(error.status_code());
            Answer::error(&error)
        }
        Err(error) => {
            tracing::warn!(interaction = %id, %error, "interaction read failed");
            let error = RequestError::request_failed();
            log.status_code = Some(error.status_code());
            Answer::error(&error)
        }
    };
    reply(session, log, Some(&caller), answer).await?;
    Ok(Served::Answered)
}

/// Forwards the request when only GWS can answer it, else checks the caller's features (none
/// at all, or none for the interaction's media type when this node knows it: HTTP 403,
/// statusCode 3) and looks the content up. `Err` says what became of a request that is not to
/// be answered here: forwarded, or refused (the answer was written).
async fn look_up(
    app: &App,
    session: &mut Session,
    log: &mut RequestLog,
    caller: &Authenticated,
    request: ContentRequest,
) -> pingora::Result<Result<ContentLookup, Served>> {
    let principal = &caller.principal;
    let readable = principal.readable_media_types();
    if app.upstream.is_some() && !app.history.serves_content(&readable) {
        return Ok(Err(Served::Forward));
    }
    if readable.is_empty() {
        refuse(session, log, caller, &RequestError::no_history_feature()).await?;
        return Ok(Err(Served::Answered));
    }
    let lookup = app
        .history
        .content_lookup(&principal.tenant, &principal.user_id, &readable, request)
        .await;
    if let Some(m) = lookup.forbidden() {
        let error = RequestError::forbidden_media_type(m.as_str(), m.feature());
        refuse(session, log, caller, &error).await?;
        return Ok(Err(Served::Answered));
    }
    Ok(Ok(lookup))
}

/// Resolves an acknowledged content request and notifies its caller.
async fn deliver(
    app: Arc<App>,
    user_id: String,
    reference_id: u64,
    received: std::time::Instant,
    lookup: ContentLookup,
    _in_flight: InFlight,
) {
    let data = match app.history.resolve_content(lookup).await {
        Ok(Some(document)) => JsonText::of(&document.message(reference_id)),
        Ok(None) => JsonText::of(&ContentMessageJson::failed(
            reference_id,
            INTERACTION_NOT_FOUND,
        )),
        Err(error) => {
            let error_kind = error.failure_kind().map_or("none", FailureKind::as_label);
            tracing::warn!(target: "ucs_proxy::access", reference_id, user_id = %user_id,
                error_kind, %error, "content request failed");
            let message = match app.settings.verbose_errors {
                true => format!("{REQUEST_FAILED}: {error}"),
                false => REQUEST_FAILED.to_owned(),
            };
            JsonText::of(&ContentMessageJson::failed(reference_id, &message))
        }
    }
    .expect("a notification always serializes");
    app.deliver(&user_id, HISTORY_CHANNEL, &data, received)
        .await;
}
