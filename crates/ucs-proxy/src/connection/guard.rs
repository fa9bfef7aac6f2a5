//! [`HeadGuard`]: the client connection as pingora sees it, with two duties pingora's HTTP/1
//! layer does not have. A request head must arrive whole within the head deadline, or the
//! client gets HTTP 408 with the GWS error and the connection closes (pingora only bounds each
//! read, so a client sending a byte a second held a connection forever). And the refusals
//! pingora writes itself for heads it cannot parse (bad `Content-Length`, too many headers, a
//! URI too long), empty 400s, become the GWS JSON error.

use super::coalesce::WriteCoalescer;
use super::head_watch::{is_generated_error, response_status, HeadProgress, HeadWatch};
use super::{HeadRefusals, ParkSlot};
use bytes::Bytes;
use pingora::protocols::{
    GetProxyDigest, GetSocketDigest, GetTimingDigest, Peek, Shutdown, Ssl, Stream, UniqueID,
    UniqueIDType,
};
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};
use ucs_model::RequestError;

/// A refusal being written in place of what pingora wrote: the bytes, how many went out, and
/// how long pingora's write was.
struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    replaces: usize,
}

/// A client connection whose request heads have a deadline.
pub(crate) struct HeadGuard {
    inner: Stream,
    watch: HeadWatch,
    head_timeout: Duration,
    /// Armed while a head is being received.
    deadline: Option<Pin<Box<Sleep>>>,
    /// The deadline passed: the 408 was tried, every later read is the end of the stream.
    timed_out: bool,
    replacement: Option<Replacement>,
    refusals: Arc<HeadRefusals>,
    /// The long poll waiting to be answered between two requests.
    parked: ParkSlot,
    /// Bytes read ahead of pingora (by the connection's direct answers) and given back: the
    /// next reads return them first. The head watch has seen them already.
    ahead: Option<Bytes>,
    /// Every write to the client goes through it: gathered into packets while an answer is
    /// written, no buffer held between answers.
    out: WriteCoalescer,
}

impl HeadGuard {
    /// Wraps a freshly accepted connection.
    pub(crate) fn new(inner: Stream, head_timeout: Duration, refusals: Arc<HeadRefusals>) -> Self {
        Self {
            inner,
            watch: HeadWatch::default(),
            head_timeout,
            deadline: None,
            timed_out: false,
            replacement: None,
            refusals,
            parked: ParkSlot::default(),
            ahead: None,
            out: WriteCoalescer::default(),
        }
    }

    /// Gives back bytes read from the client: the next reads return them first.
    pub(crate) fn give_back(&mut self, bytes: Bytes) {
        if !bytes.is_empty() {
            self.ahead = Some(bytes);
        }
    }

    /// Whether bytes were given back and not read again yet.
    pub(crate) fn has_given_back(&self) -> bool {
        self.ahead.is_some()
    }

    /// Where a long poll of the current request parks.
    pub(crate) fn park_slot(&self) -> &ParkSlot {
        &self.parked
    }

    fn arm(&mut self) {
        let at = Instant::now() + self.head_timeout;
        match &mut self.deadline {
            Some(sleep) => sleep.as_mut().reset(at),
            None => self.deadline = Some(Box::pin(tokio::time::sleep_until(at))),
        }
    }

    /// Whether the running head deadline has passed (registering a wake-up when it has not).
    fn deadline_passed(&mut self, cx: &mut Context<'_>) -> bool {
        self.watch.in_head()
            && self
                .deadline
                .as_mut()
                .is_some_and(|sleep| sleep.as_mut().poll(cx).is_ready())
    }

    /// Tries once to write the 408 (a few hundred bytes into an idle socket's buffer; a client
    /// that does not even read them is not waited for).
    fn refuse_late_head(&mut self, cx: &mut Context<'_>) {
        self.timed_out = true;
        self.refusals.timed_out.inc();
        let millis = u64::try_from(self.head_timeout.as_millis()).unwrap_or(u64::MAX);
        let answer = refusal(&RequestError::head_timeout(millis), 408, "Request Timeout");
        let inner = Pin::new(&mut self.inner);
        if let Poll::Ready(Ok(n)) = self.out.poll_write(inner, cx, &answer) {
            if n == answer.len() {
                // Written out and flushed as every answer is: the guard's own flush.
                let _ = Pin::new(&mut *self).poll_flush(cx);
            }
        }
    }
}

/// A complete HTTP/1.1 refusal carrying the GWS error body; the connection closes after it.
fn refusal(error: &RequestError, status: u16, reason: &str) -> Vec<u8> {
    let body = error.to_body();
    let mut bytes = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        crate::http_io::JSON_CONTENT_TYPE,
        body.len()
    )
    .into_bytes();
    bytes.extend_from_slice(&body);
    bytes
}

impl AsyncRead for HeadGuard {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.timed_out {
            return Poll::Ready(Ok(()));
        }
        if let Some(ahead) = this.ahead.as_mut() {
            let n = ahead.len().min(buf.remaining());
            buf.put_slice(&ahead.split_to(n));
            if ahead.is_empty() {
                this.ahead = None;
            }
            return Poll::Ready(Ok(()));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                match this.watch.on_read(&buf.filled()[before..]) {
                    HeadProgress::Started => this.arm(),
                    HeadProgress::Complete | HeadProgress::Outside | HeadProgress::Receiving => {}
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if this.deadline_passed(cx) {
                    this.refuse_late_head(cx);
                    // The end of the stream: pingora drops the connection as one closed
                    // mid-headers.
                    return Poll::Ready(Ok(()));
                }
                Poll::Pending
            }
        }
    }
}

impl AsyncWrite for HeadGuard {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacement.is_none() {
            this.watch.on_write(buf);
            if response_status(buf) == Some(400) && is_generated_error(buf) {
                this.refusals.malformed.inc();
                this.replacement = Some(Replacement {
                    bytes: refusal(&RequestError::malformed_head(), 400, "Bad Request"),
                    written: 0,
                    replaces: buf.len(),
                });
            } else {
                return this.out.poll_write(Pin::new(&mut this.inner), cx, buf);
            }
        }
        let Some(replacement) = this.replacement.as_mut() else {
            unreachable!("set above");
        };
        while replacement.written < replacement.bytes.len() {
            let rest = &replacement.bytes[replacement.written..];
            match this.out.poll_write(Pin::new(&mut this.inner), cx, rest) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => replacement.written += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        let replaces = replacement.replaces;
        this.replacement = None;
        Poll::Ready(Ok(replaces))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.out.poll_write_out(Pin::new(&mut this.inner), cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        ready!(this.out.poll_write_out(Pin::new(&mut this.inner), cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

impl fmt::Debug for HeadGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HeadGuard")
            .field("inner", &self.inner)
            .field("watch", &self.watch)
            .finish_non_exhaustive()
    }
}

#[async_trait::async_trait]
impl Shutdown for HeadGuard {
    async fn shutdown(&mut self) {
        // What is gathered goes out first, as pingora's own write buffer was flushed on its
        // shutdown (every answer is written out when it ends, so this is normally nothing).
        let this = &mut *self;
        let written =
            std::future::poll_fn(|cx| this.out.poll_write_out(Pin::new(&mut this.inner), cx));
        // A client gone fails the write; the stream is shut down all the same, as before.
        let _ = written.await;
        this.inner.shutdown().await;
    }
}

impl UniqueID for HeadGuard {
    fn id(&self) -> UniqueIDType {
        self.inner.id()
    }
}

impl Ssl for HeadGuard {
    fn get_ssl(&self) -> Option<&pingora::protocols::tls::TlsRef> {
        self.inner.get_ssl()
    }

    fn get_ssl_digest(&self) -> Option<Arc<pingora::protocols::tls::SslDigest>> {
        self.inner.get_ssl_digest()
    }

    fn selected_alpn_proto(&self) -> Option<pingora::protocols::ALPN> {
        self.inner.selected_alpn_proto()
    }
}

impl GetTimingDigest for HeadGuard {
    fn get_timing_digest(&self) -> Vec<Option<pingora::protocols::TimingDigest>> {
        self.inner.get_timing_digest()
    }

    fn get_read_pending_time(&self) -> Duration {
        self.inner.get_read_pending_time()
    }

    fn get_write_pending_time(&self) -> Duration {
        self.inner.get_write_pending_time()
    }
}

impl GetProxyDigest for HeadGuard {
    fn get_proxy_digest(&self) -> Option<Arc<pingora::protocols::raw_connect::ProxyDigest>> {
        self.inner.get_proxy_digest()
    }
}

impl GetSocketDigest for HeadGuard {
    fn get_socket_digest(&self) -> Option<Arc<pingora::protocols::SocketDigest>> {
        self.inner.get_socket_digest()
    }
}

#[async_trait::async_trait]
impl Peek for HeadGuard {
    async fn try_peek(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        if let Some(ahead) = &self.ahead {
            let n = ahead.len().min(buf.len());
            buf[..n].copy_from_slice(&ahead[..n]);
            return Ok(true);
        }
        self.inner.try_peek(buf).await
    }
}

#[cfg(test)]
mod tests;
