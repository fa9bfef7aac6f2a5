//! Requests the connection answers itself, before pingora parses them.
//!
//! A history POST or a forwarded GET that arrived whole in one read — an HTTP/1.1 head (with a
//! `Content-Length` body for a POST, none for a GET), nothing about its framing or connection
//! left to negotiate — needs none of pingora's request machinery: its head is parsed here
//! (httparse), the edge answers it (`edge/direct.rs`: a POST through the same code as pingora's
//! requests, a GET relayed to its GWS node), and the answer is written as pingora would write
//! it. Every other request, any that is not whole yet, and any the edge hands back before
//! writing a byte, is given back to the connection ([`HeadGuard::give_back`]) and read by
//! pingora as if nothing had happened.
//!
//! A connection that sent anything but a POST or a GET (not to be read twice), or whose next
//! request pingora may already hold (bytes it read past the last one, pipelined), is read by
//! pingora from then on.
//!
//! pingora's path costs a request about 21 000 instructions before and after the edge's own
//! work (`benches/load/instructions.sh`): a boxed request future of ~9 KiB copied in, the head
//! parsed into two header maps, the response head built in a third.

use super::guard::HeadGuard;
use super::while_kept_alive;
use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use pingora::protocols::{GetSocketDigest, Peek};
use pingora::server::ShutdownWatch;
use std::io;
use std::net::IpAddr;
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// What one read may hold: pingora's own first read of a head is as large.
const READ_SIZE: usize = 4096;

/// The most headers a direct request may have (more: pingora reads it).
const MAX_HEADERS: usize = 32;

/// A request read whole by the connection.
#[derive(Debug)]
pub(crate) struct DirectRequest {
    /// `POST` or `GET`.
    pub(crate) method: Method,
    /// The request target's path (without its query).
    pub(crate) path: String,
    /// The request's headers; none for a GET (its head is read where it is relayed).
    pub(crate) headers: HeaderMap,
    /// The head as it arrived: the request line, the header lines and the blank line.
    pub(crate) head: Bytes,
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

    /// The client connection, for an answer written in pieces (a relayed one), and watched
    /// meanwhile ([`Peek`]: whether the client is still there).
    pub(crate) fn stream(&mut self) -> &mut (impl AsyncWrite + Peek + Unpin + Send + use<>) {
        &mut *self.guard
    }
}

/// What became of a request answered directly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DirectOutcome {
    /// Answered; the connection waits for the next request.
    KeepAlive,
    /// The connection closes (the client is gone, or the answer said so).
    Close,
    /// Not answered, nothing written: pingora reads the request after all.
    Pingora,
}

/// The service behind the direct answers (the edge).
#[async_trait]
pub(crate) trait DirectService: Send + Sync {
    /// Whether a request (`POST` with this body, or `GET`) on `path` is one it answers directly;
    /// asked before the request's headers are decoded, and without side effects.
    fn wants(&self, method: &Method, path: &str, body: &[u8]) -> bool;

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

/// Reads the connection's next request and answers it when `service` wants it, until the
/// connections `end`.
pub(crate) async fn serve_next(
    guard: &mut HeadGuard,
    service: &dyn DirectService,
    end: &ShutdownWatch,
) -> Next {
    if guard.has_given_back() || *end.borrow() {
        // Pipelined bytes after a direct answer: pingora's loop reads them. Once the
        // connections end, each answer carries `Connection: close`, which pingora writes.
        return Next::Pingora { alone: false };
    }
    let mut read = BytesMut::with_capacity(READ_SIZE);
    if !first_read(guard, &mut read, end).await {
        return Next::Close;
    }
    let read = read.freeze();
    let taken = match *end.borrow() {
        false => take(&read, service),
        true => Taken::Declined { alone: false },
    };
    let request = match taken {
        Taken::Direct(request) => request,
        Taken::Declined { alone } => {
            guard.give_back(read);
            return Next::Pingora { alone };
        }
    };
    let (length, head_length) = (request.length, request.length - request.body_length);
    let direct = DirectRequest {
        method: request.method,
        path: request.path,
        headers: request.headers,
        head: read.slice(..head_length),
        body: read.slice(head_length..length),
        client_ip: client_ip(guard),
    };
    match service.answer(direct, DirectWriter { guard }).await {
        DirectOutcome::KeepAlive => {
            guard.give_back(read.slice(length..));
            Next::Answered
        }
        DirectOutcome::Close => Next::Close,
        DirectOutcome::Pingora => {
            let alone = length == read.len();
            guard.give_back(read);
            Next::Pingora { alone }
        }
    }
}

/// Reads what the client sends first; `false`: the client closed the connection, stayed idle
/// past the keep-alive timeout, or the connections `end` before it sent anything.
async fn first_read(guard: &mut HeadGuard, read: &mut BytesMut, end: &ShutdownWatch) -> bool {
    let n = while_kept_alive(guard.read_buf(read), end).await;
    matches!(n, Some(Ok(1..)))
}

/// What the connection makes of its first read.
enum Taken {
    /// A request it answers.
    Direct(WholeRequest),
    /// pingora reads it; `alone`: the read is exactly one whole POST or GET (pingora reads
    /// nothing past it). Any other method is never alone: such a connection stays with
    /// pingora, so that its later requests are not read twice.
    Declined { alone: bool },
}

/// A request found whole at the start of a read.
struct WholeRequest {
    method: Method,
    path: String,
    headers: HeaderMap,
    /// Head and body.
    length: usize,
    body_length: usize,
}

/// The request at the start of `read`: taken when it is a whole, plain POST or GET (HTTP/1.1,
/// a `Content-Length` body for a POST, no body for a GET, nothing to negotiate, see
/// [`Framing`]) that `service` wants.
fn take(read: &Bytes, service: &dyn DirectService) -> Taken {
    let never_alone = Taken::Declined { alone: false };
    let method = if read.starts_with(b"POST ") {
        Method::POST
    } else if read.starts_with(b"GET ") {
        Method::GET
    } else {
        return never_alone;
    };
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(head_length)) = parsed.parse(read) else {
        return never_alone;
    };
    let framing = Framing::of(parsed.headers);
    let Some(length) = framing
        .body_length
        .and_then(|body| head_length.checked_add(body))
    else {
        return never_alone;
    };
    let declined = Taken::Declined {
        alone: length == read.len(),
    };
    let path = parsed
        .path
        .map(|target| target.split_once('?').map_or(target, |(path, _)| path));
    let (Some(path), Some(body)) = (path, read.get(head_length..length)) else {
        return declined;
    };
    let framed = match method {
        Method::POST => framing.declared,
        _ => body.is_empty(),
    };
    let plain = framed && framing.plain && parsed.version == Some(1);
    if !plain || parsed.method != Some(method.as_str()) || !path.starts_with('/') {
        return declined;
    }
    if !service.wants(&method, path, body) {
        return declined;
    }
    let mut map = HeaderMap::new();
    let decoded = match method {
        Method::POST => parsed.headers.iter(),
        _ => [].iter(),
    };
    map.reserve(decoded.len());
    for header in decoded {
        // The value shares the read's buffer (no copy of its own).
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(header.name.as_bytes()),
            HeaderValue::from_maybe_shared(read.slice_ref(header.value)),
        ) else {
            return declined;
        };
        map.append(name, value);
    }
    Taken::Direct(WholeRequest {
        method,
        path: path.to_owned(),
        headers: map,
        length,
        body_length: length - head_length,
    })
}

/// The body framing and connection handling a head declares.
struct Framing {
    /// The body's length (`Content-Length`, 0 without one); `None` when the head alone does not
    /// tell it (chunked, or a malformed or repeated `Content-Length`).
    body_length: Option<usize>,
    /// A `Content-Length` was given.
    declared: bool,
    /// Nothing to negotiate: no `Expect`, no `Upgrade`, no `Connection` other than keep-alive.
    plain: bool,
}

impl Framing {
    fn of(headers: &[httparse::Header<'_>]) -> Self {
        let mut framing = Framing {
            body_length: Some(0),
            declared: false,
            plain: true,
        };
        for header in headers {
            let name = header.name;
            if name.eq_ignore_ascii_case("content-length") {
                framing.body_length = match framing.declared {
                    false => framing.body_length.and(content_length(header.value)),
                    true => None,
                };
                framing.declared = true;
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                framing.body_length = None;
            } else if name.eq_ignore_ascii_case("connection") {
                framing.plain &= header.value.eq_ignore_ascii_case(b"keep-alive");
            } else if name.eq_ignore_ascii_case("expect") || name.eq_ignore_ascii_case("upgrade") {
                framing.plain = false;
            }
        }
        framing
    }
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
