//! Writing local answers. Every answer carries `Content-Length`: without it pingora falls back to
//! close-delimited framing and the client loses its keep-alive connection.

use super::{push_header_line, push_status_line};
use bytes::Bytes;
use pingora::http::ResponseHeader;
use pingora::proxy::Session;
use pingora::{Error, ErrorType};
use ucs_model::{Ack, RequestError};

/// The content type GWS (Spring on Jetty) gives its JSON answers.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// A complete answer to write.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) content_type: &'static str,
}

impl Answer {
    /// A JSON answer.
    pub(crate) fn json(status: u16, body: impl Into<Bytes>) -> Self {
        Self {
            status,
            body: body.into(),
            headers: Vec::new(),
            content_type: JSON_CONTENT_TYPE,
        }
    }

    /// The answer with another content type than JSON.
    pub(crate) fn with_content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = content_type;
        self
    }

    /// The GWS answer of a refused request.
    pub(crate) fn error(error: &RequestError) -> Self {
        Self::json(error.http_status(), error.to_body())
    }

    /// The GWS answer of an accepted request.
    pub(crate) fn ack(ack: Ack) -> Self {
        Self::json(200, ack.to_body())
    }

    /// Adds headers.
    pub(crate) fn with_headers(mut self, headers: &[(&'static str, String)]) -> Self {
        self.headers.extend(headers.iter().cloned());
        self
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    /// The response head of the answer with a body of `body_len` bytes (pingora adds `Date` and
    /// `Connection` when it writes it).
    fn head(&self, body_len: usize) -> pingora::Result<ResponseHeader> {
        let mut header = ResponseHeader::build(self.status, Some(2 + self.headers.len()))?;
        if body_len > 0 {
            header.insert_header(http::header::CONTENT_TYPE, self.content_type)?;
        }
        header.insert_header(http::header::CONTENT_LENGTH, body_len)?;
        for (name, value) in &self.headers {
            header.append_header(*name, value)?;
        }
        Ok(header)
    }

    /// Writes the answer.
    pub(crate) async fn send(self, session: &mut Session) -> pingora::Result<()> {
        let header = self.head(self.body.len())?;
        session
            .write_response_header(Box::new(header), false)
            .await?;
        session.write_response_body(Some(self.body), true).await
    }

    /// The whole answer as pingora writes it on an HTTP/1.1 connection (with its `Date` and
    /// `Connection` headers), for an answer written outside a pingora request.
    pub(crate) fn to_wire(&self, keep_alive: bool) -> pingora::Result<Vec<u8>> {
        let mut wire = self.head_to_wire(keep_alive, self.body.len())?;
        wire.extend_from_slice(&self.body);
        Ok(wire)
    }

    /// The head of the answer followed by a body of `body_len` bytes written apart, as pingora
    /// writes it on an HTTP/1.1 connection (with its `Date` and `Connection` headers), for an
    /// answer written outside a pingora request. The answer's own body is not used.
    ///
    /// Written straight to bytes, without building pingora's header maps: byte for byte what
    /// pingora writes for [`Answer::head`] with `Date` and `Connection` inserted (the headers
    /// pingora names by an `http` constant title-cased, ours as given, those of one name
    /// together at the first one's place, each with its own spelling). An answer's own headers
    /// never name one of the four pingora's head carries.
    pub(crate) fn head_to_wire(
        &self,
        keep_alive: bool,
        body_len: usize,
    ) -> pingora::Result<Vec<u8>> {
        let status = http::StatusCode::from_u16(self.status)
            .map_err(|e| Error::because(ErrorType::InvalidHTTPHeader, "invalid status", e))?;
        let mut wire = Vec::with_capacity(256);
        let reason = status.canonical_reason().unwrap_or("");
        push_status_line(&mut wire, status, reason.as_bytes());
        if body_len > 0 {
            push_header_line(&mut wire, b"Content-Type", self.content_type.as_bytes());
        }
        let mut length = itoa::Buffer::new();
        push_header_line(
            &mut wire,
            b"Content-Length",
            length.format(body_len).as_bytes(),
        );
        for (i, (name, _)) in self.headers.iter().enumerate() {
            debug_assert!(
                !["content-type", "content-length", "date", "connection"]
                    .iter()
                    .any(|own| own.eq_ignore_ascii_case(name)),
                "{name} is written by head_to_wire itself"
            );
            let first_of_name = !self.headers[..i]
                .iter()
                .any(|(earlier, _)| earlier.eq_ignore_ascii_case(name));
            if !first_of_name {
                continue;
            }
            let same_name = self.headers[i..]
                .iter()
                .filter(|(other, _)| other.eq_ignore_ascii_case(name));
            for (name, value) in same_name {
                if !is_header_value(value.as_bytes()) {
                    return Error::e_explain(ErrorType::InvalidHTTPHeader, "invalid header value");
                }
                push_header_line(&mut wire, name.as_bytes(), value.as_bytes());
            }
        }
        let date = pingora::protocols::http::date::get_cached_date();
        push_header_line(&mut wire, b"Date", date.as_bytes());
        let connection: &[u8] = if keep_alive { b"keep-alive" } else { b"close" };
        push_header_line(&mut wire, b"Connection", connection);
        wire.extend_from_slice(b"\r\n");
        Ok(wire)
    }
}

/// Whether `value` is a valid header value, as `http::HeaderValue` takes one: visible ASCII,
/// spaces, tabs and bytes above ASCII; no other control byte.
fn is_header_value(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| (b >= b' ' && b != 0x7f) || b == b'\t')
}

#[cfg(test)]
mod tests;
