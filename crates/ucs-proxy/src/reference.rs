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
    /// How far apart two ids of this process are: 1 alone; in a cluster, the number of slots,
    /// each node's ids being its slot modulo it (unique across the nodes).
    stride: u64,
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
            stride: 1,
        }
    }

    /// The counter of a cluster node holding `slot` of `slots`: its ids start from the clock
    /// as [`ReferenceIds::new`]'s do, are `slot` modulo `slots` (no two nodes share one) and
    /// increase by `slots`.
    pub fn for_slot(slot: u64, slots: u64) -> Self {
        let slots = slots.max(1);
        let clock = Self::new().next_id();
        Self {
            next: AtomicU64::new(clock - clock % slots + slot % slots),
            stride: slots,
        }
    }

    /// The next id. Never repeats within the process (a `u64` does not wrap in practice).
    pub fn next_id(&self) -> u64 {
        // Relaxed is enough: uniqueness comes from the atomic add itself, and no other memory is
        // published through this counter.
        self.next.fetch_add(self.stride, Ordering::Relaxed)
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
    fn nodes_of_other_slots_never_share_an_id() {
        let (a, b) = (ReferenceIds::for_slot(3, 64), ReferenceIds::for_slot(5, 64));
        let ids_a: Vec<u64> = (0..100).map(|_| a.next_id()).collect();
        let ids_b: Vec<u64> = (0..100).map(|_| b.next_id()).collect();
        assert!(ids_a.windows(2).all(|w| w[0] < w[1]));
        assert!(ids_a.iter().all(|id| id % 64 == 3));
        assert!(ids_b.iter().all(|id| id % 64 == 5));
        assert!(ids_a[0] < 1 << 53);
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
