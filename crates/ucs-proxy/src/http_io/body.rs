//! Reading a request body with a size bound and a deadline.

use bytes::{Bytes, BytesMut};
use pingora::proxy::Session;
use std::time::Duration;
use ucs_model::RequestError;

/// Why a body could not be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Too large, or too slow: answer the client with this refusal.
    Refused(RequestError),
    /// The connection failed while reading: nobody to answer.
    Io(Box<pingora::Error>),
}

/// Reads the whole body, refusing it as soon as it is known to exceed `limit` bytes (from
/// `Content-Length` or while reading) or when it has not fully arrived after `timeout`.
pub(crate) async fn read_body(
    session: &mut Session,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    let declared = session
        .req_header()
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(BodyError::Refused(RequestError::body_too_large(limit)));
    }
    let capacity = declared.map_or(1024, |n| n as usize);
    let read_all = async {
        let mut body = BytesMut::with_capacity(capacity);
        while let Some(chunk) = session.read_request_body().await.map_err(body_error)? {
            if body.len() + chunk.len() > limit {
                return Err(BodyError::Refused(RequestError::body_too_large(limit)));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    };
    match tokio::time::timeout(timeout, read_all).await {
        Ok(result) => result,
        Err(_) => Err(BodyError::Refused(RequestError::body_timeout(
            timeout.as_millis() as u64,
        ))),
    }
}

/// A failed body read: the connection failing is nobody to answer; anything else is a body that
/// is not valid HTTP framing (a bad chunk size, a missing CRLF), refused with a 400.
fn body_error(error: Box<pingora::Error>) -> BodyError {
    use pingora::ErrorType::{ConnectionClosed, ReadError, ReadTimedout};
    match error.etype() {
        ReadError | ReadTimedout | ConnectionClosed => BodyError::Io(error),
        _ => {
            tracing::debug!(%error, "malformed request body framing");
            BodyError::Refused(RequestError::malformed_framing())
        }
    }
}
