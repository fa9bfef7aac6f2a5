//! (ABI 1.2) The host's end of a plugin's change feed: the callback a plugin calls from its
//! threads, turning each event into a [`FeedEvent`] on a channel the host reads.
#![allow(unsafe_code)]

use crate::abi::{CHANGE_EVENT_CHANGES, CHANGE_EVENT_RESYNC};
use std::ffi::c_void;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use ucs_model::InteractionChange;

/// One event of a plugin's change feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedEvent {
    /// Interactions changed.
    Changes(Vec<InteractionChange>),
    /// Changes may have been missed (the feed was (re)connected, or sent something
    /// unreadable): drop everything the plugin answered. The reason, for the log.
    Resync(String),
}

/// A new feed: the context to hand the plugin (leaked: the plugin may call it until the process
/// ends, even after its instance is destroyed) and the channel its events arrive on.
pub(crate) fn sink() -> (*mut c_void, UnboundedReceiver<FeedEvent>) {
    let (sender, receiver) = unbounded_channel();
    let ctx: &'static UnboundedSender<FeedEvent> = Box::leak(Box::new(sender));
    (std::ptr::from_ref(ctx).cast_mut().cast(), receiver)
}

/// The callback: never unwinds into the plugin, never blocks.
pub(crate) unsafe extern "C" fn deliver(ctx: *mut c_void, event: i32, data: *const u8, len: usize) {
    if ctx.is_null() {
        return;
    }
    // SAFETY: `ctx` is the leaked sender of `sink`; `data` holds `len` bytes during the call.
    let (sender, bytes) = unsafe {
        let sender = &*ctx.cast::<UnboundedSender<FeedEvent>>();
        let bytes = if data.is_null() || len == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(data, len)
        };
        (sender, bytes)
    };
    let _ = std::panic::catch_unwind(|| {
        let _ = sender.send(read(event, bytes));
    });
}

/// The event a plugin sent. Anything unreadable is a resync: a change that cannot be read may
/// have affected anything.
fn read(event: i32, bytes: &[u8]) -> FeedEvent {
    match event {
        CHANGE_EVENT_CHANGES => match serde_json::from_slice(bytes) {
            Ok(changes) => FeedEvent::Changes(changes),
            Err(error) => FeedEvent::Resync(format!("unreadable changes: {error}")),
        },
        CHANGE_EVENT_RESYNC => FeedEvent::Resync(String::from_utf8_lossy(bytes).into_owned()),
        other => FeedEvent::Resync(format!("unknown change event {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_and_anything_unreadable_is_a_resync() {
        let change = br#"[{"tenant":"cc1","id":"i1","kind":"deleted"}]"#;
        assert_eq!(
            read(CHANGE_EVENT_CHANGES, change),
            FeedEvent::Changes(vec![InteractionChange::unknown(
                "cc1",
                "i1",
                ucs_model::ChangeKind::Deleted
            )])
        );
        assert_eq!(
            read(CHANGE_EVENT_RESYNC, b"reconnected"),
            FeedEvent::Resync("reconnected".into())
        );
        assert!(matches!(
            read(CHANGE_EVENT_CHANGES, b"{"),
            FeedEvent::Resync(_)
        ));
        assert!(matches!(read(9, b""), FeedEvent::Resync(_)));
    }

    #[test]
    fn the_callback_hands_events_to_the_channel() {
        let (ctx, mut receiver) = sink();
        let reason = b"listening";
        // SAFETY: the context from `sink`, bytes valid during the call.
        unsafe { deliver(ctx, CHANGE_EVENT_RESYNC, reason.as_ptr(), reason.len()) };
        assert_eq!(
            receiver.try_recv().unwrap(),
            FeedEvent::Resync("listening".into())
        );
    }
}
