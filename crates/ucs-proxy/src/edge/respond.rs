//! Writing local answers. Every answer carries `Content-Length`: without it pingora falls back to
//! close-delimited framing and the client loses its keep-alive connection.

use bytes::Bytes;
use pingora::http::ResponseHeader;
use pingora::proxy::Session;
use ucs_model::RequestError;

/// The content type GWS (Spring on Jetty) gives its JSON answers.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Writes a complete JSON answer.
pub(crate) async fn send_json(
    session: &mut Session,
    status: u16,
    body: Bytes,
    extra_headers: &[(&'static str, &'static str)],
) -> pingora::Result<()> {
    let mut header = ResponseHeader::build(status, Some(3 + extra_headers.len()))?;
    header.insert_header("content-type", JSON_CONTENT_TYPE)?;
    header.insert_header("content-length", body.len())?;
    for (name, value) in extra_headers {
        header.insert_header(*name, *value)?;
    }
    session
        .write_response_header(Box::new(header), false)
        .await?;
    session.write_response_body(Some(body), true).await
}

/// Writes the GWS answer of a refused request.
pub(crate) async fn send_error(session: &mut Session, error: &RequestError) -> pingora::Result<()> {
    send_json(
        session,
        error.http_status(),
        Bytes::from(error.to_body()),
        &[],
    )
    .await
}

/// The body of an accepted request: `{"statusCode":0,"referenceId":N}`.
pub(crate) fn ack_body(reference_id: u64) -> Bytes {
    Bytes::from(format!(
        r#"{{"statusCode":0,"referenceId":{reference_id}}}"#
    ))
}
