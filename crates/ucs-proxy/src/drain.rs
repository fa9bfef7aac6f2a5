//! Stopping without losing a result: the state of a drain (SIGTERM, or SIGQUIT when a new
//! process takes the listening sockets over) and the notifications still on their way.
//!
//! The order: the signal sets [`Drain::begin`] (every answer from then on closes its
//! connection, so clients open new ones, which the listening socket hands to the process that
//! stays); once pingora stops the listeners, the housekeeping waits until no notification is
//! in flight ([`Drain::settled`]), then hands the CometD sessions over: each client gets what
//! its session holds and is told to handshake again, on the new process.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Whether the process is stopping, and the notifications it still owes.
#[derive(Debug, Default)]
pub(crate) struct Drain {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    settled: Notify,
}

/// One notification on its way (resolution, then delivery); dropped when it is queued.
#[derive(Debug)]
pub(crate) struct InFlight {
    drain: Arc<Drain>,
}

impl Drain {
    /// The process is stopping: answers close their connections from now on.
    pub(crate) fn begin(&self) {
        if !self.draining.swap(true, Ordering::AcqRel) {
            tracing::info!("draining: answers close their connections, sessions hand over once results are delivered");
        }
    }

    /// Whether the process is stopping.
    pub(crate) fn is_draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Counts a notification on its way until the returned guard drops.
    pub(crate) fn track(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight {
            drain: Arc::clone(self),
        }
    }

    /// Notifications on their way.
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    /// Waits until no notification is on its way, or `limit` passes. Returns whether it
    /// settled.
    pub(crate) async fn settled(&self, limit: Duration) -> bool {
        let wait = async {
            loop {
                let notified = self.settled.notified();
                tokio::pin!(notified);
                notified.as_mut().enable();
                if self.in_flight() == 0 {
                    return;
                }
                notified.await;
            }
        };
        tokio::time::timeout(limit, wait).await.is_ok()
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if self.drain.in_flight.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.drain.settled.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn settles_when_the_last_notification_is_delivered() {
        let drain = Arc::new(Drain::default());
        assert!(
            drain.settled(Duration::from_secs(1)).await,
            "nothing in flight"
        );
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let ticket = drain.track();
        let task = tokio::spawn(async move {
            let _ticket = ticket;
            let _ = released.await;
        });
        tokio::task::yield_now().await;
        assert_eq!(drain.in_flight(), 1);
        assert!(
            !drain.settled(Duration::from_millis(100)).await,
            "still in flight"
        );
        release.send(()).unwrap();
        assert!(drain.settled(Duration::from_secs(1)).await);
        task.await.unwrap();
    }

    #[test]
    fn begins_once() {
        let drain = Drain::default();
        assert!(!drain.is_draining());
        drain.begin();
        drain.begin();
        assert!(drain.is_draining());
    }
}
