//! [`ClientKey`]: the service app's private key and the client assertion it signs
//! (`private_key_jwt`, RFC 7523).

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::digest;
use serde::Serialize;

use crate::okta::auth::dpop::random_id;
use crate::okta::auth::settings::JwtAlgorithm;
use crate::secret::Secret;

/// `client_assertion_type` of a JWT client assertion.
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long a client assertion is valid (Okta accepts at most one hour; five minutes is
/// plenty for one token request).
const ASSERTION_LIFETIME_SECS: i64 = 300;

/// The private key of the service app, checked against its algorithm. `Debug` shows only the
/// algorithm and the key id.
#[derive(Clone)]
pub struct ClientKey {
    algorithm: JwtAlgorithm,
    key: Arc<EncodingKey>,
    key_id: Option<String>,
    fingerprint: String,
}

#[derive(Serialize)]
struct AssertionClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    iat: i64,
    exp: i64,
    jti: String,
}

impl ClientKey {
    /// Reads a PEM private key (PKCS#8 RSA or EC P-256; PKCS#1 RSA and SEC1 EC are accepted
    /// too) and checks that it signs with `algorithm`. The error says what to fix and never
    /// quotes the key.
    pub fn from_pem(
        pem: &Secret,
        algorithm: JwtAlgorithm,
        key_id: Option<String>,
    ) -> Result<ClientKey, String> {
        // XSOAR text fields may turn the newlines of a pasted key into spaces or `\n`.
        let text = normalise_pem(pem.expose());
        let bytes = text.as_bytes();
        let as_rsa = EncodingKey::from_rsa_pem(bytes);
        let as_ec = EncodingKey::from_ec_pem(bytes);
        let key = match (algorithm, as_rsa, as_ec) {
            (JwtAlgorithm::Rs256, Ok(key), _) => key,
            (JwtAlgorithm::Es256, _, Ok(key)) => key,
            (JwtAlgorithm::Rs256, Err(_), Ok(_)) => {
                return Err("The private key (private_key) is an EC key, but jwt_algorithm is RS256. Set jwt_algorithm to ES256, or give the RSA key registered with the app.".to_owned())
            }
            (JwtAlgorithm::Es256, Ok(_), Err(_)) => {
                return Err("The private key (private_key) is an RSA key, but jwt_algorithm is ES256. Set jwt_algorithm to RS256, or give the EC P-256 key registered with the app.".to_owned())
            }
            _ => {
                return Err("The private key (private_key) is not a PEM private key. Paste the whole PKCS#8 key, from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----.".to_owned())
            }
        };
        let digest = digest::digest(&digest::SHA256, text.as_bytes());
        let fingerprint_bytes: Vec<u8> = digest.as_ref().iter().take(12).copied().collect();
        let fingerprint = URL_SAFE_NO_PAD.encode(fingerprint_bytes);
        let client_key = ClientKey {
            algorithm,
            key: Arc::new(key),
            key_id,
            fingerprint,
        };
        // ring refuses some keys only when signing (RSA under 2048 bits, EC curves other than
        // P-256): find out now, not at the first command.
        if client_key.sign_assertion("check", "check", 0).is_err() {
            return Err(match algorithm {
                JwtAlgorithm::Rs256 => "The private key (private_key) cannot sign RS256: use an RSA key of 2048 bits or more.",
                JwtAlgorithm::Es256 => "The private key (private_key) cannot sign ES256: use an EC key on the P-256 curve.",
            }
            .to_owned());
        }
        Ok(client_key)
    }

    /// A throwaway ES256 key, for replaying a cassette: the recorded token exchange holds
    /// no assertion, so any key signs one that replay accepts.
    pub fn throwaway() -> Result<ClientKey, String> {
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = ring::signature::EcdsaKeyPair::generate_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &rng,
        )
        .map_err(|_| "could not generate a key".to_owned())?;
        Ok(ClientKey {
            algorithm: JwtAlgorithm::Es256,
            key: Arc::new(EncodingKey::from_ec_der(pkcs8.as_ref())),
            key_id: None,
            fingerprint: "throwaway".to_owned(),
        })
    }

    pub fn algorithm(&self) -> JwtAlgorithm {
        self.algorithm
    }

    pub fn key_id(&self) -> Option<&str> {
        self.key_id.as_deref()
    }

    /// A short digest of the key, to tell two keys apart without holding either.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The client assertion: `iss` = `sub` = `client_id`, `aud` = the token endpoint,
    /// `iat` = `now`, `exp` = `now` + 5 minutes, a fresh `jti`, and `kid` when set.
    pub fn sign_assertion(
        &self,
        client_id: &str,
        token_endpoint: &str,
        now: i64,
    ) -> Result<Secret, jsonwebtoken::errors::Error> {
        let mut header = Header::new(match self.algorithm {
            JwtAlgorithm::Rs256 => Algorithm::RS256,
            JwtAlgorithm::Es256 => Algorithm::ES256,
        });
        header.kid = self.key_id.clone();
        let claims = AssertionClaims {
            iss: client_id,
            sub: client_id,
            aud: token_endpoint,
            iat: now,
            exp: now + ASSERTION_LIFETIME_SECS,
            jti: random_id(),
        };
        jsonwebtoken::encode(&header, &claims, &self.key).map(Secret::new)
    }
}

impl fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientKey")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// Puts back the line breaks of a PEM block pasted into a one-line field.
fn normalise_pem(raw: &str) -> String {
    let text = raw.trim().replace("\\n", "\n").replace("\r\n", "\n");
    if text.contains('\n') {
        return text;
    }
    // `-----BEGIN PRIVATE KEY----- MIIE... -----END PRIVATE KEY-----` on one line.
    let Some(body_start) = text.find("-----").and_then(|start| {
        text[start + 5..]
            .find("-----")
            .map(|end| start + 5 + end + 5)
    }) else {
        return text;
    };
    let Some(footer) = text.rfind("-----END") else {
        return text;
    };
    if footer < body_start {
        return text;
    }
    let body: Vec<&str> = text[body_start..footer].split_whitespace().collect();
    format!(
        "{}\n{}\n{}",
        &text[..body_start],
        body.join("\n"),
        &text[footer..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_pem_gets_its_breaks_back() {
        let one_line = "-----BEGIN PRIVATE KEY----- AAAA BBBB -----END PRIVATE KEY-----";
        assert_eq!(
            normalise_pem(one_line),
            "-----BEGIN PRIVATE KEY-----\nAAAA\nBBBB\n-----END PRIVATE KEY-----"
        );
        assert_eq!(normalise_pem("a\\nb"), "a\nb");
    }

    #[test]
    fn garbage_is_refused_without_quoting_it() {
        let error =
            ClientKey::from_pem(&Secret::new("not-a-key-SEKRET"), JwtAlgorithm::Rs256, None)
                .unwrap_err();
        assert!(error.contains("private_key"), "{error}");
        assert!(!error.contains("SEKRET"), "{error}");
    }
}
