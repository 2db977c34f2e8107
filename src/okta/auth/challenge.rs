//! Reading Okta's refusals: the `WWW-Authenticate` challenge of a resource answer and the
//! OAuth error body of the token endpoint.

use serde_json::Value;

/// One `WWW-Authenticate` challenge: `DPoP algs="ES256", error="use_dpop_nonce"` or
/// `Bearer realm="...", scope="okta.groups.read", error="insufficient_scope"`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Challenge {
    /// `Bearer` or `DPoP` (as sent).
    pub scheme: String,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// The scope the request needed (`insufficient_scope`).
    pub scope: Option<String>,
}

/// Reads a challenge; unknown parameters are skipped, quoted values may hold commas.
pub fn parse_challenge(header: &str) -> Challenge {
    let header = header.trim();
    let (scheme, mut rest) = match header.find(char::is_whitespace) {
        Some(at) => (&header[..at], header[at..].trim_start()),
        None => (header, ""),
    };
    let mut challenge = Challenge {
        scheme: scheme.to_owned(),
        ..Challenge::default()
    };
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let name = rest[..eq]
            .trim()
            .trim_start_matches(',')
            .trim()
            .to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut text = String::new();
            let mut chars = quoted.char_indices();
            let mut end = quoted.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            text.push(escaped);
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    other => text.push(other),
                }
            }
            value = text;
            rest = quoted[end..].trim_start();
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_owned();
            rest = &rest[end..];
        }
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        match name.as_str() {
            "error" => challenge.error = Some(value),
            "error_description" => challenge.error_description = Some(value),
            "scope" => challenge.scope = Some(value),
            _ => {}
        }
    }
    challenge
}

/// `error` and `error_description` of an OAuth error body (RFC 6749 §5.2), or of Okta's own
/// error object (`errorCode` / `errorSummary`) when the body is one.
pub(crate) fn oauth_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(Value::Object(object)) = serde_json::from_slice::<Value>(body) else {
        return (None, None);
    };
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    (
        text("error").or_else(|| text("errorCode")),
        text("error_description").or_else(|| text("errorSummary")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn okta_missing_scope_challenge() {
        let challenge = parse_challenge(
            r#"Bearer authorization_uri="https://acme.okta.com/oauth2/v1/authorize", realm="IdpMyAccountAPI", scope="okta.groups.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/groups/00g1""#,
        );
        assert_eq!(challenge.scheme, "Bearer");
        assert_eq!(challenge.error.as_deref(), Some("insufficient_scope"));
        assert_eq!(challenge.scope.as_deref(), Some("okta.groups.read"));
        assert_eq!(
            challenge.error_description.as_deref(),
            Some("The access token provided does not contain the required scopes.")
        );
    }

    #[test]
    fn dpop_nonce_challenge_and_odd_forms() {
        let challenge = parse_challenge(
            r#"DPoP algs="RS256 ES256", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#,
        );
        assert_eq!(challenge.scheme, "DPoP");
        assert_eq!(challenge.error.as_deref(), Some("use_dpop_nonce"));
        let bare = parse_challenge("Bearer error=invalid_token, scope=a");
        assert_eq!(bare.error.as_deref(), Some("invalid_token"));
        assert_eq!(bare.scope.as_deref(), Some("a"));
        assert_eq!(parse_challenge("Bearer").scheme, "Bearer");
        let escaped = parse_challenge(r#"Bearer error_description="a \"b\", c", error="x""#);
        assert_eq!(escaped.error_description.as_deref(), Some(r#"a "b", c"#));
        assert_eq!(escaped.error.as_deref(), Some("x"));
        // Never panics on junk.
        for junk in [
            "",
            "=",
            "\"",
            "Bearer =\"",
            "Bearer a=\"unterminated",
            "Bearer ,,,=,",
        ] {
            let _ = parse_challenge(junk);
        }
    }
}
