//! The state a node's cluster parts share: the Redis link, the key names, the waits for fills,
//! the messages that could not be sent while Redis was down, and the local sessions.

use crate::keys::Keys;
use crate::link::Link;
use crate::message::BusMessage;
use crate::metrics::ClusterMetrics;
use crate::sessions::LocalSessions;
use crate::settings::ClusterSettings;
use crate::view::PresenceView;
use crate::waiters::Waiters;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use ucs_history::HistoryService;

/// How many broadcasts wait for Redis at most; past it they are replaced by one purge of every
/// node's cache (see [`Outbox`]).
const OUTBOX_LIMIT: usize = 10_000;

/// Broadcasts (changes, purges, resyncs) made while Redis was down, sent when it is back.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    pub(crate) messages: VecDeque<BusMessage>,
    /// Some were dropped: the other nodes must drop everything instead.
    pub(crate) overflowed: bool,
}

/// The node's shared cluster state.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) link: Link,
    pub(crate) keys: Keys,
    pub(crate) waiters: Waiters,
    pub(crate) outbox: Mutex<Outbox>,
    pub(crate) metrics: ClusterMetrics,
    pub(crate) sessions: Arc<dyn LocalSessions>,
    /// The users of the other nodes.
    pub(crate) presence: PresenceView,
    /// The history service, once the cluster runs (remote changes and purges go to it).
    pub(crate) history: OnceLock<Arc<HistoryService>>,
}

impl Inner {
    pub(crate) fn new(
        settings: ClusterSettings,
        metrics: ClusterMetrics,
        sessions: Arc<dyn LocalSessions>,
    ) -> Self {
        Self {
            keys: Keys::new(&settings.key_prefix),
            link: Link::new(settings, metrics.clone()),
            waiters: Waiters::default(),
            outbox: Mutex::new(Outbox::default()),
            metrics,
            sessions,
            presence: PresenceView::default(),
            history: OnceLock::new(),
        }
    }

    pub(crate) fn settings(&self) -> &ClusterSettings {
        self.link.settings()
    }

    pub(crate) fn node_id(&self) -> &str {
        &self.settings().node_id
    }

    pub(crate) fn outbox(&self) -> MutexGuard<'_, Outbox> {
        self.outbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps a broadcast for when Redis is back.
    pub(crate) fn keep_for_later(&self, message: BusMessage) {
        let mut outbox = self.outbox();
        if outbox.messages.len() >= OUTBOX_LIMIT {
            outbox.messages.clear();
            outbox.overflowed = true;
        }
        if !outbox.overflowed {
            outbox.messages.push_back(message);
        }
    }
}

/// 128 random bits as hex: lease tokens.
pub(crate) fn random_token() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
