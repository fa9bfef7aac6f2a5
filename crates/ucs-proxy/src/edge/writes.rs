//! UCS writes that pass through the proxy to GWS — `SetCallCompleted`, `SetCallNote`,
//! `SetCallContact` on `POST /api/v2/ucs/interactions/{id}` — are forwarded unchanged; when GWS
//! accepts one (HTTP 200), the cached answers of the caller's tenant that hold that interaction
//! are dropped, and dropped again `cache.write_settle_ms` later: GWS acknowledges before UCS has
//! applied the write, so an answer read in between may still show the old state.

use super::caller::authenticate;
use crate::app::{App, ChangeOrigin};
use pingora::proxy::Session;
use std::sync::Arc;
use ucs_model::{ChangeKind, InteractionChange};

/// The source label of these changes in `ucs_proxy_cache_changes_total`.
pub(crate) const PASSTHROUGH_SOURCE: &str = "passthrough";
/// The most of a write's body kept to read its operation (they are a few hundred bytes).
const MAX_CAPTURED: usize = 16 * 1024;

/// A forwarded write being watched: its interaction and the start of its body (read by the
/// edge before forwarding, see `content.rs`).
#[derive(Debug)]
pub(crate) struct WriteCapture {
    interaction_id: String,
    body: Vec<u8>,
}

impl WriteCapture {
    /// The capture of a write to interaction `id` with `body`.
    pub(crate) fn new(id: String, body: &[u8]) -> WriteCapture {
        WriteCapture {
            interaction_id: id,
            body: body[..body.len().min(MAX_CAPTURED)].to_vec(),
        }
    }

    /// The changes the write makes, without their tenant: none when it is not a known write.
    fn changes(&self) -> Vec<InteractionChange> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Write {
            operation_name: String,
            contact_path: Option<String>,
        }
        let Ok(write) = serde_json::from_slice::<Write>(&self.body) else {
            return Vec::new();
        };
        let amended = InteractionChange::unknown("", &self.interaction_id, ChangeKind::Amended);
        match write.operation_name.as_str() {
            "SetCallCompleted" | "SetCallNote" => vec![amended],
            // The call now belongs to another contact: that contact's history may hold it.
            "SetCallContact" => {
                let contact = write
                    .contact_path
                    .as_deref()
                    .and_then(|p| p.trim_end_matches('/').rsplit('/').next())
                    .map(str::to_owned);
                let mut moved =
                    InteractionChange::unknown("", &self.interaction_id, ChangeKind::Updated);
                moved.media_type = Some("call".to_owned());
                moved.contact_id = contact.map(Some);
                vec![amended, moved]
            }
            _ => Vec::new(),
        }
    }
}

/// After a forwarded write was answered with `status`: drops what it may have made stale, now
/// and once UCS has had time to apply it.
pub(crate) async fn after_write(
    app: &Arc<App>,
    session: &Session,
    capture: WriteCapture,
    status: u16,
) {
    if status != 200 {
        return;
    }
    let changes = capture.changes();
    if changes.is_empty() {
        return;
    }
    let Ok(caller) = authenticate(&app.auth, session).await else {
        return;
    };
    let tenant = caller.principal.tenant.clone();
    let changes: Vec<InteractionChange> = changes
        .into_iter()
        .map(|change| InteractionChange {
            tenant: tenant.clone(),
            ..change
        })
        .collect();
    apply(app, &changes).await;
    let (app, settle) = (Arc::clone(app), app.settings.write_settle);
    tokio::spawn(async move {
        tokio::time::sleep(settle).await;
        apply(&app, &changes).await;
    });
}

async fn apply(app: &App, changes: &[InteractionChange]) {
    for change in changes {
        let outcome = app
            .apply_change(PASSTHROUGH_SOURCE, change.clone(), ChangeOrigin::Here)
            .await;
        tracing::debug!(interaction = %change.id, invalidated = outcome.invalidated,
            "a write passed through");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(body: &str) -> WriteCapture {
        WriteCapture::new("0001AbC".to_owned(), body.as_bytes())
    }

    #[test]
    fn each_write_names_what_it_changes() {
        let completed =
            capture(r#"{"operationName":"SetCallCompleted","callDuration":30}"#).changes();
        assert_eq!(completed.len(), 1);
        assert_eq!(
            (completed[0].id.as_str(), completed[0].kind),
            ("0001AbC", ChangeKind::Amended)
        );
        let moved =
            capture(r#"{"operationName":"SetCallContact","contactPath":"/contacts/0000Fa42"}"#)
                .changes();
        assert_eq!(moved.len(), 2);
        assert_eq!(moved[1].contact_id, Some(Some("0000Fa42".into())));
        assert!(capture(r#"{"operationName":"GetInteractionContent"}"#)
            .changes()
            .is_empty());
        assert!(capture("not json").changes().is_empty());
    }
}
