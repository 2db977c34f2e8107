//! Test keys and JWT checks for the OAuth tests. The RSA key is the committed test-only
//! fixture (`fixtures/test-keys/`); EC keys are generated per run. Never real keys.
#![allow(dead_code)]

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde_json::Value;

/// The test-only RSA private key (PKCS#8 PEM).
pub fn rsa_private_pem() -> String {
    read_key("rsa-2048-TEST-ONLY-private.pem")
}

/// Its public half (SPKI PEM).
pub fn rsa_public_pem() -> String {
    read_key("rsa-2048-TEST-ONLY-public.pem")
}

fn read_key(name: &str) -> String {
    let path = format!("{}/fixtures/test-keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A fresh EC P-256 key: (PKCS#8 PEM of the private key, public x, public y (base64url)).
pub fn ec_key() -> (String, String, String) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let point = pair.public_key().as_ref().to_vec();
    let body = STANDARD.encode(pkcs8.as_ref());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let pem = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    (
        pem,
        URL_SAFE_NO_PAD.encode(&point[1..33]),
        URL_SAFE_NO_PAD.encode(&point[33..65]),
    )
}

/// The public key that verifies a client assertion.
pub enum PublicKey {
    RsaPem(String),
    Ec { x: String, y: String },
}

impl PublicKey {
    fn decoding(&self) -> (DecodingKey, Algorithm) {
        match self {
            PublicKey::RsaPem(pem) => (
                DecodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
                Algorithm::RS256,
            ),
            PublicKey::Ec { x, y } => (
                DecodingKey::from_ec_components(x, y).unwrap(),
                Algorithm::ES256,
            ),
        }
    }
}

/// Verifies a client assertion's signature, audience and expiry; returns (header, claims).
pub fn verify_assertion(
    jwt: &str,
    key: &PublicKey,
    audience: &str,
) -> Result<(jsonwebtoken::Header, Value), String> {
    let (decoding, algorithm) = key.decoding();
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&[audience]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub", "jti"]);
    let header = decode_header(jwt).map_err(|e| e.to_string())?;
    let claims = decode::<Value>(jwt, &decoding, &validation)
        .map_err(|e| e.to_string())?
        .claims;
    Ok((header, claims))
}

/// Verifies a DPoP proof with the JWK in its own header; returns (claims, JWK thumbprint).
pub fn verify_proof(jwt: &str) -> Result<(Value, String), String> {
    let header = decode_header(jwt).map_err(|e| e.to_string())?;
    if header.typ.as_deref() != Some("dpop+jwt") || header.alg != Algorithm::ES256 {
        return Err(format!("bad proof header {header:?}"));
    }
    let jwk = header.jwk.ok_or("no jwk in the proof header")?;
    let shown = serde_json::to_value(&jwk).unwrap();
    if shown.get("d").is_some() {
        return Err("the proof header carries a private key".into());
    }
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let decoding = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    let claims = decode::<Value>(jwt, &decoding, &validation)
        .map_err(|e| e.to_string())?
        .claims;
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        shown["x"].as_str().unwrap_or_default(),
        shown["y"].as_str().unwrap_or_default()
    );
    let thumbprint = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()));
    Ok((claims, thumbprint))
}

/// `ath` of an access token.
pub fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token.as_bytes()))
}

/// The fields of a form-encoded body.
pub fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}
