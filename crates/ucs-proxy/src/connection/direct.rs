//! Requests the connection answers itself, before pingora parses them.
//!
//! A history POST that arrived whole in one read — an HTTP/1.1 head with a `Content-Length`
//! body, nothing about its framing or connection left to negotiate — needs none of pingora's
//! request machinery: its head is parsed here (httparse), the edge answers it through the same
//! code as pingora's requests (`edge/direct.rs`), and the answer is written as pingora would
//! write it. Every other request, and any that is not whole yet, is given back to the
//! connection ([`HeadGuard::give_back`]) and read by pingora as if nothing had happened.
//!
//! pingora's path costs a request about 30 000 instructions before and after the edge's own
//! work (`benches/load/instructions.sh`): a boxed request future of several KiB, the head parsed
//! into two header maps, the response head built in a third.

use super::guard::HeadGuard;
use super::KEEPALIVE_SECONDS;
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue};
use pingora::protocols::GetSocketDigest;
use pingora::server::ShutdownWatch;
use std::io;
use std::net::IpAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// What one read may hold: pingora's own first read of a head is as large.
const READ_SIZE: usize = 4096;

/// The most headers a direct request may have (more: pingora reads it).
const MAX_HEADERS: usize = 32;

/// A request read whole by the connection.
#[derive(Debug)]
pub(crate) struct DirectRequest {
    /// The request target's path (without its query).
    pub(crate) path: String,
    /// The request's headers.
    pub(crate) headers: HeaderMap,
    /// The whole body.
    pub(crate) body: Bytes,
    /// The client's address.
    pub(crate) client_ip: Option<IpAddr>,
}

/// Where a direct answer goes: the client's connection.
pub(crate) struct DirectWriter<'a> {
    guard: &'a mut HeadGuard,
}

impl DirectWriter<'_> {
    /// Writes `bytes` (a complete answer) and flushes them.
    pub(crate) async fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.guard.write_all(bytes).await?;
        self.guard.flush().await
    }
}

/// What became of a request answered directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DirectOutcome {
    /// Answered; the connection waits for the next request.
    KeepAlive,
    /// The connection closes (the client is gone, or the answer said so).
    Close,
}

/// The service behind the direct answers (the edge).
#[async_trait]
pub(crate) trait DirectService: Send + Sync {
    /// Whether a POST on `path` with this body is one it answers directly; asked before the
    /// request's headers are decoded, and without side effects.
    fn wants(&self, path: &str, body: &[u8]) -> bool;

    /// Answers `request` (which [`DirectService::wants`]) on `writer`.
    async fn answer(&self, request: DirectRequest, writer: DirectWriter<'_>) -> DirectOutcome;
}

/// What the connection does next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Next {
    /// A request was answered here.
    Answered,
    /// The connection closes: the client closed it or stayed idle too long, the process is
    /// stopping, or an answer said so.
    Close,
    /// pingora reads the next request (what was read of it was given back). `alone`: what was
    /// given back is exactly that one request, whole, so pingora reads nothing past it; else
    /// pingora may keep bytes of the request after it (pipelined), which only pingora can read.
    Pingora {
        /// The given-back bytes are exactly one whole request.
        alone: bool,
    },
}

/// Reads the connection's next request and answers it when `service` wants it.
pub(crate) async fn serve_next(
    guard: &mut HeadGuard,
    service: &dyn DirectService,
    shutdown: &ShutdownWatch,
) -> Next {
    if guard.has_given_back() || *shutdown.borrow() {
        // Pipelined bytes after a direct answer: pingora's loop reads them. A stopping process
        // answers each request with `Connection: close`, which pingora does.
        return Next::Pingora { alone: false };
    }
    let mut read = BytesMut::with_capacity(READ_SIZE);
    if !first_read(guard, &mut read).await {
        return Next::Close;
    }
    let taken = match *shutdown.borrow() {
        false => whole_request(&read, service),
        true => None,
    };
    let Some(request) = taken else {
        // A connection that sent another request than a POST (passthrough traffic, say) stays
        // with pingora: its later requests are not read twice.
        let alone = read.starts_with(b"POST ") && is_one_whole_request(&read);
        guard.give_back(read.freeze());
        return Next::Pingora { alone };
    };
    let mut read = read.freeze();
    guard.give_back(read.split_off(request.length));
    let direct = DirectRequest {
        path: request.path,
        headers: request.headers,
        body: read.slice(request.length - request.body_length..),
        client_ip: client_ip(guard),
    };
    match service.answer(direct, DirectWriter { guard }).await {
        DirectOutcome::KeepAlive => Next::Answered,
        DirectOutcome::Close => Next::Close,
    }
}

/// Reads what the client sends first; `false`: the client closed the connection, or stayed idle
/// past the keep-alive timeout. (A process that starts stopping meanwhile keeps waiting, as
/// pingora does, until its grace period ends.)
async fn first_read(guard: &mut HeadGuard, read: &mut BytesMut) -> bool {
    let idle = Duration::from_secs(KEEPALIVE_SECONDS);
    let n = tokio::time::timeout(idle, guard.read_buf(read)).await;
    matches!(n, Ok(Ok(1..)))
}

/// A request found whole at the start of a read.
struct WholeRequest {
    path: String,
    headers: HeaderMap,
    /// Head and body.
    length: usize,
    body_length: usize,
}

/// The request at the start of `read` when it is whole, plain (HTTP/1.1, a `Content-Length`
/// body, no `Transfer-Encoding`, `Expect`, `Upgrade` or `Connection` other than keep-alive)
/// and one `service` wants.
fn whole_request(read: &[u8], service: &dyn DirectService) -> Option<WholeRequest> {
    if !read.starts_with(b"POST ") {
        return None;
    }
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(head_length) = parsed.parse(read).ok()? else {
        return None;
    };
    if parsed.method? != "POST" || parsed.version? != 1 {
        return None;
    }
    let path = parsed.path?;
    let path = path.split_once('?').map_or(path, |(path, _)| path);
    if !path.starts_with('/') {
        return None;
    }
    let mut body_length = None;
    for header in parsed.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("content-length") {
            if body_length.is_some() {
                return None;
            }
            body_length = Some(content_length(header.value)?);
        } else if name.eq_ignore_ascii_case("connection") {
            if !header.value.eq_ignore_ascii_case(b"keep-alive") {
                return None;
            }
        } else if ["transfer-encoding", "expect", "upgrade"]
            .iter()
            .any(|framing| name.eq_ignore_ascii_case(framing))
        {
            return None;
        }
    }
    let body_length = body_length?;
    let length = head_length.checked_add(body_length)?;
    let body = read.get(head_length..length)?;
    if !service.wants(path, body) {
        return None;
    }
    let mut map = HeaderMap::with_capacity(parsed.headers.len());
    for header in parsed.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes()).ok()?;
        map.append(name, HeaderValue::from_bytes(header.value).ok()?);
    }
    Some(WholeRequest {
        path: path.to_owned(),
        headers: map,
        length,
        body_length,
    })
}

/// Whether `read` is exactly one whole request with a `Content-Length` body or none (what
/// pingora, given these bytes, reads without reading the connection again).
fn is_one_whole_request(read: &[u8]) -> bool {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(head_length)) = parsed.parse(read) else {
        return false;
    };
    let mut body_length = 0;
    for header in parsed.headers.iter() {
        if header.name.eq_ignore_ascii_case("content-length") {
            match content_length(header.value) {
                Some(length) => body_length = length,
                None => return false,
            }
        } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return false;
        }
    }
    head_length.checked_add(body_length) == Some(read.len())
}

/// A `Content-Length` value: digits only.
fn content_length(value: &[u8]) -> Option<usize> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// The client's address, as pingora gives it to a request.
fn client_ip(guard: &HeadGuard) -> Option<IpAddr> {
    let digest = guard.get_socket_digest()?;
    digest.peer_addr()?.as_inet().map(|address| address.ip())
}

#[cfg(test)]
mod tests;
