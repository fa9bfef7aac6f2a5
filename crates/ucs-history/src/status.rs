//! How a query was answered with respect to the cache.

use std::fmt;

/// The cache's part in answering one query (`X-Cache` on the ack).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CacheStatus {
    /// Every part was cached and fresh.
    Hit,
    /// At least one part had to be asked from a backend.
    Miss,
    /// Every part was cached, at least one past its freshness (served, refreshed in background).
    Stale,
    /// The cache is off, or nothing in the query could be cached.
    Bypass,
}

impl CacheStatus {
    /// Every status, in label order.
    pub const ALL: [CacheStatus; 4] = [
        CacheStatus::Hit,
        CacheStatus::Miss,
        CacheStatus::Stale,
        CacheStatus::Bypass,
    ];

    /// The position of this status in [`CacheStatus::ALL`].
    pub const fn index(self) -> usize {
        match self {
            CacheStatus::Hit => 0,
            CacheStatus::Miss => 1,
            CacheStatus::Stale => 2,
            CacheStatus::Bypass => 3,
        }
    }

    /// `HIT`, `MISS`, `STALE` or `BYPASS`: the `X-Cache` value.
    pub fn as_header(self) -> &'static str {
        match self {
            CacheStatus::Hit => "HIT",
            CacheStatus::Miss => "MISS",
            CacheStatus::Stale => "STALE",
            CacheStatus::Bypass => "BYPASS",
        }
    }

    /// `hit`, `miss`, `stale` or `bypass`: the metric label.
    pub fn as_label(self) -> &'static str {
        match self {
            CacheStatus::Hit => "hit",
            CacheStatus::Miss => "miss",
            CacheStatus::Stale => "stale",
            CacheStatus::Bypass => "bypass",
        }
    }
}

impl fmt::Display for CacheStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_header())
    }
}
