//! [`Client`]: configuration, request building, and the retry / pacing / deadline loop that
//! every call goes through. Resource handlers (`users.rs`, `apps.rs`, ...) only name paths,
//! queries and bodies.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::http::backoff::{self, backoff};
use crate::http::clock::{Clock, TokioClock};
use crate::http::failure::seconds;
use crate::http::pacer::Pacer;
use crate::http::retry::{decide, Decision, FailureClass, RetryPolicy, Stop};
use crate::http::transport::{
    HttpRequest, HttpResponse, Method, ReqwestTransport, Transport, TransportError,
    TransportErrorKind,
};
use crate::http::url_limit;
use crate::okta::apps::Apps;
use crate::okta::auth::{self, ApiTokenAuth, AuthProvider, OAuthAuth, OAuthSettings, Verdict};
use crate::okta::error::{scrub_text, ApiError, OktaError, RateLimitStop};
use crate::okta::groups::Groups;
use crate::okta::logs::Logs;
use crate::okta::pagination::Pager;
use crate::okta::path::Route;
use crate::okta::rate_limit::{reset_wait, RateLimitInfo};
use crate::okta::schemas::Schemas;
use crate::okta::users::Users;
use crate::secret::Secret;

use crate::http::cassette::RecordingOptions;
use crate::http::settings::HttpSettings;
pub use crate::http::settings::{
    DEFAULT_ANSWER_TIMEOUT, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_COMMAND_DEADLINE,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES,
    DEFAULT_REQUEST_TIMEOUT,
};
use crate::http::transport::TransportOptions;

/// The `User-Agent` sent with every request.
pub const USER_AGENT: &str = concat!("okta-iam/", env!("CARGO_PKG_VERSION"));

/// How the client reaches Okta. `Debug` shows the token as `***`.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// `<url>/api/v1/` (a missing trailing `/` is added).
    pub base_url: Url,
    pub token: Secret,
    /// Accept any TLS certificate.
    pub insecure: bool,
    /// Use proxies from the environment (`HTTPS_PROXY`, ...); off by default.
    pub proxy: bool,
    pub connect_timeout: Duration,
    /// Longest wait for the first byte of an answer, connecting included: a server that
    /// takes the connection and then says nothing fails after this.
    pub answer_timeout: Duration,
    pub request_timeout: Duration,
    /// Largest answer body read; a larger answer fails its call (not retried).
    pub max_response_bytes: u64,
    pub command_deadline: Duration,
    pub max_retries: u32,
    /// First step of the exponential backoff (5xx, connection errors, concurrency 429s, and
    /// 429s without `Date`/`X-Rate-Limit-Reset`).
    pub backoff_base: Duration,
    /// Largest backoff step.
    pub backoff_cap: Duration,
    /// OAuth 2.0 instead of the API token (`token` is then unused).
    pub oauth: Option<OAuthSettings>,
}

impl ClientConfig {
    /// Defaults: TLS verified, no proxy, connect 10 s, request 30 s, command 120 s,
    /// 5 retries, backoff 1 s doubling up to 16 s.
    pub fn new(base_url: Url, token: Secret) -> Self {
        ClientConfig {
            base_url,
            token,
            insecure: false,
            proxy: false,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            answer_timeout: DEFAULT_ANSWER_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            command_deadline: DEFAULT_COMMAND_DEADLINE,
            max_retries: DEFAULT_MAX_RETRIES,
            backoff_base: DEFAULT_BACKOFF_BASE,
            backoff_cap: DEFAULT_BACKOFF_CAP,
            oauth: None,
        }
    }

    /// The timeouts, size cap, deadline and retry budget, as the HTTP core takes them.
    pub fn http_settings(&self) -> HttpSettings {
        HttpSettings {
            connect_timeout: self.connect_timeout,
            answer_timeout: self.answer_timeout,
            request_timeout: self.request_timeout,
            max_response_bytes: self.max_response_bytes,
            command_deadline: self.command_deadline,
            max_retries: self.max_retries,
            backoff_base: self.backoff_base,
            backoff_cap: self.backoff_cap,
        }
    }
}

impl From<&ClientConfig> for TransportOptions {
    fn from(config: &ClientConfig) -> Self {
        TransportOptions {
            settings: config.http_settings(),
            insecure: config.insecure,
            proxy: config.proxy,
        }
    }
}

impl From<&ClientConfig> for RecordingOptions {
    fn from(config: &ClientConfig) -> Self {
        RecordingOptions {
            transport: config.into(),
            origin: config.base_url.origin().ascii_serialization(),
            secret: config.token.clone(),
        }
    }
}

/// The Okta Management API v1 client. Cheap to clone: clones share the connection pool and
/// the rate-limit pacing state.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    /// Set by [`Client::for_command`]; otherwise each call gets `now + command_deadline`.
    deadline: Option<Instant>,
    /// The length of the command's time limit that `deadline` ends (for messages).
    budget: Option<Duration>,
}

struct Inner {
    config: ClientConfig,
    base: Url,
    /// The seam that authorises every request (`okta::auth`).
    auth: Arc<dyn AuthProvider<OktaError>>,
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    pacer: Pacer,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("config", &self.inner.config)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// Whether a request may be sent again after an answer-less failure or a 503/504.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Retry {
    /// GET and the idempotent POSTs: retried on 429, 503/504 and connection errors.
    Safe,
    /// Creates: retried on 429 only (Okta did not process it); a 5xx or timeout is returned.
    RateLimitOnly,
}

/// One call: what to send and how it may be retried.
pub(crate) struct Call {
    pub method: Method,
    pub url: Url,
    pub body: Option<Vec<u8>>,
    /// Rate-limit bucket key: `METHOD /path/{id}/shape`.
    pub bucket: String,
    pub retry: Retry,
}

/// How a transport failure of a request that is safe to repeat counts for retrying.
fn transport_class(kind: TransportErrorKind, answer_timeout: Duration) -> FailureClass {
    match kind {
        TransportErrorKind::Certificate
        | TransportErrorKind::Tls
        | TransportErrorKind::TooLarge
        | TransportErrorKind::NotRecorded
        | TransportErrorKind::Other => FailureClass::Permanent,
        TransportErrorKind::NameNotFound
        | TransportErrorKind::NameNoAnswer
        | TransportErrorKind::Refused => FailureClass::Unreachable,
        TransportErrorKind::Silent => FailureClass::Silent {
            attempt: answer_timeout,
        },
        TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Reset => {
            FailureClass::Transient
        }
    }
}

enum Failure {
    Transport(TransportError),
    RateLimited(RateLimitInfo, Option<ApiError>),
    Unavailable(OktaError),
}

impl Client {
    /// A client with the reqwest transport and tokio's clock.
    pub fn new(config: ClientConfig) -> Result<Client, OktaError> {
        check_config(&config)?;
        let transport = ReqwestTransport::new(&config)?;
        Ok(Client::with_transport(config, Arc::new(transport)))
    }

    /// A client over another transport (a cassette, a test double).
    pub fn with_transport(config: ClientConfig, transport: Arc<dyn Transport>) -> Client {
        Client::with_transport_and_clock(config, transport, Arc::new(TokioClock))
    }

    /// A client over another transport and clock (tests: [`crate::okta::VirtualClock`]).
    pub fn with_transport_and_clock(
        config: ClientConfig,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
    ) -> Client {
        let mut base = config.base_url.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.set_query(None);
        base.set_fragment(None);
        let auth: Arc<dyn AuthProvider<OktaError>> = match &config.oauth {
            Some(settings) => Arc::new(OAuthAuth::new(
                settings.clone(),
                &base,
                &config,
                transport.clone(),
                clock.clone(),
            )),
            None => Arc::new(ApiTokenAuth::new(&config.token)),
        };
        Client {
            inner: Arc::new(Inner {
                config,
                base,
                auth,
                transport,
                clock,
                pacer: Pacer::new(),
            }),
            deadline: None,
            budget: None,
        }
    }

    /// A clone whose deadline is now + `command_deadline`: every call made through it (and
    /// every pager it starts), retries and waits included, must finish by then.
    pub fn for_command(&self) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            deadline: Some(self.inner.clock.now() + self.inner.config.command_deadline),
            budget: Some(self.inner.config.command_deadline),
        }
    }

    /// This client with its deadline brought forward to at most `limit` from now (a health
    /// check that must answer quickly whatever the network does).
    pub fn within(&self, limit: Duration) -> Client {
        let now = self.inner.clock.now();
        let own = self
            .deadline
            .unwrap_or_else(|| now + self.inner.config.command_deadline);
        let own_budget = self.budget.unwrap_or(self.inner.config.command_deadline);
        let cap = now.checked_add(limit).unwrap_or(own);
        Client {
            inner: Arc::clone(&self.inner),
            deadline: Some(own.min(cap)),
            budget: Some(if cap < own { limit } else { own_budget }),
        }
    }

    /// The deadline set by [`Client::for_command`], if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The base URL (ends in `/`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// How this client's requests are authorised (API token or OAuth).
    pub fn auth(&self) -> &dyn AuthProvider<OktaError> {
        &*self.inner.auth
    }

    pub fn users(&self) -> Users<'_> {
        Users::new(self)
    }

    pub fn apps(&self) -> Apps<'_> {
        Apps::new(self)
    }

    pub fn groups(&self) -> Groups<'_> {
        Groups::new(self)
    }

    pub fn logs(&self) -> Logs<'_> {
        Logs::new(self)
    }

    pub fn schemas(&self) -> Schemas<'_> {
        Schemas::new(self)
    }

    // ---- crate-internal building blocks for the resource handlers ----

    /// The absolute URL of `route` with `query` pairs (absent values left out), encoded as
    /// `application/x-www-form-urlencoded` (spaces as `+`, `"` as `%22`, `@` as `%40`).
    pub(crate) fn url(&self, route: &Route, query: &[(&str, Option<String>)]) -> Url {
        let mut url = self.inner.base.clone();
        url.set_path(&format!("{}{}", self.inner.base.path(), route.path));
        if query.iter().any(|(_, v)| v.is_some()) {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                if let Some(value) = value {
                    pairs.append_pair(key, value);
                }
            }
        }
        url
    }

    /// `METHOD /api/v1/<shape>`.
    pub(crate) fn bucket(&self, method: Method, route: &Route) -> String {
        format!("{method} {}{}", self.inner.base.path(), route.shape)
    }

    pub(crate) fn call(
        &self,
        method: Method,
        route: &Route,
        query: &[(&str, Option<String>)],
    ) -> Call {
        Call {
            method,
            url: self.url(route, query),
            body: None,
            bucket: self.bucket(method, route),
            retry: Retry::Safe,
        }
    }

    /// Refuses URLs that are not on the base URL's origin or not under its path: the token
    /// must never be sent anywhere else.
    pub(crate) fn check_own_url(&self, url: &Url) -> Result<(), OktaError> {
        if url.origin() != self.inner.base.origin()
            || !url.path().starts_with(self.inner.base.path())
        {
            return Err(OktaError::InvalidRequest(format!(
                "refusing to send the API token to {}: it is not under {}",
                strip_query(url),
                self.inner.base
            )));
        }
        Ok(())
    }

    pub(crate) fn pager(&self, first: Url, bucket: String) -> Pager {
        Pager::new(self.clone(), first, bucket)
    }

    /// A pager over `GET <route>?<query>`, or one that returns the route's error.
    pub(crate) fn pager_for(
        &self,
        route: Result<Route, OktaError>,
        query: &[(&str, Option<String>)],
    ) -> Pager {
        match route {
            Ok(route) => self.pager(self.url(&route, query), self.bucket(Method::Get, &route)),
            Err(error) => Pager::failed(self.clone(), error),
        }
    }

    /// Sends `call` and decodes a JSON answer (`Value::Null` for an empty body).
    pub(crate) async fn json(&self, call: Call) -> Result<Value, OktaError> {
        let label = label(call.method, &call.url);
        let response = self.send(call).await?;
        decode(&label, &response.body)
    }

    /// Sends `call` and decodes a JSON array answer.
    pub(crate) async fn json_array(&self, call: Call) -> Result<Vec<Value>, OktaError> {
        let label = label(call.method, &call.url);
        let response = self.send(call).await?;
        decode_array(&label, &response.body)
    }

    /// Sends one call through pacing, the transport, and the retry policy; returns the 2xx
    /// answer or the error.
    pub(crate) async fn send(&self, call: Call) -> Result<HttpResponse, OktaError> {
        let inner = &*self.inner;
        let config = &inner.config;
        let clock = &*inner.clock;
        let deadline = self
            .deadline
            .unwrap_or_else(|| clock.now() + config.command_deadline);
        let request = label(call.method, &call.url);
        url_limit::check(&call.url, &request)?;
        let mut retries: u32 = 0;
        let mut retry_for: Option<String> = None;
        // Repeats asked for by the auth seam (a DPoP nonce, a renewed token).
        let mut auth_retries: u32 = 0;
        loop {
            let now = clock.now();
            let pace = inner.pacer.reserve(&call.bucket, now);
            if !pace.is_zero() {
                if now + pace > deadline {
                    return Err(OktaError::RateLimited {
                        request,
                        retry_after: Some(pace),
                        reset: None,
                        attempts: retries,
                        stop: RateLimitStop::BeyondDeadline,
                        last: None,
                    });
                }
                tracing::debug!(bucket = %call.bucket, wait_ms = u64::try_from(pace.as_millis()).unwrap_or(u64::MAX), "pacing: rate limit nearly spent");
                clock.sleep(pace).await;
            }

            // May ask for a token first, so before the request's own time budget is set.
            let auth_headers = inner
                .auth
                .authorize(call.method, &call.url, deadline)
                .await?;
            let now = clock.now();
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                return Err(self.deadline_exceeded(request, retries, None));
            }
            let timeout = left.min(config.request_timeout);
            let http_request = self.build(&call, retries, retry_for.as_deref(), &auth_headers);
            let attempts = retries + 1;
            tracing::trace!(request = %request, url = %call.url, attempt = attempts, "okta request");
            let outcome = tokio::time::timeout(timeout, inner.transport.send(http_request)).await;

            let failure = match outcome {
                Err(_) => {
                    let error = TransportError::new(
                        TransportErrorKind::Timeout,
                        format!("no complete answer in {}", seconds(timeout)),
                    );
                    if timeout < config.request_timeout {
                        let last = OktaError::Transport {
                            request: request.clone(),
                            source: error,
                        };
                        return Err(self.deadline_exceeded(request, attempts, Some(last)));
                    }
                    Failure::Transport(error)
                }
                Ok(Err(error)) => Failure::Transport(error),
                Ok(Ok(response)) => {
                    let info = RateLimitInfo::from_response(&response);
                    let request_id = response.header("x-okta-request-id").map(str::to_owned);
                    tracing::debug!(
                        request = %request,
                        status = response.status,
                        request_id = request_id.as_deref().unwrap_or(""),
                        attempt = attempts,
                        limit = ?info.limit,
                        remaining = ?info.remaining,
                        "okta response"
                    );
                    inner
                        .pacer
                        .observe(&call.bucket, info.budget(), clock.now());
                    if response.is_success() {
                        return Ok(response);
                    }
                    match inner
                        .auth
                        .on_rejection(&response, &auth_headers, auth_retries)
                    {
                        Verdict::Retry => {
                            auth_retries += 1;
                            continue;
                        }
                        Verdict::Fail(error) => return Err(error),
                        Verdict::Ordinary => {}
                    }
                    let shown = auth::without_echoed_credentials(&response, &auth_headers);
                    let error = OktaError::from_response(&shown, config.token.expose());
                    retry_for = request_id;
                    if response.status == 429 {
                        let api = match error {
                            OktaError::Api(api) => Some(*api),
                            _ => None,
                        };
                        Failure::RateLimited(info, api)
                    } else if matches!(response.status, 500 | 502 | 503 | 504)
                        && call.retry == Retry::Safe
                    {
                        Failure::Unavailable(error)
                    } else {
                        return Err(error);
                    }
                }
            };

            // Decide whether and how long to wait before the next attempt (retry.rs).
            let retry = retries + 1;
            let policy = RetryPolicy {
                max_retries: config.max_retries,
                backoff_base: config.backoff_base,
                backoff_cap: config.backoff_cap,
            };
            let (class, error) = match failure {
                Failure::Transport(source) => {
                    let class = if call.retry == Retry::Safe {
                        transport_class(source.kind, config.answer_timeout)
                    } else {
                        FailureClass::Permanent
                    };
                    let error = OktaError::Transport {
                        request: request.clone(),
                        source: TransportError::new(
                            source.kind,
                            scrub_text(&source.message, config.token.expose()),
                        ),
                    };
                    retry_for = None;
                    (class, error)
                }
                Failure::Unavailable(error) => (FailureClass::Transient, error),
                Failure::RateLimited(info, api) => {
                    let concurrency = info.is_concurrency_limit();
                    let reset_wait = if concurrency { None } else { reset_wait(&info) };
                    let class = FailureClass::RateLimited { reset_wait };
                    let stop = match decide(class, retries, clock.now(), deadline, &policy) {
                        Decision::Retry { wait, jitter } => {
                            let wait = wait + backoff::jitter(jitter);
                            tracing::info!(
                                "{request} rate limited (429); retry {retry} of {} in {:.1} s",
                                config.max_retries,
                                wait.as_secs_f64()
                            );
                            clock.sleep(wait).await;
                            retries = retry;
                            continue;
                        }
                        Decision::Stop(Stop::PastDeadline) => RateLimitStop::BeyondDeadline,
                        Decision::Stop(_) => RateLimitStop::RetriesExhausted,
                    };
                    tracing::warn!(request = %request, attempts, ?stop, "rate limited: giving up");
                    let backoff_wait = backoff(config.backoff_base, config.backoff_cap, retry);
                    return Err(OktaError::RateLimited {
                        request,
                        retry_after: info.until_reset().or(reset_wait).or(Some(backoff_wait)),
                        reset: info.reset,
                        attempts,
                        stop,
                        last: api.map(Box::new),
                    });
                }
            };
            match decide(class, retries, clock.now(), deadline, &policy) {
                Decision::Retry { wait, jitter } => {
                    let wait = wait + backoff::jitter(jitter);
                    // One line per retry, for a person watching a slow failure (no secret:
                    // the error text is scrubbed of the token, and URLs carry none).
                    tracing::info!(
                        "{request} failed ({}); retry {retry} of {} in {:.1} s",
                        retry_reason(&error),
                        config.max_retries,
                        wait.as_secs_f64()
                    );
                    clock.sleep(wait).await;
                    retries = retry;
                }
                Decision::Stop(Stop::PastDeadline) => {
                    return Err(self.deadline_exceeded(request, attempts, Some(error)))
                }
                Decision::Stop(Stop::CannotHelp | Stop::RetriesSpent) => return Err(error),
            }
        }
    }

    fn deadline_exceeded(
        &self,
        request: String,
        attempts: u32,
        last: Option<OktaError>,
    ) -> OktaError {
        OktaError::DeadlineExceeded {
            request,
            deadline: self.budget.unwrap_or(self.inner.config.command_deadline),
            attempts,
            last: last.map(Box::new),
        }
    }

    /// The request as sent: fixed headers, `Content-Length: 0` for a bodiless POST/PUT, and
    /// the retry headers from the second attempt on.
    fn build(
        &self,
        call: &Call,
        retries: u32,
        retry_for: Option<&str>,
        auth_headers: &[(String, String)],
    ) -> HttpRequest {
        let mut headers = auth_headers.to_vec();
        headers.extend([
            ("accept".to_owned(), "application/json".to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
            ("user-agent".to_owned(), USER_AGENT.to_owned()),
        ]);
        if call.body.is_none() && matches!(call.method, Method::Post | Method::Put) {
            headers.push(("content-length".to_owned(), "0".to_owned()));
        }
        if retries > 0 {
            if let Some(id) = retry_for {
                headers.push(("x-okta-retry-for".to_owned(), id.to_owned()));
            }
            headers.push(("x-okta-retry-count".to_owned(), retries.to_string()));
        }
        HttpRequest {
            method: call.method,
            url: call.url.clone(),
            headers,
            body: call.body.clone(),
        }
    }
}

/// Why a call is retried, in one line: the transport failure, or Okta's answer.
fn retry_reason(error: &OktaError) -> String {
    match error {
        OktaError::Transport { source, .. } => source.to_string(),
        other => other
            .message_for_people()
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn check_config(config: &ClientConfig) -> Result<(), OktaError> {
    if !matches!(config.base_url.scheme(), "https" | "http") || config.base_url.host().is_none() {
        return Err(OktaError::InvalidRequest(format!(
            "the Okta URL {} is not an http(s) URL",
            strip_query(&config.base_url)
        )));
    }
    if config
        .token
        .expose()
        .bytes()
        .any(|b| b.is_ascii_control() || !b.is_ascii())
    {
        return Err(OktaError::InvalidRequest(
            "the API token contains characters that cannot be sent in an HTTP header".to_owned(),
        ));
    }
    Ok(())
}

/// `METHOD /path` (no query: it may hold personal data).
pub(crate) fn label(method: Method, url: &Url) -> String {
    format!("{method} {}", url.path())
}

fn strip_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

/// A JSON body, or `Value::Null` when it is empty.
pub(crate) fn decode(request: &str, body: &[u8]) -> Result<Value, OktaError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(body).map_err(|e| OktaError::Decode {
        request: request.to_owned(),
        path: format!("line {} column {}", e.line(), e.column()),
        message: e.to_string(),
    })
}

pub(crate) fn decode_array(request: &str, body: &[u8]) -> Result<Vec<Value>, OktaError> {
    match decode(request, body)? {
        Value::Array(items) => Ok(items),
        other => Err(OktaError::Decode {
            request: request.to_owned(),
            path: "$".to_owned(),
            message: format!("expected a JSON array, found {}", kind_of(&other)),
        }),
    }
}

pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing (null or an empty body)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_as_documented() {
        let config = ClientConfig::new(
            "https://acme.okta.com/api/v1/".parse().unwrap(),
            Secret::new("00tok"),
        );
        assert_eq!(config.connect_timeout, Duration::from_secs(10));
        assert_eq!(config.request_timeout, Duration::from_secs(30));
        assert_eq!(config.command_deadline, Duration::from_secs(120));
        assert_eq!(config.max_retries, 5);
        assert!(!config.proxy && !config.insecure);
        assert!(!format!("{config:?}").contains("00tok"));
    }

    #[test]
    fn decode_errors_name_the_place() {
        let error = decode("GET /api/v1/users", b"{\"a\": ").unwrap_err();
        assert!(matches!(&error, OktaError::Decode { path, .. } if path.starts_with("line 1")));
        let error = decode_array("GET /api/v1/users", b"{\"a\": 1}").unwrap_err();
        assert_eq!(
            error.to_string(),
            "Okta's answer to GET /api/v1/users could not be read at $: expected a JSON array, found an object"
        );
        assert_eq!(decode("x", b"").unwrap(), Value::Null);
    }

    #[test]
    fn bad_urls_and_tokens_are_refused() {
        let config = ClientConfig::new("ftp://acme/".parse().unwrap(), Secret::new("t"));
        assert!(Client::new(config).is_err());
        let config = ClientConfig::new(
            "https://acme.okta.com/api/v1/".parse().unwrap(),
            Secret::new("bad\ntoken"),
        );
        let error = Client::new(config).unwrap_err();
        assert!(!error.to_string().contains("bad\ntoken"));
    }

    #[test]
    fn base_url_gets_a_trailing_slash_and_query_pairs_are_form_encoded() {
        let config = ClientConfig::new(
            "https://acme.okta.com/api/v1".parse().unwrap(),
            Secret::new("00tok"),
        );
        let client = Client::new(config).unwrap();
        assert_eq!(client.base_url().as_str(), "https://acme.okta.com/api/v1/");
        let route = crate::okta::path::route("users", &[]).unwrap();
        let url = client.url(
            &route,
            &[
                ("filter", Some(r#"profile.login eq "a@b.c""#.to_owned())),
                ("limit", None),
            ],
        );
        assert_eq!(
            url.as_str(),
            "https://acme.okta.com/api/v1/users?filter=profile.login+eq+%22a%40b.c%22"
        );
        assert_eq!(client.bucket(Method::Get, &route), "GET /api/v1/users");
    }

    #[test]
    fn own_urls_only() {
        let config = ClientConfig::new(
            "https://acme.okta.com/api/v1/".parse().unwrap(),
            Secret::new("00tok"),
        );
        let client = Client::new(config).unwrap();
        let ok: Url = "https://acme.okta.com/api/v1/logs?after=1".parse().unwrap();
        assert!(client.check_own_url(&ok).is_ok());
        for bad in [
            "https://evil.example.com/api/v1/logs",
            "http://acme.okta.com/api/v1/logs",
            "https://acme.okta.com:8443/api/v1/logs",
            "https://acme.okta.com/oauth2/v1/token",
            "https://acme.okta.com.evil.com/api/v1/logs",
        ] {
            let url: Url = bad.parse().unwrap();
            assert!(client.check_own_url(&url).is_err(), "{bad}");
        }
    }
}
