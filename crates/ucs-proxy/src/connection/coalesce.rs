//! [`WriteCoalescer`]: a client connection's small writes gathered into one packet, in a buffer
//! that exists only while an answer is being written.
//!
//! pingora's L4 stream would keep a 1 460-byte write buffer for the whole life of every
//! connection — most of them idle or holding a long poll, where it was a fifth of what a CometD
//! session cost. The connection's writes go through this instead (the L4 buffer set to none,
//! `server.rs`): the same coalescing as tokio's `BufWriter` of that size (a response head and a
//! small body leave in one write; a write as large as the buffer goes straight out), and the
//! buffer is freed once the answer is written out (when the guard is flushed or shut down), so
//! a connection between answers holds none.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use tokio::io::AsyncWrite;

/// The most bytes gathered before they are written: one TCP segment on a 1 500-byte MTU, as
/// pingora's own L4 write buffer.
const CAPACITY: usize = 1460;

/// Bytes accepted and not yet written to the connection.
#[derive(Debug, Default)]
pub(crate) struct WriteCoalescer {
    pending: Vec<u8>,
    /// How much of `pending` is written already.
    written: usize,
}

impl WriteCoalescer {
    /// Takes `buf` (or as much as it accepts, as `AsyncWrite::poll_write`): gathered while it
    /// fits beside what is pending, else written after what is pending.
    pub(crate) fn poll_write<W: AsyncWrite>(
        &mut self,
        mut inner: Pin<&mut W>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.pending.len() + buf.len() > CAPACITY {
            ready!(self.poll_drain(inner.as_mut(), cx))?;
        }
        if buf.len() >= CAPACITY {
            return inner.poll_write(cx, buf);
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if self.pending.capacity() == 0 {
            self.pending.reserve_exact(CAPACITY);
        }
        self.pending.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    /// Writes what is pending and frees the buffer: the answer is written (before the
    /// connection is flushed or shut down).
    pub(crate) fn poll_write_out<W: AsyncWrite>(
        &mut self,
        inner: Pin<&mut W>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        ready!(self.poll_drain(inner, cx))?;
        self.pending = Vec::new();
        Poll::Ready(Ok(()))
    }

    /// Writes every pending byte (the buffer is kept for the rest of the answer).
    fn poll_drain<W: AsyncWrite>(
        &mut self,
        mut inner: Pin<&mut W>,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            match ready!(inner.as_mut().poll_write(cx, &self.pending[self.written..])) {
                Ok(0) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.written += n,
                Err(error) => return Poll::Ready(Err(error)),
            }
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests;
