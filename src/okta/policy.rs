//! [`OktaPolicy`]: Okta's rules for the HTTP core's request loop ([`crate::http::call`]).
//!
//! - Safe to repeat: GETs, the partial profile update `POST users/{id}` and the lifecycle
//!   POSTs (`users/{id}/lifecycle/activate|deactivate|unsuspend`). Any other POST (the
//!   create, `POST users`) is retried after a 429 only: the user may exist after a 5xx.
//! - Headers: `Accept` and `Content-Type: application/json`, `User-Agent`,
//!   `Content-Length: 0` on a bodiless POST/PUT (Okta answers 411 otherwise), and from the
//!   second attempt `X-Okta-Retry-For` / `X-Okta-Retry-Count`.
//! - Rate limits: `X-Rate-Limit-*` against `Date` ([`crate::okta::rate_limit`]); a
//!   concurrency 429 backs off instead of waiting for its estimated reset.
//! - Errors: [`OktaError`], with the API token redacted from every kept text.

use url::Url;

use crate::http::pacer::Budget;
use crate::http::policy::{
    self, Attempt, DeadlineRanOut, RateLimitReset, RateLimited, Repeat, VendorPolicy,
};
use crate::http::transport::{HttpResponse, Method, TransportError};
use crate::okta::error::{scrub_text, OktaError, RateLimitStop};
use crate::okta::rate_limit::{reset_wait, RateLimitInfo};
use crate::secret::Secret;

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("okta-iam/", env!("CARGO_PKG_VERSION"));

/// Okta's answers to the request loop's questions, for one client.
#[derive(Debug)]
pub struct OktaPolicy {
    /// The API token, redacted from error texts (unused with OAuth).
    token: Secret,
    /// The base URL's path (`/api/v1/`), to read request paths against.
    base_path: String,
}

impl OktaPolicy {
    pub fn new(base: &Url, token: Secret) -> Self {
        OktaPolicy {
            token,
            base_path: base.path().to_owned(),
        }
    }
}

impl VendorPolicy for OktaPolicy {
    type Error = OktaError;

    fn log_name(&self) -> &'static str {
        "okta"
    }

    fn repeat(&self, method: Method, url: &Url) -> Repeat {
        if method != Method::Post {
            return Repeat::Safe;
        }
        let relative = url.path().strip_prefix(&self.base_path).unwrap_or_default();
        let segments: Vec<&str> = relative.split('/').collect();
        match segments.as_slice() {
            ["users", id] if !id.is_empty() => Repeat::Safe,
            ["users", id, "lifecycle", "activate" | "deactivate" | "unsuspend"]
                if !id.is_empty() =>
            {
                Repeat::Safe
            }
            _ => Repeat::RateLimitOnly,
        }
    }

    fn headers(
        &self,
        method: Method,
        has_body: bool,
        attempt: Attempt<'_>,
    ) -> Vec<(String, String)> {
        let mut headers = vec![
            ("accept".to_owned(), "application/json".to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
            ("user-agent".to_owned(), USER_AGENT.to_owned()),
        ];
        if !has_body && matches!(method, Method::Post | Method::Put) {
            headers.push(("content-length".to_owned(), "0".to_owned()));
        }
        if attempt.retries > 0 {
            if let Some(id) = attempt.retry_for {
                headers.push(("x-okta-retry-for".to_owned(), id.to_owned()));
            }
            headers.push(("x-okta-retry-count".to_owned(), attempt.retries.to_string()));
        }
        headers
    }

    fn request_id(&self, response: &HttpResponse) -> Option<String> {
        response.header("x-okta-request-id").map(str::to_owned)
    }

    fn budget(&self, response: &HttpResponse) -> Option<Budget> {
        RateLimitInfo::from_response(response).budget()
    }

    fn rate_limit_reset(&self, response: &HttpResponse) -> RateLimitReset {
        let info = RateLimitInfo::from_response(response);
        RateLimitReset {
            wait: if info.is_concurrency_limit() {
                None
            } else {
                reset_wait(&info)
            },
            until_reset: info.until_reset(),
        }
    }

    fn redact(&self, text: &str) -> String {
        scrub_text(text, self.token.expose())
    }

    fn answer_error(&self, response: &HttpResponse) -> OktaError {
        OktaError::from_response(response, self.token.expose())
    }

    fn transport_error(&self, request: String, source: TransportError) -> OktaError {
        OktaError::Transport { request, source }
    }

    fn rate_limited(&self, stop: RateLimited<'_, OktaError>) -> OktaError {
        let (reset, last) = match stop.answer {
            Some((response, error)) => (
                RateLimitInfo::from_response(response).reset,
                match error {
                    OktaError::Api(api) => Some(api),
                    _ => None,
                },
            ),
            None => (None, None),
        };
        OktaError::RateLimited {
            request: stop.request,
            retry_after: stop.retry_after,
            reset,
            attempts: stop.attempts,
            stop: match stop.stop {
                policy::RateLimitStop::PastDeadline => RateLimitStop::BeyondDeadline,
                policy::RateLimitStop::RetriesSpent => RateLimitStop::RetriesExhausted,
            },
            last,
        }
    }

    fn deadline_exceeded(&self, ran_out: DeadlineRanOut<OktaError>) -> OktaError {
        OktaError::DeadlineExceeded {
            request: ran_out.request,
            deadline: ran_out.limit,
            attempts: ran_out.attempts,
            last: ran_out.last.map(Box::new),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> OktaPolicy {
        let base: Url = "https://acme.okta.com/api/v1/".parse().unwrap();
        OktaPolicy::new(&base, Secret::new("00TOKENvalue1234567890"))
    }

    fn repeat(method: Method, path: &str) -> Repeat {
        let url: Url = format!("https://acme.okta.com/api/v1/{path}")
            .parse()
            .unwrap();
        policy().repeat(method, &url)
    }

    #[test]
    fn only_the_idempotent_posts_are_safe_to_repeat() {
        assert_eq!(repeat(Method::Get, "users?filter=x"), Repeat::Safe);
        assert_eq!(repeat(Method::Post, "users/00u1"), Repeat::Safe);
        for action in ["activate", "deactivate", "unsuspend"] {
            let path = format!("users/00u1/lifecycle/{action}");
            assert_eq!(repeat(Method::Post, &path), Repeat::Safe, "{action}");
        }
        assert_eq!(repeat(Method::Post, "users"), Repeat::RateLimitOnly);
        assert_eq!(
            repeat(Method::Post, "users/00u1/lifecycle/reset_password"),
            Repeat::RateLimitOnly
        );
        assert_eq!(repeat(Method::Post, "groups"), Repeat::RateLimitOnly);
    }

    #[test]
    fn retry_headers_from_the_second_attempt() {
        let first = policy().headers(
            Method::Post,
            false,
            Attempt {
                retries: 0,
                retry_for: None,
            },
        );
        let names: Vec<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["accept", "content-type", "user-agent", "content-length"]
        );
        let second = policy().headers(
            Method::Get,
            false,
            Attempt {
                retries: 2,
                retry_for: Some("req1"),
            },
        );
        assert_eq!(
            &second[3..],
            [
                ("x-okta-retry-for".to_owned(), "req1".to_owned()),
                ("x-okta-retry-count".to_owned(), "2".to_owned())
            ]
        );
    }

    #[test]
    fn the_token_is_redacted_from_errors() {
        let policy = policy();
        assert_eq!(
            policy.redact("refused: SSWS 00TOKENvalue1234567890"),
            "refused: SSWS ***"
        );
        let answer = HttpResponse {
            status: 500,
            headers: vec![],
            body: b"echo 00TOKENvalue1234567890".to_vec(),
        };
        assert!(!policy
            .answer_error(&answer)
            .to_string()
            .contains("00TOKENvalue"));
    }
}
