//! The client connection below pingora's HTTP layer: [`Guarded`] wraps the public service's
//! application so that every accepted connection goes through a [`guard::HeadGuard`] (a head
//! deadline → 408, pingora's own empty 400s → the GWS error).

mod guard;
mod head_watch;

use async_trait::async_trait;
use guard::HeadGuard;
use pingora::apps::ServerApp;
use pingora::protocols::Stream;
use pingora::server::ShutdownWatch;
use prometheus::IntCounter;
use std::sync::Arc;
use std::time::Duration;

/// Counters of the heads refused below the HTTP layer.
#[derive(Debug)]
pub(crate) struct HeadRefusals {
    /// Heads that did not arrive whole in time (HTTP 408).
    pub(crate) timed_out: IntCounter,
    /// Heads pingora could not parse (HTTP 400).
    pub(crate) malformed: IntCounter,
}

/// A pingora application whose connections are guarded.
pub(crate) struct Guarded<A> {
    app: Arc<A>,
    head_timeout: Duration,
    refusals: Arc<HeadRefusals>,
}

impl<A> Guarded<A> {
    /// Guards `app`'s connections: each request head must arrive within `head_timeout`.
    pub(crate) fn new(app: A, head_timeout: Duration, refusals: Arc<HeadRefusals>) -> Self {
        Self {
            app: Arc::new(app),
            head_timeout,
            refusals,
        }
    }
}

#[async_trait]
impl<A: ServerApp + Send + Sync + 'static> ServerApp for Guarded<A> {
    async fn process_new(
        self: &Arc<Self>,
        stream: Stream,
        shutdown: &ShutdownWatch,
    ) -> Option<Stream> {
        // A kept-alive connection comes back for its next request already guarded.
        let stream: Stream = if stream.as_ref().as_any().is::<HeadGuard>() {
            stream
        } else {
            Box::new(HeadGuard::new(
                stream,
                self.head_timeout,
                self.refusals.clone(),
            ))
        };
        self.app.process_new(stream, shutdown).await
    }

    async fn cleanup(&self) {
        self.app.cleanup().await;
    }
}
