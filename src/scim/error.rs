//! SCIM error bodies (RFC 7644 §3.12) in words a person can act on.
//!
//! A SCIM server answers a failure with `{"schemas":
//! ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409", "scimType":
//! "uniqueness", "detail": "..."}`. The IAM result's `errorCode` is the `scimType` when there
//! is one (what a playbook branches on), else the HTTP status as a number; `errorMessage`
//! says what the type means and what to do, then the server's own `detail`.

use serde_json::Value;

/// The schema URN of a SCIM error body.
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM failure: the code for `errorCode` and the message for `errorMessage`.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimFailure {
    pub status: u16,
    /// The `scimType` (a string) or the HTTP status (a number).
    pub code: Value,
    pub message: String,
}

/// A SCIM client failure; its text is the message for people (no secret in it).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScimError {
    /// A non-2xx answer.
    #[error("{}", .0.message)]
    Answer(ScimFailure),
    /// No answer (or none in time).
    #[error("{0}")]
    Transport(String),
    /// 429s until the retries or the deadline were spent.
    #[error("{0}")]
    RateLimited(String),
    /// A request that cannot be sent (an id that is not one path segment, a bad URL).
    #[error("{0}")]
    InvalidRequest(String),
    /// An answer that is not what SCIM says it is.
    #[error("{0}")]
    Unexpected(String),
}

impl ScimError {
    /// The HTTP status of an answer error.
    pub fn status(&self) -> Option<u16> {
        match self {
            ScimError::Answer(f) => Some(f.status),
            _ => None,
        }
    }
}

impl From<crate::http::InvalidRequest> for ScimError {
    fn from(error: crate::http::InvalidRequest) -> Self {
        ScimError::InvalidRequest(error.0)
    }
}

/// What each RFC 7644 `scimType` means for the person reading the result.
fn explain(scim_type: &str) -> Option<&'static str> {
    Some(match scim_type {
        "uniqueness" => "A user with one of these unique attributes (userName, externalId, email) already exists in the app",
        "invalidFilter" => "The app refused the lookup filter; check the lookup_attributes param against the attributes the app can filter on",
        "tooMany" => "The lookup matched more users than the app returns; look the user up by a unique attribute",
        "mutability" => "The change sets an attribute the app does not let you change (read-only or immutable); remove it from the outgoing mapper",
        "invalidSyntax" => "The app could not read the request; check the outgoing mapper's values",
        "invalidPath" => "The update names an attribute path the app does not know; check the outgoing mapper",
        "noTarget" => "The update names an attribute the user does not have",
        "invalidValue" => "A value is missing or not what the app accepts for that attribute; check the user profile and the outgoing mapper",
        "invalidVers" => "The user changed since it was read (ETag mismatch)",
        "sensitive" => "The request carries sensitive data in its URL, which the app refuses",
        _ => return None,
    })
}

/// The longest part of an app's `detail` kept in an error message: a war-room entry and an
/// IAM result's errorMessage are read by a person, and an app may send a whole stack trace.
const MAX_DETAIL_CHARS: usize = 1_000;

/// `detail` cut to [`MAX_DETAIL_CHARS`] characters, saying how much was left out.
fn clip(detail: &str) -> String {
    let total = detail.chars().count();
    if total <= MAX_DETAIL_CHARS {
        return detail.to_string();
    }
    let kept: String = detail.chars().take(MAX_DETAIL_CHARS).collect();
    format!("{kept}… ({} more characters)", total - MAX_DETAIL_CHARS)
}

/// The failure of an answer with `status` and body `body`.
pub fn failure(status: u16, body: &str) -> ScimFailure {
    let parsed: Option<Value> = serde_json::from_str(body).ok();
    let field = |name: &str| {
        parsed
            .as_ref()
            .and_then(|v| v.get(name))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let scim_type = field("scimType");
    let detail = field("detail");
    let code = match &scim_type {
        Some(kind) => Value::String(kind.clone()),
        None => Value::from(status),
    };
    let mut message = match scim_type.as_deref().and_then(explain) {
        Some(words) => format!("{words}."),
        None => match status {
            401 => "The app refused the credentials (401); check the credentials and auth_type params.".to_string(),
            403 => "The credentials may not do this (403); give the token the user-provisioning permission in the app.".to_string(),
            404 => "Not found in the app (404).".to_string(),
            409 => "A user with these unique attributes already exists in the app (409).".to_string(),
            400 => "The app refused the request as invalid (400); check the user profile and the outgoing mapper's values.".to_string(),
            412 => "The user changed since it was read (412).".to_string(),
            500..=599 => format!("The SCIM server answered with HTTP {status}: a failure on the app's side (tell its administrators if it persists)."),
            _ => format!("The SCIM server answered with HTTP {status}."),
        },
    };
    if let Some(detail) = detail {
        message.push_str(&format!(" The app says: {}", clip(&detail)));
    }
    ScimFailure {
        status,
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_scim_error_body_becomes_its_type_and_words() {
        let body = json!({"schemas": [ERROR_SCHEMA], "status": "409", "scimType": "uniqueness",
            "detail": "userName taken"})
        .to_string();
        let f = failure(409, &body);
        assert_eq!(f.code, json!("uniqueness"));
        assert!(f
            .message
            .starts_with("A user with one of these unique attributes"));
        assert!(f.message.ends_with("The app says: userName taken"));
        let f = failure(400, &json!({"scimType": "mutability"}).to_string());
        assert!(f.message.contains("remove it from the outgoing mapper"));
    }

    #[test]
    fn without_a_type_the_status_is_the_code() {
        let f = failure(
            404,
            &json!({"status": "404", "detail": "no such user"}).to_string(),
        );
        assert_eq!(f.code, json!(404));
        assert_eq!(
            f.message,
            "Not found in the app (404). The app says: no such user"
        );
        let f = failure(502, "<html>bad gateway</html>");
        assert_eq!(f.code, json!(502));
        assert_eq!(
            f.message,
            "The SCIM server answered with HTTP 502: a failure on the app's side (tell its \
             administrators if it persists)."
        );
        let f = failure(400, &json!({"detail": "bad emails"}).to_string());
        assert_eq!(f.code, json!(400));
        assert_eq!(
            f.message,
            "The app refused the request as invalid (400); check the user profile and the \
             outgoing mapper's values. The app says: bad emails"
        );
        assert_eq!(
            failure(418, "").message,
            "The SCIM server answered with HTTP 418."
        );
        assert_eq!(
            failure(400, r#"{"scimType":"whatever"}"#).code,
            json!("whatever")
        );
    }

    #[test]
    fn a_long_detail_is_clipped_and_says_how_much_was_left_out() {
        let detail = "é".repeat(MAX_DETAIL_CHARS + 250);
        let f = failure(400, &json!({"detail": detail}).to_string());
        assert!(
            f.message.ends_with("… (250 more characters)"),
            "{}",
            f.message
        );
        assert_eq!(f.message.matches('é').count(), MAX_DETAIL_CHARS);
        let short = failure(400, &json!({"detail": "bad emails"}).to_string());
        assert!(
            short.message.ends_with("The app says: bad emails"),
            "{}",
            short.message
        );
    }
}
