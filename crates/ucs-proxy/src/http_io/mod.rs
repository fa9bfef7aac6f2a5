//! HTTP plumbing both listeners (the public edge and the admin service) share: writing a
//! complete answer, reading a bounded body, cookies, a header line on the wire. No routing and
//! no decisions here.

mod answer;
mod body;
mod cookies;

pub(crate) use answer::{Answer, JSON_CONTENT_TYPE};
pub(crate) use body::{read_body, BodyError};
pub(crate) use cookies::{cookie, cookies, set_cookie, set_cookie_value};

/// Appends the HTTP/1 header line `name: value` to a head being written.
pub(crate) fn push_header_line(wire: &mut Vec<u8>, name: &[u8], value: &[u8]) {
    wire.extend_from_slice(name);
    wire.extend_from_slice(b": ");
    wire.extend_from_slice(value);
    wire.extend_from_slice(b"\r\n");
}
