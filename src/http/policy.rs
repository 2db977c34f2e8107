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
use crate::time::parse_http_date;

/// The longest `Retry-After` believed: a header may not park a call for longer.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5 * 60);

/// An answer's `Retry-After` (RFC 9110: delay seconds, or an HTTP date measured against the
/// answer's `Date`, else `local_now` in epoch seconds) as a wait; `None` when absent,
/// unreadable, or further ahead than [`MAX_RETRY_AFTER`]. For vendors whose servers send it
/// (SCIM); Okta's own headers are `X-Rate-Limit-*`.
pub fn retry_after(response: &HttpResponse, local_now: i64) -> Option<Duration> {
    let value = response.header("retry-after")?.trim();
    let wait = match value.parse::<u64>() {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(_) => {
            let at = parse_http_date(value)?;
            let now = response
                .header("date")
                .and_then(parse_http_date)
                .unwrap_or(local_now);
            Duration::from_secs(u64::try_from(at.checked_sub(now)?).unwrap_or(0))
        }
    };
    (wait <= MAX_RETRY_AFTER).then_some(wait)
}

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
    fn headers(
        &self,
        method: Method,
        has_body: bool,
        attempt: Attempt<'_>,
    ) -> Vec<(String, String)>;

    /// The vendor's id of an answer (for logs, and the next attempt's [`Attempt::retry_for`]).
    fn request_id(&self, response: &HttpResponse) -> Option<String>;

    /// What an answer says about its rate-limit window, for the pacer; `None` when it says
    /// nothing usable.
    fn budget(&self, response: &HttpResponse) -> Option<Budget>;

    /// What a 429 says about when to try again.
    fn rate_limit_reset(&self, response: &HttpResponse) -> RateLimitReset;

    /// The wait a 500/502/503/504 of a request safe to repeat asks for (a SCIM server's
    /// `Retry-After` on a 503: [`retry_after`]); `None`, the default, backs off.
    fn unavailable_wait(&self, _response: &HttpResponse) -> Option<Duration> {
        None
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status: 503,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: vec![],
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_refuses_the_absurd() {
        assert_eq!(
            retry_after(&answer(&[("Retry-After", "120")]), 0),
            Some(Duration::from_secs(120))
        );
        let dated = answer(&[
            ("Retry-After", "Tue, 20 May 2025 16:54:44 GMT"),
            ("Date", "Tue, 20 May 2025 16:54:14 GMT"),
        ]);
        assert_eq!(retry_after(&dated, 0), Some(Duration::from_secs(30)));
        // Without `Date`, against the local clock; a past date is no wait.
        let undated = answer(&[("Retry-After", "Tue, 20 May 2025 16:54:44 GMT")]);
        assert_eq!(retry_after(&undated, 1_747_760_100), Some(Duration::ZERO));
        assert_eq!(retry_after(&answer(&[("Retry-After", "86400")]), 0), None);
        assert_eq!(retry_after(&answer(&[("Retry-After", "soon")]), 0), None);
        assert_eq!(retry_after(&answer(&[]), 0), None);
    }
}
