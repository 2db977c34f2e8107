//! The one error type of the Okta client.
//!
//! `Display` is the text for people ([`OktaError::message_for_people`]); it follows the
//! reference integration where the reference had a text:
//! - an Okta error body: `<errorSummary>. ` then, when there are causes,
//!   `Reason:\n1. <cause>\n2. <cause>\n`;
//! - a body that is not an Okta error: `Error in API call [<status>] - <reason>\n<excerpt>`.
//!
//! No variant ever holds the API token: the client never puts it anywhere but the
//! `Authorization` header, and bodies kept for errors are scrubbed of it as well.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

use crate::http::transport::{HttpResponse, TransportError, TransportErrorKind};

/// Okta's `errorCode` for "API call exceeded rate limit due to too many requests".
pub const RATE_LIMIT_ERROR_CODE: &str = "E0000047";

/// The most of a non-JSON body kept in an error (characters).
const EXCERPT_CHARS: usize = 500;

/// An error answer from Okta with its JSON error object.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// `errorCode`, e.g. `E0000007`.
    pub error_code: Option<String>,
    /// `errorSummary`.
    pub error_summary: Option<String>,
    /// Each `errorCauses[].errorSummary`, in order.
    pub error_causes: Vec<String>,
    /// `errorId` (for Okta support).
    pub error_id: Option<String>,
    /// The `X-Okta-Request-Id` response header.
    pub request_id: Option<String>,
    /// The whole body, key order kept.
    pub body: Value,
}

impl ApiError {
    /// Reads an Okta error object. `None` when the body is not a JSON object with an
    /// `errorCode` or `errorSummary`.
    pub fn from_body(status: u16, body: Value, request_id: Option<String>) -> Option<ApiError> {
        let object = body.as_object()?;
        let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
        let error_code = text("errorCode");
        let error_summary = text("errorSummary");
        if error_code.is_none() && error_summary.is_none() {
            return None;
        }
        let error_causes = object
            .get("errorCauses")
            .and_then(Value::as_array)
            .map(|causes| {
                causes
                    .iter()
                    .filter_map(|cause| match cause {
                        Value::Object(c) => c
                            .get("errorSummary")
                            .and_then(Value::as_str)
                            .map(str::to_owned),
                        Value::String(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(ApiError {
            status,
            error_code,
            error_summary,
            error_causes,
            error_id: text("errorId"),
            request_id,
            body,
        })
    }

    /// The reference's `get_error_details`: `<summary>. ` and the numbered causes.
    pub fn message(&self) -> String {
        let summary = self
            .error_summary
            .as_deref()
            .or(self.error_code.as_deref())
            .unwrap_or("Unknown error");
        let mut text = format!("{summary}. ");
        if !self.error_causes.is_empty() {
            text.push_str("Reason:\n");
            for (i, cause) in self.error_causes.iter().enumerate() {
                text.push_str(&format!("{}. {}\n", i + 1, cause));
            }
        }
        text
    }
}

/// What `errorCode` is for a failure (contract §8.3): Okta's code when Okta sent one, else the
/// HTTP status, else nothing (a failure with no HTTP answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    Okta(String),
    Status(u16),
    None,
}

impl ErrorCode {
    /// As the IAM outputs carry it: a string (`"E0000011"`), a number (`502`), or `""` when
    /// there was no HTTP answer (as the reference reports exceptions without a response).
    pub fn to_value(&self) -> Value {
        match self {
            ErrorCode::Okta(code) => Value::String(code.clone()),
            ErrorCode::Status(status) => Value::from(*status),
            ErrorCode::None => Value::String(String::new()),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorCode::Okta(code) => f.write_str(code),
            ErrorCode::Status(status) => write!(f, "{status}"),
            ErrorCode::None => Ok(()),
        }
    }
}

/// Why the client stopped retrying a rate-limited call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateLimitStop {
    /// The retry budget (`max_retries`) was spent.
    RetriesExhausted,
    /// The next wait would end after the command deadline, so it was not started.
    BeyondDeadline,
}

/// Everything the Okta client can fail with.
#[derive(Debug)]
#[non_exhaustive]
pub enum OktaError {
    /// Okta answered with an error object (any non-2xx status with a JSON error body).
    Api(Box<ApiError>),
    /// A non-2xx answer whose body is not an Okta error object (HTML from a proxy, an empty
    /// 403 for a missing OAuth scope, ...).
    Http {
        status: u16,
        reason: String,
        excerpt: String,
        request_id: Option<String>,
    },
    /// No HTTP answer: connect failure, timeout, connection reset.
    Transport {
        /// `METHOD /path` of the request.
        request: String,
        source: TransportError,
    },
    /// A 2xx answer whose body is not what the call expects.
    Decode {
        request: String,
        /// Where in the JSON it failed: `$` for the top level, `line 1 column 7` for syntax.
        path: String,
        message: String,
    },
    /// HTTP 429 (Okta `E0000047`) and the client stopped retrying: budget spent, or the reset
    /// lies beyond the command deadline. Also returned, without any request, when pacing
    /// knows the bucket is empty until after the deadline.
    RateLimited {
        request: String,
        /// How long until Okta said the limit resets (or the wait that was not started).
        retry_after: Option<Duration>,
        /// The last 429's `X-Rate-Limit-Reset` (UTC epoch seconds), when it had one.
        reset: Option<i64>,
        /// Requests sent for this call.
        attempts: u32,
        stop: RateLimitStop,
        /// The last 429's error object, when it had one.
        last: Option<Box<ApiError>>,
    },
    /// The command deadline ran out (a request timed out against it, or a retry wait would
    /// have passed it).
    DeadlineExceeded {
        request: String,
        deadline: Duration,
        attempts: u32,
        /// The failure the client was retrying, if any.
        last: Option<Box<OktaError>>,
    },
    /// Refused before sending: an id that cannot be one path segment, a `next` URL on another
    /// origin, a bad base URL.
    InvalidRequest(String),
    /// OAuth 2.0 failed: the token request was refused (`invalid_client`, `invalid_scope`,
    /// ...), a DPoP proof was rejected, or a resource answered 403 for a missing scope.
    /// `message` says what to fix; it never holds a key, assertion, proof or token.
    Auth {
        /// The HTTP status, when there was an answer.
        status: Option<u16>,
        /// The OAuth `error` code (`invalid_client`, `insufficient_scope`, ...).
        code: Option<String>,
        message: String,
        request_id: Option<String>,
    },
}

impl OktaError {
    /// Okta's `errorCode` when Okta sent one, else the HTTP status, else [`ErrorCode::None`].
    /// A rate-limit stop is always `E0000047`.
    pub fn error_code(&self) -> ErrorCode {
        match self {
            OktaError::Api(api) => match &api.error_code {
                Some(code) => ErrorCode::Okta(code.clone()),
                None => ErrorCode::Status(api.status),
            },
            OktaError::Http { status, .. } => ErrorCode::Status(*status),
            OktaError::RateLimited { .. } => ErrorCode::Okta(RATE_LIMIT_ERROR_CODE.to_owned()),
            OktaError::Auth {
                code: Some(code), ..
            } => ErrorCode::Okta(code.clone()),
            OktaError::Auth {
                status: Some(status),
                ..
            } => ErrorCode::Status(*status),
            OktaError::DeadlineExceeded {
                last: Some(last), ..
            } => last.error_code(),
            _ => ErrorCode::None,
        }
    }

    /// The HTTP status of the answer this error came from, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            OktaError::Api(api) => Some(api.status),
            OktaError::Http { status, .. } => Some(*status),
            OktaError::RateLimited { .. } => Some(429),
            OktaError::Auth { status, .. } => *status,
            OktaError::DeadlineExceeded {
                last: Some(last), ..
            } => last.status(),
            _ => None,
        }
    }

    /// Okta's `X-Okta-Request-Id` of the failing answer, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            OktaError::Api(api) => api.request_id.as_deref(),
            OktaError::Http { request_id, .. } => request_id.as_deref(),
            OktaError::Auth { request_id, .. } => request_id.as_deref(),
            OktaError::RateLimited {
                last: Some(api), ..
            } => api.request_id.as_deref(),
            OktaError::DeadlineExceeded {
                last: Some(last), ..
            } => last.request_id(),
            _ => None,
        }
    }

    /// The Okta error object, when the failure carried one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            OktaError::Api(api) => Some(api),
            OktaError::RateLimited {
                last: Some(api), ..
            } => Some(api),
            OktaError::DeadlineExceeded {
                last: Some(last), ..
            } => last.api(),
            _ => None,
        }
    }

    /// True for HTTP 404 (Okta's `E0000007` "Resource not found" and path-not-found).
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// For a rate-limit stop: how long until the limit resets (as measured against Okta's
    /// `Date`), or the wait that was not started.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            OktaError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub fn is_rate_limited(&self) -> bool {
        matches!(self, OktaError::RateLimited { .. })
    }

    /// The text for a person (also what `Display` prints).
    pub fn message_for_people(&self) -> String {
        match self {
            OktaError::Api(api) => api.message(),
            OktaError::Http {
                status,
                reason,
                excerpt,
                ..
            } => format!("Error in API call [{status}] - {reason}\n{excerpt}"),
            OktaError::Transport { source, .. }
                if source.kind == TransportErrorKind::NotRecorded =>
            {
                format!("Cassette miss: {}", source.message)
            }
            OktaError::Transport { request, source } => {
                format!("Could not reach Okta for {request}: {source}")
            }
            OktaError::Decode {
                request,
                path,
                message,
            } => format!("Okta's answer to {request} could not be read at {path}: {message}"),
            OktaError::RateLimited {
                last: Some(api), ..
            } => api.message(),
            OktaError::RateLimited {
                retry_after, stop, ..
            } => {
                let mut text =
                    String::from("API call exceeded rate limit due to too many requests. ");
                match (stop, retry_after) {
                    (RateLimitStop::BeyondDeadline, Some(wait)) => text.push_str(&format!(
                        "The limit resets in {} s, after this command's deadline.",
                        wait.as_secs_f64().ceil()
                    )),
                    (RateLimitStop::BeyondDeadline, None) => {
                        text.push_str("The limit resets after this command's deadline.")
                    }
                    (RateLimitStop::RetriesExhausted, _) => {
                        text.push_str("The retries for this command are spent.")
                    }
                }
                text
            }
            OktaError::DeadlineExceeded {
                request,
                deadline,
                attempts,
                last,
            } => {
                let mut text = format!(
                    "The command's time limit of {} ran out during {request} after {attempts} attempt{}.",
                    crate::http::failure::seconds(*deadline),
                    if *attempts == 1 { "" } else { "s" }
                );
                if let Some(last) = last {
                    text.push_str(" Last error: ");
                    text.push_str(&last.message_for_people());
                }
                text
            }
            OktaError::InvalidRequest(message) => message.clone(),
            OktaError::Auth { message, .. } => message.clone(),
        }
    }

    /// Builds the error for a non-2xx answer. `token` (when long enough to be a real token)
    /// is replaced by `***` anywhere in the kept body.
    pub(crate) fn from_response(response: &HttpResponse, token: &str) -> OktaError {
        let request_id = response.header("x-okta-request-id").map(str::to_owned);
        if let Ok(mut body) = serde_json::from_slice::<Value>(&response.body) {
            scrub_value(&mut body, token);
            if let Some(api) = ApiError::from_body(response.status, body, request_id.clone()) {
                return OktaError::Api(Box::new(api));
            }
        }
        OktaError::Http {
            status: response.status,
            reason: reason_phrase(response.status).to_owned(),
            excerpt: excerpt(&response.body, token),
            request_id,
        }
    }
}

impl fmt::Display for OktaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message_for_people())
    }
}

/// An Okta failure behind a command: the connector kind, with Okta's message for people.
impl From<OktaError> for crate::commands::CommandError {
    fn from(error: OktaError) -> Self {
        crate::commands::ConnectorFailure {
            message: error.message_for_people(),
            source: Some(Box::new(error)),
        }
        .into()
    }
}

impl std::error::Error for OktaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OktaError::Transport { source, .. } => Some(source),
            OktaError::DeadlineExceeded {
                last: Some(last), ..
            } => Some(last.as_ref()),
            _ => None,
        }
    }
}

/// The standard reason phrase of a status (`Bad Gateway`), or `Unknown`.
pub fn reason_phrase(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown")
}

/// Tokens shorter than this are not scrubbed (a one-letter "token" would blank every word).
const MIN_SCRUB_LEN: usize = 8;

pub(crate) fn scrub_text(text: &str, token: &str) -> String {
    if token.len() >= MIN_SCRUB_LEN && text.contains(token) {
        text.replace(token, "***")
    } else {
        text.to_owned()
    }
}

fn scrub_value(value: &mut Value, token: &str) {
    if token.len() < MIN_SCRUB_LEN {
        return;
    }
    match value {
        Value::String(s) if s.contains(token) => *s = s.replace(token, "***"),
        Value::Array(items) => items.iter_mut().for_each(|v| scrub_value(v, token)),
        Value::Object(map) => map.values_mut().for_each(|v| scrub_value(v, token)),
        _ => {}
    }
}

fn excerpt(body: &[u8], token: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let text = scrub_text(text.trim(), token);
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A request the HTTP core refused before sending it (transport set-up, URL limit, cassette).
impl From<crate::http::InvalidRequest> for OktaError {
    fn from(error: crate::http::InvalidRequest) -> Self {
        OktaError::InvalidRequest(error.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![("x-okta-request-id".into(), "reqABC".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn okta_error_with_causes_follows_the_reference_text() {
        let body = r#"{"errorCode": "mock_error_code", "errorSummary": "mock_error_summary",
            "errorCauses": [{"errorSummary": "reason_1"}, {"errorSummary": "reason_2"}]}"#;
        let error = OktaError::from_response(&response(500, body), "");
        assert_eq!(
            error.to_string(),
            "mock_error_summary. Reason:\n1. reason_1\n2. reason_2\n"
        );
        assert_eq!(
            error.error_code(),
            ErrorCode::Okta("mock_error_code".into())
        );
        assert_eq!(error.request_id(), Some("reqABC"));
        assert_eq!(error.status(), Some(500));
    }

    #[test]
    fn okta_error_without_causes_is_summary_dot_space() {
        let body = r#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests.","errorCauses":[]}"#;
        let error = OktaError::from_response(&response(429, body), "");
        assert_eq!(
            error.message_for_people(),
            "API call exceeded rate limit due to too many requests.. "
        );
        let OktaError::Api(api) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(api.body["errorCode"], json!("E0000047"));
    }

    #[test]
    fn non_json_body_gives_status_reason_and_excerpt() {
        let error = OktaError::from_response(&response(502, "<html>bad gateway</html>"), "");
        assert_eq!(
            error.to_string(),
            "Error in API call [502] - Bad Gateway\n<html>bad gateway</html>"
        );
        assert_eq!(error.error_code(), ErrorCode::Status(502));
        assert_eq!(error.error_code().to_value(), json!(502));
    }

    #[test]
    fn json_that_is_not_an_okta_error_is_treated_as_text() {
        let error = OktaError::from_response(&response(400, r#"{"message":"nope"}"#), "");
        assert_eq!(
            error.to_string(),
            "Error in API call [400] - Bad Request\n{\"message\":\"nope\"}"
        );
    }

    #[test]
    fn long_bodies_are_cut_and_the_token_scrubbed() {
        let token = "00TOKENvalue1234567890";
        let body = format!("echo SSWS {token} {}", "x".repeat(2000));
        let error = OktaError::from_response(&response(500, &body), token);
        let text = error.to_string();
        assert!(!text.contains(token));
        assert!(text.contains("SSWS ***"));
        assert!(text.ends_with('…'));
        assert!(text.chars().count() < 600);

        let json_body = format!(r#"{{"errorSummary":"bad {token}","errorCode":"E1"}}"#);
        let error = OktaError::from_response(&response(400, &json_body), token);
        assert!(!format!("{error:?} {error}").contains(token));
    }

    #[test]
    fn error_codes_as_values() {
        assert_eq!(
            ErrorCode::Okta("E0000011".into()).to_value(),
            json!("E0000011")
        );
        assert_eq!(ErrorCode::Status(404).to_value(), json!(404));
        assert_eq!(ErrorCode::None.to_value(), json!(""));
        let limited = OktaError::RateLimited {
            request: "GET /api/v1/users".into(),
            retry_after: Some(Duration::from_secs(75)),
            reset: None,
            attempts: 1,
            stop: RateLimitStop::BeyondDeadline,
            last: None,
        };
        assert_eq!(limited.error_code().to_value(), json!("E0000047"));
        assert_eq!(
            limited.to_string(),
            "API call exceeded rate limit due to too many requests. The limit resets in 75 s, after this command's deadline."
        );
    }
}
