//! The node's response head, read and rewritten for the client as pingora's proxy path
//! rewrites it: `Date` (pingora's clock) and `Connection: keep-alive` in place of the node's
//! (else added), and the affinity cookie added when the answer opens a GWS session. Every other
//! line passes as the node wrote it, in its order (pingora groups repeated names together;
//! the values of each name keep their order either way).
//!
//! Only the common answers are relayed here: HTTP/1.1, a final status, a body framed by one
//! `Content-Length` or by chunks (or none, for 204 and 304). Anything else is [`Unusual`] and
//! left to pingora's proxy path.

use crate::auth::SESSION_COOKIE;
use crate::http_io::{push_header_line, push_status_line, set_cookie};
use crate::upstream::AFFINITY_COOKIE;

/// The most header lines a relayed answer may have.
const MAX_HEADERS: usize = 64;

/// How the body after the head is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyFraming {
    /// No body (204, 304).
    Empty,
    /// `Content-Length` bytes.
    Length(u64),
    /// Chunked.
    Chunked,
}

/// An answer this relay leaves to pingora (it has written nothing to the client yet).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("the node's answer is not one relayed directly: {0}")]
pub(crate) struct Unusual(pub(crate) &'static str);

/// What the client is sent in place of the node's head.
#[derive(Debug)]
pub(crate) struct ResponseHead {
    /// The head for the client.
    pub(crate) wire: Vec<u8>,
    /// The length of the node's head (its body follows).
    pub(crate) length: usize,
    pub(crate) framing: BodyFraming,
    pub(crate) status: u16,
    /// The node keeps the connection open after the answer.
    pub(crate) node_keeps_alive: bool,
}

/// What the head is rewritten with.
#[derive(Debug)]
pub(crate) struct HeadEdits<'a> {
    /// The `Date` value.
    pub(crate) date: &'a [u8],
    /// The node's name, set in the affinity cookie when the answer sets the GWS session's.
    pub(crate) node: &'a str,
}

/// The node's head at the start of `read`, rewritten: `Ok(None)` while it is not whole.
pub(crate) fn rewrite(read: &[u8], edits: &HeadEdits<'_>) -> Result<Option<ResponseHead>, Unusual> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut headers);
    let length = match parsed.parse(read) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(_) => return Err(Unusual("a head httparse refuses")),
    };
    let (Some(1), Some(status)) = (parsed.version, parsed.code) else {
        return Err(Unusual("not HTTP/1.1"));
    };
    if status < 200 {
        return Err(Unusual("an informational status"));
    }
    // httparse reads three digits: every code from 200 on is one `http` takes.
    let code = http::StatusCode::from_u16(status).map_err(|_| Unusual("a malformed status"))?;
    let mut wire = Vec::with_capacity(length + 96);
    let reason = parsed.reason.unwrap_or_default();
    push_status_line(&mut wire, code, reason.as_bytes());
    let mut facts = HeadFacts::default();
    for header in parsed.headers.iter() {
        let line = facts.read(header)?;
        match line {
            Line::Keep => push_header_line(&mut wire, header.name.as_bytes(), header.value),
            Line::Date => push_header_line(&mut wire, b"Date", edits.date),
            Line::Connection => push_header_line(&mut wire, b"Connection", b"keep-alive"),
            Line::Drop => {}
        }
    }
    if facts.opens_session {
        let cookie = set_cookie(AFFINITY_COOKIE, edits.node);
        push_header_line(&mut wire, b"set-cookie", cookie.as_bytes());
    }
    if !facts.date {
        push_header_line(&mut wire, b"Date", edits.date);
    }
    if !facts.connection {
        push_header_line(&mut wire, b"Connection", b"keep-alive");
    }
    wire.extend_from_slice(b"\r\n");
    let framing = match (status, facts.length, facts.chunked) {
        (204 | 304, _, _) => BodyFraming::Empty,
        (_, Some(length), false) => BodyFraming::Length(length),
        (_, None, true) => BodyFraming::Chunked,
        (_, Some(_), true) => return Err(Unusual("both Content-Length and chunked")),
        (_, None, false) => return Err(Unusual("a body delimited by the connection's close")),
    };
    Ok(Some(ResponseHead {
        wire,
        length,
        framing,
        status,
        node_keeps_alive: !facts.node_closes,
    }))
}

/// What becomes of one header line.
enum Line {
    Keep,
    Date,
    Connection,
    /// A repeated `Date` or `Connection` (replaced by one).
    Drop,
}

/// What the head's lines said so far.
#[derive(Default)]
struct HeadFacts {
    date: bool,
    connection: bool,
    node_closes: bool,
    length: Option<u64>,
    chunked: bool,
    opens_session: bool,
}

impl HeadFacts {
    fn read(&mut self, header: &httparse::Header<'_>) -> Result<Line, Unusual> {
        let (name, value) = (header.name, header.value);
        if name.eq_ignore_ascii_case("date") {
            return Ok(match std::mem::replace(&mut self.date, true) {
                false => Line::Date,
                true => Line::Drop,
            });
        }
        if name.eq_ignore_ascii_case("connection") {
            self.node_closes |= value
                .split(|b| *b == b',')
                .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"));
            return Ok(match std::mem::replace(&mut self.connection, true) {
                false => Line::Connection,
                true => Line::Drop,
            });
        }
        if name.eq_ignore_ascii_case("content-length") {
            let length = std::str::from_utf8(value)
                .ok()
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse().ok())
                .ok_or(Unusual("a malformed Content-Length"))?;
            if self
                .length
                .replace(length)
                .is_some_and(|earlier| earlier != length)
            {
                return Err(Unusual("conflicting Content-Length"));
            }
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            if self.chunked || !value.trim_ascii().eq_ignore_ascii_case(b"chunked") {
                return Err(Unusual("a transfer coding other than chunked"));
            }
            self.chunked = true;
        } else if name.eq_ignore_ascii_case("set-cookie") {
            self.opens_session |= sets_cookie(value, SESSION_COOKIE);
        }
        Ok(Line::Keep)
    }
}

/// Whether a `Set-Cookie` value sets cookie `name`.
fn sets_cookie(value: &[u8], name: &str) -> bool {
    let pair = value.split(|b| *b == b';').next().unwrap_or_default();
    pair.trim_ascii()
        .split(|b| *b == b'=')
        .next()
        .is_some_and(|key| key == name.as_bytes() && pair.contains(&b'='))
}

#[cfg(test)]
mod tests;
