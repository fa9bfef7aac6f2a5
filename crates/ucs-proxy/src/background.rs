//! Housekeeping that runs beside the server: sweeping expired CometD sessions and idle HTTP
//! sessions, and reloading the configuration on SIGHUP. A pingora background service, so it
//! stops when the server shuts down.

use crate::app::App;
use async_trait::async_trait;
use pingora::server::ShutdownWatch;
use pingora::services::background::BackgroundService;
use std::sync::Arc;
use tokio::signal::unix::{signal, SignalKind};
use tokio::time::{interval, Instant, MissedTickBehavior};

/// The sweeper service.
#[derive(Debug)]
pub struct Housekeeping {
    app: Arc<App>,
}

impl Housekeeping {
    /// Housekeeping for `app`.
    pub fn new(app: Arc<App>) -> Self {
        Self { app }
    }
}

#[async_trait]
impl BackgroundService for Housekeeping {
    /// Sweeps every CometD `sweep_period` and reloads on SIGHUP, until shutdown.
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let mut ticks = interval(self.app.engine().config().sweep_period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => Some(hangups),
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGHUP; reload with POST /admin/reload");
                None
            }
        };
        loop {
            tokio::select! {
                Some(()) = async { hangups.as_mut()?.recv().await } => {
                    if let Err(error) = self.app.reload() {
                        tracing::error!(%error, "reload on SIGHUP refused; the running configuration stays");
                    }
                }
                _ = ticks.tick() => {
                    let expired = self.app.engine().sweep(Instant::now());
                    if expired > 0 {
                        tracing::debug!(expired, "swept expired cometd sessions");
                    }
                    self.app.authenticator().sweep();
                }
                _ = shutdown.changed() => return,
            }
        }
    }
}
