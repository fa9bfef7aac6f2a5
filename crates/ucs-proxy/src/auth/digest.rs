//! Keyed digests of presented credentials: what verified credentials are remembered under, so
//! that a client sending the same `Authorization` (or session cookie) on every request is checked
//! once, and the credentials themselves are never kept.
//!
//! SipHash-2-4 with a 128-bit output, under a key drawn from the OS at start: a MAC, so without
//! the key nobody can make up credentials whose digest equals remembered ones (a chance of
//! 2⁻¹²⁸ per guess). Where SHA-256 over a salt cost ~3 500 instructions a request, this costs
//! a few hundred (`benches/load/instructions.sh`).

use siphasher::sip128::{Hasher128, SipHasher24};
use std::hash::Hasher;

/// The digest of one set of credentials.
pub(crate) type CredentialDigest = [u8; 16];

/// Computes [`CredentialDigest`]s under this process's secret key.
#[derive(Clone)]
pub(crate) struct CredentialDigests {
    key: [u8; 16],
}

impl CredentialDigests {
    /// Digests under a fresh random key.
    pub(crate) fn new() -> Self {
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).expect("the OS random source is available");
        Self { key }
    }

    /// The digest of `parts`, each ended by a zero byte (so that parts cannot be shifted into
    /// one another: `("ab", "c")` and `("a", "bc")` differ).
    pub(crate) fn of(&self, parts: &[&[u8]]) -> CredentialDigest {
        let mut hasher = SipHasher24::new_with_key(&self.key);
        for part in parts {
            hasher.write(part);
            hasher.write_u8(0);
        }
        hasher.finish128().as_bytes()
    }
}

impl std::fmt::Debug for CredentialDigests {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is a secret.
        f.write_str("CredentialDigests")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_credentials_meet_and_others_do_not() {
        let digests = CredentialDigests::new();
        let basic = b"Basic ZGVtbzpkZW1v".as_slice();
        assert_eq!(digests.of(&[basic]), digests.of(&[basic]));
        assert_ne!(digests.of(&[basic]), digests.of(&[b"Basic ZGVtbzpkZW1w"]));
        assert_ne!(digests.of(&[b"ab", b"c"]), digests.of(&[b"a", b"bc"]));
        // Another process (another key) gives other digests.
        assert_ne!(digests.of(&[basic]), CredentialDigests::new().of(&[basic]));
    }
}
