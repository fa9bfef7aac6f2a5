//! One file per Bayeux verb: each reads its typed message, acts on the engine's sessions
//! ([`Registry`](crate::registry::Registry)), and writes its typed reply. A new verb is a file
//! here, a variant of `Verb` and one arm of the engine's dispatch.

pub(crate) mod connect;
pub(crate) mod disconnect;
pub(crate) mod handshake;
pub(crate) mod publish;
pub(crate) mod subscribe;
