//! Upstream authentication: the existing GWS decides who is calling.
//!
//! A caller's `Authorization` header (or, without one, its `JSESSIONID` — then a GWS session
//! cookie, as the passthrough routes set it) is sent to the upstream's
//! `GET /api/v2/me?subresources=features` on the node the caller's session lives on. The answer
//! becomes the principal (user id, user name, contact centre, features) and is cached briefly,
//! keyed on a salted SHA-256 of the credentials — never the credentials themselves. Concurrent
//! requests with the same credentials make one upstream call; refusals are not cached, so a
//! corrected password works at once.

use super::{AuthError, Authenticated, Credentials, Principal, SESSION_COOKIE};
use crate::config::{AuthConfig, ConfigError};
use crate::upstream::UpstreamPool;
use http::header::{AUTHORIZATION, COOKIE, SET_COOKIE};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

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
    ) -> Result<Self, ConfigError> {
        let mut salt = [0u8; 32];
        getrandom::fill(&mut salt).expect("the OS random source is available");
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(32)
            .build()
            .map_err(|e| ConfigError::Value {
                key: "auth",
                reason: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            pool,
            http,
            principals: moka::future::Cache::builder()
                .max_capacity(MAX_PRINCIPALS)
                .time_to_live(Duration::from_secs(config.upstream_cache_seconds))
                .build(),
            salt,
            timeout: Duration::from_millis(config.upstream_timeout_ms),
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
        let node_key = credentials.session_cookie.unwrap_or(&value).to_owned();
        let (principal, session) = self
            .principals
            .try_get_with(digest, self.counted(name, &value, &node_key))
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
        let result = match &checked {
            Ok(_) => "accepted",
            Err(AuthError::Unavailable(_)) => "unavailable",
            Err(AuthError::Missing | AuthError::Refused) => "refused",
        };
        self.checks.with_label_values(&[result]).inc();
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

/// The principal a `GET /api/v2/me` answer describes, read leniently (SPEC, "The upstream GWS, as
/// the proxy reads it"): the user under `user` or at the top level; the tenant from
/// `contactCenterId` (user, top level, or the `ContactCenterId` header), else `default`; features
/// under the user or at the top level, each a string or an object with a `name` or `id`. `None`
/// without a user id.
pub(crate) fn principal_from_me(body: &Value, contact_center: Option<&str>) -> Option<Principal> {
    let user = body.get("user").filter(|u| u.is_object()).unwrap_or(body);
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let user_id = text(user, "id").filter(|id| !id.is_empty())?;
    let tenant = text(user, "contactCenterId")
        .or_else(|| text(body, "contactCenterId"))
        .or_else(|| contact_center.map(str::to_owned))
        .unwrap_or_else(|| DEFAULT_TENANT.to_owned());
    let features = user
        .get("features")
        .or_else(|| body.get("features"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|f| match f {
                    Value::String(name) => Some(name.clone()),
                    Value::Object(_) => text(f, "name").or_else(|| text(f, "id")),
                    _ => None,
                })
                .collect::<BTreeSet<_>>()
        })
        .unwrap_or_default();
    Some(Principal {
        user_name: text(user, "userName").unwrap_or_default(),
        user_id,
        tenant,
        features,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_user_is_read_from_every_documented_shape() {
        let nested = json!({"statusCode": 0, "user": {"id": "u1", "userName": "alice",
            "contactCenterId": "cc1", "features": [{"name": "api-ucs-voice"}, {"id": "api-multimedia-chat"}]}});
        let p = principal_from_me(&nested, None).unwrap();
        assert_eq!(
            (p.user_id.as_str(), p.user_name.as_str(), p.tenant.as_str()),
            ("u1", "alice", "cc1")
        );
        assert_eq!(
            p.features.iter().map(String::as_str).collect::<Vec<_>>(),
            ["api-multimedia-chat", "api-ucs-voice"]
        );

        let flat = json!({"id": "u2", "userName": "bob", "features": ["api-multimedia-email", 7]});
        let p = principal_from_me(&flat, Some("cc9")).unwrap();
        assert_eq!((p.user_id.as_str(), p.tenant.as_str()), ("u2", "cc9"));
        assert_eq!(p.features.len(), 1);

        let p = principal_from_me(&json!({"user": {"id": "u3"}, "features": ["f"]}), None).unwrap();
        assert_eq!(p.tenant, DEFAULT_TENANT);
        assert!(p.features.contains("f"));

        assert!(
            principal_from_me(&json!({"statusCode": 0, "user": {"userName": "x"}}), None).is_none()
        );
        assert!(principal_from_me(&json!({"user": {"id": ""}}), None).is_none());
    }
}
