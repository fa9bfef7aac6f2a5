//! Correlation of the upstream's notifications with the requests that await them, by the
//! upstream's `referenceId`.
//!
//! The notification may overtake the ack: GWS can publish before its HTTP answer reaches us. So a
//! notification nobody awaits yet is kept for a while, and a request registering its referenceId
//! finds it there.

use crate::error::RelayError;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use ucs_plugin_api::serde_json::Value;

/// How long a notification nobody awaits is kept.
pub(crate) const EARLY_KEPT_FOR: Duration = Duration::from_secs(60);

/// What the upstream's notification said: its `data`, or its `errorMessage` as an error.
pub(crate) type Outcome = Result<Value, RelayError>;

#[derive(Debug, Default)]
struct Inner {
    waiting: HashMap<u64, oneshot::Sender<Outcome>>,
    early: HashMap<u64, (Instant, Outcome)>,
}

/// The requests awaiting a notification.
#[derive(Debug, Default)]
pub(crate) struct Pending {
    inner: Mutex<Inner>,
}

impl Pending {
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Awaits the notification of `reference` (which may already be here).
    pub(crate) fn register(&self, reference: u64) -> oneshot::Receiver<Outcome> {
        let (tx, rx) = oneshot::channel();
        let mut inner = self.inner();
        match inner.early.remove(&reference) {
            Some((_, outcome)) => {
                let _ = tx.send(outcome);
            }
            None => {
                inner.waiting.insert(reference, tx);
            }
        }
        rx
    }

    /// Stops awaiting `reference` (its caller gave up).
    pub(crate) fn forget(&self, reference: u64) {
        self.inner().waiting.remove(&reference);
    }

    /// A notification arrived.
    pub(crate) fn deliver(&self, reference: u64, outcome: Outcome, now: Instant) {
        let mut inner = self.inner();
        match inner.waiting.remove(&reference) {
            Some(tx) => {
                let _ = tx.send(outcome);
            }
            None => {
                inner
                    .early
                    .retain(|_, (at, _)| now.duration_since(*at) < EARLY_KEPT_FOR);
                inner.early.insert(reference, (now, outcome));
            }
        }
    }

    /// The notification session ended: nothing awaited now can arrive.
    pub(crate) fn fail_all(&self) {
        let mut inner = self.inner();
        for (_, tx) in inner.waiting.drain() {
            let _ = tx.send(Err(RelayError::SessionLost));
        }
        inner.early.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_notification_reaches_its_waiter_whether_it_comes_before_or_after_the_ack() {
        let pending = Pending::default();
        let now = Instant::now();
        let after = pending.register(1);
        pending.deliver(1, Ok(Value::from(1)), now);
        assert_eq!(after.await.unwrap(), Ok(Value::from(1)));

        pending.deliver(2, Err(RelayError::Failed("x".into())), now);
        let before = pending.register(2);
        assert_eq!(before.await.unwrap(), Err(RelayError::Failed("x".into())));
    }

    #[tokio::test]
    async fn losing_the_session_fails_the_waiters_and_old_early_arrivals_are_dropped() {
        let pending = Pending::default();
        let waiter = pending.register(7);
        pending.fail_all();
        assert_eq!(waiter.await.unwrap(), Err(RelayError::SessionLost));

        let t0 = Instant::now();
        pending.deliver(8, Ok(Value::Null), t0);
        pending.deliver(9, Ok(Value::Null), t0 + EARLY_KEPT_FOR);
        let late = pending.register(8);
        pending.forget(8);
        assert!(
            late.await.is_err(),
            "8 was dropped when 9 arrived a minute later"
        );
    }
}
