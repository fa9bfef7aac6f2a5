//! A circuit breaker: after `threshold` consecutive failures the upstream is considered dead and
//! calls fail at once for `cooldown`; then one trial call is let through (half-open), and its
//! outcome closes the circuit or opens it again.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// The breaker of one upstream.
#[derive(Debug)]
pub struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

/// A call refused because the circuit is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Open;

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// Whether a call may go ahead now (at `now`). In the half-open state only the first caller
    /// after the cooldown gets through; the others are refused until it reports.
    pub fn allow(&self, now: Instant) -> Result<(), Open> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match *state {
            State::Closed { .. } => Ok(()),
            State::Open { until } if now >= until => {
                *state = State::HalfOpen;
                Ok(())
            }
            State::Open { .. } | State::HalfOpen => Err(Open),
        }
    }

    /// Reports a call that reached the upstream and got an answer.
    pub fn succeeded(&self) {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = State::Closed { failures: 0 };
    }

    /// Reports a call that failed (transport error, timeout, 5xx).
    pub fn failed(&self, now: Instant) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        *state = match *state {
            State::Closed { failures } if failures + 1 < self.threshold => State::Closed {
                failures: failures + 1,
            },
            _ => State::Open {
                until: now + self.cooldown,
            },
        };
    }

    /// Whether calls are being refused.
    pub fn is_open(&self) -> bool {
        !matches!(
            *self.state.lock().unwrap_or_else(PoisonError::into_inner),
            State::Closed { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_fails_fast_then_lets_one_trial_through() {
        let breaker = CircuitBreaker::new(3, Duration::from_secs(10));
        let t0 = Instant::now();
        for _ in 0..2 {
            breaker.failed(t0);
            assert_eq!(
                breaker.allow(t0),
                Ok(()),
                "still closed below the threshold"
            );
        }
        breaker.failed(t0);
        assert_eq!(breaker.allow(t0), Err(Open));
        assert_eq!(breaker.allow(t0 + Duration::from_secs(9)), Err(Open));
        let later = t0 + Duration::from_secs(10);
        assert_eq!(breaker.allow(later), Ok(()), "the trial call");
        assert_eq!(breaker.allow(later), Err(Open), "one trial at a time");
        breaker.failed(later);
        assert_eq!(
            breaker.allow(later + Duration::from_secs(1)),
            Err(Open),
            "reopened"
        );
        let again = later + Duration::from_secs(10);
        assert_eq!(breaker.allow(again), Ok(()));
        breaker.succeeded();
        assert!(!breaker.is_open());
        assert_eq!(breaker.allow(again), Ok(()));
    }

    #[test]
    fn a_success_resets_the_count() {
        let breaker = CircuitBreaker::new(2, Duration::from_secs(1));
        let now = Instant::now();
        breaker.failed(now);
        breaker.succeeded();
        breaker.failed(now);
        assert_eq!(breaker.allow(now), Ok(()));
    }
}
