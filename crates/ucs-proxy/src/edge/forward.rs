//! A GET on a route that is not ours, read whole by the client's connection, relayed to the
//! GWS node of the caller's session without pingora's proxy path (`upstream::relay`): the
//! node chosen as for pingora's forwards (`passthrough.rs`), the request written with the same
//! `X-Forwarded-*` headers, the answer with the same `Date`, `Connection` and affinity cookie.

use super::{App, RequestLog};
use crate::auth::SESSION_COOKIE;
use crate::connection::{DirectOutcome, DirectRequest, DirectWriter};
use crate::http_io::{cookies_in, push_header_line, push_ip_text};
use crate::upstream::relay::{relay, HeadEdits, IdleConnections, Relayed};
use crate::upstream::{RouteKey, AFFINITY_COOKIE};
use std::net::IpAddr;

/// The most header lines of a request relayed (as many as the connection reads directly).
const MAX_HEADERS: usize = 32;

/// Whether a GET on `path` goes to the upstream (it is not one of the proxy's routes).
pub(super) fn forwards(app: &App, path: &str) -> bool {
    app.upstream.is_some() && !super::is_proxy_route(path)
}

/// Relays `request` to its node and the answer to the client. Nothing written: pingora's proxy
/// path takes it over (no healthy node, no connection, an answer not relayed here).
pub(super) async fn forward(
    app: &App,
    idle: &IdleConnections,
    request: DirectRequest,
    mut writer: DirectWriter<'_>,
) -> DirectOutcome {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let (Some(pool), Ok(_)) = (&app.upstream, parsed.parse(&request.head)) else {
        return DirectOutcome::Pingora;
    };
    let cookie_values = parsed
        .headers
        .iter()
        .filter(|header| header.name.eq_ignore_ascii_case("cookie"))
        .filter_map(|header| std::str::from_utf8(header.value).ok());
    let [affinity, session] = cookies_in(cookie_values, [AFFINITY_COOKIE, SESSION_COOKIE]);
    let key = RouteKey {
        affinity,
        session,
        client_ip: request.client_ip,
    };
    let Some((node_id, node)) = pool.route(&key) else {
        return DirectOutcome::Pingora;
    };
    let (Some(address), Some(head)) = (
        node.addr.as_inet(),
        upstream_head(&parsed, request.client_ip),
    ) else {
        return DirectOutcome::Pingora;
    };
    let date = pingora::protocols::http::date::get_cached_date();
    let edits = HeadEdits {
        date: date.as_bytes(),
        node: node_id.as_str(),
    };
    let mut log = RequestLog::new();
    let relayed = relay(idle, *address, &head, writer.stream(), &edits).await;
    log.upstream_node = Some(node_id);
    match relayed {
        Relayed::Answered { status } => {
            tracing::debug!(path = %request.path, status, "relayed before pingora");
            log.write_line("GET", &request.path, status);
            DirectOutcome::KeepAlive
        }
        Relayed::ClientGone => {
            tracing::debug!(path = %request.path, "the client left before the node answered");
            log.write_line("GET", &request.path, 0);
            DirectOutcome::Close
        }
        Relayed::NotStarted(error) => {
            tracing::debug!(%error, path = %request.path, "relay not started: pingora forwards");
            DirectOutcome::Pingora
        }
        Relayed::BrokeOff { status, error } => {
            tracing::warn!(%error, path = %request.path, "a relayed answer broke off");
            log.write_line("GET", &request.path, status);
            DirectOutcome::Close
        }
    }
}

/// The request fields pingora's proxy path does not forward (its default
/// `HttpUpstreamRequestPolicy`): hop-by-hop fields. (A request that nominates other fields in
/// `Connection`, or upgrades, is not relayed: see `connection/direct.rs`.)
const HOP_BY_HOP: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "http2-settings",
];

/// The request as the node receives it: the client's without its hop-by-hop fields, with
/// `X-Forwarded-For` (the client's address appended to the first earlier value) and
/// `X-Forwarded-Proto: http` in place of any earlier ones, where the first stood (else at the
/// end), as pingora's proxy path writes it (`passthrough.rs`). `None` (pingora forwards it)
/// without exactly one `Host`.
fn upstream_head(parsed: &httparse::Request<'_, '_>, client_ip: Option<IpAddr>) -> Option<Vec<u8>> {
    let hosts = parsed.headers.iter();
    if hosts
        .filter(|h| h.name.eq_ignore_ascii_case("host"))
        .count()
        != 1
    {
        return None;
    }
    let mut wire = Vec::with_capacity(512);
    for part in [parsed.method?, " ", parsed.path?, " HTTP/1.1\r\n"] {
        wire.extend_from_slice(part.as_bytes());
    }
    let forwarded_for = |earlier: Option<&[u8]>| {
        let mut value = earlier.map(<[u8]>::to_vec).unwrap_or_default();
        if let Some(ip) = client_ip {
            if !value.is_empty() {
                value.extend_from_slice(b", ");
            }
            push_ip_text(&mut value, &ip);
        }
        value
    };
    // Without the client's address (a Unix socket), `X-Forwarded-For` passes as it came.
    let (mut wrote_for, mut wrote_proto) = (client_ip.is_none(), false);
    for header in parsed.headers.iter() {
        let name = header.name;
        if client_ip.is_some() && name.eq_ignore_ascii_case("x-forwarded-for") {
            if !std::mem::replace(&mut wrote_for, true) {
                push_header_line(
                    &mut wire,
                    b"x-forwarded-for",
                    &forwarded_for(Some(header.value)),
                );
            }
        } else if name.eq_ignore_ascii_case("x-forwarded-proto") {
            if !std::mem::replace(&mut wrote_proto, true) {
                push_header_line(&mut wire, b"x-forwarded-proto", b"http");
            }
        } else if !HOP_BY_HOP.iter().any(|hop| name.eq_ignore_ascii_case(hop)) {
            push_header_line(&mut wire, name.as_bytes(), header.value);
        }
    }
    if !wrote_for {
        push_header_line(&mut wire, b"x-forwarded-for", &forwarded_for(None));
    }
    if !wrote_proto {
        push_header_line(&mut wire, b"x-forwarded-proto", b"http");
    }
    wire.extend_from_slice(b"\r\n");
    Some(wire)
}
