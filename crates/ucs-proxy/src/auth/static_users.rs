//! The static user list of `[auth]` (the embedded default): HTTP Basic verified against argon2
//! hashes, then a `JSESSIONID` session of the proxy's own.
//!
//! Verified credentials are remembered by a keyed digest of the `Authorization` header (never
//! the password itself: `digest.rs`), mapped to the session they opened: a client that sends
//! Basic on every request (curl, the CometD client's `requestHeaders`) costs one argon2
//! verification per session, not one per request, and keeps one session.

use super::digest::{CredentialDigest, CredentialDigests};
#[cfg(test)]
use super::password::is_valid_hash;
use super::password::verify_password;
use super::sessions::{SessionStore, SharedLogins};
use super::{decode_basic, AuthError, Authenticated, Credentials, NewSession, Principal};
use crate::config::AuthConfig;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

#[derive(Debug)]
struct StaticUser {
    principal: Arc<Principal>,
    password_hash: String,
}

/// Authenticates requests against the static user list of `[auth]`.
#[derive(Debug)]
pub(crate) struct StaticUsers {
    users: HashMap<String, StaticUser>,
    sessions: SessionStore,
    verified: Mutex<HashMap<CredentialDigest, String>>,
    digests: CredentialDigests,
    /// Bounds concurrent argon2 verifications: each takes ~19 MiB and a core for tens of
    /// milliseconds, so a burst of logins (500 clients handshaking at once) must queue rather
    /// than run 500 at a time. Waiters for the same credentials find them verified once they get
    /// a permit, so a burst of one user's requests costs one verification.
    verifications: tokio::sync::Semaphore,
    /// The cluster's record of sessions, so that every node accepts a session's cookie.
    shared: Option<Arc<dyn SharedLogins>>,
}

/// Verified against when the user name is unknown, so that an unknown name costs as much time as
/// a wrong password and response times do not reveal which names exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0hTcbZuJ1F3BCDqqUtlvYRnmYH8Tc+5Y1tH6ewPdJSk";

impl StaticUsers {
    /// Builds the user table from a validated configuration (`Config::validate` refuses
    /// duplicate names and unreadable hashes).
    pub(crate) fn from_config(config: &AuthConfig) -> Self {
        let users = config
            .users
            .iter()
            .map(|user| {
                let principal = Principal::new(
                    user.id.clone(),
                    user.user_name.clone(),
                    user.tenant.clone(),
                    user.features.iter().cloned().collect::<BTreeSet<_>>(),
                );
                let user_entry = StaticUser {
                    principal: Arc::new(principal),
                    password_hash: user.password_hash.clone(),
                };
                (user.user_name.clone(), user_entry)
            })
            .collect::<HashMap<_, _>>();
        Self {
            users,
            sessions: SessionStore::new(config.session_idle_timeout),
            verified: Mutex::new(HashMap::new()),
            digests: CredentialDigests::new(),
            verifications: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            shared: None,
        }
    }

    /// The users, their sessions shared through `shared` (a cluster).
    pub(crate) fn sharing_sessions(mut self, shared: Option<Arc<dyn SharedLogins>>) -> Self {
        self.shared = shared;
        self
    }

    /// The principal of session cookie `id`: a session of this node, or one another node of the
    /// cluster opened (then taken in here).
    async fn session(&self, id: &str) -> Option<Arc<Principal>> {
        let shared = self.shared.as_ref();
        if let Some(principal) = self.sessions.touch(id) {
            if let Some(shared) = shared.filter(|_| self.sessions.share_due(id)) {
                shared.renew(id, self.sessions.idle_timeout()).await;
            }
            return Some(principal);
        }
        let user_name = shared?.user_of(id).await?;
        let principal = Arc::clone(&self.users.get(&user_name)?.principal);
        self.sessions.adopt(id, Arc::clone(&principal));
        Some(principal)
    }

    fn verified(&self) -> MutexGuard<'_, HashMap<CredentialDigest, String>> {
        self.verified.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Authenticates a request: Basic credentials when present (they are explicit), else the
    /// session cookie.
    /// [`Self::authenticate`] with no throttle (tests).
    #[cfg(test)]
    async fn authenticate_unthrottled(
        self: &Arc<Self>,
        credentials: Credentials<'_>,
    ) -> Result<Authenticated, AuthError> {
        self.authenticate(credentials, &|| Ok(())).await
    }

    /// Authenticates Basic credentials, else the session cookie. `may_check` is asked right
    /// before a password is verified (argon2, a few at a time): a login throttled meanwhile is
    /// refused unchecked.
    pub(crate) async fn authenticate(
        self: &Arc<Self>,
        credentials: Credentials<'_>,
        may_check: &(dyn Fn() -> Result<(), AuthError> + Sync),
    ) -> Result<Authenticated, AuthError> {
        if let Some(header) = credentials.authorization {
            return self
                .basic(header, credentials.session_cookie, may_check)
                .await;
        }
        let Some(id) = credentials.session_cookie else {
            return Err(AuthError::Missing);
        };
        let principal = self.session(id).await.ok_or(AuthError::Missing)?;
        Ok(Authenticated {
            principal,
            new_session: None,
        })
    }

    async fn basic(
        self: &Arc<Self>,
        header: &str,
        cookie: Option<&str>,
        may_check: &(dyn Fn() -> Result<(), AuthError> + Sync),
    ) -> Result<Authenticated, AuthError> {
        let digest = self.digests.of(&[header.as_bytes()]);
        if let Some(known) = self.remembered(&digest, cookie) {
            return Ok(known);
        }
        let _permit = self
            .verifications
            .acquire()
            .await
            .map_err(|_| AuthError::Refused)?;
        if let Some(known) = self.remembered(&digest, cookie) {
            return Ok(known);
        }
        may_check()?;
        let (name, password) = decode_basic(header).ok_or(AuthError::Refused)?;
        let user = self.users.get(&name);
        let hash = user
            .map_or(DUMMY_HASH, |u| u.password_hash.as_str())
            .to_owned();
        // argon2 takes tens of milliseconds by design: keep it off the async workers.
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .unwrap_or(false);
        let user = user.filter(|_| matches).ok_or(AuthError::Refused)?;
        let session_id = self.sessions.open(user.principal.clone());
        self.verified().insert(digest, session_id.clone());
        if let Some(shared) = &self.shared {
            let idle = self.sessions.idle_timeout();
            shared.record(&session_id, &name, idle).await;
        }
        Ok(Authenticated {
            principal: user.principal.clone(),
            new_session: Some(NewSession {
                id: session_id,
                node: None,
            }),
        })
    }

    /// The live session that these credentials (by digest) opened before, if any.
    fn remembered(&self, digest: &CredentialDigest, cookie: Option<&str>) -> Option<Authenticated> {
        let session_id = self.verified().get(digest).cloned()?;
        let principal = self.sessions.touch(&session_id)?;
        let new_session = (cookie != Some(session_id.as_str())).then_some(NewSession {
            id: session_id,
            node: None,
        });
        Some(Authenticated {
            principal,
            new_session,
        })
    }

    /// Drops idle sessions and the remembered credentials that pointed at them.
    pub(crate) fn sweep(&self) {
        if self.sessions.sweep() > 0 {
            self.verified()
                .retain(|_, session_id| self.sessions.touch_free(session_id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::hash_password;
    use crate::config::UserConfig;
    use base64::Engine as _;

    fn basic(user: &str, password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    }

    fn authenticator() -> Arc<StaticUsers> {
        let config = AuthConfig {
            users: vec![UserConfig {
                user_name: "demo".into(),
                password_hash: hash_password("demo"),
                id: "u1".into(),
                tenant: "cc1".into(),
                first_name: String::new(),
                last_name: String::new(),
                features: vec!["api-ucs-voice".into()],
            }],
            ..AuthConfig::default()
        };
        Arc::new(StaticUsers::from_config(&config))
    }

    #[tokio::test]
    async fn basic_credentials_open_one_session_that_the_cookie_then_carries() {
        let auth = authenticator();
        let header = basic("demo", "demo");
        let first = auth
            .authenticate_unthrottled(Credentials {
                authorization: Some(&header),
                ..Credentials::default()
            })
            .await
            .unwrap();
        assert_eq!(first.principal.user_id, "u1");
        let session = first.new_session.expect("a new JSESSIONID").id;
        let again = auth
            .authenticate_unthrottled(Credentials {
                authorization: Some(&header),
                session_cookie: Some(&session),
                ..Credentials::default()
            })
            .await
            .unwrap();
        assert_eq!(again.new_session, None, "same credentials, same session");
        let by_cookie = auth
            .authenticate_unthrottled(Credentials {
                session_cookie: Some(&session),
                ..Credentials::default()
            })
            .await
            .unwrap();
        assert_eq!(by_cookie.principal.user_id, "u1");
    }

    #[tokio::test]
    async fn wrong_or_missing_credentials_are_refused() {
        let auth = authenticator();
        for header in [
            basic("demo", "wrong"),
            basic("nobody", "demo"),
            "Bearer x".into(),
            "Basic !!".into(),
        ] {
            let result = auth
                .authenticate_unthrottled(Credentials {
                    authorization: Some(&header),
                    ..Credentials::default()
                })
                .await;
            assert_eq!(result.unwrap_err(), AuthError::Refused, "{header}");
        }
        let result = auth
            .authenticate_unthrottled(Credentials {
                session_cookie: Some("forged"),
                ..Credentials::default()
            })
            .await;
        assert_eq!(result.unwrap_err(), AuthError::Missing);
    }

    #[test]
    fn the_dummy_hash_is_a_valid_hash() {
        assert!(is_valid_hash(DUMMY_HASH));
    }
}
