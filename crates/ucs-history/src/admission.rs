//! Admission control in front of the backends: no tenant can starve another, no user the other
//! users of their tenant. Each tenant, and each user, has a budget of concurrent backend calls;
//! calls past it wait, each tenant in its own bounded queue; a tenant whose queue is full is
//! refused at once (before the ack, by the edge). Hits never pass through here.
//!
//! Why budgets per tenant rather than one global queue: a global FIFO lets one tenant's flood
//! of slow misses sit in front of everybody else's. With a per-tenant budget below the backend's
//! own capacity, a quiet tenant always finds the backend free, whatever another tenant sends.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// What an operator tunes (`[admission]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdmissionPolicy {
    /// Concurrent backend calls one tenant may have.
    pub per_tenant: usize,
    /// Concurrent backend calls one user may have.
    pub per_user: usize,
    /// Calls of one tenant that may wait for its budget; past it, refused.
    pub queue: usize,
    /// How long a call may wait for its budget before it fails.
    pub queue_timeout: Duration,
}

impl Default for AdmissionPolicy {
    fn default() -> Self {
        Self {
            per_tenant: 4,
            per_user: 2,
            queue: 100,
            queue_timeout: Duration::from_secs(10),
        }
    }
}

/// Why a call was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Overload {
    /// The tenant's queue is full.
    #[error("too many backend calls waiting for this contact centre")]
    QueueFull,
    /// The call waited `queue_timeout` for its budget.
    #[error("no backend capacity for this contact centre in time")]
    Timeout,
}

/// What became of a call at admission: the `outcome` label of `ucs_proxy_admission_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AdmissionOutcome {
    /// Admitted at once.
    Admitted,
    /// Admitted after waiting for its budget.
    Waited,
    /// Refused: the tenant's queue was full.
    QueueFull,
    /// Refused: it waited `queue_timeout`.
    Timeout,
}

impl AdmissionOutcome {
    /// Every outcome.
    pub(crate) const ALL: [AdmissionOutcome; 4] = [
        AdmissionOutcome::Admitted,
        AdmissionOutcome::Waited,
        AdmissionOutcome::QueueFull,
        AdmissionOutcome::Timeout,
    ];

    /// The outcome of one decision.
    pub(crate) fn of(decision: &Result<Admitted, Overload>) -> Self {
        match decision {
            Ok(admitted) if admitted.waited => AdmissionOutcome::Waited,
            Ok(_) => AdmissionOutcome::Admitted,
            Err(Overload::QueueFull) => AdmissionOutcome::QueueFull,
            Err(Overload::Timeout) => AdmissionOutcome::Timeout,
        }
    }

    /// The label.
    pub(crate) const fn as_label(self) -> &'static str {
        match self {
            AdmissionOutcome::Admitted => "admitted",
            AdmissionOutcome::Waited => "waited",
            AdmissionOutcome::QueueFull => "queue_full",
            AdmissionOutcome::Timeout => "timeout",
        }
    }
}

/// One budget: its permits and how many wait for one.
#[derive(Debug)]
struct Budget {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
}

impl Budget {
    fn new(size: usize) -> Arc<Budget> {
        Arc::new(Budget {
            permits: Arc::new(Semaphore::new(size.max(1))),
            waiting: AtomicUsize::new(0),
        })
    }
}

/// Budgets by name, created on first use and dropped when idle.
#[derive(Debug, Default)]
struct Budgets(Mutex<HashMap<String, Arc<Budget>>>);

impl Budgets {
    fn get(&self, name: &str, size: usize) -> Arc<Budget> {
        let mut budgets = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // Forget idle budgets now and then, so names seen once do not stay.
        if budgets.len() > 4096 {
            budgets.retain(|_, b| Arc::strong_count(b) > 1);
        }
        if let Some(budget) = budgets.get(name) {
            return Arc::clone(budget);
        }
        let budget = Budget::new(size);
        budgets.insert(name.to_owned(), Arc::clone(&budget));
        budget
    }
}

/// Decrements a waiting count when the wait ends, however it ends.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Leave to call a backend: holds the user's and the tenant's permits until dropped.
#[derive(Debug)]
pub(crate) struct Admitted {
    _user: Option<OwnedSemaphorePermit>,
    _tenant: OwnedSemaphorePermit,
    /// Whether the call had to wait.
    pub(crate) waited: bool,
}

/// The admission control of one history service.
#[derive(Debug, Default)]
pub(crate) struct Admission {
    policy: AdmissionPolicy,
    tenants: Budgets,
    users: Budgets,
}

impl Admission {
    pub(crate) fn new(policy: AdmissionPolicy) -> Self {
        Self {
            policy,
            tenants: Budgets::default(),
            users: Budgets::default(),
        }
    }

    /// Whether a new call of `tenant` would be refused now (its queue is full).
    pub(crate) fn is_full(&self, tenant: &str) -> bool {
        let budget = self.tenants.get(tenant, self.policy.per_tenant);
        budget.waiting.load(Ordering::Acquire) >= self.policy.queue
    }

    /// Waits for a call of `user` (none: a background refresh) in `tenant` to be admitted.
    pub(crate) async fn admit(
        &self,
        tenant: &str,
        user: Option<&str>,
    ) -> Result<Admitted, Overload> {
        let tenant_budget = self.tenants.get(tenant, self.policy.per_tenant);
        let user_budget = user.map(|user| {
            self.users
                .get(&format!("{tenant}\u{0}{user}"), self.policy.per_user)
        });
        // Both permits free now: no wait, no queue.
        if let Ok(tenant_permit) = Arc::clone(&tenant_budget.permits).try_acquire_owned() {
            let user_permit = user_budget
                .as_ref()
                .map(|budget| Arc::clone(&budget.permits).try_acquire_owned())
                .transpose();
            if let Ok(user_permit) = user_permit {
                return Ok(Admitted {
                    _user: user_permit,
                    _tenant: tenant_permit,
                    waited: false,
                });
            }
        }
        if tenant_budget.waiting.fetch_add(1, Ordering::AcqRel) >= self.policy.queue {
            tenant_budget.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(Overload::QueueFull);
        }
        let _waiting = Waiting(&tenant_budget.waiting);
        let wait = async {
            // The user's permit first: one user's calls queue behind each other, not in front
            // of the other users' of the tenant.
            let user_permit = match &user_budget {
                Some(budget) => Some(
                    Arc::clone(&budget.permits)
                        .acquire_owned()
                        .await
                        .expect("budgets are never closed"),
                ),
                None => None,
            };
            let tenant_permit = Arc::clone(&tenant_budget.permits)
                .acquire_owned()
                .await
                .expect("budgets are never closed");
            Admitted {
                _user: user_permit,
                _tenant: tenant_permit,
                waited: true,
            }
        };
        tokio::time::timeout(self.policy.queue_timeout, wait)
            .await
            .map_err(|_| Overload::Timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `future` is still waiting after a moment (of paused time).
    async fn pending<F: std::future::Future>(future: std::pin::Pin<&mut F>) -> bool {
        tokio::time::timeout(Duration::from_millis(1), future)
            .await
            .is_err()
    }

    fn admission(per_tenant: usize, per_user: usize, queue: usize) -> Admission {
        Admission::new(AdmissionPolicy {
            per_tenant,
            per_user,
            queue,
            queue_timeout: Duration::from_secs(1),
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_tenant_past_its_budget_waits_and_another_tenant_does_not() {
        let admission = admission(2, 2, 10);
        let a = admission.admit("t1", Some("u1")).await.unwrap();
        let _b = admission.admit("t1", Some("u2")).await.unwrap();
        assert!(!a.waited);
        // t1 is at its budget; t2 is not affected.
        let other = admission.admit("t2", Some("u9")).await.unwrap();
        assert!(!other.waited);
        let waiting = admission.admit("t1", Some("u3"));
        tokio::pin!(waiting);
        assert!(pending(waiting.as_mut()).await);
        drop(a);
        let admitted = waiting.await.unwrap();
        assert!(admitted.waited);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_queue_refuses_at_once_and_a_long_wait_times_out() {
        let admission = admission(1, 1, 1);
        let _held = admission.admit("t1", Some("u1")).await.unwrap();
        let first_waiter = admission.admit("t1", Some("u2"));
        tokio::pin!(first_waiter);
        assert!(pending(first_waiter.as_mut()).await);
        assert!(admission.is_full("t1"));
        assert_eq!(
            admission.admit("t1", Some("u3")).await.unwrap_err(),
            Overload::QueueFull
        );
        assert_eq!(first_waiter.await.unwrap_err(), Overload::Timeout);
        assert!(!admission.is_full("t1"), "the waiter left the queue");
    }

    #[tokio::test(start_paused = true)]
    async fn one_user_cannot_take_the_whole_tenant_budget() {
        let admission = admission(4, 1, 10);
        let _mine = admission.admit("t1", Some("u1")).await.unwrap();
        let my_second = admission.admit("t1", Some("u1"));
        tokio::pin!(my_second);
        assert!(pending(my_second.as_mut()).await);
        let colleague = admission.admit("t1", Some("u2")).await.unwrap();
        assert!(!colleague.waited);
    }
}
