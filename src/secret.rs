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

    /// The raw value. Its 16 callers outside tests (`grep -rn "expose()" src`) are in the
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
    ///   (`okta::policy`) and from recorded traffic (`http::cassette`), refusing a token that
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
}
