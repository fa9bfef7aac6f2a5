//! Nodes waiting for another node's fill of a shared entry, woken by its "filled" message.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use tokio::sync::futures::OwnedNotified;
use tokio::sync::Notify;

/// The waits of this node, by entry digest.
#[derive(Debug, Default)]
pub(crate) struct Waiters {
    by_digest: Mutex<HashMap<String, Arc<Notify>>>,
}

impl Waiters {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Notify>>> {
        self.by_digest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes every wait for `digest` (its entry was filled, or its lease released).
    pub(crate) fn wake(&self, digest: &str) {
        if let Some(notify) = self.lock().remove(digest) {
            notify.notify_waiters();
        }
    }

    /// How many entries are waited for.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

/// One wait, registered before the entry is looked at (so a "filled" in between is not missed).
pub(crate) struct Waiter<'a> {
    waiters: &'a Waiters,
    digest: String,
    notified: Pin<Box<OwnedNotified>>,
}

impl<'a> Waiter<'a> {
    /// Registers a wait for `digest`.
    pub(crate) fn new(waiters: &'a Waiters, digest: &str) -> Self {
        let notify = Arc::clone(waiters.lock().entry(digest.to_owned()).or_default());
        let mut notified = Box::pin(notify.notified_owned());
        notified.as_mut().enable();
        Self {
            waiters,
            digest: digest.to_owned(),
            notified,
        }
    }

    /// Waits until woken, or `slice` passes.
    pub(crate) async fn wait(mut self, slice: Duration) {
        let _ = tokio::time::timeout(slice, self.notified.as_mut()).await;
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let mut by_digest = self.waiters.lock();
        // The map's reference and ours' notified future's: nobody else waits.
        if by_digest
            .get(&self.digest)
            .is_some_and(|notify| Arc::strong_count(notify) <= 2)
        {
            by_digest.remove(&self.digest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wake_between_registration_and_wait_is_not_lost() {
        let waiters = Waiters::default();
        let waiter = Waiter::new(&waiters, "d");
        waiters.wake("d");
        let started = tokio::time::Instant::now();
        waiter.wait(Duration::from_secs(5)).await;
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(waiters.len(), 0);
    }

    #[tokio::test]
    async fn a_wait_nobody_wakes_ends_after_its_slice_and_is_forgotten() {
        let waiters = Waiters::default();
        Waiter::new(&waiters, "d")
            .wait(Duration::from_millis(10))
            .await;
        assert_eq!(waiters.len(), 0);
    }
}
