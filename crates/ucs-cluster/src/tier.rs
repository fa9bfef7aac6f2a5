//! The second cache tier in Redis ([`SecondTier`]): entries as JSON with their freshness as TTL,
//! checked on every read against the change log of their tenant and media type and the purge
//! epoch, filled under a lease so that one node of the cluster calls the backend at a time.

use crate::clock::{millis, now_ms};
use crate::inner::Inner;
use crate::keys::Keys;
use crate::message::BusMessage;
use crate::waiters::Waiter;
use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use ucs_history::{Fill, FillMark, SecondTier, TierEntry, TierKey};
use ucs_model::{Interaction, InteractionChange, MediaType};

/// How many of the latest changes of a tenant's media type a read checks. An entry older than
/// all of them is not trusted (more may have come since it was filled).
const CHANGES_CHECKED: usize = 64;
/// How long a node waiting for another's fill sleeps between two looks (a published "filled"
/// wakes it sooner).
const WAIT_SLICE: Duration = Duration::from_millis(100);
/// Releases a lease only if this node still holds it.
const RELEASE_LEASE: &str =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/// A shared entry as written.
#[derive(Serialize)]
struct EntryOut<'a> {
    key: &'a str,
    since: &'a str,
    epoch: u64,
    fresh_until_ms: u64,
    interactions: &'a [Interaction],
}

/// A shared entry as read.
#[derive(Deserialize)]
struct EntryIn {
    key: String,
    since: String,
    epoch: u64,
    fresh_until_ms: u64,
    interactions: Vec<Interaction>,
}

/// A change log's entries as `XREVRANGE` answers them: id, then field and value.
type LogEntries = Vec<(String, Vec<String>)>;

/// A stream id (`ms-seq`) as a comparable pair; an unreadable one as the smallest.
pub(crate) fn stream_id(id: &str) -> (u64, u64) {
    let (ms, seq) = id.split_once('-').unwrap_or((id, "0"));
    (ms.parse().unwrap_or(0), seq.parse().unwrap_or(0))
}

/// The second tier of one node: a handle on the cluster's shared state.
#[derive(Clone, Debug)]
pub struct RedisTier {
    pub(crate) inner: Arc<Inner>,
}

/// What a key's entry is called and checked against.
struct Names {
    identity: String,
    digest: String,
    tenant: String,
    media_type: MediaType,
}

impl Names {
    fn of(key: &TierKey) -> Option<Self> {
        let identity = Keys::entry_identity(key);
        Some(Self {
            digest: Keys::digest(&identity),
            identity,
            tenant: key.key.scope().tenant().to_owned(),
            media_type: key.key.media_type()?,
        })
    }
}

impl RedisTier {
    async fn read(&self, key: &TierKey, names: &Names) -> Option<TierEntry> {
        let keys = &self.inner.keys;
        let mut get = redis::cmd("GET");
        get.arg(keys.entry(&names.digest));
        let log = self.log_since(names, CHANGES_CHECKED);
        let epoch = self.epoch();
        // Three keys of three slots (a Redis Cluster): sent side by side, one round trip.
        let (raw, log, epoch): (Option<String>, LogEntries, Option<u64>) = self
            .inner
            .link
            .run("l2_get", |conn| async move {
                let (mut c1, mut c2, mut c3) = (conn.clone(), conn.clone(), conn);
                tokio::try_join!(
                    get.query_async(&mut c1),
                    log.query_async(&mut c2),
                    epoch.query_async(&mut c3)
                )
            })
            .await
            .ok()?;
        let entry: EntryIn = serde_json::from_str(&raw?).ok()?;
        let fresh_for = Duration::from_millis(entry.fresh_until_ms.checked_sub(now_ms())?);
        if entry.key != names.identity || entry.epoch != epoch.unwrap_or(0) {
            return None;
        }
        let since = stream_id(&entry.since);
        let newer: Vec<&(String, Vec<String>)> =
            log.iter().filter(|(id, _)| stream_id(id) > since).collect();
        if newer.len() == CHANGES_CHECKED {
            return None;
        }
        let query = key.key.query();
        let affected = newer.iter().any(|(_, fields)| {
            fields
                .get(1)
                .and_then(|json| serde_json::from_str::<InteractionChange>(json).ok())
                .is_none_or(|change| query.affected_by(&change, &entry.interactions))
        });
        (!affected).then(|| TierEntry {
            interactions: Arc::new(entry.interactions),
            fresh_for,
        })
    }

    /// Tries to take the lease of a key (with one), and reads where the change log and the
    /// epoch stand: the mark of a fill. `Ok(None)`: another node holds the lease.
    async fn try_mark(
        &self,
        names: &Names,
        lease: Option<String>,
    ) -> Result<Option<FillMark>, crate::ClusterError> {
        let keys = &self.inner.keys;
        let take = match &lease {
            Some(token) => {
                let mut set = redis::cmd("SET");
                set.arg(keys.lease(&names.digest))
                    .arg(token)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(self.inner.settings().lease));
                set
            }
            None => {
                let mut echo = redis::cmd("ECHO");
                echo.arg("OK");
                echo
            }
        };
        let last = self.log_since(names, 1);
        let epoch = self.epoch();
        let (taken, last, epoch): (Option<String>, LogEntries, Option<u64>) = self
            .inner
            .link
            .run("l2_mark", |conn| async move {
                let (mut c1, mut c2, mut c3) = (conn.clone(), conn.clone(), conn);
                tokio::try_join!(
                    take.query_async(&mut c1),
                    last.query_async(&mut c2),
                    epoch.query_async(&mut c3)
                )
            })
            .await?;
        Ok(taken.map(|_| FillMark {
            since: last
                .first()
                .map_or_else(|| "0-0".to_owned(), |(id, _)| id.clone()),
            epoch: epoch.unwrap_or(0),
            lease,
        }))
    }

    /// The latest `count` changes of the entry's tenant and media type, newest first.
    fn log_since(&self, names: &Names, count: usize) -> redis::Cmd {
        let mut log = redis::cmd("XREVRANGE");
        log.arg(self.inner.keys.changes(&names.tenant, names.media_type))
            .arg("+")
            .arg("-")
            .arg("COUNT")
            .arg(count);
        log
    }

    /// The purge epoch.
    fn epoch(&self) -> redis::Cmd {
        let mut epoch = redis::cmd("GET");
        epoch.arg(self.inner.keys.epoch());
        epoch
    }

    async fn fill(&self, key: &TierKey, lease: bool) -> Fill {
        let Some(names) = Names::of(key) else {
            return Fill::Alone;
        };
        let deadline = tokio::time::Instant::now() + self.inner.settings().lease;
        loop {
            let token = lease.then(crate::inner::random_token);
            match self.try_mark(&names, token).await {
                Ok(Some(mark)) if mark.lease.is_none() => return Fill::Lead(mark),
                Ok(Some(mark)) => {
                    // The lease is free: maybe because its holder has just filled the entry.
                    return match self.read(key, &names).await {
                        Some(found) => {
                            self.abandon(key.clone(), mark).await;
                            Fill::Found(found)
                        }
                        None => Fill::Lead(mark),
                    };
                }
                Ok(None) => {}
                Err(_) => return Fill::Alone,
            }
            // Another node is filling it: wait for its answer (woken by its "filled"), and take
            // over once its lease is gone.
            let waiter = Waiter::new(&self.inner.waiters, &names.digest);
            if let Some(found) = self.read(key, &names).await {
                return Fill::Found(found);
            }
            if tokio::time::Instant::now() >= deadline || !self.inner.link.is_up() {
                return Fill::Alone;
            }
            waiter.wait(WAIT_SLICE).await;
            if let Some(found) = self.read(key, &names).await {
                return Fill::Found(found);
            }
        }
    }

    async fn store(&self, key: TierKey, mark: FillMark, entry: TierEntry) {
        let Some(names) = Names::of(&key) else {
            return;
        };
        let fresh_for = entry.fresh_for.min(self.inner.settings().change_log);
        if !fresh_for.is_zero() {
            let value = EntryOut {
                key: &names.identity,
                since: &mark.since,
                epoch: mark.epoch,
                fresh_until_ms: now_ms() + millis(fresh_for),
                interactions: &entry.interactions,
            };
            let Ok(value) = serde_json::to_string(&value) else {
                return;
            };
            let mut set = redis::cmd("SET");
            set.arg(self.inner.keys.entry(&names.digest))
                .arg(value)
                .arg("PX")
                .arg(millis(fresh_for));
            let _ = self.inner.link.query::<()>("l2_put", set).await;
        }
        // Written first: the nodes woken by "filled" find it.
        self.release(&names, &mark).await;
    }

    /// Releases `mark`'s lease, if it holds one, and wakes the nodes waiting for it.
    async fn release(&self, names: &Names, mark: &FillMark) {
        let Some(token) = &mark.lease else {
            return;
        };
        let keys = &self.inner.keys;
        let mut release = redis::cmd("EVAL");
        release
            .arg(RELEASE_LEASE)
            .arg(1)
            .arg(keys.lease(&names.digest))
            .arg(token);
        let _ = self.inner.link.query::<()>("l2_release", release).await;
        let filled = BusMessage::Filled {
            digest: names.digest.clone(),
        };
        self.inner.link.publish(keys.bus(), &filled).await;
    }
}

impl SecondTier for RedisTier {
    fn get<'a>(&'a self, key: &'a TierKey) -> BoxFuture<'a, Option<TierEntry>> {
        Box::pin(async move { self.read(key, &Names::of(key)?).await })
    }

    fn begin_fill<'a>(&'a self, key: &'a TierKey, lease: bool) -> BoxFuture<'a, Fill> {
        Box::pin(self.fill(key, lease))
    }

    fn put(&self, key: TierKey, mark: FillMark, entry: TierEntry) -> BoxFuture<'_, ()> {
        Box::pin(self.store(key, mark, entry))
    }

    fn abandon(&self, key: TierKey, mark: FillMark) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            let Some(names) = Names::of(&key) else {
                return;
            };
            self.release(&names, &mark).await;
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_ids_compare_by_time_then_sequence() {
        assert!(stream_id("1700000000000-1") > stream_id("1700000000000-0"));
        assert!(stream_id("1700000000001-0") > stream_id("1700000000000-9"));
        assert!(stream_id("0-0") < stream_id("1-0"));
        assert_eq!(stream_id("junk"), (0, 0));
    }
}
