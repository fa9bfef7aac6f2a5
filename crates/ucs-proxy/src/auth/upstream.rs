//! Upstream authentication: the existing GWS decides who is calling.
//!
//! A caller's `Authorization` header (or, without one, its `JSESSIONID` — then a GWS session
//! cookie, as the passthrough routes set it) is sent to the upstream's
//! `GET /api/v2/me?subresources=features` on the node the caller's session lives on. The answer
//! becomes the principal (user id, user name, contact centre, features) and is cached briefly,
//! keyed on a salted SHA-256 of the credentials — never the credentials themselves. Concurrent
//! requests with the same credentials make one upstream call; refusals are not cached, so a
//! corrected password works at once.

use super::AuthSetupError;
use super::{AuthError, Authenticated, Credentials, Principal, SESSION_COOKIE};
use crate::config::AuthConfig;
use crate::labels::AuthCheck;
use crate::upstream::UpstreamPool;
use http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::Duration;
use ucs_model::GwsUser;

/// What the upstream is asked.
const ME_PATH: &str = "/api/v2/me?subresources=features";
/// Principals remembered at most (each a few hundred bytes).
const MAX_PRINCIPALS: u64 = 100_000;
/// The tenant of a user whose upstream names no contact centre (SPEC).
const DEFAULT_TENANT: &str = "default";

/// A principal and the upstream session its check opened (to hand to the caller).
type Checked = (Arc<Principal>, Option<String>);

/// The upstream-mode authenticator.
pub(crate) struct UpstreamAuth {
    pool: UpstreamPool,
    http: reqwest::Client,
    principals: moka::future::Cache<[u8; 32], Checked>,
    salt: [u8; 32],
    timeout: Duration,
    checks: prometheus::IntCounterVec,
}

impl std::fmt::Debug for UpstreamAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpstreamAuth")
            .field("principals", &self.principals.entry_count())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl UpstreamAuth {
    pub(crate) fn new(
        config: &AuthConfig,
        pool: UpstreamPool,
        checks: prometheus::IntCounterVec,
    ) -> Result<Self, AuthSetupError> {
        let mut salt = [0u8; 32];
        getrandom::fill(&mut salt).expect("the OS random source is available");
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(32)
            .build()
            .map_err(AuthSetupError::HttpClient)?;
        Ok(Self {
            pool,
            http,
            principals: moka::future::Cache::builder()
                .max_capacity(MAX_PRINCIPALS)
                .time_to_live(config.upstream_cache)
                .build(),
            salt,
            timeout: config.upstream_timeout,
            checks,
        })
    }

    pub(crate) async fn authenticate(
        &self,
        credentials: Credentials<'_>,
    ) -> Result<Authenticated, AuthError> {
        let (name, value) = match (credentials.authorization, credentials.session_cookie) {
            (Some(authorization), _) => (AUTHORIZATION, authorization.to_owned()),
            (None, Some(session)) => (COOKIE, format!("{SESSION_COOKIE}={session}")),
            (None, None) => return Err(AuthError::Missing),
        };
        let digest: [u8; 32] = Sha256::new()
            .chain_update(self.salt)
            .chain_update(name.as_str())
            .chain_update(b":")
            .chain_update(value.as_bytes())
            .finalize()
            .into();
        // Sticky like passthrough: the node that holds the caller's GWS session.
        let node_key = credentials.session_cookie.unwrap_or(&value);
        let (principal, session) = self
            .principals
            .try_get_with(digest, self.counted(name, &value, node_key))
            .await
            .map_err(|e| (*e).clone())?;
        let new_session = session.filter(|s| credentials.session_cookie != Some(s.as_str()));
        Ok(Authenticated {
            principal,
            new_session,
        })
    }

    /// [`Self::ask`], counted by result.
    async fn counted(
        &self,
        name: http::HeaderName,
        value: &str,
        node_key: &str,
    ) -> Result<Checked, AuthError> {
        let checked = self.ask(name, value, node_key).await;
        self.checks
            .with_label_values(&[AuthCheck::of(&checked).as_label()])
            .inc();
        checked
    }

    /// One `GET /api/v2/me` on the node for `node_key`.
    async fn ask(
        &self,
        name: http::HeaderName,
        value: &str,
        node_key: &str,
    ) -> Result<Checked, AuthError> {
        let node = self
            .pool
            .select(node_key.as_bytes())
            .ok_or_else(|| AuthError::Unavailable("no healthy upstream node".into()))?;
        let response = self
            .http
            .get(format!("http://{}{ME_PATH}", node.addr))
            .header(name, value)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| AuthError::Unavailable(format!("upstream /api/v2/me: {e}")))?;
        let status = response.status();
        if status == 401 || status == 403 {
            return Err(AuthError::Refused);
        }
        if !status.is_success() {
            return Err(AuthError::Unavailable(format!(
                "upstream /api/v2/me answered HTTP {status}"
            )));
        }
        let headers = response.headers().clone();
        let body: Value = response
            .json()
            .await
            .map_err(|e| AuthError::Unavailable(format!("upstream /api/v2/me: {e}")))?;
        if body.get("statusCode").and_then(Value::as_i64) == Some(20) {
            return Err(AuthError::Refused);
        }
        let contact_center = headers.get("contactcenterid").and_then(|v| v.to_str().ok());
        let principal = principal_from_me(&body, contact_center)
            .ok_or_else(|| AuthError::Unavailable("upstream /api/v2/me names no user id".into()))?;
        let session = headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|cookie| {
                let pair = cookie.split(';').next()?.trim();
                pair.strip_prefix(SESSION_COOKIE)?
                    .strip_prefix('=')
                    .map(str::to_owned)
            });
        Ok((Arc::new(principal), session))
    }
}

/// The principal a `GET /api/v2/me` answer describes ([`GwsUser::from_me`]); a user whose
/// upstream names no contact centre is in tenant `default` (SPEC). `None` without a user id.
fn principal_from_me(body: &Value, contact_center: Option<&str>) -> Option<Principal> {
    let user = GwsUser::from_me(body, contact_center)?;
    Some(Principal {
        user_id: user.id,
        user_name: user.user_name,
        tenant: user
            .contact_center
            .unwrap_or_else(|| DEFAULT_TENANT.to_owned()),
        features: user.features,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_user_without_contact_centre_is_in_the_default_tenant() {
        let p = principal_from_me(&json!({"user": {"id": "u1", "features": ["f"]}}), None).unwrap();
        assert_eq!(
            (p.user_id.as_str(), p.tenant.as_str()),
            ("u1", DEFAULT_TENANT)
        );
        assert!(p.features.contains("f"));
        let p = principal_from_me(&json!({"user": {"id": "u1"}}), Some("cc9")).unwrap();
        assert_eq!(p.tenant, "cc9");
        assert!(principal_from_me(&json!({"user": {}}), None).is_none());
    }
}
