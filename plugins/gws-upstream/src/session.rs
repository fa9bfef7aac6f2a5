//! The service account's HTTP session with the upstream: Basic credentials on every call, the
//! cookies it sets (`JSESSIONID`, `BAYEUX_BROWSER`) sent back, and the CSRF token of a
//! CSRF-enabled GWS (read from `GET /api/v2/me`, sent on every POST).

use crate::config::Account;
use crate::error::RelayError;
use base64::Engine as _;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, COOKIE, SET_COOKIE};
use reqwest::{Method, StatusCode};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;
use ucs_plugin_api::serde_json::{self, Value};
use ucs_plugin_api::ucs_model::GwsUser;

/// What the upstream's `GET /api/v2/me` is asked for.
pub(crate) const ME_PATH: &str = "/api/v2/me?subresources=features";

/// One account's session.
#[derive(Debug)]
pub(crate) struct ServiceSession {
    http: reqwest::Client,
    base: String,
    account: Account,
    authorization: HeaderValue,
    cookies: Mutex<BTreeMap<String, String>>,
    csrf: Mutex<Option<(HeaderName, HeaderValue)>>,
    request_timeout: Duration,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ServiceSession {
    /// A session (not logged in yet) for `account` on the upstream at `base`.
    pub(crate) fn new(
        http: reqwest::Client,
        base: &str,
        account: Account,
        request_timeout: Duration,
    ) -> Result<Self, String> {
        let credentials = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", account.user_name, account.password));
        let authorization = HeaderValue::from_str(&format!("Basic {credentials}"))
            .map_err(|_| format!("account {:?}: unusable credentials", account.user_name))?;
        Ok(Self {
            http,
            base: base.to_owned(),
            account,
            authorization,
            cookies: Mutex::new(BTreeMap::new()),
            csrf: Mutex::new(None),
            request_timeout,
        })
    }

    /// The account.
    pub(crate) fn account(&self) -> &Account {
        &self.account
    }

    /// Starts a fresh session: forgets cookies and token, calls `GET /api/v2/me` with the
    /// credentials, keeps what it sets, and checks the account's contact centre.
    pub(crate) async fn login(&self) -> Result<(), RelayError> {
        lock(&self.cookies).clear();
        *lock(&self.csrf) = None;
        let response = self
            .request(Method::GET, ME_PATH)
            .timeout(self.request_timeout)
            .send()
            .await?;
        self.remember(response.headers());
        let status = response.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(RelayError::Refused(self.account.user_name.clone()));
        }
        if !status.is_success() {
            return Err(RelayError::Status(status.as_u16()));
        }
        let headers = response.headers().clone();
        let body: Value = response.json().await?;
        if body.get("statusCode").and_then(Value::as_i64) == Some(20) {
            return Err(RelayError::Refused(self.account.user_name.clone()));
        }
        let header = headers.get("contactcenterid").and_then(|v| v.to_str().ok());
        let user = GwsUser::from_me(&body, header)
            .ok_or_else(|| RelayError::Protocol("/api/v2/me names no user".into()))?;
        match user.contact_center {
            Some(found) if found != self.account.tenant => Err(RelayError::WrongTenant {
                user: self.account.user_name.clone(),
                configured: self.account.tenant.clone(),
                found,
            }),
            _ => Ok(()),
        }
    }

    /// POSTs `body` as JSON to `path`, within `timeout`; the status and the JSON answer (`Null`
    /// when the answer is not JSON).
    pub(crate) async fn post(
        &self,
        path: &str,
        body: &Value,
        timeout: Duration,
    ) -> Result<(StatusCode, Value), RelayError> {
        let mut request = self
            .request(Method::POST, path)
            .timeout(timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(body).expect("JSON values serialize"));
        if let Some((name, value)) = lock(&self.csrf).clone() {
            request = request.header(name, value);
        }
        let response = request.send().await?;
        self.remember(response.headers());
        let status = response.status();
        let bytes = response.bytes().await?;
        Ok((
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        ))
    }

    /// POSTs with this account's default timeout.
    pub(crate) async fn post_json(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<(StatusCode, Value), RelayError> {
        self.post(path, body, self.request_timeout).await
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(AUTHORIZATION, self.authorization.clone());
        let cookies = lock(&self.cookies);
        if !cookies.is_empty() {
            let header = cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ");
            if let Ok(value) = HeaderValue::from_str(&header) {
                request = request.header(COOKIE, value);
            }
        }
        request
    }

    /// Keeps the cookies and the CSRF token an answer sets.
    fn remember(&self, headers: &HeaderMap) {
        let mut cookies = lock(&self.cookies);
        for set in headers.get_all(SET_COOKIE) {
            let Some(pair) = set.to_str().ok().and_then(|s| s.split(';').next()) else {
                continue;
            };
            if let Some((name, value)) = pair.trim().split_once('=') {
                cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        drop(cookies);
        let name = headers
            .get("x-csrf-header")
            .and_then(|v| HeaderName::from_bytes(v.as_bytes()).ok());
        if let (Some(name), Some(token)) = (name, headers.get("x-csrf-token")) {
            *lock(&self.csrf) = Some((name, token.clone()));
        }
    }
}
