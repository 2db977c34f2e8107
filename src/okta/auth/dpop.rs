//! DPoP (RFC 9449): [`DpopKey`], the ES256 key pair generated once per process, and the
//! proofs it signs, one per request.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{
    AlgorithmParameters, CommonParameters, EllipticCurve, EllipticCurveKeyParameters,
    EllipticCurveKeyType, Jwk,
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::digest;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use serde::Serialize;
use url::Url;

use crate::http::transport::Method;
use crate::secret::Secret;

/// The proof key: private half only in memory (never written anywhere), public half as a
/// JWK in every proof's header.
pub struct DpopKey {
    key: EncodingKey,
    jwk: Jwk,
    thumbprint: String,
}

#[derive(Serialize)]
struct ProofClaims<'a> {
    htm: &'a str,
    htu: String,
    iat: i64,
    jti: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

impl DpopKey {
    /// A new P-256 key pair from the system's random source.
    pub fn generate() -> Result<DpopKey, String> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .map_err(|_| "could not generate the DPoP key".to_owned())?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .map_err(|_| "could not read the generated DPoP key".to_owned())?;
        // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
        let coordinates = match pair.public_key().as_ref() {
            [4, coordinates @ ..] if coordinates.len() == 64 => coordinates,
            _ => return Err("the generated DPoP key has an unexpected public key form".to_owned()),
        };
        // Cannot panic: 64 bytes, checked just above.
        let (x, y) = coordinates.split_at(32);
        let x = URL_SAFE_NO_PAD.encode(x);
        let y = URL_SAFE_NO_PAD.encode(y);
        // RFC 7638: the members in lexicographic order, no spaces.
        let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{x}","y":"{y}"}}"#);
        let thumbprint =
            URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()));
        let jwk = Jwk {
            common: CommonParameters::default(),
            algorithm: AlgorithmParameters::EllipticCurve(EllipticCurveKeyParameters {
                key_type: EllipticCurveKeyType::EC,
                curve: EllipticCurve::P256,
                x,
                y,
            }),
        };
        Ok(DpopKey {
            key: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
            thumbprint,
        })
    }

    /// The public key as a JWK (`kty`, `crv`, `x`, `y`).
    pub fn public_jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// The JWK SHA-256 thumbprint (RFC 7638), what a DPoP-bound token's `cnf.jkt` holds.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A proof for one request: header `typ: dpop+jwt`, `alg: ES256`, the public `jwk`;
    /// claims `htm`, `htu` (no query or fragment), `iat`, a fresh `jti`, `ath` (SHA-256 of
    /// the access token) for resource requests, and `nonce` once the server gave one.
    pub fn proof(
        &self,
        method: Method,
        url: &Url,
        access_token: Option<&Secret>,
        nonce: Option<&str>,
        now: i64,
    ) -> Result<Secret, String> {
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".to_owned());
        header.jwk = Some(self.jwk.clone());
        let claims = ProofClaims {
            htm: method.as_str(),
            htu: htu(url),
            iat: now,
            jti: random_id(),
            ath: access_token.map(|token| access_token_hash(token.expose())),
            nonce,
        };
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map(Secret::new)
            .map_err(|e| format!("could not sign the DPoP proof: {e}"))
    }
}

impl fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DpopKey")
            .field("thumbprint", &self.thumbprint)
            .finish_non_exhaustive()
    }
}

/// The `htu` of a request: its URL without query and fragment.
pub fn htu(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// `ath`: base64url(SHA-256(access token)).
pub(crate) fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token.as_bytes()))
}

/// 128 random bits, base64url: a `jti`.
pub(crate) fn random_id() -> String {
    let mut bytes = [0u8; 16];
    if SystemRandom::new().fill(&mut bytes).is_err() {
        // The system random source does not fail on supported platforms; a time-based id
        // still keeps `jti`s distinct.
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        bytes = nanos.to_le_bytes();
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};

    #[test]
    fn proof_verifies_with_its_own_jwk_and_binds_the_request() {
        let key = DpopKey::generate().unwrap();
        let url: Url = "https://acme.okta.com/api/v1/users?limit=2#x"
            .parse()
            .unwrap();
        let token = Secret::new("access-token-value");
        let proof = key
            .proof(Method::Get, &url, Some(&token), Some("n-1"), 1_700_000_000)
            .unwrap();
        let header = decode_header(proof.expose()).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        let jwk = header.jwk.expect("jwk in the header");
        let shown = serde_json::to_value(&jwk).unwrap();
        assert_eq!(shown.as_object().unwrap().len(), 4, "{shown}");
        assert!(shown.get("d").is_none());
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let claims = decode::<serde_json::Value>(
            proof.expose(),
            &DecodingKey::from_jwk(&jwk).unwrap(),
            &validation,
        )
        .unwrap()
        .claims;
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://acme.okta.com/api/v1/users");
        assert_eq!(claims["nonce"], "n-1");
        assert_eq!(claims["ath"], access_token_hash("access-token-value"));
        // RFC 9449 appendix: the hash of a known token.
        assert_eq!(
            access_token_hash("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo"
        );
    }
}
