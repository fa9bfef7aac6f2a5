//! Routes that are not ours, forwarded to the GWS node of the caller's session: the node is
//! chosen from the `UCSPROXY_NODE` cookie (else the `JSESSIONID`, else the client's IP), and
//! when GWS opens a session the answer also names that node in `UCSPROXY_NODE`.

use super::RequestLog;
use crate::auth::SESSION_COOKIE;
use crate::http_io::{cookies, set_cookie, set_cookie_value};
use crate::upstream::{RouteKey, UpstreamPool, AFFINITY_COOKIE};
use pingora::http::{RequestHeader, ResponseHeader};
use pingora::prelude::{HttpPeer, Session};
use pingora::{Error, ErrorType};
use std::net::IpAddr;

/// The client's IP address (its port never counts).
pub(crate) fn client_ip(session: &Session) -> Option<IpAddr> {
    session
        .client_addr()
        .and_then(|a| a.as_inet())
        .map(|a| a.ip())
}

/// What the request says about its GWS node.
pub(crate) fn route_key(session: &Session) -> RouteKey<'_> {
    let [affinity, session_cookie] = cookies(
        &session.req_header().headers,
        [AFFINITY_COOKIE, SESSION_COOKIE],
    );
    RouteKey {
        affinity,
        session: session_cookie,
        client_ip: client_ip(session),
    }
}

/// The node a forwarded request goes to (remembered in `log` for the answer). No healthy node:
/// HTTP 502.
pub(crate) fn peer(
    pool: Option<&UpstreamPool>,
    session: &Session,
    log: &mut RequestLog,
) -> pingora::Result<Box<HttpPeer>> {
    let Some(pool) = pool else {
        return Err(Error::explain(
            ErrorType::HTTPStatus(502),
            "no upstream is configured",
        ));
    };
    let (node_id, node) = pool
        .route(&route_key(session))
        .ok_or_else(|| Error::explain(ErrorType::HTTPStatus(502), "no healthy upstream node"))?;
    log.upstream_node = Some(node_id);
    Ok(Box::new(HttpPeer::new(node.addr, false, String::new())))
}

/// Forwarded requests carry `X-Forwarded-For` (appended) and `X-Forwarded-Proto`.
pub(crate) fn add_forwarded_headers(
    session: &Session,
    upstream_request: &mut RequestHeader,
) -> pingora::Result<()> {
    if let Some(ip) = client_ip(session) {
        let forwarded = match upstream_request.headers.get("x-forwarded-for") {
            Some(earlier) => format!("{}, {ip}", earlier.to_str().unwrap_or_default()),
            None => ip.to_string(),
        };
        upstream_request.insert_header("x-forwarded-for", forwarded)?;
    }
    upstream_request.insert_header("x-forwarded-proto", "http")?;
    Ok(())
}

/// When GWS's answer opens a session, names the node that holds it in `UCSPROXY_NODE`; every
/// other header passes unchanged.
pub(crate) fn mark_session_node(
    upstream_response: &mut ResponseHeader,
    log: &RequestLog,
) -> pingora::Result<()> {
    let Some(node) = &log.upstream_node else {
        return Ok(());
    };
    if set_cookie_value(&upstream_response.headers, SESSION_COOKIE).is_some() {
        upstream_response
            .append_header("set-cookie", set_cookie(AFFINITY_COOKIE, node.as_str()))?;
    }
    Ok(())
}
