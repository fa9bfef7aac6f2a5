//! A GET relayed to its GWS node by the client's connection itself, without pingora's proxy
//! path (which costs a request more than the relay: its boxed request future, two header maps
//! in and one out, its body tasks). The node is still chosen by pingora's load balancer
//! ([`UpstreamPool::route`](super::UpstreamPool::route)); the node's connections are kept
//! alive in [`IdleConnections`].
//!
//! Nothing reaches the client until the node's answer head is whole and relayable (see
//! `response.rs`); until then any failure — no connection, a kept connection the node closed,
//! an unusual answer — leaves the request to pingora's proxy path, which forwards it again (a
//! GET is safe to repeat) and answers as it always does (502 when the node is down). A failure
//! once the answer started closes the client's connection, as pingora does; so does a client
//! that leaves while the node is still to answer (the node's connection is dropped).

mod chunked;
mod idle;
mod response;

pub(crate) use idle::IdleConnections;
pub(crate) use response::HeadEdits;

use bytes::BytesMut;
use chunked::{ChunkedEnd, MalformedChunks};
use pingora::protocols::Peek;
use response::{BodyFraming, ResponseHead, Unusual};
use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// What one read from the node may hold.
const READ_SIZE: usize = 4096;

/// The largest answer head relayed (a larger one is left to pingora).
const MAX_HEAD: usize = 64 * 1024;

/// What became of a relayed request.
#[derive(Debug)]
pub(crate) enum Relayed {
    /// The whole answer reached the client.
    Answered {
        /// Its HTTP status.
        status: u16,
    },
    /// Nothing reached the client: pingora may take the request over.
    NotStarted(RelayError),
    /// The client closed its connection while the node was still to answer (the node's
    /// connection was dropped with the request).
    ClientGone,
    /// The answer broke off after its first bytes reached the client.
    BrokeOff {
        /// Its HTTP status.
        status: u16,
        /// Why.
        error: RelayError,
    },
}

/// Why a relay failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RelayError {
    /// Connecting to, writing to or reading from the node failed.
    #[error("node connection: {0}")]
    Node(#[from] io::Error),
    /// The node closed the connection before its answer ended.
    #[error("the node closed the connection before its answer ended")]
    NodeClosed,
    /// Writing to the client failed (the client is gone).
    #[error("client connection: {0}")]
    Client(io::Error),
    /// The answer's head is larger than [`MAX_HEAD`].
    #[error("the node's answer head is larger than {MAX_HEAD} bytes")]
    HeadTooLarge,
    /// An answer left to pingora.
    #[error(transparent)]
    Unusual(#[from] Unusual),
    /// A chunked body that is not.
    #[error(transparent)]
    Chunks(#[from] MalformedChunks),
}

/// Sends `request_head` (a GET's whole request) to `node` and relays its answer to `client`,
/// the head rewritten with `edits`. While the node is still to answer, the client is watched:
/// one that closes its connection drops the request (as pingora's proxy path does).
pub(crate) async fn relay<C>(
    idle: &IdleConnections,
    node: SocketAddr,
    request_head: &[u8],
    client: &mut C,
    edits: &HeadEdits<'_>,
) -> Relayed
where
    C: AsyncWrite + Peek + Unpin + Send + ?Sized,
{
    let mut read = BytesMut::with_capacity(READ_SIZE);
    let started = tokio::select! {
        started = connect_and_send(idle, node, request_head, &mut read, edits) => started,
        () = client_gone(client) => return Relayed::ClientGone,
    };
    let (mut connection, head) = match started {
        Ok(started) => started,
        Err(error) => return Relayed::NotStarted(error),
    };
    let status = head.status;
    match relay_body(&mut connection, head, read, client).await {
        Ok(reusable) => {
            if reusable {
                idle.put(node, connection);
            }
            Relayed::Answered { status }
        }
        Err(error) => Relayed::BrokeOff { status, error },
    }
}

/// A kept or new connection to `node`, the request written on it, the answer's head read.
async fn connect_and_send(
    idle: &IdleConnections,
    node: SocketAddr,
    request_head: &[u8],
    read: &mut BytesMut,
    edits: &HeadEdits<'_>,
) -> Result<(TcpStream, ResponseHead), RelayError> {
    let mut connection = match idle.take(node) {
        Some(connection) => connection,
        None => {
            let connection = TcpStream::connect(node).await?;
            let _ = connection.set_nodelay(true);
            connection
        }
    };
    let head = send(&mut connection, request_head, read, edits).await?;
    Ok((connection, head))
}

/// Returns once the client closed its connection (or it failed). A client that sends its next
/// request meanwhile (pipelined) is not gone: then it never returns.
async fn client_gone<C: Peek + Unpin + Send + ?Sized>(client: &mut C) {
    let mut byte = [0u8; 1];
    if let Ok(true) = client.try_peek(&mut byte).await {
        std::future::pending::<()>().await;
    }
}

/// Writes the request and reads the answer's head (and what follows it in the same reads).
async fn send(
    node: &mut TcpStream,
    request_head: &[u8],
    read: &mut BytesMut,
    edits: &HeadEdits<'_>,
) -> Result<ResponseHead, RelayError> {
    node.write_all(request_head).await?;
    loop {
        if node.read_buf(read).await? == 0 {
            return Err(RelayError::NodeClosed);
        }
        if let Some(head) = response::rewrite(read, edits)? {
            return Ok(head);
        }
        if read.len() >= MAX_HEAD {
            return Err(RelayError::HeadTooLarge);
        }
        read.reserve(READ_SIZE);
    }
}

/// Writes the rewritten head and the body to the client as the node sends it; `Ok(true)`: the
/// node's connection may serve the next request.
async fn relay_body<C>(
    node: &mut TcpStream,
    head: ResponseHead,
    mut read: BytesMut,
    client: &mut C,
) -> Result<bool, RelayError>
where
    C: AsyncWrite + Unpin + ?Sized,
{
    let mut body = BodyEnd::of(head.framing);
    let mut reusable = head.node_keeps_alive;
    let mut piece = read.split_off(head.length);
    let mut out = head.wire;
    let (mut taken, mut ended) = body.feed(&piece)?;
    out.extend_from_slice(&piece[..taken]);
    client.write_all(&out).await.map_err(RelayError::Client)?;
    loop {
        // Bytes after the answer's end: the node is not speaking HTTP as it should.
        reusable &= taken == piece.len();
        if ended {
            break;
        }
        piece.clear();
        piece.reserve(READ_SIZE);
        if node.read_buf(&mut piece).await? == 0 {
            return Err(RelayError::NodeClosed);
        }
        (taken, ended) = body.feed(&piece)?;
        client
            .write_all(&piece[..taken])
            .await
            .map_err(RelayError::Client)?;
    }
    client.flush().await.map_err(RelayError::Client)?;
    Ok(reusable)
}

/// Where the body ends.
enum BodyEnd {
    /// After this many more bytes.
    Length(u64),
    Chunked(ChunkedEnd),
}

impl BodyEnd {
    fn of(framing: BodyFraming) -> Self {
        match framing {
            BodyFraming::Empty => BodyEnd::Length(0),
            BodyFraming::Length(length) => BodyEnd::Length(length),
            BodyFraming::Chunked => BodyEnd::Chunked(ChunkedEnd::default()),
        }
    }

    /// How many bytes of `piece` are the body's, and whether the body ends with them.
    fn feed(&mut self, piece: &[u8]) -> Result<(usize, bool), MalformedChunks> {
        match self {
            BodyEnd::Length(left) => {
                let taken = usize::try_from(*left).map_or(piece.len(), |l| l.min(piece.len()));
                *left -= taken as u64;
                Ok((taken, *left == 0))
            }
            BodyEnd::Chunked(end) => Ok(match end.feed(piece)? {
                Some(taken) => (taken, true),
                None => (piece.len(), false),
            }),
        }
    }
}
