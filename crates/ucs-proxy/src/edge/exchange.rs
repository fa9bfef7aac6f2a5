//! [`Exchange`]: one request as the edge's answering code sees it — its headers, its client,
//! its bounded body — and where its one answer goes. pingora's [`Session`] is one; a request the
//! connection answers before pingora parses it (`direct.rs`) is the other, so that both go
//! through the same authentication, parsing and answers.

use super::passthrough;
use crate::app::App;
use crate::http_io::{read_body, Answer, BodyError};
use bytes::Bytes;
use http::HeaderMap;
use pingora::proxy::Session;
use std::future::Future;
use std::net::IpAddr;

/// One request being answered.
pub(crate) trait Exchange: Send {
    /// The request's headers.
    fn headers(&self) -> &HeaderMap;

    /// The address of the client (the peer of the connection).
    fn client_ip(&self) -> Option<IpAddr>;

    /// Keeps the body read next for a forward to the upstream (pingora's retry buffer): the
    /// request may yet turn out to be GWS's.
    fn keep_body_for_forwarding(&mut self);

    /// Reads the whole body within the configured bounds. `Ok(Err(answer))`: refused (413 or
    /// 408), and the connection closes after the answer since the rest of the body is still on
    /// the wire; `Err`: the connection failed.
    fn bounded_body(
        &mut self,
        app: &App,
    ) -> impl Future<Output = pingora::Result<Result<Bytes, Answer>>> + Send;

    /// Writes the request's complete answer.
    fn send(&mut self, answer: Answer) -> impl Future<Output = pingora::Result<()>> + Send;
}

impl Exchange for Session {
    fn headers(&self) -> &HeaderMap {
        &self.req_header().headers
    }

    fn client_ip(&self) -> Option<IpAddr> {
        passthrough::client_ip(self)
    }

    fn keep_body_for_forwarding(&mut self) {
        self.enable_retry_buffering();
    }

    async fn bounded_body(&mut self, app: &App) -> pingora::Result<Result<Bytes, Answer>> {
        let settings = &app.settings;
        match read_body(self, settings.max_body_bytes, settings.body_read_timeout).await {
            Ok(body) => Ok(Ok(body)),
            Err(BodyError::Refused(error)) => {
                self.set_keepalive(None);
                Ok(Err(Answer::error(&error)))
            }
            Err(BodyError::Io(error)) => Err(error),
        }
    }

    async fn send(&mut self, answer: Answer) -> pingora::Result<()> {
        answer.send(self).await
    }
}
