//! Who may subscribe and publish where.

use crate::channel::{Channel, ChannelKind};
use crate::session::Owner;
use std::fmt;

/// The authorization hook of the engine. Called for every subscribe and publish; the owner is
/// the authenticated user of the session's handshake.
pub trait Authorizer: Send + Sync + fmt::Debug + 'static {
    /// Whether `owner` may subscribe to `channel` (a name or a wildcard pattern). Returning
    /// `false` answers `403::subscribe_denied`.
    fn can_subscribe(&self, owner: &Owner, channel: &Channel) -> bool;

    /// Whether `owner` may publish to `channel` (never a wildcard). Returning `false` answers
    /// `403::publish_denied`.
    fn can_publish(&self, owner: &Owner, channel: &Channel) -> bool;
}

/// The GWS policy.
///
/// Clients subscribe to any broadcast or service channel: what they receive on `/v2/**` is
/// delivered per user by the server, so a wildcard never shows them another user's data.
/// Clients may not publish to `/v2/**` (only the server speaks there) nor to `/meta/**`; a
/// publish elsewhere reaches only sessions of the publisher's tenant.
#[derive(Clone, Copy, Debug, Default)]
pub struct GwsAuthorizer;

/// The channel tree only the server publishes to.
pub const SERVER_CHANNELS: &str = "/v2";

impl Authorizer for GwsAuthorizer {
    fn can_subscribe(&self, _owner: &Owner, channel: &Channel) -> bool {
        channel.kind() != ChannelKind::Meta
    }

    fn can_publish(&self, _owner: &Owner, channel: &Channel) -> bool {
        channel.kind() != ChannelKind::Meta && !channel.is_under(SERVER_CHANNELS)
    }
}
