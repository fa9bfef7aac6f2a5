//! Failed-login throttling: a source address or a user name that keeps failing must wait,
//! doubling each time, before its next Basic credentials are even checked. The check runs when
//! a login begins and again just before the expensive verification (argon2, which runs a few at
//! a time), so a burst of concurrent guesses queued behind the first failures is refused
//! unchecked too, while a burst of correct logins is not held up. Memory is bounded (the most
//! recent sources and names, for a while); a success clears both.

use moka::notification::RemovalCause;
use moka::sync::Cache;
use std::borrow::Borrow;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Sources and user names remembered at most.
const REMEMBERED: u64 = 100_000;
/// How long an idle record is kept.
const MEMORY: Duration = Duration::from_secs(15 * 60);

/// Failures of one source or user name.
#[derive(Debug, Default)]
struct Record {
    /// Attempts that did not succeed (including those still being checked).
    failures: u32,
    /// No attempt before this instant.
    blocked_until: Option<Instant>,
}

/// What one throttle watches: a key's failures, free attempts, and the longest wait.
#[derive(Debug)]
struct Watch<K: Hash + Eq + Send + Sync + 'static> {
    records: Cache<K, Arc<Mutex<Record>>>,
    /// Records held (counted up when one is made, down when the cache lets one go): while there
    /// are none, which is nearly always, a login is checked and cleared without a lookup.
    held: Arc<AtomicUsize>,
    free: u32,
    max_wait: Duration,
}

impl<K: Hash + Eq + Clone + Send + Sync + 'static> Watch<K> {
    fn new(free: u32, max_wait: Duration) -> Self {
        let held = Arc::new(AtomicUsize::new(0));
        let released = Arc::clone(&held);
        Self {
            records: Cache::builder()
                .max_capacity(REMEMBERED)
                .time_to_idle(MEMORY)
                .eviction_listener(move |_, _, cause| {
                    if cause != RemovalCause::Replaced {
                        released.fetch_sub(1, Ordering::Relaxed);
                    }
                })
                .build(),
            held,
            free,
            max_wait,
        }
    }

    /// Whether any key has a record.
    fn watches_any(&self) -> bool {
        self.held.load(Ordering::Relaxed) > 0
    }

    /// `Err(wait)` while the key is blocked.
    fn check<Q>(&self, key: &Q, now: Instant) -> Result<(), Duration>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if !self.watches_any() {
            return Ok(());
        }
        let Some(record) = self.records.get(key) else {
            return Ok(());
        };
        let record = record.lock().unwrap_or_else(|e| e.into_inner());
        match record.blocked_until.filter(|until| *until > now) {
            Some(until) => Err(until - now),
            None => Ok(()),
        }
    }

    /// Counts a failure; past the free ones, blocks the key: 1 s, 2 s, 4 s, … up to `max_wait`.
    fn failed<Q>(&self, key: &Q, now: Instant)
    where
        K: Borrow<Q>,
        Q: ToOwned<Owned = K> + Hash + Eq + ?Sized,
    {
        let entry = self.records.entry_by_ref(key).or_default();
        if entry.is_fresh() {
            self.held.fetch_add(1, Ordering::Relaxed);
        }
        let record = entry.into_value();
        let mut record = record.lock().unwrap_or_else(|e| e.into_inner());
        record.failures += 1;
        if record.failures > self.free {
            let doublings = (record.failures - self.free - 1).min(20);
            let wait = Duration::from_secs(1u64 << doublings).min(self.max_wait);
            record.blocked_until = Some(now + wait);
        }
    }

    fn succeeded<Q>(&self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        if self.watches_any() {
            self.records.invalidate(key);
        }
    }
}

/// The throttle of Basic logins, by source address and by user name.
#[derive(Debug)]
pub(crate) struct LoginThrottle {
    sources: Watch<IpAddr>,
    users: Watch<String>,
}

/// Which watch refused an attempt (a metric label).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ThrottledBy {
    /// Too many failures from this address.
    Source,
    /// Too many failures for this user name.
    User,
}

impl ThrottledBy {
    /// The label.
    pub(crate) fn as_label(self) -> &'static str {
        match self {
            ThrottledBy::Source => "source",
            ThrottledBy::User => "user",
        }
    }
}

impl LoginThrottle {
    /// `free_attempts` failures per source and per user before waits begin, doubling up to
    /// `max_wait`.
    pub(crate) fn new(free_attempts: u32, max_wait: Duration) -> Self {
        Self {
            sources: Watch::new(free_attempts, max_wait),
            users: Watch::new(free_attempts, max_wait),
        }
    }

    /// Whether any source or user name has failures on record: while none has, a login needs
    /// neither [`Self::check`] nor [`Self::succeeded`] (nor its user name decoded for them).
    pub(crate) fn watches_any(&self) -> bool {
        self.sources.watches_any() || self.users.watches_any()
    }

    /// Whether a login of `user` from `source` may be checked now; `Err` when either must wait
    /// first (how long).
    pub(crate) fn check(
        &self,
        user: &str,
        source: Option<IpAddr>,
    ) -> Result<(), (ThrottledBy, Duration)> {
        let now = Instant::now();
        if let Some(source) = source {
            self.sources
                .check(&source, now)
                .map_err(|wait| (ThrottledBy::Source, wait))?;
        }
        self.users
            .check(user, now)
            .map_err(|wait| (ThrottledBy::User, wait))
    }

    /// The login failed: counted against its source and its user name.
    pub(crate) fn failed(&self, user: &str, source: Option<IpAddr>) {
        let now = Instant::now();
        if let Some(source) = source {
            self.sources.failed(&source, now);
        }
        self.users.failed(user, now);
    }

    /// The login succeeded: its source and user start afresh.
    pub(crate) fn succeeded(&self, user: &str, source: Option<IpAddr>) {
        if let Some(source) = source {
            self.sources.succeeded(&source);
        }
        self.users.succeeded(user);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_begin_after_the_free_attempts_and_double() {
        let watch = Watch::<u8>::new(2, Duration::from_secs(60));
        let now = Instant::now();
        for _ in 0..2 {
            assert!(watch.check(&1, now).is_ok());
            watch.failed(&1, now);
        }
        assert!(watch.check(&1, now).is_ok(), "two failures are free");
        watch.failed(&1, now);
        assert_eq!(watch.check(&1, now), Err(Duration::from_secs(1)));
        let later = now + Duration::from_secs(1);
        assert!(watch.check(&1, later).is_ok());
        watch.failed(&1, later);
        assert_eq!(watch.check(&1, later), Err(Duration::from_secs(2)));
        assert!(watch.check(&2, now).is_ok(), "another key is not affected");
        watch.succeeded(&1);
        assert!(
            watch.check(&1, later).is_ok(),
            "a success clears the record"
        );
    }

    #[test]
    fn the_throttle_watches_only_while_failures_are_on_record() {
        let throttle = LoginThrottle::new(0, Duration::from_secs(60));
        let source: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(!throttle.watches_any());
        throttle.failed("demo", Some(source));
        assert!(throttle.watches_any());
        assert!(throttle.check("demo", None).is_err(), "the user is blocked");
        throttle.succeeded("demo", Some(source));
        throttle.sources.records.run_pending_tasks();
        throttle.users.records.run_pending_tasks();
        assert!(
            !throttle.watches_any(),
            "a success leaves nothing on record"
        );
        assert!(throttle.check("demo", Some(source)).is_ok());
    }

    #[test]
    fn a_blocked_source_does_not_block_another_source_of_another_user() {
        let throttle = LoginThrottle::new(1, Duration::from_secs(60));
        let attacker: IpAddr = "10.0.0.1".parse().unwrap();
        let agent: IpAddr = "10.0.0.2".parse().unwrap();
        throttle.failed("other", Some(attacker));
        throttle.failed("x", Some(attacker));
        assert_eq!(
            throttle.check("y", Some(attacker)).unwrap_err().0,
            ThrottledBy::Source
        );
        assert!(throttle.check("demo", Some(agent)).is_ok());
    }
}
