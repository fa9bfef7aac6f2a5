//! A session's subscriptions: names and wildcard patterns in a hash set, so subscribing costs
//! the same however many a session holds, and matching a delivered channel looks up the channel
//! itself and its ancestors' wildcards (`/a/b/c` checks `/a/b/c`, `/a/b/*`, `/a/b/**`, `/a/**`,
//! `/**`): proportional to its depth, not to the subscriptions.

use crate::channel::Channel;
use std::collections::HashSet;

/// The channels and patterns one session subscribed to.
#[derive(Debug, Default)]
pub(crate) struct Subscriptions(HashSet<Channel>);

impl Subscriptions {
    /// How many are held.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether `channel` is held already.
    pub(crate) fn contains(&self, channel: &Channel) -> bool {
        self.0.contains(channel)
    }

    /// Adds `channel`.
    pub(crate) fn insert(&mut self, channel: Channel) {
        self.0.insert(channel);
    }

    /// Removes `channel`.
    pub(crate) fn remove(&mut self, channel: &Channel) {
        self.0.remove(channel);
    }

    /// Whether a message on the concrete channel `name` is for this session.
    pub(crate) fn matches(&self, name: &str) -> bool {
        if self.0.is_empty() {
            return false;
        }
        let held = |pattern: &str| self.0.contains(pattern);
        if held(name) {
            return true;
        }
        // One buffer for every pattern tried: `/a/b/*`, `/a/b/**`, `/a/**`, `/**`.
        let mut pattern = String::with_capacity(name.len() + 3);
        let mut prefix = name;
        let mut direct_parent = true;
        while let Some(at) = prefix.rfind('/') {
            prefix = &prefix[..at];
            for (suffix, applies) in [("/*", direct_parent), ("/**", true)] {
                pattern.clear();
                pattern.push_str(prefix);
                pattern.push_str(suffix);
                if applies && held(&pattern) {
                    return true;
                }
            }
            direct_parent = false;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(patterns: &[&str]) -> Subscriptions {
        let mut subscriptions = Subscriptions::default();
        for p in patterns {
            subscriptions.insert(Channel::parse(p).unwrap());
        }
        subscriptions
    }

    #[test]
    fn matches_as_the_patterns_do() {
        let names = [
            "/a",
            "/a/b",
            "/a/b/c",
            "/v2/ucs/interactions",
            "/v2/me/calls",
            "/x/y",
        ];
        for patterns in [
            &["/a/b"][..],
            &["/a/*"],
            &["/a/**"],
            &["/**"],
            &["/v2/ucs/*", "/x/**"],
            &["/v2/me/*"],
        ] {
            let subscriptions = held(patterns);
            for name in names {
                let expected = patterns
                    .iter()
                    .any(|p| Channel::parse(p).unwrap().matches(name));
                assert_eq!(subscriptions.matches(name), expected, "{patterns:?} {name}");
            }
        }
    }
}
