//! Housekeeping that runs beside the server: sweeping expired CometD sessions and idle HTTP
//! sessions, reloading the configuration on SIGHUP, and the drain when the server stops
//! (SIGTERM) or hands over to a new process (SIGQUIT): see `drain.rs`.

use crate::app::App;
use async_trait::async_trait;
use pingora::server::ShutdownWatch;
use pingora::services::background::BackgroundService;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio::time::{interval, Instant, MissedTickBehavior};

/// Time kept at the end of the grace period for the hand-over answers to be written.
const HAND_OVER_MARGIN: Duration = Duration::from_secs(1);

/// The sweeper service.
#[derive(Debug)]
pub struct Housekeeping {
    app: Arc<App>,
    grace_period: Duration,
}

impl Housekeeping {
    /// Housekeeping for `app`; a stopping server keeps running for `grace_period` after its
    /// listeners close (pingora's `grace_period_seconds`).
    pub fn new(app: Arc<App>, grace_period: Duration) -> Self {
        Self { app, grace_period }
    }

    /// The end of a drain, once the listeners are closed: waits for the notifications still
    /// owed, then hands the CometD sessions over.
    async fn finish_drain(&self) {
        let drain = &self.app.drain;
        drain.begin();
        let limit = self.grace_period.saturating_sub(HAND_OVER_MARGIN);
        let started = Instant::now();
        let settled = drain.settled(limit).await;
        let owed = drain.in_flight();
        self.app.engine().hand_over();
        drain.hand_over_done();
        tracing::info!(
            settled,
            owed,
            waited_ms = started.elapsed().as_millis() as u64,
            "cometd sessions handed over"
        );
    }
}

/// Listens for a signal; `None` (with an error line) when it cannot.
fn listen(kind: SignalKind, name: &str) -> Option<Signal> {
    match signal(kind) {
        Ok(signals) => Some(signals),
        Err(error) => {
            tracing::error!(%error, signal = name, "cannot listen for the signal");
            None
        }
    }
}

#[async_trait]
impl BackgroundService for Housekeeping {
    /// Sweeps every CometD `sweep_period` and reloads on SIGHUP until shutdown, then drains.
    async fn start(&self, mut shutdown: ShutdownWatch) {
        let mut ticks = interval(self.app.engine().config().sweep_period);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut hangups = listen(SignalKind::hangup(), "SIGHUP");
        // pingora acts on these too (its own listeners); here they only start the drain.
        let mut stops = listen(SignalKind::terminate(), "SIGTERM");
        let mut upgrades = listen(SignalKind::quit(), "SIGQUIT");
        loop {
            tokio::select! {
                Some(()) = async { stops.as_mut()?.recv().await } => self.app.drain.begin(),
                Some(()) = async { upgrades.as_mut()?.recv().await } => self.app.drain.begin(),
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
                _ = shutdown.changed() => {
                    if *shutdown.borrow() {
                        self.finish_drain().await;
                        return;
                    }
                }
            }
        }
    }
}
