//! What leaves the engine: the answer to a batch, whole or in pieces (delivered messages are
//! `event.rs`).

use crate::event::{EventMessage, SharedText};
use crate::reply::Reply;
use serde_json::Value;
use std::time::Instant;

/// Shared text at least this long is written from its one copy, shorter text is copied.
const SHARED_EVENT_BYTES: usize = 1024;

/// A piece of a response body.
#[derive(Debug)]
pub enum JsonPiece {
    /// Text of this response alone.
    Text(Vec<u8>),
    /// Text shared with other responses (a delivered event, or the cached answer inside it).
    Shared(SharedText),
}

impl AsRef<[u8]> for JsonPiece {
    fn as_ref(&self) -> &[u8] {
        match self {
            JsonPiece::Text(text) => text,
            JsonPiece::Shared(text) => text.as_ref(),
        }
    }
}

/// The engine's answer to one request batch.
#[derive(Debug, Default)]
pub struct Response {
    /// HTTP status for the whole batch: 200, or 500 for a connect superseded by a newer one.
    pub status: u16,
    /// A new `BAYEUX_BROWSER` id the transport must set as a cookie.
    pub set_browser_id: Option<String>,
    /// Boxed: only a handshake has one, and a reply is large.
    pub(crate) handshake: Option<Box<Reply>>,
    pub(crate) events: Vec<EventMessage>,
    pub(crate) replies: Vec<Reply>,
}

impl Response {
    pub(crate) fn new() -> Self {
        Self {
            status: 200,
            ..Self::default()
        }
    }

    /// The reply messages (handshake reply first), without delivered events, as JSON values.
    pub fn replies(&self) -> impl Iterator<Item = Value> + '_ {
        self.handshake
            .as_deref()
            .into_iter()
            .chain(self.replies.iter())
            .map(|reply| serde_json::to_value(reply).expect("a reply always serializes"))
    }

    /// The delivered events, in order.
    pub fn events(&self) -> &[EventMessage] {
        &self.events
    }

    /// When the oldest of the delivered events began (see [`EventMessage::origin`]).
    pub fn oldest_origin(&self) -> Option<Instant> {
        self.events.iter().map(EventMessage::origin).min()
    }

    /// The body of [`Response::to_json`] in pieces to write one after the other: the text of a
    /// large event is not copied (a history result delivered to many sessions stays one copy).
    pub fn to_json_pieces(&self) -> Vec<JsonPiece> {
        let mut pieces = Vec::new();
        if self.status != 200 {
            return pieces;
        }
        let mut text = Vec::with_capacity(256);
        text.push(b'[');
        let mut first = true;
        let mut separate = |text: &mut Vec<u8>| {
            if !std::mem::replace(&mut first, false) {
                text.push(b',');
            }
        };
        if let Some(handshake) = &self.handshake {
            separate(&mut text);
            serde_json::to_writer(&mut text, handshake).expect("JSON value");
        }
        for event in &self.events {
            separate(&mut text);
            let (head, shared, tail) = event.parts();
            text.extend_from_slice(head);
            if shared.as_ref().len() < SHARED_EVENT_BYTES {
                text.extend_from_slice(shared.as_ref());
            } else {
                pieces.push(JsonPiece::Text(std::mem::take(&mut text)));
                pieces.push(JsonPiece::Shared(shared));
            }
            text.extend_from_slice(tail);
        }
        for reply in &self.replies {
            separate(&mut text);
            serde_json::to_writer(&mut text, reply).expect("JSON value");
        }
        text.push(b']');
        pieces.push(JsonPiece::Text(text));
        pieces
    }

    /// The body: a JSON array, handshake reply first, then events, then the other replies (the
    /// order of the Java server's HTTP transport). Empty for a superseded connect. The pieces of
    /// [`Response::to_json_pieces`] in one buffer.
    pub fn to_json(&self) -> Vec<u8> {
        match <[JsonPiece; 1]>::try_from(self.to_json_pieces()) {
            Ok([JsonPiece::Text(text)]) => text,
            Ok(pieces) => pieces[0].as_ref().to_vec(),
            Err(pieces) => {
                let mut out = Vec::with_capacity(pieces.iter().map(|p| p.as_ref().len()).sum());
                for piece in &pieces {
                    out.extend_from_slice(piece.as_ref());
                }
                out
            }
        }
    }
}
