//! Clients that go away while sending their request headers are normal on the internet, but
//! pingora logs each one as an ERROR ("Fail to proxy: … downstream session type: …") before any
//! hook of ours runs: an unauthenticated client could flood the log with them. This layer keeps
//! those lines out of the log (they remain at debug level in pingora's own words) and counts
//! them instead (`ucs_proxy_downstream_dropped_total`).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};

/// Connections dropped mid-headers since start.
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// How many connections were dropped mid-headers since start.
pub(crate) fn dropped_mid_headers() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// The layer that holds those lines back.
#[derive(Debug, Default)]
pub(crate) struct ClientDrops;

/// Whether a log message is pingora's line for a request that never arrived whole.
fn is_client_drop(message: &str) -> bool {
    message.starts_with("Fail to proxy:") && message.contains("downstream session type:")
}

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for ClientDrops {
    fn event_enabled(&self, event: &Event<'_>, _ctx: Context<'_, S>) -> bool {
        // pingora logs through `log`; bridged events may carry the target `log` (the real one
        // is a field), so the message alone decides, at ERROR level.
        if *event.metadata().level() != Level::ERROR {
            return true;
        }
        let mut message = Message::default();
        event.record(&mut message);
        if is_client_drop(&message.0) {
            DROPPED.fetch_add(1, Ordering::Relaxed);
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pingora_s_mid_header_drops_are_held_back() {
        assert!(is_client_drop(
            "Fail to proxy: Downstream ConnectionClosed context: …, downstream session type: HTTP/1.1"
        ));
        assert!(!is_client_drop("Fail to proxy: Upstream ConnectRefused"));
        assert!(!is_client_drop("Fail to filter request: InvalidChunk"));
    }
}
