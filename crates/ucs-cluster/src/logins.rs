//! HTTP sessions (`JSESSIONID`) shared by the nodes: a session a node opened names its user in
//! Redis, so that any node accepts its cookie. Only the user's name travels: each node maps it
//! to the principal of its own (identical) user list.

use crate::clock::millis;
use crate::inner::Inner;
use std::time::Duration;

/// Records that session `id` is `user_name`'s, for `idle` (renewed by [`renew`]).
pub(crate) async fn record(inner: &Inner, id: &str, user_name: &str, idle: Duration) {
    let (key, user_name) = (inner.keys.login(id), user_name.to_owned());
    let _ = inner
        .link
        .run("login_set", |mut conn| async move {
            redis::cmd("SET")
                .arg(key)
                .arg(user_name)
                .arg("PX")
                .arg(millis(idle))
                .query_async::<()>(&mut conn)
                .await
        })
        .await;
}

/// The user whose session `id` is, if any node opened it and it is not idle.
pub(crate) async fn user_of(inner: &Inner, id: &str) -> Option<String> {
    let key = inner.keys.login(id);
    inner
        .link
        .run("login_get", |mut conn| async move {
            redis::cmd("GET").arg(key).query_async(&mut conn).await
        })
        .await
        .ok()
        .flatten()
}

/// Keeps session `id` alive for `idle` more.
pub(crate) async fn renew(inner: &Inner, id: &str, idle: Duration) {
    let key = inner.keys.login(id);
    let _ = inner
        .link
        .run("login_renew", |mut conn| async move {
            redis::cmd("PEXPIRE")
                .arg(key)
                .arg(millis(idle))
                .query_async::<()>(&mut conn)
                .await
        })
        .await;
}
