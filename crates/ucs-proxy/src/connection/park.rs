//! Long polls parked beside their connection, outside pingora's request machinery.
//!
//! A held `/meta/connect` may wait for minutes, and most CometD sessions are waiting at any
//! moment. Waiting inside pingora's request keeps its whole per-request state alive (the
//! request future, the session, the head buffer): about 20 KiB a session. Parked, the request
//! ends at once without a response (pingora hands the kept-alive connection back), and the
//! connection's own loop ([`super::Guarded`]) waits for the [`ParkedAnswer`] and writes it;
//! what a waiting session then costs is the connection, the answer's small future and the
//! Bayeux session itself.

use bytes::Bytes;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

/// A complete HTTP/1.1 response, and whether the connection stays open after it.
pub(crate) struct WireAnswer {
    /// Status line, headers and body, as pingora would have written them, in pieces written one
    /// after the other (a piece may be shared with other answers: a notification delivered to
    /// many sessions is not copied for each).
    pub(crate) pieces: Vec<Bytes>,
    /// `false`: the connection closes after the answer.
    pub(crate) keep_alive: bool,
    /// Called once the last byte is written.
    pub(crate) written: Option<Box<dyn FnOnce() + Send>>,
}

impl WireAnswer {
    /// No answer: the connection closes.
    pub(crate) fn close() -> Self {
        Self {
            pieces: Vec::new(),
            keep_alive: false,
            written: None,
        }
    }
}

/// An answer that is not ready yet.
pub(crate) type ParkedAnswer = Pin<Box<dyn Future<Output = WireAnswer> + Send>>;

/// The one parked answer a connection may hold (a long poll is alone on its connection).
#[derive(Default)]
pub(crate) struct ParkSlot(Mutex<Option<ParkedAnswer>>);

impl ParkSlot {
    /// Parks `answer`: the connection writes it when it is ready, before its next request.
    pub(crate) fn park(&self, answer: ParkedAnswer) {
        *self.lock() = Some(answer);
    }

    /// The parked answer, if any.
    pub(crate) fn take(&self) -> Option<ParkedAnswer> {
        self.lock().take()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ParkedAnswer>> {
        // Only ever held for a swap: a poisoned lock still holds a consistent `Option`.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl std::fmt::Debug for ParkSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParkSlot")
    }
}
