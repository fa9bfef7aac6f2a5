//! Media types, the features that unlock them, and the two small enums of a query.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A media type of the interaction history, as GWS names it on input (lower case).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaType {
    /// Voice calls (feature `api-ucs-voice`).
    Call,
    /// Chat sessions.
    Chat,
    /// E-mail.
    Email,
    /// Facebook posts.
    Facebook,
    /// Facebook private-message sessions.
    Facebooksession,
    /// Open media.
    Openmedia,
    /// Twitter.
    Twitter,
    /// Work items.
    Workitem,
}

impl MediaType {
    /// Every media type, in the order GWS documents them.
    pub const ALL: [MediaType; 8] = [
        MediaType::Call,
        MediaType::Chat,
        MediaType::Email,
        MediaType::Facebook,
        MediaType::Facebooksession,
        MediaType::Openmedia,
        MediaType::Twitter,
        MediaType::Workitem,
    ];

    /// The lower-case wire name (`call`, `chat`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Call => "call",
            MediaType::Chat => "chat",
            MediaType::Email => "email",
            MediaType::Facebook => "facebook",
            MediaType::Facebooksession => "facebooksession",
            MediaType::Openmedia => "openmedia",
            MediaType::Twitter => "twitter",
            MediaType::Workitem => "workitem",
        }
    }

    /// Parses a media type name, case-insensitively (`CHAT`, `Chat` and `chat` are one type).
    pub fn from_name(name: &str) -> Option<MediaType> {
        MediaType::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(name))
    }

    /// The GWS feature a caller needs to read this media type's history:
    /// `api-ucs-voice` for calls, `api-multimedia-<type>` otherwise.
    pub fn feature(self) -> &'static str {
        match self {
            MediaType::Call => "api-ucs-voice",
            MediaType::Chat => "api-multimedia-chat",
            MediaType::Email => "api-multimedia-email",
            MediaType::Facebook => "api-multimedia-facebook",
            MediaType::Facebooksession => "api-multimedia-facebooksession",
            MediaType::Openmedia => "api-multimedia-openmedia",
            MediaType::Twitter => "api-multimedia-twitter",
            MediaType::Workitem => "api-multimedia-workitem",
        }
    }

    /// Whether an interaction's stored media type (printed verbatim, e.g. `Chat`) is this one.
    pub fn matches(self, stored: &str) -> bool {
        self.as_str().eq_ignore_ascii_case(stored)
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The order of results, by `startDate` then `id`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Oldest first.
    Asc,
    /// Newest first (the GWS default).
    #[default]
    Desc,
}

impl SortOrder {
    /// Parses `asc` / `desc`, case-insensitively.
    pub fn from_name(name: &str) -> Option<SortOrder> {
        if name.eq_ignore_ascii_case("asc") {
            Some(SortOrder::Asc)
        } else if name.eq_ignore_ascii_case("desc") {
            Some(SortOrder::Desc)
        } else {
            None
        }
    }
}

/// Where UCS looks the interactions up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The main database (the GWS default).
    #[default]
    Main,
    /// The archive database, where a backend declares one.
    Archive,
}

impl Source {
    /// Parses `main` / `archive`, case-insensitively.
    pub fn from_name(name: &str) -> Option<Source> {
        if name.eq_ignore_ascii_case("main") {
            Some(Source::Main)
        } else if name.eq_ignore_ascii_case("archive") {
            Some(Source::Archive)
        } else {
            None
        }
    }
}
