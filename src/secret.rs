//! A string that must never be printed: the Okta API token, the OAuth private key, client
//! assertions, DPoP proofs and access tokens.
//!
//! `Debug` and `Display` both render `***`, so a secret can sit inside params, clients and
//! errors that are logged with `{:?}` without leaking. Only [`Secret::expose`] gives the value,
//! where it leaves the process (an HTTP header, the token request's body) or is written to
//! the integration context (the access token, see `docs/oauth.md`).

use std::fmt;

/// A secret value whose formatting is redacted.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value. Call only where the value must leave the process (the HTTP header).
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
