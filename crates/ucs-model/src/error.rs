//! The one error type of the crate: why a request was refused, with its GWS wire form.

use std::fmt;

/// GWS `statusCode` for a missing mandatory parameter.
pub const STATUS_MISSING_PARAMETER: u8 = 1;
/// GWS `statusCode` for a parameter that is not valid (wrong type, value or operation).
pub const STATUS_INVALID_PARAMETER: u8 = 2;
/// GWS `statusCode` for an operation the caller's features do not allow.
pub const STATUS_FORBIDDEN: u8 = 3;
/// GWS `statusCode` for a caller that is not authenticated.
pub const STATUS_NOT_AUTHENTICATED: u8 = 20;
/// GWS `statusCode` of a generic failure (GWS's own code 1), used when the service that
/// decides (the upstream authenticating callers) cannot be asked.
pub const STATUS_UNAVAILABLE: u8 = 1;

/// What kind of refusal a [`RequestError`] is. Kinds, not strings: callers branch on these.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The body is not JSON or not a JSON object.
    MalformedBody,
    /// The body is larger than the configured limit.
    BodyTooLarge,
    /// The body did not arrive within the configured time.
    BodyTimeout,
    /// `operationName` is absent (or `null`).
    MissingOperation,
    /// `operationName` names no operation served on this URL. A proxy with an upstream forwards it.
    UnknownOperation,
    /// A mandatory parameter other than `operationName` is absent.
    MissingParameter,
    /// A parameter has the wrong type or value.
    InvalidParameter,
    /// The caller lacks the feature a requested media type needs.
    Forbidden,
    /// The caller is not authenticated.
    NotAuthenticated,
    /// The URL is not one the proxy serves, and no upstream is there to take it.
    RouteNotServed,
    /// A history URL called with another method than POST.
    MethodNotAllowed,
    /// The service that decides (the upstream authenticating callers) cannot be asked.
    Unavailable,
    /// A cross-origin request from an origin the proxy does not allow.
    OriginNotAllowed,
    /// The caller's contact centre has too much backend work waiting.
    Overloaded,
    /// Too many failed logins from the caller's address or for its user name.
    Throttled,
    /// The request line or headers are not valid HTTP/1 (or too large to be read).
    MalformedHead,
    /// The request headers did not arrive whole within the configured time.
    HeadTimeout,
    /// The resource asked for does not exist for the caller (an interaction of another tenant
    /// counts as not existing).
    NotFound,
}

/// A refused request. Carries everything the immediate HTTP answer needs: the GWS `statusCode`,
/// the HTTP status and a `statusMessage` that names the offending parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    kind: ErrorKind,
    message: String,
}

impl RequestError {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A parameter of the wrong type or value: `Invalid value for {name}: {expected}`.
    pub(crate) fn invalid(name: &str, expected: impl fmt::Display) -> Self {
        Self::new(
            ErrorKind::InvalidParameter,
            format!("Invalid value for {name}: {expected}"),
        )
    }

    /// A mandatory parameter that is absent.
    pub(crate) fn missing(kind: ErrorKind, name: &str) -> Self {
        Self::new(kind, format!("Missing required parameter {name}"))
    }

    /// The body exceeds `limit` bytes.
    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            ErrorKind::BodyTooLarge,
            format!("Request body is larger than {limit} bytes"),
        )
    }

    /// The body did not arrive within `millis` milliseconds.
    pub fn body_timeout(millis: u64) -> Self {
        Self::new(
            ErrorKind::BodyTimeout,
            format!("Request body was not received within {millis} ms"),
        )
    }

    /// The caller lacks `feature`, needed for `media_type`.
    pub fn forbidden_media_type(media_type: &str, feature: &str) -> Self {
        Self::new(
            ErrorKind::Forbidden,
            format!(
                "Operation forbidden for mediaType {media_type}: feature {feature} is not enabled"
            ),
        )
    }

    /// The caller has no interaction-history feature at all.
    pub fn no_history_feature() -> Self {
        Self::new(
            ErrorKind::Forbidden,
            "Operation forbidden: no interaction history feature is enabled",
        )
    }

    /// The caller is not authenticated (GWS prints exactly `Access denied`).
    pub fn not_authenticated() -> Self {
        Self::new(ErrorKind::NotAuthenticated, "Access denied")
    }

    /// A route the proxy does not serve (GWS prints exactly `Invalid operation`).
    pub fn route_not_served() -> Self {
        Self::new(ErrorKind::RouteNotServed, "Invalid operation")
    }

    /// No interaction `id` the caller may read (`GET /api/v2/interactions/{id}`).
    pub fn interaction_not_found(id: &str) -> Self {
        Self::new(ErrorKind::NotFound, format!("Interaction {id} not found"))
    }

    /// A synchronous read whose backend failed (`GET /api/v2/interactions/{id}`): HTTP 503,
    /// GWS's `Request failed`.
    pub fn request_failed() -> Self {
        Self::new(ErrorKind::Unavailable, crate::REQUEST_FAILED)
    }

    /// A history URL called with another method than POST.
    pub fn method_not_allowed() -> Self {
        Self::new(
            ErrorKind::MethodNotAllowed,
            "Invalid operation: method not allowed, use POST",
        )
    }

    /// The upstream that authenticates callers cannot be asked.
    pub fn authentication_unavailable() -> Self {
        Self::new(ErrorKind::Unavailable, "Authentication service unavailable")
    }

    /// A body whose HTTP framing is broken (a bad chunk size, a missing CRLF).
    pub fn malformed_framing() -> Self {
        Self::new(
            ErrorKind::MalformedBody,
            "Malformed request: invalid HTTP body framing",
        )
    }

    /// A cross-origin preflight from an origin (or asking for headers) the proxy does not
    /// allow.
    pub fn origin_not_allowed() -> Self {
        Self::new(ErrorKind::OriginNotAllowed, "Origin not allowed")
    }

    /// The caller's contact centre has too much backend work waiting: try again later.
    pub fn overloaded() -> Self {
        Self::new(
            ErrorKind::Overloaded,
            "Too many requests for this contact center, try again later",
        )
    }

    /// Too many failed logins from this address or for this user name: wait, then try again.
    pub fn too_many_failed_logins() -> Self {
        Self::new(
            ErrorKind::Throttled,
            "Access denied: too many failed logins, try again later",
        )
    }

    /// A request line or header section that is not valid HTTP/1: a bad `Content-Length`, too
    /// many or too large headers, a URI beyond the limit.
    pub fn malformed_head() -> Self {
        Self::new(
            ErrorKind::MalformedHead,
            "Malformed request: invalid HTTP request line or headers",
        )
    }

    /// The request headers did not arrive whole within `millis` milliseconds.
    pub fn head_timeout(millis: u64) -> Self {
        Self::new(
            ErrorKind::HeadTimeout,
            format!("Request headers were not received within {millis} ms"),
        )
    }

    /// The kind of refusal.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The GWS `statusCode` of the answer.
    pub fn status_code(&self) -> u8 {
        match self.kind {
            ErrorKind::MissingOperation | ErrorKind::MissingParameter => STATUS_MISSING_PARAMETER,
            ErrorKind::MalformedBody
            | ErrorKind::MalformedHead
            | ErrorKind::HeadTimeout
            | ErrorKind::BodyTooLarge
            | ErrorKind::BodyTimeout
            | ErrorKind::UnknownOperation
            | ErrorKind::InvalidParameter
            | ErrorKind::RouteNotServed
            | ErrorKind::NotFound
            | ErrorKind::MethodNotAllowed => STATUS_INVALID_PARAMETER,
            ErrorKind::Forbidden | ErrorKind::OriginNotAllowed => STATUS_FORBIDDEN,
            ErrorKind::NotAuthenticated | ErrorKind::Throttled => STATUS_NOT_AUTHENTICATED,
            ErrorKind::Unavailable | ErrorKind::Overloaded => STATUS_UNAVAILABLE,
        }
    }

    /// The HTTP status of the answer.
    pub fn http_status(&self) -> u16 {
        match self.kind {
            ErrorKind::BodyTooLarge => 413,
            ErrorKind::BodyTimeout | ErrorKind::HeadTimeout => 408,
            ErrorKind::Forbidden | ErrorKind::OriginNotAllowed => 403,
            ErrorKind::NotAuthenticated => 401,
            ErrorKind::RouteNotServed | ErrorKind::NotFound => 404,
            ErrorKind::MethodNotAllowed => 405,
            ErrorKind::Unavailable => 503,
            ErrorKind::Overloaded | ErrorKind::Throttled => 429,
            _ => 400,
        }
    }

    /// The `statusMessage` of the answer, as GWS words it.
    pub fn status_message(&self) -> &str {
        &self.message
    }

    /// The whole answer body: `{"statusCode":C,"statusMessage":"..."}`.
    pub fn to_body(&self) -> Vec<u8> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Body<'a> {
            status_code: u8,
            status_message: &'a str,
        }
        serde_json::to_vec(&Body {
            status_code: self.status_code(),
            status_message: &self.message,
        })
        .expect("a number and a string always serialize")
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The wire text starts with a capital (GWS style); the Display form follows Rust's
        // convention of lower-case messages.
        let mut chars = self.message.chars();
        if let Some(first) = chars.next() {
            write!(f, "{}{}", first.to_lowercase(), chars.as_str())?;
        }
        Ok(())
    }
}

impl std::error::Error for RequestError {}

/// The crate's result alias.
pub type Result<T, E = RequestError> = std::result::Result<T, E>;
