//! The client connection below pingora's HTTP layer: [`Guarded`] wraps the public service's
//! application so that every accepted connection goes through a [`guard::HeadGuard`] (a head
//! deadline → 408, pingora's own empty 400s → the GWS error), and runs the connection's
//! HTTP/1.1 request loop itself, so that a long poll can wait parked between two requests
//! (`park.rs`), and so that a plain history POST is answered before pingora parses it
//! (`direct.rs`).

mod coalesce;
mod direct;
mod guard;
mod head_watch;
mod park;

use async_trait::async_trait;
use direct::Next;
pub(crate) use direct::{DirectOutcome, DirectRequest, DirectService, DirectWriter};
use guard::HeadGuard;
pub(crate) use park::{ParkSlot, ParkedAnswer, WireAnswer};
use pingora::apps::{HttpPersistentSettings, HttpServerApp, ServerApp};
use pingora::protocols::http::ServerSession;
use pingora::protocols::{Peek, Stream, ALPN};
use pingora::server::ShutdownWatch;
use prometheus::IntCounter;
use std::future::Future;
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
    direct: Option<Arc<dyn DirectService>>,
    /// What the HTTP/1.1 connections follow in place of pingora's shutdown signal (which only
    /// closes the listeners here): once `true`, a connection waiting for its next request
    /// closes and every answer closes its connection.
    connections_end: ShutdownWatch,
}

impl<A> Guarded<A> {
    /// Guards `app`'s connections: each request head must arrive within `head_timeout`. The
    /// connections stay open, between requests too, until `connections_end` turns `true` (a
    /// drain's hand-over: see `drain.rs`).
    pub(crate) fn new(
        app: A,
        head_timeout: Duration,
        refusals: Arc<HeadRefusals>,
        connections_end: ShutdownWatch,
    ) -> Self {
        Self {
            app: Arc::new(app),
            head_timeout,
            refusals,
            direct: None,
            connections_end,
        }
    }

    /// Answers the requests `service` wants before pingora parses them (`direct.rs`).
    pub(crate) fn with_direct(mut self, service: Arc<dyn DirectService>) -> Self {
        self.direct = Some(service);
        self
    }
}

/// pingora's idle keep-alive timeout for a client connection's next request, in seconds.
const KEEPALIVE_SECONDS: u64 = 60;

/// Where a long poll of this request may park: the slot of its connection, when the connection
/// is an HTTP/1.1 one that stays open after the request (pingora then hands it back to the
/// connection loop, which writes the parked answer).
pub(crate) fn park_slot(session: &ServerSession) -> Option<&ParkSlot> {
    if session.get_keepalive().is_none() || session.get_keepalive_reuses_remaining() == Some(0) {
        return None;
    }
    let guard = session.stream()?.as_any().downcast_ref::<HeadGuard>()?;
    Some(guard.park_slot())
}

#[async_trait]
impl<A: HttpServerApp + Send + Sync + 'static> ServerApp for Guarded<A> {
    async fn process_new(
        self: &Arc<Self>,
        stream: Stream,
        shutdown: &ShutdownWatch,
    ) -> Option<Stream> {
        // An HTTP/2 connection (negotiated by TLS) is pingora's own loop.
        if matches!(stream.selected_alpn_proto(), Some(ALPN::H2)) {
            return self.app.process_new(stream, shutdown).await;
        }
        // The connection's loop runs in a task of its own, and pingora's accepting task ends
        // here: that task's size is fixed by its largest state (the accepted stream's handshake
        // under a 60 s timeout), ~2 KiB that every connection, idle or holding a long poll, would
        // keep for its whole life. (Nothing waits for either task: at shutdown both end with
        // the runtime.)
        let this = self.clone();
        tokio::spawn(async move {
            let connections_end = this.connections_end.clone();
            this.serve(stream, &connections_end).await;
        });
        None
    }

    /// Once the listeners are closed: pingora then drops every connection waiting for its next
    /// request, which happens here only when the connections end.
    async fn cleanup(&self) {
        let mut connections_end = self.connections_end.clone();
        // An error: the drain is gone with the process, the connections end as well.
        let _ = connections_end.wait_for(|end| *end).await;
        self.app.http_cleanup().await;
    }
}

impl<A: HttpServerApp + Send + Sync + 'static> Guarded<A> {
    /// The connection's HTTP/1.1 request loop, until it closes (`None`: the stream is never
    /// handed back). pingora's loop gets `end` as its shutdown signal (`true`: answers close
    /// their connections).
    async fn serve(&self, stream: Stream, end: &ShutdownWatch) -> Option<Stream> {
        let mut guard = Box::new(HeadGuard::new(
            stream,
            self.head_timeout,
            self.refusals.clone(),
        ));
        // A limit on the requests of a connection is counted by pingora alone.
        let direct = self.direct.as_deref().filter(|_| {
            let options = self.app.server_options();
            options.and_then(|o| o.keepalive_request_limit).is_none()
        });
        // pingora's keep-alive settings of the connection, once a request went through it.
        let mut settings: Option<Option<HttpPersistentSettings>> = None;
        // pingora may hold bytes of the next request (read past the last one, pipelined): from
        // then on pingora reads this connection's requests.
        let mut pingora_reads = false;
        loop {
            if let Some(service) = direct.filter(|_| !pingora_reads) {
                // Boxed: its state stays out of this future, which every connection holds.
                match Box::pin(direct::serve_next(&mut guard, service, end)).await {
                    Next::Answered => continue,
                    Next::Close => return close(guard).await,
                    Next::Pingora { alone } => pingora_reads = !alone,
                }
            }
            // pingora's HTTP/1 loop, with one step more: a parked answer is written between two
            // requests. (The session is built in the call: kept in a variable, it would take
            // room in this future, which every connection holds.)
            let reused = match settings {
                None => self
                    .app
                    .process_new_http(self.first_session(guard, end), end),
                Some(kept) => self.app.process_new_http(next_session(guard, kept), end),
            };
            let (stream, kept) = reused.await?.consume();
            settings = Some(kept);
            guard = stream.into_any().downcast::<HeadGuard>().ok()?;
            if let Some(parked) = guard.park_slot().take() {
                // The client's next request is awaited here, not inside pingora: an answered
                // long poll then costs no request state until its client polls again (and a
                // fan-out writes every answer before any connection re-enters pingora).
                let goes_on = match answer_unless_gone(&mut guard, parked).await {
                    Some(mut answer) => {
                        // Boxed: its timer and the end's watch would otherwise size this
                        // future, which every connection holds while its poll is parked.
                        write_answer(&mut guard, &mut answer).await
                            && answer.keep_alive
                            && Box::pin(next_request_arrives(&mut guard, end)).await
                    }
                    None => false,
                };
                if !goes_on {
                    return close(guard).await;
                }
            }
        }
    }
}

impl<A: HttpServerApp> Guarded<A> {
    /// The session of a connection's first request (pingora's keep-alive settings).
    fn first_session(&self, stream: Box<HeadGuard>, end: &ShutdownWatch) -> ServerSession {
        let mut session = ServerSession::new_http1(stream);
        session.set_keepalive((!*end.borrow()).then_some(KEEPALIVE_SECONDS));
        session.set_keepalive_reuses_remaining(
            self.app
                .server_options()
                .and_then(|options| options.keepalive_request_limit),
        );
        session
    }
}

/// The session of a kept-alive connection's next request.
fn next_session(stream: Box<HeadGuard>, settings: Option<HttpPersistentSettings>) -> ServerSession {
    let mut session = ServerSession::new_http1(stream);
    if let Some(settings) = settings {
        settings.apply_to_session(&mut session);
    }
    session
}

/// Closes the connection (after its last answer); the end of its loop.
async fn close(mut guard: Box<HeadGuard>) -> Option<Stream> {
    pingora::protocols::Shutdown::shutdown(&mut *guard).await;
    None
}

/// Waits for a parked answer while watching its client: `None` once the client closed the
/// connection (or sent bytes, which an HTTP/1.1 client waiting for its answer never does). The
/// answer is then dropped unwritten: its held connect gives the browser's slot back and its
/// session's expiry starts, so a reloaded page is not told `multiple-clients` until the old
/// poll times out.
///
/// A plain read, not a peek: whatever it returns ends the connection, and its future is small
/// and unboxed (it is held by every parked session).
async fn answer_unless_gone(stream: &mut HeadGuard, parked: ParkedAnswer) -> Option<WireAnswer> {
    use tokio::io::AsyncReadExt;
    let mut byte = [0u8; 1];
    tokio::select! {
        answer = parked => Some(answer),
        _ = stream.read(&mut byte) => None,
    }
}

/// Waits for the first byte of the connection's next request (left in the stream for pingora);
/// `false`: the client closed the connection or stayed idle past the keep-alive timeout, or the
/// connections `end`. (A connection whose long poll was parked has no pipelined bytes waiting:
/// see `edge/long_poll.rs`.)
async fn next_request_arrives(stream: &mut HeadGuard, end: &ShutdownWatch) -> bool {
    if *end.borrow() {
        return false;
    }
    let mut first = [0u8; 1];
    let peeked = while_kept_alive(stream.try_peek(&mut first), end).await;
    matches!(peeked, Some(Ok(true)))
}

/// Waits for the client's next bytes (`wait`) while the connection is kept alive: `None` once it
/// stayed idle past the keep-alive timeout or the connections `end`. Biased, the client first:
/// bytes that arrived with the end are taken, not dropped (and no random order is drawn).
async fn while_kept_alive<F: Future>(wait: F, end: &ShutdownWatch) -> Option<F::Output> {
    let mut end = end.clone();
    let idle = Duration::from_secs(KEEPALIVE_SECONDS);
    tokio::select! {
        biased;
        waited = tokio::time::timeout(idle, wait) => waited.ok(),
        _ = end.wait_for(|ended| *ended) => None,
    }
}

/// Writes a parked answer; `false`: the client is gone.
async fn write_answer(stream: &mut HeadGuard, answer: &mut WireAnswer) -> bool {
    use tokio::io::AsyncWriteExt;
    let written = async {
        for piece in &answer.pieces {
            stream.write_all(piece).await?;
        }
        stream.flush().await
    };
    match written.await {
        Ok(()) => {
            if let Some(written) = answer.written.take() {
                written();
            }
            true
        }
        Err(error) => {
            tracing::debug!(%error, "client went away before its long poll was answered");
            false
        }
    }
}
