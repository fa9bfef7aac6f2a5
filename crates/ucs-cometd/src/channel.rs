//! Channel names and subscription patterns (`/foo/*`, `/foo/**`).

use std::fmt;

/// The kind of a channel, which decides what the engine does with a message on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// `/meta/**`: the protocol itself.
    Meta,
    /// `/service/**`: request/response, never broadcast.
    Service,
    /// Everything else: delivered to subscribers.
    Broadcast,
}

/// A validated channel name or subscription pattern.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Channel(String);

impl Channel {
    /// Validates `name`: a leading `/`, non-empty segments of alphanumerics and
    /// `-_!~()$@.` (CometD's `isValidChannelId` set), and at most a trailing `*` or `**` segment.
    pub fn parse(name: &str) -> Option<Channel> {
        let rest = name.strip_prefix('/')?;
        let segments: Vec<&str> = rest.split('/').collect();
        let last = segments.len() - 1;
        for (i, segment) in segments.iter().enumerate() {
            let wildcard = *segment == "*" || *segment == "**";
            let valid = !segment.is_empty()
                && (wildcard && i == last
                    || segment
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_!~()$@.".contains(&b)));
            if !valid {
                return None;
            }
        }
        Some(Channel(name.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a `*` or `**` pattern.
    pub fn is_wildcard(&self) -> bool {
        self.0.ends_with("/*") || self.0.ends_with("/**")
    }

    /// What kind of channel this is.
    pub fn kind(&self) -> ChannelKind {
        if self.0 == "/meta" || self.0.starts_with("/meta/") {
            ChannelKind::Meta
        } else if self.0 == "/service" || self.0.starts_with("/service/") {
            ChannelKind::Service
        } else {
            ChannelKind::Broadcast
        }
    }

    /// Whether this channel (as a subscription pattern) matches the concrete channel `name`:
    /// equal, or `/a/*` for exactly one more segment, or `/a/**` for one or more.
    pub fn matches(&self, name: &str) -> bool {
        let pattern = self.0.as_str();
        if let Some(prefix) = pattern.strip_suffix("/**") {
            name.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|rest| !rest.is_empty())
        } else if let Some(prefix) = pattern.strip_suffix("/*") {
            name.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('/'))
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
        } else {
            pattern == name
        }
    }

    /// Whether this pattern is `pattern` or lies under it (`/v2/ucs/*` lies under `/v2/**`).
    pub fn is_under(&self, prefix: &str) -> bool {
        self.0 == prefix || self.0.starts_with(&format!("{prefix}/"))
    }
}

/// Sets of channels are looked up by name (a `Channel` hashes as its name).
impl std::borrow::Borrow<str> for Channel {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(name: &str) -> Channel {
        Channel::parse(name).unwrap_or_else(|| panic!("{name} should be valid"))
    }

    #[test]
    fn validates_names() {
        for ok in [
            "/a",
            "/a/b",
            "/v2/ucs/interactions",
            "/a/*",
            "/a/**",
            "/a-b_c!~()$@.d",
        ] {
            ch(ok);
        }
        for bad in [
            "", "a", "/", "/a/", "//a", "/a/*/b", "/a/**/b", "/a b", "/a/***", "/a/b*",
        ] {
            assert_eq!(Channel::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn single_star_matches_exactly_one_segment() {
        let p = ch("/foo/*");
        assert!(p.matches("/foo/bar"));
        assert!(!p.matches("/foo"));
        assert!(!p.matches("/foo/bar/baz"));
        assert!(!p.matches("/foobar/x"));
    }

    #[test]
    fn double_star_matches_one_or_more_segments() {
        let p = ch("/foo/**");
        assert!(p.matches("/foo/bar"));
        assert!(p.matches("/foo/bar/baz"));
        assert!(!p.matches("/foo"));
        assert!(!p.matches("/foobar/baz"));
    }

    #[test]
    fn gws_wildcard_trap_me_star_does_not_match_ucs() {
        assert!(!ch("/v2/me/*").matches("/v2/ucs/interactions"));
        assert!(ch("/v2/ucs/*").matches("/v2/ucs/interactions"));
        assert!(ch("/v2/**").matches("/v2/ucs/interactions"));
    }

    #[test]
    fn kinds() {
        assert_eq!(ch("/meta/connect").kind(), ChannelKind::Meta);
        assert_eq!(ch("/service/x").kind(), ChannelKind::Service);
        assert_eq!(ch("/metadata").kind(), ChannelKind::Broadcast);
        assert!(ch("/v2/ucs/*").is_under("/v2"));
        assert!(ch("/v2").is_under("/v2"));
        assert!(!ch("/v20/x").is_under("/v2"));
    }
}
