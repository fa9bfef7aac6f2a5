//! The CometD WebSocket transport (off by default: GWS itself serves long-polling only).
//!
//! pingora answers the upgrade from `request_filter`; after the 101 its body API carries the raw
//! bytes both ways. Those bytes are pumped through an in-memory duplex into tungstenite, which
//! does the RFC 6455 framing. Each text frame is one Bayeux batch; each batch is processed in
//! its own task, so a held `/meta/connect` never blocks the messages behind it. A message larger
//! than `limits.max_body_bytes` closes the socket with 1009 (too big); one that is not a Bayeux
//! batch closes it with 1011, as the CometD server does.

use super::caller::{session_cookie_headers, with_session_cookie};
use super::App;
use crate::auth::Authenticated;
use crate::http_io::Answer;
use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use pingora::http::ResponseHeader;
use pingora::proxy::Session;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::WebSocketStream;
use ucs_cometd::{ConnectionType, TransportContext};

/// Bytes buffered between pingora and tungstenite in each direction.
const PUMP_BUFFER: usize = 64 * 1024;
/// Replies waiting to be written to one socket.
const REPLY_QUEUE: usize = 64;

/// Completes the upgrade and serves the socket until either side closes it.
pub(crate) async fn serve(
    app: &Arc<App>,
    session: &mut Session,
    caller: Authenticated,
) -> pingora::Result<()> {
    let key = session
        .req_header()
        .headers
        .get("sec-websocket-key")
        .map(|k| derive_accept_key(k.as_bytes()));
    let Some(accept) = key else {
        return with_session_cookie(Answer::json(400, Bytes::new()), &caller)
            .send(session)
            .await;
    };
    let mut header = ResponseHeader::build(101, Some(4))?;
    header.insert_header("upgrade", "websocket")?;
    header.insert_header("connection", "Upgrade")?;
    header.insert_header("sec-websocket-accept", accept)?;
    for (name, value) in session_cookie_headers(&caller) {
        header.append_header(name, value)?;
    }
    session
        .write_response_header(Box::new(header), false)
        .await?;

    let (pingora_side, socket_side) = tokio::io::duplex(PUMP_BUFFER);
    let limit = app.settings.max_body_bytes;
    let config = WebSocketConfig::default()
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit));
    let socket = WebSocketStream::from_raw_socket(socket_side, Role::Server, Some(config)).await;
    let ctx = TransportContext {
        owner: caller.principal.owner(),
        browser_id: None,
        connection_type: ConnectionType::WebSocket,
    };
    let frames = tokio::spawn(serve_frames(app.clone(), socket, ctx));
    let result = pump(session, pingora_side).await;
    frames.abort();
    result
}

/// Moves bytes between the client (through pingora) and tungstenite until one side closes.
async fn pump(session: &mut Session, socket: tokio::io::DuplexStream) -> pingora::Result<()> {
    let (mut from_socket, mut to_socket) = tokio::io::split(socket);
    let mut buffer = vec![0u8; PUMP_BUFFER];
    loop {
        tokio::select! {
            incoming = session.read_request_body() => match incoming? {
                Some(bytes) => {
                    if to_socket.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
                None => break,
            },
            outgoing = from_socket.read(&mut buffer) => match outgoing {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    session
                        .write_response_body(Some(Bytes::copy_from_slice(&buffer[..n])), false)
                        .await?
                }
            },
        }
    }
    session.write_response_body(None, true).await.ok();
    Ok(())
}

/// Reads Bayeux batches from text frames and writes the engine's answers back.
async fn serve_frames(
    app: Arc<App>,
    socket: WebSocketStream<tokio::io::DuplexStream>,
    ctx: TransportContext,
) {
    let (mut sink, mut stream) = socket.split();
    let (replies, mut outbox) = mpsc::channel::<Message>(REPLY_QUEUE);
    let writer = tokio::spawn(async move {
        while let Some(message) = outbox.recv().await {
            let closing = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || closing {
                break;
            }
        }
        let _ = sink.close().await;
    });
    loop {
        let frame = match stream.next().await {
            Some(Ok(frame)) => frame,
            Some(Err(WsError::Capacity(error))) => {
                tracing::debug!(%error, "websocket message over the body limit");
                let _ = replies
                    .send(close(CloseCode::Size, "message too big"))
                    .await;
                break;
            }
            Some(Err(_)) | None => break,
        };
        let body = match frame {
            Message::Text(text) => Bytes::from(text.as_str().to_owned()),
            Message::Binary(bytes) => bytes,
            Message::Close(_) => break,
            _ => continue,
        };
        let (app, ctx, replies) = (app.clone(), ctx.clone(), replies.clone());
        tokio::spawn(async move {
            let answer = match app.engine.process(&body, &ctx).await {
                Ok(response) if response.status == 200 => response.to_json(),
                // A superseded connect has nothing to say on a socket.
                Ok(_) => return,
                Err(error) => {
                    tracing::debug!(%error, "bayeux frame refused");
                    let _ = replies
                        .send(close(CloseCode::Error, "malformed bayeux message"))
                        .await;
                    return;
                }
            };
            if let Ok(text) = String::from_utf8(answer) {
                let _ = replies.send(Message::text(text)).await;
            }
        });
    }
    drop(replies);
    let _ = writer.await;
}

/// A close frame with `code` and `reason`.
fn close(code: CloseCode, reason: &'static str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}
