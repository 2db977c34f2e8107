//! A string that must never be printed: the Okta API token, the OAuth private key, client
//! assertions, DPoP proofs and access tokens.
//!
//! `Debug` and `Display` both render `***`, so a secret can sit inside params, clients and
//! errors that are logged with `{:?}` without leaking. Only [`Secret::expose`] gives the value;
//! its callers are listed on it.

use std::fmt;

/// A secret value whose formatting is redacted.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value. Its 17 callers outside tests (`grep -rn "expose()" src`) are in the
    /// HTTP core's auth and cassette recorder and in the vendor's client, policy and auth, and
    /// each needs the value itself:
    ///
    /// - to send it: the `Authorization` header (`http::auth::HeaderAuth`: API token, bearer,
    ///   basic; or the OAuth access token), the `DPoP` proof, the token request's
    ///   `client_assertion` (`okta::auth`);
    /// - to sign with it: the private key, the access token's hash in a DPoP proof;
    /// - to store it: the access token kept in the integration context (`docs/oauth.md`);
    /// - to compare it: whether a refused access token is the one still held;
    /// - to keep it out of text: scrubbing it from error bodies and transport messages
    ///   (`okta::policy`, `scim::policy`) and from recorded traffic (`http::cassette`), refusing a token that
    ///   cannot be sent in a header (`okta::client`), and showing only a header's scheme in
    ///   `HeaderAuth`'s `Debug` output.
    ///
    /// A new caller belongs to one of these kinds, or the value is leaving where it should not.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let s = Secret::new("00abcdefTOKEN");
        assert_eq!(format!("{s}"), "***");
        assert!(!format!("{s:?}").contains("TOKEN"));
        assert_eq!(s.expose(), "00abcdefTOKEN");
    }

    /// Calls of `expose` outside the test modules of `dir` and below.
    fn expose_calls(dir: &std::path::Path) -> usize {
        let mut calls = 0;
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                calls += expose_calls(&path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                calls += code.matches(".expose()").count();
            }
        }
        calls
    }

    /// The doc of `expose` counts and sorts its callers: a new one is a decision, so it
    /// updates that list.
    #[test]
    fn the_callers_of_expose_are_the_ones_its_doc_lists() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        assert_eq!(
            expose_calls(&src),
            17,
            "a call of Secret::expose was added or removed: say in its doc why it needs the value"
        );
    }
}
