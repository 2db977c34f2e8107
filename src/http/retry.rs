//! Whether to retry a failed call, and after how long: one pure function, [`decide`].
//!
//! The request loop ([`crate::http::call`]) sorts every failure into a [`FailureClass`] and asks
//! [`decide`] with the retries done so far, the clock and the command deadline. Classes:
//!
//! - [`FailureClass::Permanent`]: a retry cannot help (an untrusted certificate, a failed TLS
//!   handshake, an answer over the size cap, a request that cannot be built). Never retried.
//! - [`FailureClass::Unreachable`]: nothing reached a server (the name does not resolve, the
//!   DNS server is silent, the connection is refused). At most one quick retry, after
//!   [`QUICK_RETRY_WAIT`]: a DNS blip or a restarting proxy heals in that time; more would
//!   only delay the message.
//! - [`FailureClass::Silent`]: the server stayed silent for a whole attempt. At most one
//!   retry, and only when a whole attempt still fits before the deadline; otherwise the
//!   cause is returned at once rather than a later "deadline exceeded".
//! - [`FailureClass::Transient`]: 500/502/503/504, a reset connection, a timeout mid-answer.
//!   Exponential backoff up to `max_retries`.
//! - [`FailureClass::RateLimited`]: a 429; wait until the reset (or back off when the answer
//!   did not say), up to `max_retries`.
//! - [`FailureClass::RetryAfter`]: a 5xx that said when to come back (`Retry-After` on a
//!   503, when the vendor's policy reads it); wait that long, up to `max_retries`.
//!
//! A wait that would end after the deadline is never started.

use std::time::Duration;

use tokio::time::Instant;

use crate::http::backoff::backoff_step;

/// The wait before the one quick retry of an unreachable server.
pub const QUICK_RETRY_WAIT: Duration = Duration::from_millis(500);

/// What kind of failure a call had, as far as retrying goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureClass {
    Permanent,
    Unreachable,
    /// `attempt`: how long the failed attempt waited (the next one would wait as long).
    Silent {
        attempt: Duration,
    },
    Transient,
    /// `reset_wait`: the wait until the limit resets, with margin and jitter, when the
    /// answer gave a usable reset; `None` for backoff.
    RateLimited {
        reset_wait: Option<Duration>,
    },
    /// `wait`: what the answer asked for (the vendor bounds it).
    RetryAfter {
        wait: Duration,
    },
}

/// The retry budget and backoff shape.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

/// What to do after a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Sleep `wait` plus a random jitter in `[0, jitter)`, then send again.
    Retry {
        wait: Duration,
        jitter: Duration,
    },
    Stop(Stop),
}

/// Why no retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Retrying this failure cannot help (or not within the deadline): return its error.
    CannotHelp,
    /// The retry budget is spent.
    RetriesSpent,
    /// The wait would end after the deadline.
    PastDeadline,
}

/// Decides after the failure of attempt `retries_done + 1`, at `now`.
pub fn decide(
    class: FailureClass,
    retries_done: u32,
    now: Instant,
    deadline: Instant,
    policy: &RetryPolicy,
) -> Decision {
    let retry = retries_done + 1;
    let backoff = backoff_step(policy.backoff_base, policy.backoff_cap, retry);
    let (wait, jitter, budget) = match class {
        FailureClass::Permanent => return Decision::Stop(Stop::CannotHelp),
        FailureClass::Unreachable => (QUICK_RETRY_WAIT, Duration::ZERO, 1),
        FailureClass::Silent { attempt } => {
            let fits = now
                .checked_add(QUICK_RETRY_WAIT + attempt)
                .is_some_and(|end| end <= deadline);
            if !fits {
                return Decision::Stop(Stop::CannotHelp);
            }
            (QUICK_RETRY_WAIT, Duration::ZERO, 1)
        }
        FailureClass::Transient => (backoff, backoff / 4, policy.max_retries),
        FailureClass::RateLimited { reset_wait } => match reset_wait {
            Some(wait) => (wait, Duration::ZERO, policy.max_retries),
            None => (backoff, backoff / 4, policy.max_retries),
        },
        FailureClass::RetryAfter { wait } => (wait, Duration::ZERO, policy.max_retries),
    };
    if retries_done >= budget.min(policy.max_retries) {
        return Decision::Stop(Stop::RetriesSpent);
    }
    let ends = now.checked_add(wait + jitter);
    if ends.is_none_or(|end| end > deadline) {
        return Decision::Stop(Stop::PastDeadline);
    }
    Decision::Retry { wait, jitter }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 5,
        backoff_base: Duration::from_secs(1),
        backoff_cap: Duration::from_secs(16),
    };

    fn at(now: Instant, secs: u64) -> Instant {
        now + Duration::from_secs(secs)
    }

    #[test]
    fn permanent_failures_are_never_retried() {
        let now = Instant::now();
        assert_eq!(
            decide(FailureClass::Permanent, 0, now, at(now, 120), &POLICY),
            Decision::Stop(Stop::CannotHelp)
        );
    }

    #[test]
    fn unreachable_gets_one_quick_retry() {
        let now = Instant::now();
        assert_eq!(
            decide(FailureClass::Unreachable, 0, now, at(now, 120), &POLICY),
            Decision::Retry {
                wait: QUICK_RETRY_WAIT,
                jitter: Duration::ZERO
            }
        );
        assert_eq!(
            decide(FailureClass::Unreachable, 1, now, at(now, 120), &POLICY),
            Decision::Stop(Stop::RetriesSpent)
        );
        let none = RetryPolicy {
            max_retries: 0,
            ..POLICY
        };
        assert_eq!(
            decide(FailureClass::Unreachable, 0, now, at(now, 120), &none),
            Decision::Stop(Stop::RetriesSpent)
        );
    }

    #[test]
    fn silence_is_retried_once_only_when_a_whole_attempt_fits() {
        let now = Instant::now();
        let silent = FailureClass::Silent {
            attempt: Duration::from_secs(10),
        };
        // test-module: 10 s spent of 15 s; another 10 s attempt does not fit.
        assert_eq!(
            decide(silent, 0, at(now, 10), at(now, 15), &POLICY),
            Decision::Stop(Stop::CannotHelp)
        );
        assert!(matches!(
            decide(silent, 0, at(now, 10), at(now, 120), &POLICY),
            Decision::Retry { .. }
        ));
        assert_eq!(
            decide(silent, 1, at(now, 21), at(now, 120), &POLICY),
            Decision::Stop(Stop::RetriesSpent)
        );
    }

    #[test]
    fn transient_failures_back_off_up_to_the_budget_and_the_deadline() {
        let now = Instant::now();
        let waits: Vec<_> = (0..5)
            .map(|n| decide(FailureClass::Transient, n, now, at(now, 600), &POLICY))
            .collect();
        let expected = [1, 2, 4, 8, 16].map(|s| {
            let wait = Duration::from_secs(s);
            Decision::Retry {
                wait,
                jitter: wait / 4,
            }
        });
        assert_eq!(waits, expected);
        assert_eq!(
            decide(FailureClass::Transient, 5, now, at(now, 600), &POLICY),
            Decision::Stop(Stop::RetriesSpent)
        );
        assert_eq!(
            decide(FailureClass::Transient, 3, now, at(now, 9), &POLICY),
            Decision::Stop(Stop::PastDeadline)
        );
    }

    #[test]
    fn rate_limits_wait_for_the_reset_or_back_off() {
        let now = Instant::now();
        let reset = FailureClass::RateLimited {
            reset_wait: Some(Duration::from_secs(31)),
        };
        assert_eq!(
            decide(reset, 0, now, at(now, 120), &POLICY),
            Decision::Retry {
                wait: Duration::from_secs(31),
                jitter: Duration::ZERO
            }
        );
        assert_eq!(
            decide(reset, 0, now, at(now, 30), &POLICY),
            Decision::Stop(Stop::PastDeadline)
        );
        assert_eq!(
            decide(reset, 5, now, at(now, 120), &POLICY),
            Decision::Stop(Stop::RetriesSpent)
        );
        assert!(matches!(
            decide(
                FailureClass::RateLimited { reset_wait: None },
                1,
                now,
                at(now, 120),
                &POLICY
            ),
            Decision::Retry { wait, .. } if wait == Duration::from_secs(2)
        ));
    }

    #[test]
    fn a_told_wait_is_kept_to_within_the_budget_and_the_deadline() {
        let now = Instant::now();
        let told = FailureClass::RetryAfter {
            wait: Duration::from_secs(7),
        };
        assert_eq!(
            decide(told, 0, now, at(now, 120), &POLICY),
            Decision::Retry {
                wait: Duration::from_secs(7),
                jitter: Duration::ZERO
            }
        );
        assert_eq!(
            decide(told, 0, now, at(now, 5), &POLICY),
            Decision::Stop(Stop::PastDeadline)
        );
        assert_eq!(
            decide(told, 5, now, at(now, 120), &POLICY),
            Decision::Stop(Stop::RetriesSpent)
        );
    }
}
