//! Notifications across nodes. The node that finishes a query delivers to the caller's sessions
//! here, then sends one message to each other node that holds a session of theirs (the
//! presence view says which: `presence.rs`); a notification nobody took is kept in Redis for
//! `cluster.pending` and handed to the first session of that user that subscribes on any node.

use crate::clock::millis;
use crate::inner::Inner;
use crate::message::BusMessage;
use serde_json::value::RawValue;

/// How many notifications are kept per user at most (the oldest go first).
const PENDING_PER_USER: isize = 16;

/// Delivers `data` (JSON) on `channel` to every session of `user_id` in the cluster.
pub(crate) async fn deliver(inner: &Inner, user_id: &str, channel: &str, data: &str) {
    let here = inner.sessions.deliver_here(user_id, channel, data);
    if here > 0 {
        inner.metrics.delivered("local");
    }
    if !inner.link.is_up() {
        if here == 0 {
            inner.sessions.park_here(user_id, channel, data);
            inner.metrics.delivered("parked");
        }
        return;
    }
    let mut sent = 0;
    for node in inner.presence.nodes_of(user_id) {
        let message = BusMessage::Deliver {
            user: user_id.to_owned(),
            channel: channel.to_owned(),
            data: data.to_owned(),
        };
        // PUBLISH answers how many subscribers got it: none when that node just died.
        if inner
            .link
            .publish(inner.keys.node_channel(&node), &message)
            .await
            > 0
        {
            inner.metrics.delivered("remote");
            sent += 1;
        } else {
            // Nobody listens on that node's channel: it is gone.
            inner.presence.left(&node, user_id);
        }
    }
    if here == 0 && sent == 0 {
        keep(inner, user_id, channel, data).await;
    }
}

/// A notification another node sent for sessions here.
pub(crate) async fn arrived(inner: &Inner, user_id: &str, channel: &str, data: &str) {
    if inner.sessions.deliver_here(user_id, channel, data) > 0 {
        inner.metrics.delivered("local");
    } else {
        // Their session here ended meanwhile.
        keep(inner, user_id, channel, data).await;
    }
}

/// A kept notification.
#[derive(serde::Serialize, serde::Deserialize)]
struct Kept {
    channel: String,
    data: Box<RawValue>,
}

/// Keeps a notification nobody took: in Redis for any node (and pokes the nodes that hold a
/// session of the user by now), or here while Redis is down.
async fn keep(inner: &Inner, user_id: &str, channel: &str, data: &str) {
    let kept = RawValue::from_string(data.to_owned())
        .ok()
        .and_then(|data| {
            serde_json::to_string(&Kept {
                channel: channel.to_owned(),
                data,
            })
            .ok()
        });
    let Some(kept) = kept else {
        return;
    };
    let key = inner.keys.pending(user_id);
    let mut pipe = redis::pipe();
    pipe.cmd("RPUSH")
        .arg(&key)
        .arg(kept)
        .ignore()
        .cmd("LTRIM")
        .arg(&key)
        .arg(-PENDING_PER_USER)
        .arg(-1)
        .ignore()
        .cmd("PEXPIRE")
        .arg(&key)
        .arg(millis(inner.settings().pending))
        .ignore();
    let stored = inner.link.send("pending_keep", pipe).await;
    if stored.is_err() {
        inner.sessions.park_here(user_id, channel, data);
        inner.metrics.delivered("parked");
        return;
    }
    inner.metrics.delivered("pending");
    // A session may have subscribed between the presence read and the keep: its node takes
    // them now.
    for node in inner.presence.nodes_of(user_id) {
        let poke = BusMessage::Pending {
            user: user_id.to_owned(),
        };
        inner
            .link
            .publish(inner.keys.node_channel(&node), &poke)
            .await;
    }
    if inner.sessions.holds(user_id) {
        take_pending(inner, user_id).await;
    }
}

/// Takes the notifications kept for `user_id` and delivers them to their sessions here.
pub(crate) async fn take_pending(inner: &Inner, user_id: &str) {
    let key = inner.keys.pending(user_id);
    // LPOP with a count takes them atomically: two nodes never both deliver one.
    let mut lpop = redis::cmd("LPOP");
    lpop.arg(key).arg(PENDING_PER_USER);
    let Ok(Some(taken)) = inner
        .link
        .query::<Option<Vec<String>>>("pending_take", lpop)
        .await
    else {
        return;
    };
    for kept in taken {
        if let Ok(kept) = serde_json::from_str::<Kept>(&kept) {
            inner.metrics.delivered("local");
            let data = kept.data.get();
            if inner.sessions.deliver_here(user_id, &kept.channel, data) == 0 {
                inner.sessions.park_here(user_id, &kept.channel, data);
            }
        }
    }
}
