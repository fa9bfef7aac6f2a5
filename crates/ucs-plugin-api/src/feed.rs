//! (ABI 1.2) The change feed as a plugin sees it: a handle to report changes of interactions
//! (and resyncs) to the host, from any thread, for as long as the instance lives.
#![allow(unsafe_code)]

use crate::abi::{ChangeFn, CHANGE_EVENT_CHANGES, CHANGE_EVENT_RESYNC};
use std::ffi::c_void;
use std::fmt;
use std::sync::Arc;
use ucs_model::InteractionChange;

/// Where a plugin reports the changes it learns of (see [`Backend::watch_changes`]). Cheap to
/// clone; usable from any thread.
///
/// [`Backend::watch_changes`]: crate::Backend::watch_changes
#[derive(Clone)]
pub struct ChangeFeed {
    target: Arc<Target>,
}

struct Target {
    send: ChangeFn,
    ctx: *mut c_void,
}

// SAFETY: the host's contract for the change callback and its context: callable from any thread,
// concurrently, for as long as the process lives.
unsafe impl Send for Target {}
// SAFETY: as above.
unsafe impl Sync for Target {}

impl fmt::Debug for ChangeFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ChangeFeed")
    }
}

impl ChangeFeed {
    /// The feed of the host callback `send` with `ctx`.
    ///
    /// # Safety
    /// `send` with `ctx` must be callable from any thread for as long as the feed is used.
    pub(crate) unsafe fn new(send: ChangeFn, ctx: *mut c_void) -> Self {
        Self {
            target: Arc::new(Target { send, ctx }),
        }
    }

    /// Reports changes (nothing is sent for an empty list).
    pub fn changes(&self, changes: &[InteractionChange]) {
        if changes.is_empty() {
            return;
        }
        let json = serde_json::to_vec(changes).expect("a change always serializes");
        self.send(CHANGE_EVENT_CHANGES, &json);
    }

    /// Reports that changes may have been missed (the feed was (re)connected): the host drops
    /// everything this instance answered.
    pub fn resync(&self, reason: &str) {
        self.send(CHANGE_EVENT_RESYNC, reason.as_bytes());
    }

    fn send(&self, event: i32, bytes: &[u8]) {
        // SAFETY: the host's callback and context, valid for the process (see `new`); the bytes
        // are valid during the call.
        unsafe { (self.target.send)(self.target.ctx, event, bytes.as_ptr(), bytes.len()) }
    }
}
