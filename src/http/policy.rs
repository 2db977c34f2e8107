//! What a vendor tells the request loop ([`crate::http::call`]) about its API: the one
//! trait a second vendor implements to reuse deadlines, pacing, auth, retries and backoff.
//!
//! The loop itself knows HTTP: a 2xx is a success, a 429 is a rate limit, a 500/502/503/504
//! or a broken connection may be retried when the request is safe to repeat, any other answer
//! is final. The vendor knows the rest: which of its requests are safe to repeat, the headers
//! every request carries, what its rate-limit headers say, how its errors are built from an
//! answer or a failure, and which secrets must not appear in them.

use std::time::Duration;

use url::Url;

use crate::http::pacer::Budget;
use crate::http::transport::{HttpResponse, Method, TransportError};
use crate::http::InvalidRequest;

/// Whether a request may be sent again after a failure that leaves its effect unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// Reads and idempotent writes: retried on 429, 500/502/503/504 and broken connections.
    Safe,
    /// Creates: retried on 429 only (the server did not process it); a 5xx or a timeout is
    /// returned, since the object may exist now.
    RateLimitOnly,
}

/// The attempt a request is built for.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    /// Retries before this attempt (0 for the first).
    pub retries: u32,
    /// The vendor's request id of the answer that failed the previous attempt, if any.
    pub retry_for: Option<&'a str>,
}

/// What a 429 said about its limit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimitReset {
    /// The wait before retrying (margin and jitter included); `None`: back off instead.
    pub wait: Option<Duration>,
    /// Until the limit resets, as the answer said (shown when the loop gives up).
    pub until_reset: Option<Duration>,
}

/// Why the loop stopped retrying a rate-limited call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitStop {
    /// The retry budget was spent.
    RetriesSpent,
    /// The next wait (a retry, or pacing before the first send) would end after the deadline.
    PastDeadline,
}

/// A rate-limited call the loop gave up on, for the vendor to put in its error.
#[derive(Debug)]
pub struct RateLimited<'a, E> {
    /// `METHOD /path`.
    pub request: String,
    /// How long until the limit resets, or the wait that was not started.
    pub retry_after: Option<Duration>,
    /// Requests sent for this call.
    pub attempts: u32,
    pub stop: RateLimitStop,
    /// The last 429 and the vendor's error built from it; `None` when pacing stopped the
    /// call before anything was sent.
    pub answer: Option<(&'a HttpResponse, E)>,
}

/// A call whose deadline ran out, for the vendor to put in its error.
#[derive(Debug)]
pub struct DeadlineRanOut<E> {
    /// `METHOD /path`.
    pub request: String,
    /// The length of the time limit that ran out.
    pub limit: Duration,
    /// Requests sent for this call.
    pub attempts: u32,
    /// The failure being retried when it ran out, if any.
    pub last: Option<E>,
}

/// A vendor's rules for the request loop.
pub trait VendorPolicy: Send + Sync {
    /// The vendor's error type: every call fails with one.
    type Error: std::fmt::Display + From<InvalidRequest>;

    /// A short lowercase name for log lines (`okta` gives `okta response`).
    fn log_name(&self) -> &'static str;

    /// Whether `method url` may be sent again after a failure that leaves its effect unknown.
    fn repeat(&self, method: Method, url: &Url) -> Repeat;

    /// The headers every attempt carries besides the authorisation (accept, content type,
    /// user agent, the vendor's retry headers), in the order they are sent.
    fn headers(&self, method: Method, has_body: bool, attempt: Attempt<'_>)
        -> Vec<(String, String)>;

    /// The vendor's id of an answer (for logs, and the next attempt's [`Attempt::retry_for`]).
    fn request_id(&self, response: &HttpResponse) -> Option<String>;

    /// What an answer says about its rate-limit window, for the pacer; `None` when it says
    /// nothing usable.
    fn budget(&self, response: &HttpResponse) -> Option<Budget>;

    /// What a 429 says about when to try again.
    fn rate_limit_reset(&self, response: &HttpResponse) -> RateLimitReset;

    /// `text` with every secret of this client replaced (error texts kept for people).
    fn redact(&self, text: &str) -> String;

    /// The error for a non-2xx answer (credentials it echoed already replaced); secrets in
    /// the kept body must be redacted.
    fn answer_error(&self, response: &HttpResponse) -> Self::Error;

    /// The error for a request that got no answer (`source`'s message already redacted).
    fn transport_error(&self, request: String, source: TransportError) -> Self::Error;

    /// The error for a rate-limited call the loop gave up on.
    fn rate_limited(&self, stop: RateLimited<'_, Self::Error>) -> Self::Error;

    /// The error for a call whose deadline ran out.
    fn deadline_exceeded(&self, ran_out: DeadlineRanOut<Self::Error>) -> Self::Error;
}
