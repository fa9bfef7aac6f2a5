//! GetInteractionContent: the content of one interaction, looked up before the ack
//! ([`HistoryService::content_lookup`]) and resolved after it
//! ([`HistoryService::resolve_content`]) through the backends of the media types the caller may
//! read, cached by (scope, id, source) and dropped by every change of that interaction.

use super::call::observed;
use super::HistoryService;
use crate::cache::{CachedContent, ContentKey, ContentStore};
use crate::error::HistoryError;
use crate::status::CacheStatus;
use std::sync::Arc;
use ucs_model::{ContentDocument, ContentRequest, MediaType};
use ucs_plugin_api::ContentBackendRequest;

/// The `media_type` label of content calls in the backend metrics.
const CONTENT_LABEL: &str = "content";

/// A looked-up content request: its cache status (known before the ack) and what remains to
/// resolve.
#[derive(Debug)]
pub struct ContentLookup {
    status: CacheStatus,
    tenant: String,
    user_id: String,
    request: ContentRequest,
    /// The media types to look in: the interaction's, when known, else the caller's.
    media_types: Vec<MediaType>,
    /// The media type the caller may not read, when the interaction is known to be of one.
    forbidden: Option<MediaType>,
    key: Option<ContentKey>,
    hit: Option<Arc<CachedContent>>,
    store: Arc<ContentStore>,
}

impl ContentLookup {
    /// How the cache answers this request.
    pub fn status(&self) -> CacheStatus {
        self.status
    }

    /// The media type of the interaction when it is known and the caller may not read it: the
    /// request is to be refused before the ack.
    pub fn forbidden(&self) -> Option<MediaType> {
        self.forbidden
    }
}

impl HistoryService {
    /// Looks content `request` up for a caller of `tenant` (`user_id`) who may read
    /// `readable`. Never calls a backend. When this node knows the interaction's media type
    /// (from a history result or an earlier content) and the caller may not read it,
    /// [`ContentLookup::forbidden`] says so.
    pub async fn content_lookup(
        &self,
        tenant: &str,
        user_id: &str,
        readable: &[MediaType],
        request: ContentRequest,
    ) -> ContentLookup {
        let state = self.cache.current();
        let store = self.content_store();
        let located = self.locator.locate(tenant, &request.id);
        let key = state.policy.enabled.then(|| ContentKey {
            scope: state.policy.scope.scope_of(tenant, user_id),
            id: request.id.clone(),
            source: request.source,
        });
        let hit = match &key {
            Some(key) => store.get(key).await,
            None => None,
        };
        let known = hit.as_ref().and_then(|h| h.media_type).or(located);
        let forbidden = known.filter(|m| !readable.contains(m));
        let status = match (&key, &hit) {
            (None, _) => CacheStatus::Bypass,
            (Some(_), Some(_)) => CacheStatus::Hit,
            (Some(_), None) => CacheStatus::Miss,
        };
        if forbidden.is_none() {
            self.metrics
                .content_requests
                .with_label_values(&[status.as_label()])
                .inc();
        }
        ContentLookup {
            status,
            tenant: tenant.to_owned(),
            user_id: user_id.to_owned(),
            request,
            media_types: known.map_or_else(|| readable.to_vec(), |m| vec![m]),
            forbidden,
            key,
            hit,
            store,
        }
    }

    /// Whether a backend of one of `media_types` serves content (else, with an upstream, the
    /// request is GWS's to answer).
    pub fn serves_content(&self, media_types: &[MediaType]) -> bool {
        media_types.iter().any(|m| {
            self.dispatcher
                .registered(*m)
                .is_some_and(|r| r.backend.serves_content())
        })
    }

    /// The content a lookup asked for: from the cache, else from the backends (identical
    /// concurrent misses make one call) and cached. `None` when no backend holds an interaction
    /// of that id, tenant and source of a media type the caller may read.
    pub async fn resolve_content(
        &self,
        lookup: ContentLookup,
    ) -> Result<Option<Arc<ContentDocument>>, HistoryError> {
        if let Some(hit) = lookup.hit {
            return Ok(Some(Arc::clone(&hit.document)));
        }
        let began_at = lookup.store.generation();
        let fill = async {
            match self.ask_backends(&lookup).await {
                Ok(Some(document)) => Ok(Arc::new(CachedContent::new(document, began_at))),
                Ok(None) => Err(None),
                Err(error) => Err(Some(error)),
            }
        };
        let found = match &lookup.key {
            Some(key) => lookup.store.get_or_fill(key.clone(), fill).await,
            None => fill.await.map_err(Arc::new),
        };
        match found {
            // A miss coalesced with another caller's (`cache.scope = "tenant"`) may bring content
            // of a media type this caller may not read: for them it does not exist.
            Ok(entry) => match entry.media_type.filter(|m| lookup.media_types.contains(m)) {
                Some(media_type) => {
                    self.locator
                        .learn(&lookup.tenant, &lookup.request.id, media_type);
                    Ok(Some(Arc::clone(&entry.document)))
                }
                None => Ok(None),
            },
            Err(failure) => match &*failure {
                None => {
                    self.metrics
                        .content_requests
                        .with_label_values(&["not_found"])
                        .inc();
                    Ok(None)
                }
                Some(error) => Err(error.clone()),
            },
        }
    }

    /// Asks, one after the other, each backend serving content for some of the lookup's media
    /// types; the first that holds the interaction answers, presented for callers. Failures are
    /// reported only when no backend found it.
    async fn ask_backends(
        &self,
        lookup: &ContentLookup,
    ) -> Result<Option<ContentDocument>, HistoryError> {
        let call = self.call(Some(&lookup.user_id));
        let mut failure = None;
        for (backend, media_types) in self.dispatcher.grouped(&lookup.media_types) {
            if !backend.backend.serves_content() {
                continue;
            }
            let request = ContentBackendRequest {
                tenant: lookup.tenant.clone(),
                id: lookup.request.id.clone(),
                source: lookup.request.source,
                media_types,
            };
            let work = backend.backend.content(&request);
            match observed(&backend, &lookup.tenant, CONTENT_LABEL, &call, work).await {
                Ok(Some(document)) => {
                    let shown = &self.presentation;
                    return Ok(Some(
                        document.presented(shown.time_zone, &shown.public_base_url),
                    ));
                }
                Ok(None) => {}
                Err(error) => failure = failure.or(Some(error)),
            }
        }
        failure.map_or(Ok(None), Err)
    }

    /// Drops the cached contents of interaction `id` of `tenant` (a change of it).
    pub(super) fn content_changed(&self, tenant: &str, id: &str) {
        self.content_store().changed(tenant, id);
    }

    /// The content store in force.
    pub(super) fn content_store(&self) -> Arc<ContentStore> {
        Arc::clone(&self.content.read().unwrap_or_else(|e| e.into_inner()))
    }
}
