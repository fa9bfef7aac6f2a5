//! HTTP sessions (`JSESSIONID`) shared by the nodes: a session a node opened names its user in
//! Redis, so that any node accepts its cookie. Only the user's name travels: each node maps it
//! to the principal of its own (identical) user list.

use crate::clock::millis;
use crate::inner::Inner;
use std::time::Duration;

/// Records that session `id` is `user_name`'s, for `idle` (renewed by [`renew`]).
pub(crate) async fn record(inner: &Inner, id: &str, user_name: &str, idle: Duration) {
    let mut set = redis::cmd("SET");
    set.arg(inner.keys.login(id))
        .arg(user_name)
        .arg("PX")
        .arg(millis(idle));
    let _ = inner.link.query::<()>("login_set", set).await;
}

/// The user whose session `id` is, if any node opened it and it is not idle.
pub(crate) async fn user_of(inner: &Inner, id: &str) -> Option<String> {
    let mut get = redis::cmd("GET");
    get.arg(inner.keys.login(id));
    inner.link.query("login_get", get).await.ok().flatten()
}

/// Keeps session `id` alive for `idle` more.
pub(crate) async fn renew(inner: &Inner, id: &str, idle: Duration) {
    let mut pexpire = redis::cmd("PEXPIRE");
    pexpire.arg(inner.keys.login(id)).arg(millis(idle));
    let _ = inner.link.query::<()>("login_renew", pexpire).await;
}
