//! The HTTP settings every vendor's client shares: timeouts, the size cap, the command
//! deadline and the retry budget, with their defaults (was `ClientTuning` beside the
//! Okta client's config). The Okta client's config holds one
//! ([`crate::okta::ClientConfig::settings`]); the SCIM vendor hands the daemon's to its core.

use std::time::Duration;

/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for one request, from sending to the last byte of the answer.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default budget of one command: every request, retry and wait of it.
pub const DEFAULT_COMMAND_DEADLINE: Duration = Duration::from_secs(120);
/// Default number of retries of one call (so at most 6 requests).
pub const DEFAULT_MAX_RETRIES: u32 = 5;
/// Default first backoff step (then doubled per retry).
pub const DEFAULT_BACKOFF_BASE: Duration = Duration::from_secs(1);
/// Default largest backoff step.
pub const DEFAULT_BACKOFF_CAP: Duration = Duration::from_secs(16);

/// Default longest wait for the first byte of an answer, connecting included.
pub const DEFAULT_ANSWER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default cap on one answer's body: 64 MiB, far above any API page we read (an Okta
/// System Log page of 1,000 events is a few MB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;

/// Timeouts, size cap, deadline and retry budget of a client; `--connect-timeout` and the
/// like on the command line, the vendor client's defaults otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    /// Longest wait for the first byte of an answer, connecting included: a server that
    /// takes the connection and then says nothing fails after this.
    pub answer_timeout: Duration,
    pub request_timeout: Duration,
    /// Largest answer body read; a larger answer fails its call (not retried).
    pub max_response_bytes: u64,
    pub command_deadline: Duration,
    pub max_retries: u32,
    /// First step of the exponential backoff: 5xx, connection errors, and the 429s the
    /// vendor's policy gives no wait of their own (Okta: concurrency 429s, and 429s without
    /// `Date`/`X-Rate-Limit-Reset`).
    pub backoff_base: Duration,
    /// Largest backoff step.
    pub backoff_cap: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            answer_timeout: DEFAULT_ANSWER_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            command_deadline: DEFAULT_COMMAND_DEADLINE,
            max_retries: DEFAULT_MAX_RETRIES,
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_cap: DEFAULT_BACKOFF_CAP,
        }
    }
}
