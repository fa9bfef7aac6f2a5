//! The URLs and operations of the interaction-history API.

use std::fmt;

/// The URL of RetrieveInteractionHistory and RetrieveAgentHistory.
pub const INTERACTIONS_PATH: &str = "/api/v2/ucs/interactions";
/// The prefix of RetrieveContactHistory's URL, `/api/v2/ucs/contacts/{contactId}/interactions`.
pub const CONTACTS_PREFIX: &str = "/api/v2/ucs/contacts/";

/// The longest contact id accepted in a path (UCS ids are 16 characters).
pub const MAX_CONTACT_ID_LEN: usize = 64;

/// One of the two history URLs, with the contact id of the second.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST /api/v2/ucs/interactions`.
    Interactions,
    /// `POST /api/v2/ucs/contacts/{contactId}/interactions`.
    ContactInteractions(String),
}

impl Route {
    /// Recognises a history URL from its path (no query string). Any other path is `None`: not
    /// ours, to be forwarded or refused by the caller.
    ///
    /// A contact path is ours only when its id is 1 to [`MAX_CONTACT_ID_LEN`] characters of
    /// `A-Z a-z 0-9 - _ .`; anything else is not a UCS id and is left to the upstream.
    pub fn from_path(path: &str) -> Option<Route> {
        let path = path.strip_suffix('/').unwrap_or(path);
        if path == INTERACTIONS_PATH {
            return Some(Route::Interactions);
        }
        let id = path
            .strip_prefix(CONTACTS_PREFIX)?
            .strip_suffix("/interactions")?;
        is_ucs_id(id).then(|| Route::ContactInteractions(id.to_owned()))
    }

    /// Whether `operation` is served on this URL.
    pub fn serves(&self, operation: Operation) -> bool {
        matches!(
            (self, operation),
            (
                Route::Interactions,
                Operation::RetrieveInteractionHistory | Operation::RetrieveAgentHistory
            ) | (
                Route::ContactInteractions(_),
                Operation::RetrieveContactHistory
            )
        )
    }
}

/// Whether `id` may be a UCS id in a path: 1 to [`MAX_CONTACT_ID_LEN`] characters of
/// `A-Z a-z 0-9 - _ .`. Anything else is not ours, to be left to the upstream.
pub(crate) fn is_ucs_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CONTACT_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A history operation (`operationName`). All three answer with `GetInteractionsHistoryMessage`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Interactions started in a period, optionally of one owner (`userId`).
    RetrieveInteractionHistory,
    /// Interactions handled by one agent (`userId`, mandatory).
    RetrieveAgentHistory,
    /// Interactions of one contact (the id in the URL).
    RetrieveContactHistory,
}

impl Operation {
    /// Every operation.
    pub const ALL: [Operation; 3] = [
        Operation::RetrieveInteractionHistory,
        Operation::RetrieveAgentHistory,
        Operation::RetrieveContactHistory,
    ];

    /// The `operationName` that selects this operation (exact, case-sensitive, as GWS).
    pub fn name(self) -> &'static str {
        match self {
            Operation::RetrieveInteractionHistory => "RetrieveInteractionHistory",
            Operation::RetrieveAgentHistory => "RetrieveAgentHistory",
            Operation::RetrieveContactHistory => "RetrieveContactHistory",
        }
    }

    /// The operation an `operationName` selects.
    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|op| op.name() == name)
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_the_two_history_urls() {
        assert_eq!(
            Route::from_path(INTERACTIONS_PATH),
            Some(Route::Interactions)
        );
        assert_eq!(
            Route::from_path("/api/v2/ucs/interactions/"),
            Some(Route::Interactions)
        );
        assert_eq!(
            Route::from_path("/api/v2/ucs/contacts/0000FaA3VXUS000M/interactions"),
            Some(Route::ContactInteractions("0000FaA3VXUS000M".into()))
        );
    }

    #[test]
    fn leaves_every_other_path_alone() {
        for path in [
            "/",
            "/api/v2/me",
            "/api/v2/ucs/interactions/0000Sa99620J0EM5",
            "/api/v2/ucs/contacts//interactions",
            "/api/v2/ucs/contacts/a/b/interactions",
            "/api/v2/ucs/contacts/%20/interactions",
            "/api/v2/ucs/contacts/x/interactionsX",
        ] {
            assert_eq!(Route::from_path(path), None, "{path}");
        }
        let long = format!("{CONTACTS_PREFIX}{}/interactions", "a".repeat(65));
        assert_eq!(Route::from_path(&long), None);
    }

    #[test]
    fn each_url_serves_its_own_operations() {
        let contact = Route::ContactInteractions("c".into());
        assert!(Route::Interactions.serves(Operation::RetrieveInteractionHistory));
        assert!(Route::Interactions.serves(Operation::RetrieveAgentHistory));
        assert!(!Route::Interactions.serves(Operation::RetrieveContactHistory));
        assert!(contact.serves(Operation::RetrieveContactHistory));
        assert!(!contact.serves(Operation::RetrieveInteractionHistory));
    }
}
