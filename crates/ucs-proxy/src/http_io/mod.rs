//! HTTP plumbing both listeners (the public edge and the admin service) share: writing a
//! complete answer, reading a bounded body, cookies, a header line on the wire. No routing and
//! no decisions here.

mod answer;
mod body;
mod cookies;

pub(crate) use answer::{Answer, JSON_CONTENT_TYPE};
pub(crate) use body::{read_body, BodyError};
pub(crate) use cookies::{cookie, cookies, cookies_in, set_cookie, set_cookie_value};

/// Appends the text form of `ip` (as `Display` writes it; an IPv4 address without the
/// formatting machinery, for the per-request paths).
pub(crate) fn push_ip_text(out: &mut Vec<u8>, ip: &std::net::IpAddr) {
    let std::net::IpAddr::V4(v4) = ip else {
        use std::io::Write;
        let _ = write!(out, "{ip}");
        return;
    };
    for (i, octet) in v4.octets().into_iter().enumerate() {
        if i > 0 {
            out.push(b'.');
        }
        if octet >= 100 {
            out.push(b'0' + octet / 100);
        }
        if octet >= 10 {
            out.push(b'0' + octet / 10 % 10);
        }
        out.push(b'0' + octet % 10);
    }
}

/// Appends the HTTP/1.1 status line of `status` with `reason` to a head being written.
pub(crate) fn push_status_line(wire: &mut Vec<u8>, status: http::StatusCode, reason: &[u8]) {
    wire.extend_from_slice(b"HTTP/1.1 ");
    wire.extend_from_slice(status.as_str().as_bytes());
    wire.push(b' ');
    wire.extend_from_slice(reason);
    wire.extend_from_slice(b"\r\n");
}

/// Appends the HTTP/1 header line `name: value` to a head being written.
pub(crate) fn push_header_line(wire: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    wire.extend_from_slice(name);
    wire.extend_from_slice(b": ");
    wire.extend_from_slice(value);
    wire.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::push_ip_text;
    use std::net::IpAddr;

    #[test]
    fn an_address_is_written_as_display_writes_it() {
        for text in [
            "0.0.0.0",
            "127.0.0.1",
            "10.20.100.255",
            "9.99.199.200",
            "::1",
            "fe80::1:2",
        ] {
            let ip: IpAddr = text.parse().unwrap();
            let mut out = Vec::new();
            push_ip_text(&mut out, &ip);
            assert_eq!(out, ip.to_string().into_bytes(), "{text}");
        }
    }
}
