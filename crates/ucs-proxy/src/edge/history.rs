//! The history URLs: authenticate, read, parse, authorize, ack, then resolve and notify.

use super::caller::with_session_cookie;
use super::respond::{ack_body, Answer};
use super::App;
use chrono::Utc;
use pingora::proxy::Session;
use std::sync::Arc;
use ucs_model::{
    parse_request, HistoryNotification, ParseContext, RequestError, Route, HISTORY_CHANNEL,
};

/// Answers a POST on a history URL. Always writes a complete response.
pub(crate) async fn serve(app: &App, session: &mut Session, route: Route) -> pingora::Result<()> {
    let Some((caller, body)) = app.accept(session).await? else {
        return Ok(());
    };
    let settings = &app.settings;
    let ctx = ParseContext::new(Utc::now(), settings.time_zone)
        .with_max_size_limit(settings.max_size_limit);
    let principal = &caller.principal;
    let request = match parse_request(&route, &body, &ctx).and_then(|request| {
        authorize(principal, request.query.media_type())?;
        Ok(request)
    }) {
        Ok(request) => request,
        Err(error) => {
            tracing::debug!(status_code = error.status_code(), %error, "history request refused");
            return with_session_cookie(Answer::error(&error), &caller)
                .send(session)
                .await;
        }
    };
    let reference_id = app.references.next_id();
    tracing::debug!(reference_id, operation = %request.operation, "history request accepted");
    with_session_cookie(Answer::json(200, ack_body(reference_id)), &caller)
        .send(session)
        .await?;

    // The ack never waits for the backends: resolution and delivery run in their own task.
    let media_types = match request.query.media_type() {
        Some(m) => vec![m],
        None => principal.readable_media_types(),
    };
    let (dispatcher, engine) = (Arc::clone(&app.dispatcher), app.engine.clone());
    let (time_zone, base_url) = (settings.time_zone, settings.public_base_url.clone());
    let verbose = settings.verbose_errors;
    let (tenant, user_id) = (principal.tenant.clone(), principal.user_id.clone());
    let query = request.query;
    tokio::spawn(async move {
        let notification = match dispatcher.resolve(&tenant, &media_types, &query).await {
            Ok(mut interactions) => {
                ucs_history::present(&mut interactions, time_zone, &base_url);
                HistoryNotification::interactions(reference_id, interactions)
            }
            Err(error) => {
                tracing::warn!(reference_id, %error, "history request failed");
                let reason = error.to_string();
                HistoryNotification::failed(reference_id, verbose.then_some(reason.as_str()))
            }
        };
        let data = serde_json::to_value(&notification).expect("a notification always serializes");
        engine.deliver_to_user(&user_id, HISTORY_CHANNEL, &data);
    });
    Ok(())
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
