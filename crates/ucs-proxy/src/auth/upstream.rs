//! Upstream authentication: the existing GWS decides who is calling.
//!
//! A caller's `JSESSIONID` (a GWS session cookie, as the passthrough routes set it) and its
//! `Authorization` header, whichever it sends, go to the upstream's
//! `GET /api/v2/me?subresources=features` on the node the caller's session lives on (its
//! `UCSPROXY_NODE` cookie). The answer becomes the principal (user id, user name, contact
//! centre, features) and is cached briefly, keyed on a keyed digest of the credentials
//! (`digest.rs`) — never the credentials themselves, and never with a GWS session: a session
//! GWS issues during a check goes to the caller that caused it, with the cookie naming its
//! node, and to nobody else. Refusals are not cached, so a corrected password works at once.

use super::digest::{CredentialDigest, CredentialDigests};
use super::AuthSetupError;
use super::{AuthError, Authenticated, Credentials, NewSession, Principal, SESSION_COOKIE};
use crate::config::AuthConfig;
use crate::http_io::set_cookie_value;
use crate::upstream::{RouteKey, UpstreamPool};
use http::header::{AUTHORIZATION, COOKIE};
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use ucs_model::GwsUser;

/// What the upstream is asked.
const ME_PATH: &str = "/api/v2/me?subresources=features";
/// Principals remembered at most (each a few hundred bytes).
const MAX_PRINCIPALS: u64 = 100_000;
/// The tenant of a user whose upstream names no contact centre (SPEC).
const DEFAULT_TENANT: &str = "default";

/// What one `/api/v2/me` check found: the principal, and the session GWS issued with its node
/// (when it issued one).
#[derive(Clone, Debug)]
struct Checked {
    principal: Arc<Principal>,
    session: Option<NewSession>,
}

/// The upstream-mode authenticator.
pub(crate) struct UpstreamAuth {
    pool: UpstreamPool,
    http: reqwest::Client,
    principals: moka::future::Cache<CredentialDigest, Checked>,
    digests: CredentialDigests,
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
            digests: CredentialDigests::new(),
            timeout: config.upstream_timeout,
            checks,
        })
    }

    /// Authenticates a request on the GWS node of its session.
    ///
    /// A request with a `JSESSIONID` is checked with that cookie (and its `Authorization`, if
    /// any) on that session's node, so GWS keeps the session; concurrent checks of one session
    /// are coalesced and the principal is cached under a keyed digest of the credentials. A
    /// request with Basic credentials only is answered from a cached principal when there is
    /// one; otherwise its own check opens a GWS session that goes to this caller alone: sessions
    /// are never cached, so never shared between clients.
    pub(crate) async fn authenticate(
        &self,
        credentials: Credentials<'_>,
    ) -> Result<Authenticated, AuthError> {
        let Credentials {
            session_cookie,
            authorization,
            ..
        } = credentials;
        if session_cookie.is_none() && authorization.is_none() {
            return Err(AuthError::Missing);
        }
        let digest = self.digests.of(&[
            session_cookie.unwrap_or_default().as_bytes(),
            authorization.unwrap_or_default().as_bytes(),
        ]);
        let checked = if session_cookie.is_some() {
            self.principals
                .try_get_with(digest, self.counted(&credentials))
                .await
                .map_err(|e| (*e).clone())?
        } else if let Some(known) = self.principals.get(&digest).await {
            Checked {
                principal: known.principal,
                session: None,
            }
        } else {
            let checked = self.counted(&credentials).await?;
            let principal_only = Checked {
                principal: Arc::clone(&checked.principal),
                session: None,
            };
            self.principals.insert(digest, principal_only).await;
            checked
        };
        // Only a session GWS issued instead of the one the caller sent (or to a caller without
        // one) is handed over.
        let new_session = checked
            .session
            .filter(|s| session_cookie != Some(s.id.as_str()));
        Ok(Authenticated {
            principal: checked.principal,
            new_session,
        })
    }

    /// [`Self::ask`], counted by result.
    async fn counted(&self, credentials: &Credentials<'_>) -> Result<Checked, AuthError> {
        let checked = self.ask(credentials).await;
        self.checks
            .with_label_values(&[AuthCheck::of(&checked).as_label()])
            .inc();
        checked
    }

    /// One `GET /api/v2/me` on the node of the caller's session, with the caller's cookie and
    /// credentials.
    async fn ask(&self, credentials: &Credentials<'_>) -> Result<Checked, AuthError> {
        let route = RouteKey {
            affinity: credentials.affinity,
            session: credentials.session_cookie,
            client_ip: credentials.client_ip,
        };
        let (node_id, node) = self
            .pool
            .route(&route)
            .ok_or_else(|| AuthError::Unavailable("no healthy upstream node".into()))?;
        let mut request = self
            .http
            .get(format!("http://{}{ME_PATH}", node.addr))
            .timeout(self.timeout);
        if let Some(session) = credentials.session_cookie {
            request = request.header(COOKIE, format!("{SESSION_COOKIE}={session}"));
        }
        if let Some(authorization) = credentials.authorization {
            request = request.header(AUTHORIZATION, authorization);
        }
        let response = request
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
        let session = set_cookie_value(&headers, SESSION_COOKIE).map(|id| NewSession {
            id: id.to_owned(),
            node: Some(node_id.as_str().to_owned()),
        });
        Ok(Checked {
            principal: Arc::new(principal),
            session,
        })
    }
}

/// The principal a `GET /api/v2/me` answer describes ([`GwsUser::from_me`]); a user whose
/// upstream names no contact centre is in tenant `default` (SPEC). `None` without a user id.
fn principal_from_me(body: &Value, contact_center: Option<&str>) -> Option<Principal> {
    let user = GwsUser::from_me(body, contact_center)?;
    let tenant = user
        .contact_center
        .unwrap_or_else(|| DEFAULT_TENANT.to_owned());
    Some(Principal::new(
        user.id,
        user.user_name,
        tenant,
        user.features,
    ))
}

/// `result` of `ucs_proxy_auth_upstream_checks_total`: what the upstream's `/api/v2/me` said.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AuthCheck {
    /// A principal.
    Accepted,
    /// The credentials were refused.
    Refused,
    /// The upstream could not be asked.
    Unavailable,
}

impl AuthCheck {
    /// Every result.
    pub(crate) const ALL: [AuthCheck; 3] = [
        AuthCheck::Accepted,
        AuthCheck::Refused,
        AuthCheck::Unavailable,
    ];

    /// The result of one check.
    pub(crate) fn of<T>(checked: &Result<T, AuthError>) -> AuthCheck {
        match checked {
            Ok(_) => AuthCheck::Accepted,
            Err(AuthError::Unavailable(_)) => AuthCheck::Unavailable,
            Err(AuthError::Missing | AuthError::Refused | AuthError::Throttled(_)) => {
                AuthCheck::Refused
            }
        }
    }

    /// The label.
    pub(crate) const fn as_label(self) -> &'static str {
        match self {
            AuthCheck::Accepted => "accepted",
            AuthCheck::Refused => "refused",
            AuthCheck::Unavailable => "unavailable",
        }
    }
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
