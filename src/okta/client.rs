//! [`Client`]: configuration and request building. Every call goes through the HTTP core's
//! loop ([`crate::http::call::HttpCore`]: pacing, retries, deadline) with Okta's rules
//! ([`crate::okta::policy::OktaPolicy`]). Resource handlers (`users.rs`, `apps.rs`, ...) only
//! name paths, queries and bodies.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use url::Url;

use crate::http::auth::HeaderAuth;
use crate::http::call::HttpCore;
pub(crate) use crate::http::call::{label, Call};
use crate::http::cassette::RecordingOptions;
use crate::http::clock::{Clock, TokioClock};
use crate::http::deadline::Deadline;
use crate::http::pacer_file::PacerFile;
use crate::http::settings::HttpSettings;
pub use crate::http::settings::{
    DEFAULT_ANSWER_TIMEOUT, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_COMMAND_DEADLINE,
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES,
    DEFAULT_REQUEST_TIMEOUT,
};
use crate::http::transport::{HttpResponse, Method, ReqwestTransport, Transport, TransportOptions};
use crate::okta::apps::Apps;
use crate::okta::auth::{AuthProvider, OAuthAuth, OAuthSettings};
use crate::okta::error::OktaError;
use crate::okta::groups::Groups;
use crate::okta::logs::Logs;
use crate::okta::pagination::Pager;
use crate::okta::path::Route;
use crate::okta::policy::OktaPolicy;
pub use crate::okta::policy::USER_AGENT;
use crate::okta::schemas::Schemas;
use crate::okta::users::Users;
use crate::secret::Secret;

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
    /// Timeouts, size cap, command deadline and retry budget: the HTTP core's, shared with
    /// every vendor ([`HttpSettings::default()`] unless set; the daemon's come from the
    /// command line).
    pub settings: HttpSettings,
    /// OAuth 2.0 instead of the API token (`token` is then unused).
    pub oauth: Option<OAuthSettings>,
}

impl ClientConfig {
    /// Defaults: TLS verified, no proxy, and [`HttpSettings::default()`]: connect 10 s,
    /// request 30 s, command 120 s, 5 retries, backoff 1 s doubling up to 16 s.
    pub fn new(base_url: Url, token: Secret) -> Self {
        ClientConfig {
            base_url,
            token,
            insecure: false,
            proxy: false,
            settings: HttpSettings::default(),
            oauth: None,
        }
    }
}

impl From<&ClientConfig> for TransportOptions {
    fn from(config: &ClientConfig) -> Self {
        TransportOptions {
            settings: config.settings,
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
    deadline: Option<Deadline>,
}

struct Inner {
    config: ClientConfig,
    base: Url,
    /// The request loop with Okta's policy and credentials (`okta::auth`).
    core: HttpCore<OktaPolicy>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("config", &self.inner.config)
            .field("deadline", &self.deadline())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client with the reqwest transport and tokio's clock.
    pub fn new(config: ClientConfig) -> Result<Client, OktaError> {
        check_config(&config)?;
        let transport = ReqwestTransport::new(&config)?;
        // The real clock: the pacer's view is shared with other processes of the org.
        Ok(Client::build(
            config,
            Arc::new(transport),
            Arc::new(TokioClock),
            true,
        ))
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
        Client::build(config, transport, clock, false)
    }

    /// `share_pacing`: keep the pacer's view in the org's file in the temp directory
    /// ([`crate::http::pacer_file`]), for clients on the system's clock only.
    fn build(
        config: ClientConfig,
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
        share_pacing: bool,
    ) -> Client {
        let mut base = config.base_url.clone();
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        base.set_query(None);
        base.set_fragment(None);
        let auth: Arc<dyn AuthProvider<OktaError>> = match &config.oauth {
            Some(oauth) => Arc::new(OAuthAuth::new(
                oauth.clone(),
                &base,
                &config.settings,
                transport.clone(),
                clock.clone(),
            )),
            None => Arc::new(HeaderAuth::scheme("SSWS", &config.token)),
        };
        let policy = OktaPolicy::new(&base, config.token.clone());
        let mut core = HttpCore::new(transport, clock, auth, config.settings, policy);
        if share_pacing {
            core = core.with_pacer_file(PacerFile::for_org(&base));
        }
        Client {
            inner: Arc::new(Inner { config, base, core }),
            deadline: None,
        }
    }

    /// A clone whose deadline is now + `command_deadline`: every call made through it (and
    /// every pager it starts), retries and waits included, must finish by then.
    pub fn for_command(&self) -> Client {
        Client {
            inner: Arc::clone(&self.inner),
            deadline: Some(self.inner.core.fresh_deadline()),
        }
    }

    /// This client with its deadline brought forward to at most `limit` from now (a health
    /// check that must answer quickly whatever the network does).
    pub fn within(&self, limit: Duration) -> Client {
        let core = &self.inner.core;
        let own = self.deadline.unwrap_or_else(|| core.fresh_deadline());
        Client {
            inner: Arc::clone(&self.inner),
            deadline: Some(own.within(core.clock().now(), limit)),
        }
    }

    /// The deadline set by [`Client::for_command`], if any.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline.map(|deadline| deadline.ends)
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
        self.inner.core.auth()
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
        let base = &self.inner.base;
        let mut path = String::with_capacity(base.path().len() + route.path.len());
        path.push_str(base.path());
        path.push_str(&route.path);
        let mut url = base.clone();
        url.set_path(&path);
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

    /// The Okta rate-limit bucket of `method` on `route` ([`crate::okta::buckets`]).
    pub(crate) fn bucket(&self, method: Method, route: &Route) -> String {
        crate::okta::buckets::bucket(self.inner.base.path(), method, route.shape)
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
            headers: Vec::new(),
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
        let response = self.send_call(&call).await?;
        decode(&label(call.method, &call.url), &response.body)
    }

    /// Sends `call` and decodes a JSON array answer.
    pub(crate) async fn json_array(&self, call: Call) -> Result<Vec<Value>, OktaError> {
        let response = self.send_call(&call).await?;
        match parse_json(&response.body) {
            Ok(Value::Array(items)) => Ok(items),
            // The error names the request: its label is only written then.
            _ => decode_array(&label(call.method, &call.url), &response.body),
        }
    }

    /// Sends one call through the HTTP core's loop ([`crate::http::call`]) with Okta's
    /// policy; returns the 2xx answer or the error.
    pub(crate) async fn send(&self, call: Call) -> Result<HttpResponse, OktaError> {
        self.send_call(&call).await
    }

    async fn send_call(&self, call: &Call) -> Result<HttpResponse, OktaError> {
        let core = &self.inner.core;
        let deadline = self.deadline.unwrap_or_else(|| core.fresh_deadline());
        core.send(call, deadline).await
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
    parse_json(body).map_err(|e| OktaError::Decode {
        request: request.to_owned(),
        path: format!("line {} column {}", e.line(), e.column()),
        message: e.to_string(),
    })
}

/// `body` as JSON, its UTF-8 checked once up front (serde_json then skips the check string
/// by string). A body that is not UTF-8 is read as bytes, so it fails as before: same
/// place, same message.
fn parse_json(body: &[u8]) -> serde_json::Result<Value> {
    match std::str::from_utf8(body) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(body),
    }
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

/// [`decode_array`] keeping each item as its bytes. A body that is not an array gets
/// [`decode_array`]'s error.
pub(crate) fn decode_raw_array(
    request: &str,
    body: &[u8],
) -> Result<Vec<Box<serde_json::value::RawValue>>, OktaError> {
    match serde_json::from_slice(body) {
        Ok(items) => Ok(items),
        Err(raw_error) => {
            decode_array(request, body)?;
            Err(OktaError::Decode {
                request: request.to_owned(),
                path: format!("line {} column {}", raw_error.line(), raw_error.column()),
                message: raw_error.to_string(),
            })
        }
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
        assert_eq!(config.settings, HttpSettings::default());
        assert_eq!(config.settings.connect_timeout, Duration::from_secs(10));
        assert_eq!(config.settings.request_timeout, Duration::from_secs(30));
        assert_eq!(config.settings.command_deadline, Duration::from_secs(120));
        assert_eq!(config.settings.max_retries, 5);
        assert_eq!(config.settings.backoff_base, Duration::from_secs(1));
        assert_eq!(config.settings.backoff_cap, Duration::from_secs(16));
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
    fn text_and_bytes_decode_alike() {
        let user =
            "{\"id\": \"00u1\", \"profile\": {\"name\": \"Zoë \\u00e9\", \"n\": [1, 2.5, null]}}";
        assert_eq!(
            parse_json(user.as_bytes()).unwrap(),
            serde_json::from_slice::<Value>(user.as_bytes()).unwrap()
        );
        // Not UTF-8, or not JSON: the error of the byte-wise reading, at the same place.
        for bad in [&b"{\"a\": \"\xff\"}"[..], b"{\"a\": tru}", b"[1,\n 2,,]"] {
            let expected = serde_json::from_slice::<Value>(bad)
                .unwrap_err()
                .to_string();
            assert_eq!(parse_json(bad).unwrap_err().to_string(), expected);
        }
        let error = decode("GET /api/v1/users", b"[{\"a\": \"\xff\"}]").unwrap_err();
        assert!(error.to_string().contains("line 1 column"), "{error}");
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
        assert_eq!(client.bucket(Method::Get, &route), "/api/v1/users");
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
