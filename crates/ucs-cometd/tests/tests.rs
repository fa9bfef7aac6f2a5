//! Integration tests of the engine through its public API, under a paused tokio clock.

mod util;

mod ack;
mod connect;
mod delivery;
mod handover;
mod handshake;
mod publish;
mod sweeping;
