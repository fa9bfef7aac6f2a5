//! `[admission]`: budgets of concurrent backend calls, so that no tenant starves another.

use super::units;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use ucs_history::AdmissionPolicy;

/// `[admission]`: how much backend work each tenant and user may have at once (hits are never
/// limited).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdmissionConfig {
    /// Concurrent backend calls one tenant may have (default 4). Keep it below the backend's
    /// own capacity (a store's `pool_size`), so that other tenants always find it free.
    pub per_tenant: usize,
    /// Concurrent backend calls one user may have (default 2).
    pub per_user: usize,
    /// Calls of one tenant that may wait for its budget (default 100); past it, new misses are
    /// refused before the ack (HTTP 429).
    pub queue: usize,
    /// How long a call may wait for its budget before its notification says it failed
    /// (default 10 s).
    #[serde(rename = "queue_timeout_ms", with = "units::millis")]
    pub queue_timeout: Duration,
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        let policy = AdmissionPolicy::default();
        Self {
            per_tenant: policy.per_tenant,
            per_user: policy.per_user,
            queue: policy.queue,
            queue_timeout: policy.queue_timeout,
        }
    }
}

impl AdmissionConfig {
    /// The service's admission policy.
    pub fn to_policy(&self) -> AdmissionPolicy {
        AdmissionPolicy {
            per_tenant: self.per_tenant,
            per_user: self.per_user,
            queue: self.queue,
            queue_timeout: self.queue_timeout,
        }
    }
}
