//! Stopping without losing a result: the state of a drain (SIGTERM, or SIGQUIT when a new
//! process takes the listening sockets over) and the notifications still on their way.
//!
//! The order: the signal sets [`Drain::begin`] (every answer from then on closes its
//! connection, so clients open new ones, which the listening socket hands to the process that
//! stays); once pingora stops the listeners, the housekeeping waits until no notification is
//! in flight ([`Drain::settled`]), then hands the CometD sessions over: each client gets what
//! its session holds and is told to handshake again, on the new process. The connections the
//! process holds stay open until then ([`Drain::connections_end`]): a CometD client between two
//! polls could not open another one to this process.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// Whether the process is stopping, and the notifications it still owes.
#[derive(Debug, Default)]
pub(crate) struct Drain {
    draining: AtomicBool,
    in_flight: AtomicUsize,
    settled: Notify,
    /// Turns `true` once the sessions are handed over.
    handed_over: watch::Sender<bool>,
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

    /// The sessions are handed over: the connections held end their waits for a next request.
    pub(crate) fn hand_over_done(&self) {
        self.handed_over.send_replace(true);
    }

    /// Turns `true` once the sessions are handed over: until then a connection waiting for its
    /// next request keeps waiting although the listener is closed (pingora's own shutdown
    /// signal would drop it at once).
    pub(crate) fn connections_end(&self) -> watch::Receiver<bool> {
        self.handed_over.subscribe()
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

    #[tokio::test(start_paused = true)]
    async fn connections_end_at_the_hand_over_not_when_the_drain_begins() {
        let drain = Drain::default();
        let mut end = drain.connections_end();
        drain.begin();
        assert!(!*end.borrow());
        let waited = tokio::time::timeout(Duration::from_secs(5), end.wait_for(|e| *e)).await;
        assert!(waited.is_err(), "still open while draining");
        drop(waited);
        drain.hand_over_done();
        assert!(*end.wait_for(|e| *e).await.unwrap());
        assert!(
            *drain.connections_end().borrow(),
            "a later watcher sees it too"
        );
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
