//! The backends' change feeds applied to the history cache: a pingora background service that
//! reads each feed's events (see `ucs_plugin_api::FeedEvent`) and drops the cached answers
//! they may affect, or every answer of the backend on a resync.

use crate::app::{App, ChangeOrigin};
use async_trait::async_trait;
use pingora::server::ShutdownWatch;
use pingora::services::background::BackgroundService;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::task::JoinSet;
use ucs_plugin_api::FeedEvent;

/// The service: the feeds, taken when it starts.
#[derive(Debug)]
pub struct ChangeFeeds {
    app: Arc<App>,
    feeds: Mutex<Vec<(String, UnboundedReceiver<FeedEvent>)>>,
}

impl ChangeFeeds {
    /// The service applying `feeds` (backend name, events) to `app`'s history cache.
    pub fn new(app: Arc<App>, feeds: Vec<(String, UnboundedReceiver<FeedEvent>)>) -> Self {
        Self {
            app,
            feeds: Mutex::new(feeds),
        }
    }
}

#[async_trait]
impl BackgroundService for ChangeFeeds {
    /// One task per feed, until shutdown.
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let feeds = std::mem::take(&mut *self.feeds.lock().unwrap_or_else(PoisonError::into_inner));
        let mut tasks = JoinSet::new();
        for (backend, events) in feeds {
            tasks.spawn(follow(Arc::clone(&self.app), backend, events));
        }
        let _ = shutdown.changed().await;
    }
}

/// Applies one backend's events as they come.
async fn follow(app: Arc<App>, backend: String, mut events: UnboundedReceiver<FeedEvent>) {
    while let Some(event) = events.recv().await {
        match event {
            FeedEvent::Changes(changes) => {
                for change in changes {
                    let id = change.id.clone();
                    let outcome = app.apply_change(&backend, change, ChangeOrigin::Feed).await;
                    tracing::debug!(
                        backend,
                        interaction = id,
                        invalidated = outcome.invalidated,
                        spared = outcome.spared,
                        "interaction changed"
                    );
                }
            }
            FeedEvent::Resync(reason) => {
                let dropped = app.resync(&backend).await;
                tracing::info!(
                    backend,
                    dropped,
                    reason,
                    "change feed resync: the backend's cached answers dropped"
                );
            }
        }
    }
}
