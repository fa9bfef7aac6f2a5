//! The upstream GWS pool: everything the proxy does not serve itself is forwarded there,
//! unchanged, by pingora (load balancing and active TCP health checks from
//! pingora-load-balancing; a node that fails its check leaves the rotation until it passes).
//! Which node serves a request follows the caller's GWS session (`affinity.rs`). A plain GET
//! the client's connection read whole is relayed without pingora's proxy path (`relay/`).

mod affinity;
pub(crate) mod relay;

pub use affinity::AFFINITY_COOKIE;
pub(crate) use affinity::{NodeId, RouteKey};

use crate::config::{UpstreamConfig, UpstreamSelection};
use pingora::lb::selection::{BackendIter, BackendSelection, Consistent, RoundRobin};
use pingora::lb::{health_check::TcpHealthCheck, Backend, LoadBalancer};
use pingora::services::background::background_service;
use pingora::services::ServiceWithDependents;
use std::sync::Arc;

/// How many candidates a selection may try before giving up (every node of a small pool).
const MAX_SELECTION_STEPS: usize = 256;

/// The upstream nodes, their names, and how one is chosen.
#[derive(Clone, Debug)]
pub(crate) struct UpstreamPool {
    selection: Selection,
    /// Every configured node with its name (computed once: a name is a digest).
    names: Arc<[(Backend, NodeId)]>,
}

/// How a node is chosen.
#[derive(Clone)]
enum Selection {
    /// Each request to the next healthy node.
    RoundRobin(Arc<LoadBalancer<RoundRobin>>),
    /// Consistent hashing on the `JSESSIONID` cookie: a GWS session (and its CSRF token) stays
    /// on one node while that node is healthy.
    SessionHash(Arc<LoadBalancer<Consistent>>),
}

impl std::fmt::Debug for Selection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Selection::RoundRobin(_) => "Selection::RoundRobin",
            Selection::SessionHash(_) => "Selection::SessionHash",
        })
    }
}

impl UpstreamPool {
    fn new(selection: Selection) -> Self {
        let backends = match &selection {
            Selection::RoundRobin(lb) => lb.backends().get_backend(),
            Selection::SessionHash(lb) => lb.backends().get_backend(),
        };
        let names = backends
            .iter()
            .map(|node| (node.clone(), NodeId::of(node)))
            .collect();
        Self { selection, names }
    }

    /// The healthy node a request goes to, and its name: the node its affinity cookie names
    /// while that node is healthy, else one chosen by the configured selection from the GWS
    /// session or the client's IP address. `None` when every node is down.
    pub(crate) fn route(&self, key: &RouteKey<'_>) -> Option<(NodeId, Backend)> {
        if let Some(wanted) = key.affinity {
            if let Some(named) = self.healthy_node_named(wanted) {
                return Some(named);
            }
        }
        let hash_key = key.hash_key();
        let node = match &self.selection {
            Selection::RoundRobin(lb) => lb.select(&hash_key, MAX_SELECTION_STEPS),
            Selection::SessionHash(lb) => lb.select(&hash_key, MAX_SELECTION_STEPS),
        }?;
        Some((self.name_of(&node), node))
    }

    /// The name of a configured node.
    fn name_of(&self, node: &Backend) -> NodeId {
        self.names
            .iter()
            .find(|(named, _)| named.addr == node.addr)
            .map_or_else(|| NodeId::of(node), |(_, name)| name.clone())
    }

    /// The configured node named `name`, if it passes its health checks.
    fn healthy_node_named(&self, name: &str) -> Option<(NodeId, Backend)> {
        let (node, id) = self.names.iter().find(|(_, id)| id.as_str() == name)?;
        let ready = match &self.selection {
            Selection::RoundRobin(lb) => lb.backends().ready(node),
            Selection::SessionHash(lb) => lb.backends().ready(node),
        };
        ready.then(|| (id.clone(), node.clone()))
    }
}

/// Why the upstream pool could not be built.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamSetupError {
    /// A server is not a usable `host:port`.
    #[error("upstream.servers: {0}")]
    Servers(String),
}

/// The background service that runs a pool's health checks (add it to the server).
pub(crate) type HealthChecks = Box<dyn ServiceWithDependents>;

/// The pool of `config` and the background service that runs its health checks; `None` when no
/// upstream server is configured.
pub(crate) fn build_pool(
    config: &UpstreamConfig,
) -> Result<Option<(UpstreamPool, HealthChecks)>, UpstreamSetupError> {
    if config.servers.is_empty() {
        return Ok(None);
    }
    Ok(Some(match config.selection {
        UpstreamSelection::RoundRobin => {
            let (lb, checks) = health_checked::<RoundRobin>(config)?;
            (UpstreamPool::new(Selection::RoundRobin(lb)), checks)
        }
        UpstreamSelection::SessionHash => {
            let (lb, checks) = health_checked::<Consistent>(config)?;
            (UpstreamPool::new(Selection::SessionHash(lb)), checks)
        }
    }))
}

/// A load balancer over the configured servers with TCP health checks at the configured interval.
fn health_checked<S>(
    config: &UpstreamConfig,
) -> Result<(Arc<LoadBalancer<S>>, HealthChecks), UpstreamSetupError>
where
    S: BackendSelection + Send + Sync + 'static,
    S::Iter: BackendIter,
{
    let mut lb = LoadBalancer::<S>::try_from_iter(&config.servers)
        .map_err(|e| UpstreamSetupError::Servers(e.to_string()))?;
    lb.set_health_check(TcpHealthCheck::new());
    lb.health_check_frequency = Some(config.health_check_interval);
    let service = background_service("upstream health checks", lb);
    Ok((service.task(), Box::new(service)))
}
