//! [`ScimPolicy`]: SCIM's rules for the HTTP core's request loop ([`crate::http::call`]).
//!
//! - Safe to repeat: every request but the create (`POST .../Users`), which is retried after
//!   a 429 only: after a 5xx or a timeout the user may exist, so it is never sent blindly
//!   again.
//! - Headers: `Accept` and `Content-Type: application/scim+json`, `User-Agent`.
//! - Waits: a 429's or a 503's `Retry-After` ([`crate::http::policy::retry_after`]); SCIM
//!   has no rate-limit headers of its own, so nothing is paced ahead.
//! - Errors: [`ScimError`], the SCIM error body in words ([`crate::scim::error`]), with the
//!   credential redacted from every kept text.

use std::time::Duration;

use url::Url;

use crate::http::pacer::Budget;
use crate::http::policy::{
    retry_after, Attempt, DeadlineRanOut, RateLimitReset, RateLimited, Repeat, VendorPolicy,
};
use crate::http::transport::{HttpResponse, Method, TransportError};
use crate::scim::error::{failure, ScimError};
use crate::secret::Secret;

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("okta-iam/", env!("CARGO_PKG_VERSION"), " (scim)");

/// SCIM's media type (RFC 7644 §3.1).
pub const SCIM_JSON: &str = "application/scim+json";

/// SCIM's answers to the request loop's questions, for one client.
#[derive(Debug)]
pub struct ScimPolicy {
    /// The credential (token or password), redacted from error texts.
    secret: Secret,
}

impl ScimPolicy {
    pub fn new(secret: Secret) -> Self {
        ScimPolicy { secret }
    }

    fn local_now() -> i64 {
        chrono::Utc::now().timestamp()
    }
}

impl VendorPolicy for ScimPolicy {
    type Error = ScimError;

    fn log_name(&self) -> &'static str {
        "scim"
    }

    fn repeat(&self, method: Method, _url: &Url) -> Repeat {
        match method {
            Method::Post => Repeat::RateLimitOnly,
            _ => Repeat::Safe,
        }
    }

    fn headers(&self, _method: Method, has_body: bool, _: Attempt<'_>) -> Vec<(String, String)> {
        let mut headers = vec![
            (
                "accept".to_owned(),
                format!("{SCIM_JSON}, application/json"),
            ),
            ("user-agent".to_owned(), USER_AGENT.to_owned()),
        ];
        if has_body {
            headers.push(("content-type".to_owned(), SCIM_JSON.to_owned()));
        }
        headers
    }

    fn request_id(&self, response: &HttpResponse) -> Option<String> {
        response.header("x-request-id").map(str::to_owned)
    }

    fn budget(&self, _response: &HttpResponse) -> Option<Budget> {
        None
    }

    fn rate_limit_reset(&self, response: &HttpResponse) -> RateLimitReset {
        let wait = retry_after(response, Self::local_now());
        RateLimitReset {
            wait,
            until_reset: wait,
        }
    }

    fn unavailable_wait(&self, response: &HttpResponse) -> Option<Duration> {
        retry_after(response, Self::local_now())
    }

    fn redact(&self, text: &str) -> String {
        let secret = self.secret.expose();
        if secret.is_empty() {
            text.to_owned()
        } else {
            text.replace(secret, "***")
        }
    }

    fn answer_error(&self, response: &HttpResponse) -> ScimError {
        let body = self.redact(&String::from_utf8_lossy(&response.body));
        ScimError::Answer(failure(response.status, &body))
    }

    fn transport_error(&self, request: String, source: TransportError) -> ScimError {
        ScimError::Transport(format!(
            "{request}: the SCIM server could not be reached: {source}"
        ))
    }

    fn rate_limited(&self, stop: RateLimited<'_, ScimError>) -> ScimError {
        let after = stop
            .retry_after
            .map(|d| format!(" (it asked to wait {} s)", d.as_secs()))
            .unwrap_or_default();
        ScimError::RateLimited(format!(
            "{}: the SCIM server kept answering 429 Too Many Requests after {} attempts{after}; try again later.",
            stop.request, stop.attempts
        ))
    }

    fn deadline_exceeded(&self, ran_out: DeadlineRanOut<ScimError>) -> ScimError {
        let last = ran_out
            .last
            .map(|e| format!(" Last failure: {e}"))
            .unwrap_or_default();
        ScimError::Transport(format!(
            "{}: no answer within the {} s time limit after {} attempts.{last}",
            ran_out.request,
            ran_out.limit.as_secs(),
            ran_out.attempts
        ))
    }
}
