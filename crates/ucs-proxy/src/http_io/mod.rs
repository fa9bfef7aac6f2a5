//! HTTP plumbing both listeners (the public edge and the admin service) share: writing a
//! complete answer, reading a bounded body, cookies. No routing and no decisions here.

mod answer;
mod body;
mod cookies;

pub(crate) use answer::{Answer, JSON_CONTENT_TYPE};
pub(crate) use body::{read_body, BodyError};
pub(crate) use cookies::{cookie, cookies, set_cookie, set_cookie_value};
