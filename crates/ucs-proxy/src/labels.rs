//! The bounded label values of the proxy's own metrics, each an enum with its list (`ALL`) and
//! its text (`as_label`): written once, used to declare the series and to count.

use crate::auth::AuthError;

/// `outcome` of `ucs_proxy_requests_total`: how a history request was answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Acknowledged (HTTP 200).
    Accepted,
    /// No valid credentials (401).
    Unauthenticated,
    /// A feature is missing (403).
    Forbidden,
    /// A bad request (400, 405).
    Invalid,
    /// Anything else (413, 408, 503, …).
    Rejected,
}

impl Outcome {
    /// Every outcome.
    pub(crate) const ALL: [Outcome; 5] = [
        Outcome::Accepted,
        Outcome::Unauthenticated,
        Outcome::Forbidden,
        Outcome::Invalid,
        Outcome::Rejected,
    ];

    /// The outcome of an answer with HTTP status `http_status`.
    pub(crate) fn of(http_status: u16) -> Outcome {
        match http_status {
            200 => Outcome::Accepted,
            401 => Outcome::Unauthenticated,
            403 => Outcome::Forbidden,
            400 | 405 => Outcome::Invalid,
            _ => Outcome::Rejected,
        }
    }

    /// The label.
    pub(crate) const fn as_label(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Unauthenticated => "unauthenticated",
            Outcome::Forbidden => "forbidden",
            Outcome::Invalid => "invalid",
            Outcome::Rejected => "rejected",
        }
    }
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
