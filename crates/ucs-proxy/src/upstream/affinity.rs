//! Session affinity to GWS nodes: the node that issued a GWS session (`JSESSIONID`) keeps
//! receiving that session's requests, because GWS nodes do not share sessions.
//!
//! The proxy names the node in a cookie of its own beside GWS's (`UCSPROXY_NODE`, as HAProxy's
//! `cookie insert` or nginx's sticky cookie do). The name is derived from the node's address
//! alone, so it is stateless: every proxy of a cluster with the same `[upstream] servers` reads
//! it the same way. Without that cookie the node is chosen by hashing the `JSESSIONID`, else
//! the client's IP address (never its port: a browser opens many connections).

use pingora::lb::Backend;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::Arc;

/// The cookie that names the GWS node of the caller's session.
pub const AFFINITY_COOKIE: &str = "UCSPROXY_NODE";

/// A node's stable name: 12 hex digits of the SHA-256 of its address (shared, cheap to copy).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct NodeId(Arc<str>);

impl NodeId {
    /// The name of `backend` (computed: a digest).
    pub(crate) fn of(backend: &Backend) -> NodeId {
        let digest = Sha256::digest(backend.addr.to_string().as_bytes());
        let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        NodeId(hex.into())
    }

    /// The name as the cookie carries it.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a request says about the node it belongs to.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RouteKey<'a> {
    /// The `UCSPROXY_NODE` cookie.
    pub(crate) affinity: Option<&'a str>,
    /// The `JSESSIONID` cookie.
    pub(crate) session: Option<&'a str>,
    /// The client's address (its IP alone counts).
    pub(crate) client_ip: Option<IpAddr>,
}

impl RouteKey<'_> {
    /// The key a node is hashed from when no affinity cookie decides: the GWS session, else the
    /// client's IP address.
    pub(crate) fn hash_key(&self) -> Vec<u8> {
        match (self.session, self.client_ip) {
            (Some(session), _) => session.as_bytes().to_vec(),
            (None, Some(ip)) => {
                let mut key = Vec::with_capacity(15);
                crate::http_io::push_ip_text(&mut key, &ip);
                key
            }
            (None, None) => Vec::new(),
        }
    }
}
