//! The bounded label values of the edge's metrics, each an enum with its list (`ALL`) and its
//! text (`as_label`): written once, used to declare the series and to count. (The labels of
//! authentication's metrics live with it, in `auth`.)

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

    /// The position of this outcome in [`Outcome::ALL`].
    pub(crate) const fn index(self) -> usize {
        match self {
            Outcome::Accepted => 0,
            Outcome::Unauthenticated => 1,
            Outcome::Forbidden => 2,
            Outcome::Invalid => 3,
            Outcome::Rejected => 4,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_is_at_its_index() {
        for (i, outcome) in Outcome::ALL.into_iter().enumerate() {
            assert_eq!(outcome.index(), i, "{outcome:?}");
        }
    }
}
