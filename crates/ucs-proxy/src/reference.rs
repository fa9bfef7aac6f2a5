//! `referenceId` allocation.

use std::sync::atomic::{AtomicU64, Ordering};

/// Hands out the `referenceId` of each accepted request: unique within the process and
/// increasing, starting at 1, as GWS numbers them.
#[derive(Debug)]
pub struct ReferenceIds {
    next: AtomicU64,
}

impl ReferenceIds {
    /// A counter whose first id is 1.
    pub fn new() -> Self {
        Self {
            next: AtomicU64::new(1),
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
    fn ids_start_at_one_and_never_repeat_across_threads() {
        let ids = Arc::new(ReferenceIds::new());
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
