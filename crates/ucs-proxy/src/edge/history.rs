//! The history URLs: authenticate, read, parse, authorize, look up the cache, ack (with
//! `X-Cache`), then resolve and notify.

use super::accept::accept_forwardable;
use super::caller::reply;
use super::exchange::Exchange;
use super::{App, RequestLog};
use crate::auth::Authenticated;
use crate::drain::InFlight;
use crate::http_io::Answer;
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;
use ucs_cometd::{FramedJson, JsonText};
use ucs_history::{CacheStatus, FailureKind, Lookup};
use ucs_model::{
    names_unserved_operation, parse_request, Ack, ErrorKind, HistoryMessageJson,
    HistoryNotification, ParseContext, RequestError, Route, HISTORY_CHANNEL,
};

/// What became of a POST on a history URL.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Served {
    /// A complete answer was written.
    Answered,
    /// Its `operationName` is not ours and an upstream exists: forward it, body and all (the
    /// body read here was kept in pingora's retry buffer, which the proxy phase sends on).
    Forward,
}

/// Answers a POST on a history URL, or hands it to the upstream (see [`Served`]).
pub(crate) async fn serve(
    app: &Arc<App>,
    session: &mut impl Exchange,
    route: Route,
    log: &mut RequestLog,
) -> pingora::Result<Served> {
    let Some((caller, body)) = accept_forwardable(app, session, log).await? else {
        return Ok(Served::Answered);
    };
    let principal = &caller.principal;
    let parsed = parse_request(&route, &body, &parse_context(app));
    if let Ok(request) = &parsed {
        log.operation = Some(request.operation.name());
    }
    let request = match parsed.and_then(|request| {
        authorize(principal, request.query.media_type())?;
        Ok(request)
    }) {
        Ok(request) => request,
        Err(error) if *error.kind() == ErrorKind::UnknownOperation && app.upstream.is_some() => {
            return Ok(Served::Forward);
        }
        Err(error) => {
            refuse(session, log, &caller, &error).await?;
            return Ok(Served::Answered);
        }
    };
    let media_types = match request.query.media_type() {
        Some(m) => vec![m],
        None => principal.readable_media_types(),
    };
    let lookup = app
        .history
        .lookup(
            &principal.tenant,
            &principal.user_id,
            &media_types,
            request.query,
        )
        .await;
    // Backend work is admitted per tenant (see `refuse_overload`).
    let cache = lookup.status();
    if refuse_overload(app, session, log, &caller, cache).await? {
        return Ok(Served::Answered);
    }
    let (reference_id, in_flight) = acknowledge(app, session, log, &caller, cache).await?;

    // A hit fills nothing; with nobody to receive it (no session, no parking, no other node
    // that may hold one), its notification is not even built.
    if cache == CacheStatus::Hit
        && app.cluster.is_none()
        && !app.engine.may_deliver_to(&principal.user_id)
    {
        return Ok(Served::Answered);
    }
    let delivery = Delivery {
        app: Arc::clone(app),
        user_id: principal.user_id.clone(),
        reference_id,
        received: log.started,
        cache,
        _in_flight: in_flight,
    };
    if cache == CacheStatus::Hit && app.cluster.is_none() {
        // A hit resolves at once and is delivered in this process: after the ack, here, without
        // a task of its own (boxed: its state stays out of every request's future).
        Box::pin(delivery.run(lookup)).await;
    } else {
        // The ack never waits for the backends: resolution and delivery run in their own task.
        tokio::spawn(delivery.run(lookup));
    }
    Ok(Served::Answered)
}

/// How history requests are parsed now.
fn parse_context(app: &App) -> ParseContext {
    let settings = &app.settings;
    ParseContext::new(Utc::now(), settings.time_zone)
        .with_max_size_limit(settings.max_size_limit)
        .with_max_attributes(settings.max_attributes)
}

/// Whether a POST on `route` with `body` is GWS's to answer (forwarded to the upstream, when
/// there is one): its `operationName` is not a history operation ([`serve`] then returns
/// [`Served::Forward`]).
pub(super) fn is_gws_operation(app: &App, route: &Route, body: &[u8]) -> bool {
    app.upstream.is_some() && names_unserved_operation(route, body)
}

/// Refuses a request before its ack with `error`'s GWS answer.
pub(super) async fn refuse(
    session: &mut impl Exchange,
    log: &mut RequestLog,
    caller: &Authenticated,
    error: &RequestError,
) -> pingora::Result<()> {
    log.status_code = Some(error.status_code());
    tracing::debug!(status_code = error.status_code(), %error, "request refused");
    reply(session, log, Some(caller), Answer::error(error)).await
}

/// Refuses, before the ack, a request that needs the backends (not a hit) from a tenant whose
/// queue of backend work is full (hits need no backend and are never refused). Returns whether
/// it was refused.
pub(super) async fn refuse_overload(
    app: &App,
    session: &mut impl Exchange,
    log: &mut RequestLog,
    caller: &Authenticated,
    cache: CacheStatus,
) -> pingora::Result<bool> {
    if matches!(cache, CacheStatus::Hit | CacheStatus::Stale)
        || app.history.admits(&caller.principal.tenant).is_ok()
    {
        return Ok(false);
    }
    let error = RequestError::overloaded();
    log.status_code = Some(error.status_code());
    let answer = Answer::error(&error).with_header("retry-after", "1".to_owned());
    reply(session, log, Some(caller), answer).await?;
    Ok(true)
}

/// Acks an accepted request (`X-Cache: cache`) with a new referenceId; what is then owed to
/// the caller is tracked until the returned mark is dropped (a stopping process waits for it
/// before handing sessions over).
pub(super) async fn acknowledge(
    app: &App,
    session: &mut impl Exchange,
    log: &mut RequestLog,
    caller: &Authenticated,
    cache: CacheStatus,
) -> pingora::Result<(u64, InFlight)> {
    let reference_id = app.references.next_id();
    let in_flight = app.drain.track();
    (log.status_code, log.cache, log.reference_id) = (Some(0), Some(cache), Some(reference_id));
    let ack =
        Answer::ack(Ack::new(reference_id)).with_header("x-cache", cache.as_header().to_owned());
    reply(session, log, Some(caller), ack).await?;
    Ok((reference_id, in_flight))
}

/// Resolving one accepted request and notifying its caller.
struct Delivery {
    app: Arc<App>,
    user_id: String,
    reference_id: u64,
    received: Instant,
    cache: CacheStatus,
    /// Released when the notification is queued (or the task ends).
    _in_flight: InFlight,
}

impl Delivery {
    async fn run(self, lookup: Lookup) {
        let Self {
            app,
            user_id,
            reference_id,
            received,
            cache,
            _in_flight,
        } = self;
        match app.history.resolve_presented(lookup).await {
            Ok(interactions) => {
                let (head, tail) = HistoryMessageJson::frame(reference_id);
                let data = FramedJson {
                    head,
                    shared: interactions,
                    tail,
                };
                app.deliver_framed(&user_id, HISTORY_CHANNEL, &data, received)
                    .await;
            }
            Err(error) => {
                // The access log's line for the notification (the request's own line was
                // written with the ack): which kind of failure, for the operator to act on.
                let error_kind = error.failure_kind().map_or("none", FailureKind::as_label);
                tracing::warn!(target: "ucs_proxy::access", reference_id, user_id = %user_id,
                    error_kind, %error, "history request failed");
                let reason = error.to_string();
                let verbose = app.settings.verbose_errors;
                let data = JsonText::of(&HistoryNotification::failed(
                    reference_id,
                    verbose.then_some(reason.as_str()),
                ))
                .expect("a notification always serializes");
                app.deliver(&user_id, HISTORY_CHANNEL, &data, received)
                    .await;
            }
        }
        app.metrics
            .observe_history(cache, received.elapsed().as_secs_f64());
    }
}

/// Refuses, before the ack, a media type whose feature the caller lacks, or any history request
/// from a caller with no history feature at all.
fn authorize(
    principal: &crate::auth::Principal,
    media_type: Option<ucs_model::MediaType>,
) -> Result<(), RequestError> {
    match media_type {
        Some(m) if !principal.may_read(m) => {
            Err(RequestError::forbidden_media_type(m.as_str(), m.feature()))
        }
        None if principal.readable_media_types().is_empty() => {
            Err(RequestError::no_history_feature())
        }
        _ => Ok(()),
    }
}
