//! The fake's OAuth 2.0 authorization server for service apps: `POST /oauth2/v1/token`
//! (client credentials with a JWT client assertion, DPoP with a server nonce) and the checks
//! on resource requests that carry its tokens (`Bearer` or `DPoP` with a proof bound to the
//! method, URL and token, and the scope the endpoint needs).
//!
//! Everything is verified, not assumed: the assertion's signature against the registered
//! public key, `iss`/`sub`/`aud`/`exp`/`jti`; the proof's signature against its own JWK,
//! `typ`, `htm`, `htu`, `iat`, `jti` reuse, `nonce`, `ath`, and the key thumbprint the
//! token is bound to.

use std::collections::{HashMap, HashSet};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use ring::digest;
use serde_json::{json, Value};

use super::state::epoch_secs;
use fake_http::http::{Request, Response};

/// A public key registered with an app.
#[derive(Clone)]
pub enum AppKey {
    /// SPKI PEM of an RSA key (RS256).
    RsaPem(String),
    /// EC P-256 public coordinates, base64url (ES256).
    Ec { x: String, y: String },
}

/// One API Services app.
#[derive(Clone)]
pub struct OAuthApp {
    pub client_id: String,
    pub key: AppKey,
    /// `kid` the key is registered under; when set, assertions must name it.
    pub key_id: Option<String>,
    pub granted: Vec<String>,
    /// "Require DPoP header in token requests".
    pub require_dpop: bool,
}

struct Issued {
    scopes: Vec<String>,
    expires: u64,
    /// Thumbprint of the DPoP key a DPoP-bound token is bound to.
    jkt: Option<String>,
}

pub struct OAuthServer {
    apps: HashMap<String, OAuthApp>,
    tokens: HashMap<String, Issued>,
    seen_jti: HashSet<String>,
    /// The nonce the token endpoint wants in DPoP proofs (Okta always asks for one).
    pub nonce: String,
    pub token_lifetime: u64,
    pub tokens_issued: usize,
    /// Every token request's outcome: `issued`, or the `error` code.
    pub outcomes: Vec<String>,
    counter: u64,
}

impl Default for OAuthServer {
    fn default() -> Self {
        OAuthServer {
            apps: HashMap::new(),
            tokens: HashMap::new(),
            seen_jti: HashSet::new(),
            nonce: "fake-okta-nonce-1".to_owned(),
            token_lifetime: 3600,
            tokens_issued: 0,
            outcomes: Vec::new(),
            counter: 0,
        }
    }
}

/// What a resource request proved.
pub enum Access {
    /// No OAuth token (the caller checks for SSWS).
    NotOAuth,
    Granted,
    Refused(Response),
}

impl OAuthServer {
    pub fn register(&mut self, app: OAuthApp) {
        self.apps.insert(app.client_id.clone(), app);
    }

    /// Forgets every issued token: the next resource request gets 401 `invalid_token`.
    pub fn revoke_all(&mut self) {
        self.tokens.clear();
    }

    /// `POST /oauth2/v1/token`.
    pub fn token(&mut self, req: &Request, base: &str) -> Response {
        let response = self.token_inner(req, base);
        let outcome = if response.status == 200 {
            "issued".to_owned()
        } else {
            serde_json::from_slice::<Value>(&response.body)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        self.outcomes.push(outcome);
        response
    }

    fn token_inner(&mut self, req: &Request, base: &str) -> Response {
        if req.method != "POST" {
            return oauth_error(405, "invalid_request", "The token endpoint takes POST.");
        }
        let fields: HashMap<String, String> = url::form_urlencoded::parse(&req.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if fields.get("grant_type").map(String::as_str) != Some("client_credentials") {
            return oauth_error(400, "unsupported_grant_type", "Only client_credentials.");
        }
        if fields.get("client_assertion_type").map(String::as_str)
            != Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        {
            return oauth_error(
                401,
                "invalid_client",
                "Client authentication failed: no JWT client assertion.",
            );
        }
        let Some(assertion) = fields.get("client_assertion") else {
            return oauth_error(
                401,
                "invalid_client",
                "Client authentication failed: no client_assertion.",
            );
        };
        let audience = format!("{base}/oauth2/v1/token");
        let client_id = match self.verify_assertion(assertion, &audience) {
            Ok(id) => id,
            Err(message) => return oauth_error(401, "invalid_client", &message),
        };
        let app = self.apps[&client_id].clone();
        let mut jkt = None;
        match req.header("dpop") {
            Some(proof) => match self.verify_proof(proof, "POST", &audience, None) {
                Ok((thumbprint, nonce)) => {
                    if nonce.as_deref() != Some(self.nonce.as_str()) {
                        let mut response = oauth_error(
                            400,
                            "use_dpop_nonce",
                            "Authorization server requires nonce in DPoP proof.",
                        );
                        response
                            .headers
                            .push(("DPoP-Nonce".into(), self.nonce.clone()));
                        return response;
                    }
                    if !app.require_dpop {
                        return oauth_error(400, "invalid_dpop_proof", "DPoP proof JWT was provided but the client is not configured to use DPoP.");
                    }
                    jkt = Some(thumbprint);
                }
                Err(message) => return oauth_error(400, "invalid_dpop_proof", &message),
            },
            None if app.require_dpop => {
                return oauth_error(
                    400,
                    "invalid_dpop_proof",
                    "The DPoP proof JWT header is missing.",
                )
            }
            None => {}
        }
        let requested: Vec<String> = fields
            .get("scope")
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        let refused: Vec<&str> = requested
            .iter()
            .filter(|s| !app.granted.contains(s))
            .map(String::as_str)
            .collect();
        if requested.is_empty() || !refused.is_empty() {
            let list: Vec<String> = refused.iter().map(|s| format!("'{s}'")).collect();
            return oauth_error(
                400,
                "invalid_scope",
                &format!("The following scopes are not allowed: {}", list.join(", ")),
            );
        }
        self.counter += 1;
        self.tokens_issued += 1;
        let token = format!(
            "fake-okta-access-token-{:04}-{}",
            self.counter,
            URL_SAFE_NO_PAD.encode(self.counter.to_le_bytes())
        );
        let kind = if jkt.is_some() { "DPoP" } else { "Bearer" };
        self.tokens.insert(
            token.clone(),
            Issued {
                scopes: requested.clone(),
                expires: epoch_secs() + self.token_lifetime,
                jkt,
            },
        );
        let body = json!({
            "token_type": kind,
            "expires_in": self.token_lifetime,
            "access_token": token,
            "scope": requested.join(" "),
        });
        Response::json(200, serde_json::to_vec(&body).unwrap_or_default())
    }

    /// `client_id` of a valid assertion.
    fn verify_assertion(&mut self, jwt: &str, audience: &str) -> Result<String, String> {
        let unverified: Value = jwt
            .split('.')
            .nth(1)
            .and_then(|part| URL_SAFE_NO_PAD.decode(part).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or("The client_assertion is not a JWT.")?;
        let client_id = unverified["iss"].as_str().unwrap_or_default().to_owned();
        let app = self
            .apps
            .get(&client_id)
            .ok_or(format!("The client_id '{client_id}' is not known."))?;
        let header = decode_header(jwt).map_err(|e| format!("Bad assertion header: {e}"))?;
        if app.key_id.is_some() && header.kid != app.key_id {
            return Err("The client_assertion kid does not match a registered key.".into());
        }
        let (key, algorithm) = match &app.key {
            AppKey::RsaPem(pem) => (
                DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| e.to_string())?,
                Algorithm::RS256,
            ),
            AppKey::Ec { x, y } => (
                DecodingKey::from_ec_components(x, y).map_err(|e| e.to_string())?,
                Algorithm::ES256,
            ),
        };
        if header.alg != algorithm {
            return Err(
                "The client_assertion signature algorithm does not match the registered key."
                    .into(),
            );
        }
        let mut validation = Validation::new(algorithm);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub", "jti"]);
        validation.leeway = 5;
        let claims = decode::<Value>(jwt, &key, &validation)
            .map_err(|e| format!("The client_assertion signature is invalid ({e})."))?
            .claims;
        if claims["sub"] != claims["iss"] {
            return Err("The client_assertion sub must equal iss.".into());
        }
        let (iat, exp) = (
            claims["iat"].as_u64().unwrap_or(0),
            claims["exp"].as_u64().unwrap_or(0),
        );
        if exp <= iat || exp - iat > 3600 {
            return Err("The client_assertion exp must be within one hour of iat.".into());
        }
        let jti = claims["jti"].as_str().unwrap_or_default().to_owned();
        if !self.seen_jti.insert(format!("assertion:{jti}")) {
            return Err("The client_assertion jti was already used.".into());
        }
        Ok(client_id)
    }

    /// Verifies a DPoP proof: returns its key thumbprint and nonce.
    fn verify_proof(
        &mut self,
        jwt: &str,
        htm: &str,
        htu: &str,
        access_token: Option<&str>,
    ) -> Result<(String, Option<String>), String> {
        let header = decode_header(jwt).map_err(|e| format!("Bad DPoP proof header: {e}"))?;
        if header.typ.as_deref() != Some("dpop+jwt") || header.alg != Algorithm::ES256 {
            return Err("The DPoP proof must have typ dpop+jwt and alg ES256.".into());
        }
        let jwk = header.jwk.ok_or("The DPoP proof has no jwk header.")?;
        let shown = serde_json::to_value(&jwk).map_err(|e| e.to_string())?;
        if shown.get("d").is_some() {
            return Err("The DPoP proof jwk holds a private key.".into());
        }
        let key = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let claims = decode::<Value>(jwt, &key, &validation)
            .map_err(|e| format!("The DPoP proof signature is invalid ({e})."))?
            .claims;
        if claims["htm"] != htm {
            return Err(format!("The DPoP proof htm is not {htm}."));
        }
        if claims["htu"] != htu {
            return Err(format!("The DPoP proof htu is not {htu}."));
        }
        let iat = claims["iat"].as_u64().unwrap_or(0);
        if iat.abs_diff(epoch_secs()) > 60 {
            return Err("The DPoP proof iat is not recent.".into());
        }
        let jti = claims["jti"].as_str().unwrap_or_default().to_owned();
        if jti.is_empty() || !self.seen_jti.insert(format!("proof:{jti}")) {
            return Err("The DPoP proof jti is missing or was already used.".into());
        }
        match access_token {
            Some(token) => {
                if claims["ath"].as_str() != Some(ath(token).as_str()) {
                    return Err("The DPoP proof ath does not match the access token.".into());
                }
            }
            None => {
                if claims.get("ath").is_some() {
                    return Err("A token request proof has no ath.".into());
                }
            }
        }
        let canonical = format!(
            r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
            shown["x"].as_str().unwrap_or_default(),
            shown["y"].as_str().unwrap_or_default()
        );
        let thumbprint =
            URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, canonical.as_bytes()));
        Ok((thumbprint, claims["nonce"].as_str().map(str::to_owned)))
    }

    /// Checks an OAuth-authorised resource request and the scope it needs.
    pub fn authorise(&mut self, req: &Request, base: &str, scope: &str) -> Access {
        let Some(value) = req.header("authorization") else {
            return Access::NotOAuth;
        };
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "bearer" && scheme != "dpop" {
            return Access::NotOAuth;
        }
        let challenge = |error: &str, description: &str| {
            let mut response = Response::json(
                401,
                serde_json::to_vec(&json!({"errorCode": "E0000011", "errorSummary": "Invalid token provided", "errorLink": "E0000011", "errorId": "oaeOAuth", "errorCauses": []})).unwrap_or_default(),
            );
            let scheme = if scheme == "dpop" {
                "DPoP algs=\"ES256\","
            } else {
                "Bearer"
            };
            response.headers.push((
                "WWW-Authenticate".into(),
                format!("{scheme} error=\"{error}\", error_description=\"{description}\""),
            ));
            Access::Refused(response)
        };
        let Some(issued) = self.tokens.get(token) else {
            return challenge("invalid_token", "The access token is invalid.");
        };
        if issued.expires <= epoch_secs() {
            return challenge("invalid_token", "The access token expired.");
        }
        let (bound, scopes) = (issued.jkt.clone(), issued.scopes.clone());
        match (&bound, scheme.as_str()) {
            (Some(jkt), "dpop") => {
                let Some(proof) = req.header("dpop") else {
                    return challenge("invalid_dpop_proof", "The DPoP proof is missing.");
                };
                let htu = format!("{base}{}", req.path);
                match self.verify_proof(proof, &req.method, &htu, Some(token)) {
                    Ok((thumbprint, _)) if &thumbprint == jkt => {}
                    Ok(_) => {
                        return challenge(
                            "invalid_dpop_proof",
                            "The DPoP proof key is not the one the token is bound to.",
                        )
                    }
                    Err(message) => return challenge("invalid_dpop_proof", &message),
                }
            }
            (Some(_), _) => {
                return challenge("invalid_token", "A DPoP-bound token must be sent as DPoP.")
            }
            (None, "bearer") => {}
            (None, _) => {
                return challenge("invalid_token", "A Bearer token must be sent as Bearer.")
            }
        }
        if !scopes.iter().any(|s| s == scope) {
            let mut response = Response::empty(403);
            let scheme = if bound.is_some() {
                "DPoP algs=\"ES256\","
            } else {
                "Bearer"
            };
            response.headers.push((
                "WWW-Authenticate".into(),
                format!(
                    "{scheme} authorization_uri=\"{base}/oauth2/v1/authorize\", realm=\"{base}\", scope=\"{scope}\", error=\"insufficient_scope\", error_description=\"The access token provided does not contain the required scopes.\", resource=\"{}\"",
                    req.path
                ),
            ));
            return Access::Refused(response);
        }
        Access::Granted
    }
}

/// The scope Okta requires for a management API request.
pub fn scope_for(method: &str, path: &str) -> &'static str {
    let rest = path.strip_prefix("/api/v1/").unwrap_or(path);
    let read = method == "GET";
    let area = rest.split('/').next().unwrap_or("");
    match (area, read) {
        ("users", true) => "okta.users.read",
        ("users", false) => "okta.users.manage",
        ("apps", true) => "okta.apps.read",
        ("apps", false) => "okta.apps.manage",
        ("groups", true) => "okta.groups.read",
        ("groups", false) => "okta.groups.manage",
        ("logs", _) => "okta.logs.read",
        ("meta", true) => "okta.schemas.read",
        _ => "okta.unknown",
    }
}

fn ath(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, token.as_bytes()))
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    Response::json(
        status,
        serde_json::to_vec(&json!({"error": error, "error_description": description}))
            .unwrap_or_default(),
    )
}
