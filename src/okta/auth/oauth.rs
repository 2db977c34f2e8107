//! [`OAuthAuth`]: OAuth 2.0 client credentials with a signed client assertion, optionally
//! DPoP-bound, as an [`AuthProvider`].
//!
//! - The token is asked of `POST <org>/oauth2/v1/token` the first time a request needs one,
//!   kept in memory, and renewed [`RENEW_BEFORE_EXPIRY`] before it expires or when a
//!   resource answers 401. One lock is held across the token request, so concurrent
//!   requests wait for the one renewal instead of starting their own.
//! - A token request answered 429 or 5xx, or lost, is asked again at most twice after a
//!   backoff, within the command's deadline.
//! - DPoP: a `use_dpop_nonce` answer (400 from the token endpoint, 401 from a resource) is
//!   retried once with the nonce from its `DPoP-Nonce` header; the nonce is kept for the
//!   next proofs to that server.
//! - [`OAuthAuth::export`] / [`OAuthAuth::restore`] move the token in and out of the
//!   integration context, so executions of other processes reuse it while it is valid.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::time::Instant;
use url::Url;

use crate::http::backoff::backoff;
use crate::http::clock::Clock;
use crate::http::settings::HttpSettings;
use crate::http::transport::{
    BoxFuture, HttpRequest, HttpResponse, Method, Transport, TransportError, TransportErrorKind,
};
use crate::okta::auth::challenge::{oauth_error, parse_challenge, Challenge};
use crate::okta::auth::dpop::DpopKey;
use crate::okta::auth::settings::{DpopMode, OAuthSettings};
use crate::okta::auth::{AuthProvider, Verdict, CLIENT_ASSERTION_TYPE};
use crate::okta::error::OktaError;
use crate::okta::rate_limit::{reset_wait, RateLimitInfo};
use crate::okta::USER_AGENT;
use crate::secret::Secret;

/// A token is renewed this long before Okta said it expires.
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(60);

/// How often a token request is repeated after a 429, a 5xx or a connection failure.
const TOKEN_REQUEST_RETRIES: u32 = 2;

/// Okta's access tokens live one hour; used when the answer has no `expires_in`.
const DEFAULT_LIFETIME_SECS: u64 = 3600;

/// The token request's label in errors and logs.
const TOKEN_REQUEST: &str = "POST /oauth2/v1/token";

/// An access token and what it is good for.
#[derive(Clone)]
struct AccessToken {
    value: Secret,
    /// `token_type: DPoP`: every use needs a proof from this process's key.
    dpop_bound: bool,
    expires_at: Instant,
    /// Unix seconds, for the copy kept in the integration context.
    expires_epoch: i64,
}

#[derive(Default)]
struct Nonces {
    token_endpoint: Option<String>,
    resource: Option<String>,
}

/// The OAuth provider of one client (shared by its clones, so by every command of a
/// process).
pub struct OAuthAuth {
    settings: OAuthSettings,
    token_endpoint: Url,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    request_timeout: Duration,
    /// Backoff of a token request that met a 429, a 5xx or a connection failure.
    backoff_base: Duration,
    backoff_cap: Duration,
    dpop_key: Option<Result<DpopKey, String>>,
    /// Held across a token request: never two renewals at once.
    token: tokio::sync::Mutex<Option<AccessToken>>,
    nonces: Mutex<Nonces>,
    /// `dpop: auto` and the app does not take DPoP proofs: ask without from now on.
    dpop_declined: AtomicBool,
    /// Bumped whenever a new token is issued, so callers know when to save it.
    generation: AtomicU64,
    /// The generation last written to (or read from) the integration context.
    saved_generation: AtomicU64,
    token_requests: AtomicU64,
}

impl OAuthAuth {
    /// `api_base` is the client's `<url>/api/v1/`; the token endpoint is
    /// `<url>/oauth2/v1/token`. The request timeout and backoff come from `http` (the
    /// client's). The DPoP key is generated here unless `dpop` is `off`.
    pub fn new(
        settings: OAuthSettings,
        api_base: &Url,
        http: &HttpSettings,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
    ) -> OAuthAuth {
        let mut token_endpoint = api_base.clone();
        let org_path = api_base
            .path()
            .trim_end_matches('/')
            .trim_end_matches("/api/v1")
            .to_owned();
        token_endpoint.set_path(&format!("{org_path}/oauth2/v1/token"));
        token_endpoint.set_query(None);
        token_endpoint.set_fragment(None);
        let dpop_key = (settings.dpop != DpopMode::Off).then(DpopKey::generate);
        OAuthAuth {
            settings,
            token_endpoint,
            transport,
            clock,
            request_timeout: http.request_timeout,
            backoff_base: http.backoff_base,
            backoff_cap: http.backoff_cap,
            dpop_key,
            token: tokio::sync::Mutex::new(None),
            nonces: Mutex::new(Nonces::default()),
            dpop_declined: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            saved_generation: AtomicU64::new(0),
            token_requests: AtomicU64::new(0),
        }
    }

    pub fn token_endpoint(&self) -> &Url {
        &self.token_endpoint
    }

    /// Token requests sent so far (each nonce retry counts).
    pub fn token_requests(&self) -> u64 {
        self.token_requests.load(Ordering::Relaxed)
    }

    /// Increases each time a new token is issued.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }

    /// The DPoP key's thumbprint (`cnf.jkt` of the tokens bound to it), when proofs are on.
    pub fn dpop_thumbprint(&self) -> Option<&str> {
        match &self.dpop_key {
            Some(Ok(key)) => Some(key.thumbprint()),
            _ => None,
        }
    }

    /// Whether no usable token is in memory (so one kept elsewhere is worth offering).
    pub fn wants_token(&self) -> bool {
        match self.token.try_lock() {
            Ok(slot) => !self.usable(slot.as_ref()),
            Err(_) => false,
        }
    }

    /// Whether a token was issued since the last [`OAuthAuth::mark_saved`].
    pub fn unsaved(&self) -> bool {
        self.generation() != self.saved_generation.load(Ordering::Relaxed)
    }

    /// Records that the token of `generation` is in the integration context.
    pub fn mark_saved(&self, generation: u64) {
        self.saved_generation.store(generation, Ordering::Relaxed);
    }

    /// The token as kept in the integration context: the access token, its type, expiry
    /// (Unix seconds), the client id and scopes it was issued for, and for a DPoP-bound
    /// token the thumbprint of the key it is bound to (another process has another key and
    /// cannot use it), with the generation it belongs to. `None` when there is no token.
    pub fn export(&self) -> Option<(u64, Value)> {
        let slot = self.token.try_lock().ok()?;
        let token = slot.as_ref()?;
        let generation = self.generation();
        Some((
            generation,
            json!({
                "client_id": self.settings.client_id,
                "scope": self.settings.scope(),
                "token_type": if token.dpop_bound { "DPoP" } else { "Bearer" },
                "access_token": token.value.expose(),
                "expires_at": token.expires_epoch,
                "jkt": if token.dpop_bound { self.dpop_thumbprint().map(str::to_owned) } else { None },
            }),
        ))
    }

    /// Takes a token kept by [`OAuthAuth::export`] when it fits these settings, is not about
    /// to expire, and (DPoP-bound) is bound to this process's key. Returns whether it did.
    pub fn restore(&self, cached: &Value) -> bool {
        let text = |key: &str| cached.get(key).and_then(Value::as_str);
        let (Some(client_id), Some(scope), Some(kind), Some(value), Some(expires_epoch)) = (
            text("client_id"),
            text("scope"),
            text("token_type"),
            text("access_token"),
            cached.get("expires_at").and_then(Value::as_i64),
        ) else {
            return false;
        };
        if client_id != self.settings.client_id || scope != self.settings.scope() {
            return false;
        }
        let dpop_bound = kind.eq_ignore_ascii_case("DPoP");
        if dpop_bound && (text("jkt").is_none() || text("jkt") != self.dpop_thumbprint()) {
            return false;
        }
        if !dpop_bound && self.settings.dpop == DpopMode::On {
            return false;
        }
        let left = expires_epoch - epoch_now();
        if left <= RENEW_BEFORE_EXPIRY.as_secs() as i64 {
            return false;
        }
        let Ok(mut slot) = self.token.try_lock() else {
            return false;
        };
        if self.usable(slot.as_ref()) {
            return false;
        }
        *slot = Some(AccessToken {
            value: Secret::new(value),
            dpop_bound,
            expires_at: self.clock.now() + Duration::from_secs(left as u64),
            expires_epoch,
        });
        self.mark_saved(self.generation());
        tracing::debug!(
            expires_in_s = left,
            "okta oauth: using the token kept in the integration context"
        );
        true
    }

    fn usable(&self, token: Option<&AccessToken>) -> bool {
        token.is_some_and(|t| self.clock.now() + RENEW_BEFORE_EXPIRY < t.expires_at)
    }

    /// The current token, or a new one when there is none or it expires within a minute.
    async fn current_token(&self, deadline: Instant) -> Result<AccessToken, OktaError> {
        let mut slot = self.token.lock().await;
        if let Some(token) = slot.as_ref().filter(|t| self.usable(Some(t))) {
            return Ok(token.clone());
        }
        let token = self.request_token(deadline).await?;
        *slot = Some(token.clone());
        self.generation.fetch_add(1, Ordering::Relaxed);
        Ok(token)
    }

    /// Gets a token now unless a usable one is held (test-module's first check).
    pub async fn ensure_token(&self, deadline: Option<Instant>) -> Result<(), OktaError> {
        let deadline = deadline.unwrap_or_else(|| self.clock.now() + self.request_timeout);
        self.current_token(deadline).await.map(drop)
    }

    /// Forgets `sent` (a token a resource refused) unless a newer one replaced it already.
    fn forget(&self, sent: &str) {
        if let Ok(mut slot) = self.token.try_lock() {
            if slot.as_ref().is_some_and(|t| t.value.expose() == sent) {
                *slot = None;
            }
        }
    }

    fn dpop_key(&self) -> Result<Option<&DpopKey>, OktaError> {
        match &self.dpop_key {
            None => Ok(None),
            Some(Ok(key)) => Ok(Some(key)),
            Some(Err(message)) => Err(auth_error(None, None, message.clone(), None)),
        }
    }

    /// `POST /oauth2/v1/token`: client credentials with a fresh assertion (and proof).
    async fn request_token(&self, deadline: Instant) -> Result<AccessToken, OktaError> {
        let settings = &self.settings;
        let mut use_dpop = self.dpop_key.is_some() && !self.dpop_declined.load(Ordering::Relaxed);
        let mut nonce_retried = false;
        let mut declined_retried = false;
        let mut busy_retries = 0;
        loop {
            let now = epoch_now();
            let assertion = settings
                .key
                .sign_assertion(&settings.client_id, self.token_endpoint.as_str(), now)
                .map_err(|e| {
                    auth_error(None, None, format!("Could not sign the client assertion with the private key (private_key): {e}."), None)
                })?;
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("scope", &settings.scope())
                .append_pair("client_assertion_type", CLIENT_ASSERTION_TYPE)
                .append_pair("client_assertion", assertion.expose())
                .finish();
            let mut headers = vec![
                ("accept".to_owned(), "application/json".to_owned()),
                (
                    "content-type".to_owned(),
                    "application/x-www-form-urlencoded".to_owned(),
                ),
                ("user-agent".to_owned(), USER_AGENT.to_owned()),
            ];
            if use_dpop {
                if let Some(key) = self.dpop_key()? {
                    let nonce = self.lock_nonces().token_endpoint.clone();
                    let proof = key
                        .proof(
                            Method::Post,
                            &self.token_endpoint,
                            None,
                            nonce.as_deref(),
                            now,
                        )
                        .map_err(|m| auth_error(None, None, m, None))?;
                    headers.push(("dpop".to_owned(), proof.expose().to_owned()));
                }
            }
            let request = HttpRequest {
                method: Method::Post,
                url: self.token_endpoint.clone(),
                headers,
                body: Some(body.into_bytes()),
            };
            let left = deadline.saturating_duration_since(self.clock.now());
            if left.is_zero() {
                return Err(transport_error(TransportError::new(
                    TransportErrorKind::Timeout,
                    "the command's time limit ran out before the token request",
                )));
            }
            let timeout = left.min(self.request_timeout);
            self.token_requests.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(dpop = use_dpop, "okta oauth: token request");
            let outcome = match tokio::time::timeout(timeout, self.transport.send(request)).await {
                Err(_) => Err(TransportError::new(
                    TransportErrorKind::Timeout,
                    format!("no answer within {} s", timeout.as_secs_f64()),
                )),
                Ok(outcome) => outcome,
            };
            // A 429, a 5xx or a lost connection may pass: wait and ask again (a fresh
            // assertion and proof each time), within the command's deadline.
            let wait =
                match &outcome {
                    Err(error) if error.kind != TransportErrorKind::Other => Some(backoff(
                        self.backoff_base,
                        self.backoff_cap,
                        busy_retries + 1,
                    )),
                    Ok(response) if response.status == 429 => Some(
                        reset_wait(&RateLimitInfo::from_response(response)).unwrap_or_else(|| {
                            backoff(self.backoff_base, self.backoff_cap, busy_retries + 1)
                        }),
                    ),
                    Ok(response) if matches!(response.status, 500 | 502 | 503 | 504) => Some(
                        backoff(self.backoff_base, self.backoff_cap, busy_retries + 1),
                    ),
                    _ => None,
                };
            if let Some(wait) = wait {
                if busy_retries < TOKEN_REQUEST_RETRIES && self.clock.now() + wait < deadline {
                    busy_retries += 1;
                    tracing::info!(
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        "okta oauth: token request failed; waiting before asking again"
                    );
                    self.clock.sleep(wait).await;
                    continue;
                }
            }
            let response = outcome.map_err(transport_error)?;
            let request_id = response.header("x-okta-request-id").map(str::to_owned);
            if response.is_success() {
                return self.read_token(&response, use_dpop);
            }
            let (error, description) = oauth_error(&response.body);
            let nonce = response.header("dpop-nonce").map(str::to_owned);
            match (error.as_deref(), nonce) {
                (Some("use_dpop_nonce"), Some(nonce)) if use_dpop && !nonce_retried => {
                    tracing::debug!("okta oauth: the token endpoint asks for a DPoP nonce");
                    self.lock_nonces().token_endpoint = Some(nonce);
                    nonce_retried = true;
                    continue;
                }
                _ => {}
            }
            let mentions_dpop = description
                .as_deref()
                .is_some_and(|d| d.to_ascii_lowercase().contains("dpop"));
            if use_dpop
                && settings.dpop == DpopMode::Auto
                && !declined_retried
                && response.status == 400
                && matches!(
                    error.as_deref(),
                    Some("invalid_request" | "invalid_dpop_proof")
                )
                && mentions_dpop
                && !description
                    .as_deref()
                    .is_some_and(|d| d.to_ascii_lowercase().contains("nonce"))
            {
                tracing::info!(
                    "okta oauth: the app does not take DPoP proofs; asking for a Bearer token"
                );
                self.dpop_declined.store(true, Ordering::Relaxed);
                use_dpop = false;
                declined_retried = true;
                continue;
            }
            return Err(self.token_refused(
                response.status,
                error,
                description,
                request_id,
                use_dpop,
            ));
        }
    }

    fn read_token(
        &self,
        response: &HttpResponse,
        sent_proof: bool,
    ) -> Result<AccessToken, OktaError> {
        let body: Value =
            serde_json::from_slice(&response.body).map_err(|e| OktaError::Decode {
                request: TOKEN_REQUEST.to_owned(),
                path: format!("line {} column {}", e.line(), e.column()),
                message: "not JSON".to_owned(),
            })?;
        let Some(value) = body
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty())
        else {
            return Err(OktaError::Decode {
                request: TOKEN_REQUEST.to_owned(),
                path: "$.access_token".to_owned(),
                message: "missing".to_owned(),
            });
        };
        let kind = body
            .get("token_type")
            .and_then(Value::as_str)
            .unwrap_or("Bearer");
        let dpop_bound = kind.eq_ignore_ascii_case("DPoP");
        if dpop_bound && !sent_proof {
            return Err(auth_error(Some(response.status), None, "Okta issued a DPoP-bound token to a request without a DPoP proof. Set the dpop parameter to auto or on.".to_owned(), None));
        }
        if !dpop_bound && self.settings.dpop == DpopMode::On {
            return Err(auth_error(Some(response.status), None, "The dpop parameter is on, but Okta issued a Bearer token: the app does not require DPoP. Turn on \"Require Demonstrating Proof of Possession (DPoP) header in token requests\" for the app in the Okta admin console, or set dpop to auto.".to_owned(), None));
        }
        let lifetime = body
            .get("expires_in")
            .and_then(Value::as_u64)
            .unwrap_or(DEFAULT_LIFETIME_SECS);
        tracing::debug!(
            token_type = kind,
            expires_in_s = lifetime,
            "okta oauth: token issued"
        );
        Ok(AccessToken {
            value: Secret::new(value),
            dpop_bound,
            expires_at: self.clock.now() + Duration::from_secs(lifetime),
            expires_epoch: epoch_now() + lifetime as i64,
        })
    }

    /// A refused token request, in words a person can act on.
    fn token_refused(
        &self,
        status: u16,
        error: Option<String>,
        description: Option<String>,
        request_id: Option<String>,
        sent_proof: bool,
    ) -> OktaError {
        let okta_said = match (&error, &description) {
            (Some(e), Some(d)) => format!("{e}: {d}"),
            (Some(e), None) => e.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => format!("HTTP {status}"),
        };
        let message = match error.as_deref() {
            Some("invalid_client") => format!(
                "Okta refused the OAuth client ({okta_said}). Check the Client ID parameter (client_id), and that the app's public key{} matches the private key (private_key) and the JWT algorithm (jwt_algorithm).",
                match self.settings.key.key_id() {
                    Some(kid) => format!(" with key ID {kid}"),
                    None => String::new(),
                }
            ),
            Some("invalid_scope") => {
                let named: Vec<&str> = self
                    .settings
                    .scopes
                    .iter()
                    .map(String::as_str)
                    .filter(|s| description.as_deref().is_some_and(|d| d.contains(s)))
                    .collect();
                let scopes = if named.is_empty() {
                    format!("one of the requested scopes ({})", self.settings.scope())
                } else {
                    format!("the scope{} {}", if named.len() == 1 { "" } else { "s" }, named.join(", "))
                };
                format!(
                    "The OAuth app was not granted {scopes} ({okta_said}). Grant {} in the Okta admin console (the app's Okta API Scopes tab), or remove {} from the scopes parameter.",
                    if named.len() == 1 { "it" } else { "them" },
                    if named.len() == 1 { "it" } else { "them" },
                )
            }
            Some("invalid_dpop_proof") if !sent_proof => format!(
                "The app requires DPoP ({okta_said}). Set the dpop parameter to auto or on."
            ),
            Some("invalid_dpop_proof") => format!(
                "Okta rejected the DPoP proof of the token request ({okta_said}). Check that this host's clock is correct."
            ),
            Some("unauthorized_client") => format!(
                "The OAuth app may not use the client credentials grant ({okta_said}). Use an API Services app."
            ),
            _ if status == 429 || status >= 500 => format!(
                "Okta's token endpoint could not issue a token now ({okta_said}); run the command again later."
            ),
            _ => format!("Okta refused the OAuth token request ({okta_said})."),
        };
        auth_error(Some(status), error, message, request_id)
    }

    fn lock_nonces(&self) -> std::sync::MutexGuard<'_, Nonces> {
        self.nonces
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl AuthProvider<OktaError> for OAuthAuth {
    fn authorize<'a>(
        &'a self,
        method: Method,
        url: &'a Url,
        deadline: Instant,
    ) -> BoxFuture<'a, Result<Vec<(String, String)>, OktaError>> {
        Box::pin(async move {
            let token = self.current_token(deadline).await?;
            let scheme = if token.dpop_bound { "DPoP" } else { "Bearer" };
            let mut headers = vec![(
                "authorization".to_owned(),
                format!("{scheme} {}", token.value.expose()),
            )];
            if token.dpop_bound {
                let key = self.dpop_key()?.ok_or_else(|| {
                    auth_error(
                        None,
                        None,
                        "A DPoP-bound token needs DPoP proofs, but dpop is off.".to_owned(),
                        None,
                    )
                })?;
                let nonce = self.lock_nonces().resource.clone();
                let proof = key
                    .proof(
                        method,
                        url,
                        Some(&token.value),
                        nonce.as_deref(),
                        epoch_now(),
                    )
                    .map_err(|m| auth_error(None, None, m, None))?;
                headers.push(("dpop".to_owned(), proof.expose().to_owned()));
            }
            Ok(headers)
        })
    }

    fn on_rejection(
        &self,
        response: &HttpResponse,
        sent: &[(String, String)],
        retried: u32,
    ) -> Verdict<OktaError> {
        let challenge = response
            .header_values("www-authenticate")
            .map(parse_challenge)
            .find(|c| c.error.is_some())
            .unwrap_or_default();
        let request_id = response.header("x-okta-request-id").map(str::to_owned);
        let may_retry = retried < 2;
        match (response.status, challenge.error.as_deref()) {
            (400 | 401, Some("use_dpop_nonce")) => match response.header("dpop-nonce") {
                Some(nonce) if may_retry => {
                    tracing::debug!("okta oauth: a resource asks for a DPoP nonce");
                    self.lock_nonces().resource = Some(nonce.to_owned());
                    Verdict::Retry
                }
                _ => Verdict::Fail(challenge_error(response.status, &challenge, "Okta asked for a DPoP nonce again after it was given.", request_id)),
            },
            (400 | 401, Some("invalid_dpop_proof")) => Verdict::Fail(challenge_error(
                response.status,
                &challenge,
                "Okta rejected the DPoP proof of a request. Check that this host's clock is correct.",
                request_id,
            )),
            (401, _) if may_retry => {
                // An expired or revoked token (`invalid_token`, or Okta's E0000011): renew it.
                if let Some((_, value)) = sent.iter().find(|(n, _)| n == "authorization") {
                    if let Some((_, token)) = value.split_once(' ') {
                        self.forget(token);
                    }
                }
                tracing::info!("okta oauth: the access token was refused (401); renewing it");
                Verdict::Retry
            }
            (403, Some("insufficient_scope")) => {
                let scope = challenge.scope.clone().unwrap_or_else(|| "(not named by Okta)".to_owned());
                Verdict::Fail(auth_error(
                    Some(403),
                    Some("insufficient_scope".to_owned()),
                    format!(
                        "The OAuth app was not granted the scope {scope} that this request needs. Grant {scope} to the app in the Okta admin console (the app's Okta API Scopes tab) and add it to the scopes parameter."
                    ),
                    request_id,
                ))
            }
            _ => Verdict::Ordinary,
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn challenge_error(
    status: u16,
    challenge: &Challenge,
    text: &str,
    request_id: Option<String>,
) -> OktaError {
    let message = match &challenge.error_description {
        Some(description) => format!("{text} Okta said: {description}."),
        None => text.to_owned(),
    };
    auth_error(Some(status), challenge.error.clone(), message, request_id)
}

fn auth_error(
    status: Option<u16>,
    code: Option<String>,
    message: String,
    request_id: Option<String>,
) -> OktaError {
    OktaError::Auth {
        status,
        code,
        message,
        request_id,
    }
}

fn transport_error(source: TransportError) -> OktaError {
    OktaError::Transport {
        request: TOKEN_REQUEST.to_owned(),
        source,
    }
}

fn epoch_now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::clock::VirtualClock;
    use crate::okta::auth::ClientKey;

    /// A transport that must not be used: these tests never send.
    struct NoNetwork;

    impl Transport for NoNetwork {
        fn send(&self, _: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
            Box::pin(async { panic!("no request expected") })
        }
    }

    fn provider(dpop: DpopMode) -> OAuthAuth {
        let settings = OAuthSettings {
            client_id: "0oa1".to_owned(),
            key: ClientKey::throwaway().unwrap(),
            scopes: vec!["okta.users.read".to_owned()],
            dpop,
        };
        OAuthAuth::new(
            settings,
            &"https://acme.okta.com/api/v1/".parse().unwrap(),
            &HttpSettings::default(),
            Arc::new(NoNetwork),
            Arc::new(VirtualClock::new()),
        )
    }

    fn kept(kind: &str, expires_in: i64, jkt: Option<&str>) -> Value {
        json!({"client_id": "0oa1", "scope": "okta.users.read", "token_type": kind,
               "access_token": "kept-token-0123456789", "expires_at": epoch_now() + expires_in,
               "jkt": jkt})
    }

    #[test]
    fn the_token_endpoint_is_next_to_the_api() {
        let auth = provider(DpopMode::Off);
        assert_eq!(
            auth.token_endpoint().as_str(),
            "https://acme.okta.com/oauth2/v1/token"
        );
    }

    #[test]
    fn a_kept_token_is_taken_only_when_it_fits() {
        let auth = provider(DpopMode::Off);
        assert!(auth.wants_token());
        // About to expire, another client, other scopes, not a token at all: refused.
        assert!(!auth.restore(&kept("Bearer", 59, None)));
        let mut other = kept("Bearer", 3000, None);
        other["client_id"] = json!("0oa2");
        assert!(!auth.restore(&other));
        let mut other = kept("Bearer", 3000, None);
        other["scope"] = json!("okta.users.read okta.logs.read");
        assert!(!auth.restore(&other));
        assert!(!auth.restore(&json!("junk")));
        assert!(auth.wants_token());
        // A good one is taken, counted as saved, and exported as it came.
        assert!(auth.restore(&kept("Bearer", 3000, None)));
        assert!(!auth.wants_token());
        assert!(!auth.unsaved());
        let (_, exported) = auth.export().unwrap();
        assert_eq!(exported["access_token"], "kept-token-0123456789");
        assert_eq!(exported["token_type"], "Bearer");
        // A second offer does not replace a usable token.
        assert!(!auth.restore(&kept("Bearer", 3500, None)));
    }

    #[test]
    fn a_dpop_bound_token_needs_this_process_key() {
        let auth = provider(DpopMode::Auto);
        assert!(!auth.restore(&kept("DPoP", 3000, Some("another-key-thumbprint"))));
        assert!(!auth.restore(&kept("DPoP", 3000, None)));
        let jkt = auth.dpop_thumbprint().unwrap().to_owned();
        assert!(auth.restore(&kept("DPoP", 3000, Some(&jkt))));
        // `dpop: on` refuses a kept Bearer token.
        let on = provider(DpopMode::On);
        assert!(!on.restore(&kept("Bearer", 3000, None)));
    }

    #[test]
    fn refusals_become_verdicts() {
        let auth = provider(DpopMode::Auto);
        let sent = vec![("authorization".to_owned(), "DPoP t-0123456789".to_owned())];
        let answer = |status: u16, challenge: &str, nonce: Option<&str>| {
            let mut headers = vec![("www-authenticate".to_owned(), challenge.to_owned())];
            if let Some(nonce) = nonce {
                headers.push(("dpop-nonce".to_owned(), nonce.to_owned()));
            }
            HttpResponse {
                status,
                headers,
                body: Vec::new(),
            }
        };
        let nonce = answer(401, r#"DPoP error="use_dpop_nonce""#, Some("n1"));
        assert!(matches!(
            auth.on_rejection(&nonce, &sent, 0),
            Verdict::Retry
        ));
        assert_eq!(auth.lock_nonces().resource.as_deref(), Some("n1"));
        assert!(matches!(
            auth.on_rejection(&nonce, &sent, 2),
            Verdict::Fail(_)
        ));
        let expired = answer(401, r#"DPoP error="invalid_token""#, None);
        assert!(matches!(
            auth.on_rejection(&expired, &sent, 1),
            Verdict::Retry
        ));
        assert!(matches!(
            auth.on_rejection(&expired, &sent, 2),
            Verdict::Ordinary
        ));
        let scope = answer(
            403,
            r#"DPoP algs="ES256", scope="okta.logs.read", error="insufficient_scope""#,
            None,
        );
        match auth.on_rejection(&scope, &sent, 0) {
            Verdict::Fail(error) => {
                assert!(
                    error.to_string().contains("scope okta.logs.read"),
                    "{error}"
                );
                assert_eq!(error.status(), Some(403));
            }
            other => panic!("{other:?}"),
        }
        let forbidden = answer(403, "", None);
        assert!(matches!(
            auth.on_rejection(&forbidden, &sent, 0),
            Verdict::Ordinary
        ));
    }
}
