//! `referenceId` allocation.

use std::sync::atomic::{AtomicU64, Ordering};

/// Hands out the `referenceId` of each accepted request: unique and increasing.
///
/// A process starts at its start time in milliseconds × 1000, so a process that replaces
/// another (graceful upgrade, restart) never hands out an id the old one did — a desktop
/// correlating results by `referenceId` cannot mix them up — unless the old one averaged a
/// million requests a second over its whole life. The ids stay below 2^53 (exact in a
/// JavaScript number) until the year 2255.
#[derive(Debug)]
pub struct ReferenceIds {
    next: AtomicU64,
}

impl ReferenceIds {
    /// A counter whose first id comes from the clock (see the type's documentation).
    pub fn new() -> Self {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_millis());
        Self::starting_at(
            u64::try_from(millis)
                .unwrap_or(0)
                .saturating_mul(1000)
                .max(1),
        )
    }

    /// A counter whose first id is `first`.
    pub fn starting_at(first: u64) -> Self {
        Self {
            next: AtomicU64::new(first),
        }
    }

    /// The next id. Never repeats within the process (a `u64` does not wrap in practice).
    pub fn next_id(&self) -> u64 {
        // Relaxed is enough: uniqueness comes from the atomic add itself, and no other memory is
        // published through this counter.
        self.next.fetch_add(1, Ordering::Relaxed)
    }
}

impl Default for ReferenceIds {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn a_later_process_starts_above_an_earlier_one_and_below_2_pow_53() {
        let earlier = ReferenceIds::new();
        let first = earlier.next_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later = ReferenceIds::new();
        assert!(later.next_id() >= first + 2000);
        assert!(first < 1 << 53);
    }

    #[test]
    fn ids_never_repeat_across_threads() {
        let ids = Arc::new(ReferenceIds::starting_at(1));
        assert_eq!(ids.next_id(), 1);
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let ids = Arc::clone(&ids);
                std::thread::spawn(move || (0..1000).map(|_| ids.next_id()).collect::<Vec<_>>())
            })
            .collect();
        let mut all: Vec<u64> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        for per_thread in all.chunks(1000) {
            assert!(per_thread.windows(2).all(|w| w[0] < w[1]));
        }
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 4000);
        assert_eq!(all[0], 2);
    }
}
