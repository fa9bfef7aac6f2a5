use super::{WriteCoalescer, CAPACITY};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use tokio::io::AsyncWrite;

/// A connection that records each write it takes, taking at most `per_call` bytes a call, and
/// saying "not now" (Pending) to every other call when `stalls`.
#[derive(Default)]
struct Wire {
    writes: Vec<Vec<u8>>,
    per_call: Option<usize>,
    stalls: bool,
    stalled_last: bool,
}

impl Wire {
    fn bytes(&self) -> Vec<u8> {
        self.writes.concat()
    }
}

impl AsyncWrite for Wire {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.stalls && !std::mem::replace(&mut self.stalled_last, true) {
            return Poll::Pending;
        }
        self.stalled_last = false;
        let n = buf.len().min(self.per_call.unwrap_or(usize::MAX));
        self.writes.push(buf[..n].to_vec());
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        unreachable!("flushing is the guard's, not the coalescer's")
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        unreachable!("shutting down is the guard's, not the coalescer's")
    }
}

/// Writes `buf` whole through `out`, polling again while the wire stalls.
fn write_all(out: &mut WriteCoalescer, wire: &mut Wire, mut buf: &[u8]) {
    let mut cx = Context::from_waker(Waker::noop());
    while !buf.is_empty() {
        if let Poll::Ready(taken) = out.poll_write(Pin::new(wire), &mut cx, buf) {
            buf = &buf[taken.expect("the wire takes bytes")..];
        }
    }
}

/// Ends the answer: what is pending is written.
fn write_out(out: &mut WriteCoalescer, wire: &mut Wire) {
    let mut cx = Context::from_waker(Waker::noop());
    while out.poll_write_out(Pin::new(wire), &mut cx).is_pending() {}
}

#[test]
fn a_head_and_a_small_body_leave_in_one_write_at_the_end_of_the_answer() {
    let (mut out, mut wire) = (WriteCoalescer::default(), Wire::default());
    write_all(
        &mut out,
        &mut wire,
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n",
    );
    write_all(&mut out, &mut wire, b"{}");
    assert!(
        wire.writes.is_empty(),
        "nothing leaves before the answer ends"
    );
    write_out(&mut out, &mut wire);
    assert_eq!(
        wire.writes,
        vec![b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_vec()]
    );
}

#[test]
fn the_buffer_is_freed_once_the_answer_is_written_out() {
    let (mut out, mut wire) = (WriteCoalescer::default(), Wire::default());
    assert_eq!(
        out.pending.capacity(),
        0,
        "a new connection holds no buffer"
    );
    write_all(&mut out, &mut wire, b"abc");
    assert!(out.pending.capacity() >= CAPACITY);
    write_out(&mut out, &mut wire);
    assert_eq!(
        out.pending.capacity(),
        0,
        "an idle connection holds no buffer"
    );
    assert!(out.pending.is_empty());
}

#[test]
fn an_empty_write_takes_no_buffer() {
    let (mut out, mut wire) = (WriteCoalescer::default(), Wire::default());
    let mut cx = Context::from_waker(Waker::noop());
    let taken = out.poll_write(Pin::new(&mut wire), &mut cx, b"");
    assert!(matches!(taken, Poll::Ready(Ok(0))));
    assert_eq!(out.pending.capacity(), 0);
}

#[test]
fn a_write_as_large_as_the_buffer_follows_what_is_pending_straight_out() {
    let (mut out, mut wire) = (WriteCoalescer::default(), Wire::default());
    let large = vec![b'x'; CAPACITY];
    write_all(&mut out, &mut wire, b"head");
    write_all(&mut out, &mut wire, &large);
    assert_eq!(wire.writes, vec![b"head".to_vec(), large.clone()]);
    write_all(&mut out, &mut wire, b"tail");
    write_out(&mut out, &mut wire);
    assert_eq!(wire.writes.last().map(Vec::as_slice), Some(&b"tail"[..]));
}

#[test]
fn writes_that_overflow_the_buffer_are_split_at_its_edge_never_reordered() {
    let (mut out, mut wire) = (WriteCoalescer::default(), Wire::default());
    let pieces: Vec<Vec<u8>> = (0..40u8).map(|i| vec![i; 100 + usize::from(i)]).collect();
    for piece in &pieces {
        write_all(&mut out, &mut wire, piece);
    }
    write_out(&mut out, &mut wire);
    assert_eq!(wire.bytes(), pieces.concat());
    assert!(wire.writes.iter().all(|write| write.len() <= CAPACITY));
    assert!(
        wire.writes.len() < pieces.len(),
        "small writes were gathered"
    );
}

#[test]
fn partial_and_stalled_writes_of_the_connection_lose_nothing() {
    let (mut out, mut wire) = (
        WriteCoalescer::default(),
        Wire {
            per_call: Some(7),
            stalls: true,
            ..Wire::default()
        },
    );
    let pieces: Vec<Vec<u8>> = (0..30u8).map(|i| vec![i; 13 * usize::from(i)]).collect();
    for piece in &pieces {
        write_all(&mut out, &mut wire, piece);
    }
    write_out(&mut out, &mut wire);
    assert_eq!(wire.bytes(), pieces.concat());
}

#[test]
fn a_connection_that_takes_nothing_is_an_error() {
    struct Closed;
    impl AsyncWrite for Closed {
        fn poll_write(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
            _: &[u8],
        ) -> Poll<io::Result<usize>> {
            Poll::Ready(Ok(0))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }
    let mut out = WriteCoalescer::default();
    let mut cx = Context::from_waker(Waker::noop());
    assert!(matches!(
        out.poll_write(Pin::new(&mut Closed), &mut cx, b"bytes"),
        Poll::Ready(Ok(5))
    ));
    let written = out.poll_write_out(Pin::new(&mut Closed), &mut cx);
    assert!(matches!(written, Poll::Ready(Err(e)) if e.kind() == io::ErrorKind::WriteZero));
}
