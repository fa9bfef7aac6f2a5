//! The upstream-GWS relay: resolves a history miss on an existing GWS installation.
//!
//! For each configured service account (one per tenant) the plugin keeps an HTTP session with
//! the upstream (`GET /api/v2/me` login, `JSESSIONID`, CSRF token) and a CometD long-poll session
//! subscribed to `/v2/ucs/interactions` (`cometd.rs`: handshake, re-handshake on `402`, back-off).
//! A query is POSTed to the upstream as the normalized RetrieveInteractionHistory (or
//! RetrieveContactHistory); the upstream's `GetInteractionsHistoryMessage` is matched by the
//! upstream's referenceId, and its interactions (or its `errorMessage`) are the plugin's answer.
//! GetInteractionContent is relayed the same way, its content passed on as GWS wrote it.
//! The proxy then caches them and delivers them with its own referenceId, `uri` rewritten to its
//! `public_base_url`. Timeouts bound every call, and a circuit breaker makes a dead upstream fail
//! fast.
//!
//! Configuration: see [`config::Config`] (`[backends.config]` of the proxy, as JSON).

mod breaker;
mod cometd;
pub mod config;
mod error;
mod pending;
mod relay;
mod request;
mod session;

pub use breaker::CircuitBreaker;
pub use error::RelayError;

use config::Config;
use relay::Relay;
use session::ServiceSession;
use std::collections::HashMap;
use ucs_plugin_api::ucs_model::{Interaction, MediaType, Tz};
use ucs_plugin_api::{
    export_plugin, Backend, BackendError, BackendRequest, ContentBackendRequest, Description,
};

/// The relay backend: one [`Relay`] per tenant's service account.
#[derive(Debug)]
pub struct GwsUpstream {
    relays: HashMap<String, Relay>,
}

impl Backend for GwsUpstream {
    fn create(config: ucs_plugin_api::serde_json::Value) -> Result<Self, String> {
        let config: Config = ucs_plugin_api::serde_json::from_value(config)
            .map_err(|e| format!("invalid gws-upstream configuration: {e}"))?;
        config
            .validate()
            .map_err(|e| format!("invalid gws-upstream configuration: {e}"))?;
        let time_zone: Tz = config.time_zone.parse().map_err(|_| {
            format!(
                "invalid gws-upstream configuration: time_zone {:?} is not an IANA zone",
                config.time_zone
            )
        })?;
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(16)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let mut relays = HashMap::new();
        for account in &config.accounts {
            let session = ServiceSession::new(
                http.clone(),
                config.base(),
                account.clone(),
                config.request_timeout(),
            )?;
            relays.insert(
                account.tenant.clone(),
                Relay::new(session, &config, time_zone),
            );
        }
        Ok(Self { relays })
    }

    fn describe(&self) -> Description {
        Description {
            name: "gws-upstream".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            media_types: MediaType::ALL.to_vec(),
            archive: true,
            batch: true,
            content: true,
        }
    }

    async fn query(&self, request: BackendRequest) -> Result<Vec<Interaction>, BackendError> {
        Ok(self.relay(&request.tenant)?.query(&request).await?)
    }

    /// GWS's content as it wrote it: nothing re-serialized on the way (the host checks it).
    async fn content_json(&self, request: ContentBackendRequest) -> Result<Vec<u8>, BackendError> {
        let content = self.relay(&request.tenant)?.content(&request).await?;
        Ok(content.unwrap_or_else(|| b"null".to_vec()))
    }
}

impl GwsUpstream {
    /// The relay of `tenant`'s service account.
    fn relay(&self, tenant: &str) -> Result<&Relay, BackendError> {
        self.relays.get(tenant).ok_or_else(|| {
            BackendError::invalid_request(format!(
                "tenant {tenant:?} has no service account on the upstream"
            ))
        })
    }
}

export_plugin!(GwsUpstream);
