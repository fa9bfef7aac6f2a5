//! The node in its cluster (`[cluster]`): the engine's sessions handed to `ucs-cluster`
//! ([`EngineSessions`]), users' subscriptions told to it ([`Presence`]), and its background
//! work as a pingora service ([`ClusterService`]).

use crate::app::App;
use crate::auth::SharedLogins;
use async_trait::async_trait;
use futures_util::future::BoxFuture;
use pingora::server::ShutdownWatch;
use pingora::services::background::BackgroundService;
use serde_json::value::RawValue;
use std::sync::Arc;
use std::time::Duration;
use ucs_cluster::{Cluster, LocalSessions};
use ucs_cometd::{Engine, JsonText, SessionObserver};

/// The CometD engine's sessions, as the cluster delivers to them.
#[derive(Debug)]
pub(crate) struct EngineSessions {
    pub(crate) engine: Engine,
}

/// A JSON text received from another node (it was written by one).
fn json_text(data: &str) -> Option<JsonText> {
    let raw = RawValue::from_string(data.to_owned()).ok()?;
    JsonText::of(&raw).ok()
}

impl LocalSessions for EngineSessions {
    fn deliver_here(&self, user_id: &str, channel: &str, data: &str) -> usize {
        json_text(data).map_or(0, |data| {
            self.engine.deliver_json_here(user_id, channel, &data)
        })
    }

    fn park_here(&self, user_id: &str, channel: &str, data: &str) {
        if let Some(data) = json_text(data) {
            self.engine.park_json(user_id, channel, &data);
        }
    }

    fn holds(&self, user_id: &str) -> bool {
        self.engine.has_sessions(user_id)
    }

    fn users_here(&self) -> Vec<String> {
        self.engine.users()
    }
}

/// Tells the cluster where users' sessions are: on a subscribe (which also takes the
/// notifications kept for them), and when their last session here ends.
#[derive(Debug)]
pub(crate) struct Presence {
    pub(crate) cluster: Cluster,
}

impl SessionObserver for Presence {
    fn subscribed(&self, user_id: &str) {
        let (cluster, user_id) = (self.cluster.clone(), user_id.to_owned());
        tokio::spawn(async move { cluster.user_arrived(&user_id).await });
    }

    fn left(&self, user_id: &str) {
        let (cluster, user_id) = (self.cluster.clone(), user_id.to_owned());
        tokio::spawn(async move { cluster.user_left(&user_id).await });
    }
}

/// Static mode's `JSESSIONID` sessions, shared by the nodes through Redis.
#[derive(Debug)]
pub(crate) struct ClusterLogins {
    pub(crate) cluster: Cluster,
}

impl SharedLogins for ClusterLogins {
    fn record<'a>(&'a self, id: &'a str, user_name: &'a str, idle: Duration) -> BoxFuture<'a, ()> {
        Box::pin(self.cluster.record_login(id, user_name, idle))
    }

    fn user_of<'a>(&'a self, id: &'a str) -> BoxFuture<'a, Option<String>> {
        Box::pin(self.cluster.login_user(id))
    }

    fn renew<'a>(&'a self, id: &'a str, idle: Duration) -> BoxFuture<'a, ()> {
        Box::pin(self.cluster.renew_login(id, idle))
    }
}

/// The cluster's background work (Redis watchdog, bus, heartbeat) until shutdown.
#[derive(Debug)]
pub struct ClusterService {
    app: Arc<App>,
    cluster: Cluster,
    slot: u64,
}

impl ClusterService {
    /// The service of `cluster`, whose node holds `referenceId` slot `slot`.
    pub(crate) fn new(app: Arc<App>, cluster: Cluster, slot: u64) -> Self {
        Self { app, cluster, slot }
    }
}

#[async_trait]
impl BackgroundService for ClusterService {
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let history = Arc::clone(self.app.history());
        tokio::select! {
            () = self.cluster.run(history, self.slot) => {}
            _ = shutdown.changed() => {}
        }
    }
}
