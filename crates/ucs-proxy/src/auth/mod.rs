//! Authentication, in one of two modes (`auth.mode`):
//!
//! * `static` (the embedded default, `static_users.rs`): HTTP Basic against the configured users,
//!   then a `JSESSIONID` session of the proxy's own;
//! * `upstream` (`upstream.rs`): the existing GWS decides. A caller's Basic credentials or GWS
//!   session cookie are checked by the upstream's `GET /api/v2/me?subresources=features`, whose
//!   answer becomes the principal, cached briefly under a keyed digest of the credentials.

mod digest;
mod password;
mod principal;
mod sessions;
mod static_users;
mod throttle;
mod upstream;

pub use password::hash_password;
pub use principal::Principal;
pub(crate) use sessions::SharedLogins;

use crate::config::{AuthConfig, AuthMode};
use crate::upstream::UpstreamPool;
use base64::Engine as _;
use static_users::StaticUsers;
use std::sync::Arc;
use throttle::LoginThrottle;
pub(crate) use throttle::ThrottledBy;
pub(crate) use upstream::AuthCheck;
use upstream::UpstreamAuth;

/// The session cookie GWS uses.
pub const SESSION_COOKIE: &str = "JSESSIONID";

/// Why a request is not authenticated.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    /// Neither a live session cookie nor credentials.
    #[error("no credentials")]
    Missing,
    /// Credentials that do not match a user.
    #[error("credentials refused")]
    Refused,
    /// The upstream that decides (upstream mode) could not be asked.
    #[error("authentication unavailable: {0}")]
    Unavailable(String),
    /// Too many failed logins from this source or for this user: try again after the wait.
    #[error("too many failed logins: retry in {0:?}")]
    Throttled(std::time::Duration),
}

/// Why the authenticator could not be built.
#[derive(Debug, thiserror::Error)]
pub enum AuthSetupError {
    /// `auth.mode = "upstream"` without an `[upstream]` to ask.
    #[error("auth.mode \"upstream\" needs [upstream] servers")]
    NoUpstream,
    /// The HTTP client that asks the upstream could not be built.
    #[error("cannot build the HTTP client of upstream authentication")]
    HttpClient(#[source] reqwest::Error),
}

/// What a request presented.
#[derive(Clone, Copy, Debug, Default)]
pub struct Credentials<'a> {
    /// The `JSESSIONID` cookie.
    pub session_cookie: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `UCSPROXY_NODE` cookie: the GWS node of the caller's session (upstream mode).
    pub affinity: Option<&'a str>,
    /// The client's address (upstream mode: the node of a caller without a session).
    pub client_ip: Option<std::net::IpAddr>,
}

/// A session the response must hand to the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSession {
    /// The `JSESSIONID`.
    pub id: String,
    /// The GWS node that issued it, for the `UCSPROXY_NODE` cookie (upstream mode).
    pub node: Option<String>,
}

/// A successful authentication.
#[derive(Clone, Debug)]
pub struct Authenticated {
    /// Who is calling.
    pub principal: Arc<Principal>,
    /// A session the response must set (when the request did not carry it): the proxy's own
    /// (static mode), or the one GWS issued for this caller alone (upstream mode).
    pub new_session: Option<NewSession>,
}

/// Authenticates requests, in the configured mode.
#[derive(Debug)]
pub struct Authenticator {
    mode: Mode,
    throttle: LoginThrottle,
    /// `ucs_proxy_auth_throttled_total{by}`.
    throttled: prometheus::IntCounterVec,
}

#[derive(Debug)]
enum Mode {
    Static(Arc<StaticUsers>),
    Upstream(UpstreamAuth),
}

impl Authenticator {
    /// The authenticator of `config`; upstream mode asks `upstream` (which configuration
    /// validation guarantees is there).
    /// `checks` counts the upstream's answers (`ucs_proxy_auth_upstream_checks_total`). In a
    /// cluster, static mode's sessions are shared through `shared_logins`.
    pub(crate) fn new(
        config: &AuthConfig,
        upstream: Option<&UpstreamPool>,
        checks: prometheus::IntCounterVec,
        throttled: prometheus::IntCounterVec,
        shared_logins: Option<Arc<dyn SharedLogins>>,
    ) -> Result<Self, AuthSetupError> {
        let mode = match (config.mode, upstream) {
            (AuthMode::Static, _) => Mode::Static(Arc::new(
                StaticUsers::from_config(config).sharing_sessions(shared_logins),
            )),
            (AuthMode::Upstream, Some(pool)) => {
                Mode::Upstream(UpstreamAuth::new(config, pool.clone(), checks)?)
            }
            (AuthMode::Upstream, None) => return Err(AuthSetupError::NoUpstream),
        };
        Ok(Self {
            mode,
            throttle: LoginThrottle::new(config.login_free_attempts, config.login_max_wait),
            throttled,
        })
    }

    /// Authenticates a request: Basic credentials when present (they are explicit), else the
    /// session cookie. Basic credentials from a source or for a user name that keeps failing
    /// are refused unchecked until its wait is over (`throttle.rs`).
    pub async fn authenticate(
        &self,
        credentials: Credentials<'_>,
    ) -> Result<Authenticated, AuthError> {
        // The Basic user name, decoded only when the throttle needs it: while no failure is on
        // record (nearly always), a request's login costs no decoding.
        let user = || {
            credentials
                .authorization
                .and_then(decode_basic)
                .map(|(user, _)| user)
        };
        // Asked when the login begins, and again by the static users right before argon2.
        let may_check = || match self.throttle.watches_any().then(user).flatten() {
            Some(user) => {
                self.throttle
                    .check(&user, credentials.client_ip)
                    .map_err(|(by, wait)| {
                        self.throttled.with_label_values(&[by.as_label()]).inc();
                        AuthError::Throttled(wait)
                    })
            }
            None => Ok(()),
        };
        may_check()?;
        let result = match &self.mode {
            Mode::Static(users) => users.authenticate(credentials, &may_check).await,
            // Boxed: its state (a request to GWS) would otherwise size every local request's
            // future, whichever the mode.
            Mode::Upstream(upstream) => Box::pin(upstream.authenticate(credentials)).await,
        };
        let source = credentials.client_ip;
        match &result {
            Ok(_) if self.throttle.watches_any() => {
                if let Some(user) = user() {
                    self.throttle.succeeded(&user, source);
                }
            }
            Err(AuthError::Refused) => {
                if let Some(user) = user() {
                    self.throttle.failed(&user, source);
                }
            }
            _ => {}
        }
        result
    }

    /// Drops idle sessions (static mode; the upstream keeps its own).
    pub fn sweep(&self) {
        if let Mode::Static(users) = &self.mode {
            users.sweep();
        }
    }
}

/// `Basic base64(user:password)` → (user, password).
pub(crate) fn decode_basic(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}
