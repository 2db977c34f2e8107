//! [`OAuthSettings`]: everything the OAuth 2.0 client-credentials flow needs, already checked.

use std::fmt;
use std::str::FromStr;

use crate::okta::auth::assertion::ClientKey;

/// The scopes the integration's commands need, asked for when the `scopes` param is empty.
pub const DEFAULT_SCOPES: &str =
    "okta.users.read okta.users.manage okta.apps.read okta.groups.read okta.logs.read okta.schemas.read";

/// How the client assertion is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (an RSA key of 2048 bits or more).
    Rs256,
    /// ECDSA P-256 with SHA-256.
    Es256,
}

impl JwtAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            JwtAlgorithm::Rs256 => "RS256",
            JwtAlgorithm::Es256 => "ES256",
        }
    }
}

impl FromStr for JwtAlgorithm {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text.trim().to_ascii_uppercase().as_str() {
            "RS256" => Ok(JwtAlgorithm::Rs256),
            "ES256" => Ok(JwtAlgorithm::Es256),
            _ => Err(()),
        }
    }
}

/// Whether requests carry DPoP proofs (RFC 9449).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DpopMode {
    /// Proofs from the first token request on; resource requests follow the token type Okta
    /// issues (`DPoP` or `Bearer`). An app that does not accept DPoP is asked again without.
    Auto,
    /// Proofs always; a `Bearer` token from Okta is an error.
    On,
    /// No proofs: `Authorization: Bearer <token>`.
    Off,
}

impl DpopMode {
    pub fn as_str(self) -> &'static str {
        match self {
            DpopMode::Auto => "auto",
            DpopMode::On => "on",
            DpopMode::Off => "off",
        }
    }
}

impl FromStr for DpopMode {
    type Err = ();
    fn from_str(text: &str) -> Result<Self, ()> {
        match text.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(DpopMode::Auto),
            "on" | "true" => Ok(DpopMode::On),
            "off" | "false" => Ok(DpopMode::Off),
            _ => Err(()),
        }
    }
}

/// The checked OAuth settings of one instance. `Debug` never shows the key.
#[derive(Clone)]
pub struct OAuthSettings {
    pub client_id: String,
    pub key: ClientKey,
    /// Space-separated when sent; never empty.
    pub scopes: Vec<String>,
    pub dpop: DpopMode,
}

impl OAuthSettings {
    /// `scope` as sent to the token endpoint.
    pub fn scope(&self) -> String {
        self.scopes.join(" ")
    }

    /// What makes two settings need different tokens. Holds no secret: the key enters only
    /// as a truncated SHA-256 digest ([`ClientKey::fingerprint`]).
    pub fn identity(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.client_id,
            self.key.fingerprint(),
            self.key.algorithm().as_str(),
            self.scope(),
            self.dpop.as_str()
        )
    }
}

impl fmt::Debug for OAuthSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthSettings")
            .field("client_id", &self.client_id)
            .field("key", &self.key)
            .field("scopes", &self.scopes)
            .field("dpop", &self.dpop)
            .finish()
    }
}
