//! Cassettes: recorded API traffic (today Okta's), for debugging offline and for the demo.
//!
//! A cassette is a JSON file (format in `docs/cassettes.md`):
//!
//! ```json
//! {"version": 1, "origin": "https://acme.okta.com", "recorded_at": "2026-11-28T12:00:00Z",
//!  "interactions": [
//!    {"request": {"method": "GET", "path": "/api/v1/users", "query": [["filter", "profile.login eq \"a@b.c\""]], "body": null},
//!     "response": {"status": 200, "headers": [["content-type", "application/json"]], "body": [...]}}]}
//! ```
//!
//! - [`RecordingTransport`] passes requests to the server and appends every exchange, redacted, to
//!   the cassette file (rewritten atomically after each exchange, so a crash keeps what was
//!   recorded; a file that already holds a cassette keeps its exchanges and its clock). Request headers are not stored at all (so neither is `Authorization`); only
//!   the response headers that matter are kept; body fields that look secret (password,
//!   token, secret, client_secret, recovery answer, activation URLs) are replaced at any
//!   depth, and the token itself is scrubbed from any text. The OAuth token request is kept
//!   as its form fields with `client_assertion` redacted, and `access_token` in its answer
//!   is redacted like any token, so a cassette holds no key, assertion, proof or token;
//!   replaying it needs no private key (see [`crate::http::HttpEnv::offline`]).
//! - [`ReplayTransport`] answers from the cassette with no network. A request matches an
//!   interaction by method, path, query (order-insensitive) and, for bodies, JSON equality
//!   (after the same redaction). Identical requests consume their interactions in order. A
//!   request with no match fails as a cassette miss (never retried), naming it and the
//!   nearest recorded request.
//!
//! Links in recorded responses carry the recorded origin; replay rewrites them to the origin
//! of the instance's URL, so a cassette recorded against one org replays under any URL.
//! While recording or replaying, the daemon's clock is frozen at `recorded_at`, so relative
//! times (`first_fetch`) produce the same requests both times.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::http::transport::{TransportOptions, WithinLimit};
use crate::http::InvalidRequest;
use crate::http::{
    BoxFuture, HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError,
    TransportErrorKind,
};
use crate::secret::Secret;

/// The cassette format version this build reads and writes.
pub const CASSETTE_VERSION: u64 = 1;

/// What replaces a redacted value.
pub const REDACTED: &str = "***REDACTED***";

/// Response headers worth keeping: they change what the client does.
const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "date",
    "link",
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
    "x-okta-request-id",
    "www-authenticate",
    "dpop-nonce",
];

#[derive(Debug, thiserror::Error)]
pub enum CassetteError {
    #[error("cannot read the cassette {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("the cassette {path} is not valid: {detail}")]
    Invalid { path: String, detail: String },
}

/// One recorded exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Value,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub response_body: Value,
}

impl Interaction {
    fn to_json(&self) -> Value {
        json!({
            "request": {
                "method": self.method,
                "path": self.path,
                "query": self.query.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "body": self.body,
            },
            "response": {
                "status": self.status,
                "headers": self.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
                "body": self.response_body,
            }
        })
    }

    fn from_json(value: &Value, index: usize) -> Result<Interaction, String> {
        let at = |what: &str| format!("interaction {index}: {what}");
        let request = value.get("request").ok_or_else(|| at("no request"))?;
        let response = value.get("response").ok_or_else(|| at("no response"))?;
        let method = request
            .get("method")
            .and_then(Value::as_str)
            .ok_or_else(|| at("request.method must be a string"))?
            .to_ascii_uppercase();
        let path = request
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| at("request.path must be a string"))?
            .to_string();
        let query = pairs(request.get("query"), &at("request.query"))?;
        let status = response
            .get("status")
            .and_then(Value::as_u64)
            .and_then(|s| u16::try_from(s).ok())
            .filter(|s| (100..600).contains(s))
            .ok_or_else(|| at("response.status must be an HTTP status"))?;
        let headers = pairs(response.get("headers"), &at("response.headers"))?;
        Ok(Interaction {
            method,
            path,
            query,
            body: request.get("body").cloned().unwrap_or(Value::Null),
            status,
            headers: headers
                .into_iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v))
                .collect(),
            response_body: response.get("body").cloned().unwrap_or(Value::Null),
        })
    }
}

/// `[[name, value], ...]` (or an object of strings) as pairs.
fn pairs(value: Option<&Value>, what: &str) -> Result<Vec<(String, String)>, String> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| match item.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => Ok((k.clone(), v.clone())),
                _ => Err(format!("{what} must hold [name, value] string pairs")),
            })
            .collect(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::String(v) => Ok((k.clone(), v.clone())),
                _ => Err(format!("{what} values must be strings")),
            })
            .collect(),
        Some(_) => Err(format!("{what} must be a list of pairs")),
    }
}

/// A loaded cassette.
#[derive(Debug, Clone)]
pub struct Cassette {
    pub origin: Option<String>,
    pub recorded_at: Option<DateTime<Utc>>,
    pub interactions: Vec<Interaction>,
}

impl Cassette {
    pub fn load(path: &Path) -> Result<Cassette, CassetteError> {
        let text = std::fs::read_to_string(path).map_err(|e| CassetteError::Read {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
        Cassette::parse(&text).map_err(|detail| CassetteError::Invalid {
            path: path.display().to_string(),
            detail,
        })
    }

    /// The cassette a `--record FILE` run appends to: `None` when FILE does not exist yet
    /// (or is empty); an error when it holds something that is not a cassette, so a second
    /// recording never replaces what the file held.
    pub fn load_for_append(path: &Path) -> Result<Option<Cassette>, CassetteError> {
        match std::fs::metadata(path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Ok(metadata) if metadata.is_file() && metadata.len() == 0 => return Ok(None),
            Ok(metadata) if metadata.is_dir() => {
                return Err(CassetteError::Read {
                    path: path.display().to_string(),
                    detail: "it is a directory".into(),
                })
            }
            _ => {}
        }
        Cassette::load(path).map(Some)
    }

    /// Parses a cassette's text. Never panics on any input.
    pub fn parse(text: &str) -> Result<Cassette, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let object = value.as_object().ok_or("not a JSON object")?;
        match object.get("version").and_then(Value::as_u64) {
            Some(CASSETTE_VERSION) => {}
            Some(other) => {
                return Err(format!(
                    "version {other} is not supported (this build reads version {CASSETTE_VERSION})"
                ))
            }
            None => return Err("no version field".into()),
        }
        let interactions = object
            .get("interactions")
            .and_then(Value::as_array)
            .ok_or("no interactions list")?
            .iter()
            .enumerate()
            .map(|(i, v)| Interaction::from_json(v, i))
            .collect::<Result<Vec<_>, _>>()?;
        let recorded_at = match object.get("recorded_at").and_then(Value::as_str) {
            Some(text) => Some(
                crate::time::parse_rfc3339(text)
                    .map_err(|e| format!("recorded_at is not an RFC 3339 time: {e}"))?,
            ),
            None => None,
        };
        Ok(Cassette {
            origin: object
                .get("origin")
                .and_then(Value::as_str)
                .map(str::to_string),
            recorded_at,
            interactions,
        })
    }

    fn to_json(&self) -> Value {
        json!({
            "version": CASSETTE_VERSION,
            "origin": self.origin,
            "recorded_at": self.recorded_at.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
            "interactions": self.interactions.iter().map(Interaction::to_json).collect::<Vec<_>>(),
        })
    }
}

/// The request as the cassette sees it: method, path, query pairs, JSON (or text) body.
fn request_key(
    request: &HttpRequest,
    token: Option<&str>,
) -> (String, String, Vec<(String, String)>, Value) {
    let query: Vec<(String, String)> = request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let body = match &request.body {
        None => Value::Null,
        Some(bytes) if bytes.is_empty() => Value::Null,
        Some(bytes) if is_form(request) => {
            // The OAuth token request: its fields as an object, the client assertion redacted.
            let mut value = Value::Object(
                url::form_urlencoded::parse(bytes)
                    .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                    .collect(),
            );
            redact(&mut value, token);
            value
        }
        Some(bytes) => match serde_json::from_slice::<Value>(bytes) {
            Ok(mut value) => {
                redact(&mut value, token);
                value
            }
            Err(_) => Value::String(scrub(&String::from_utf8_lossy(bytes), token)),
        },
    };
    (
        request.method.as_str().to_string(),
        request.url.path().to_string(),
        query,
        body,
    )
}

fn is_form(request: &HttpRequest) -> bool {
    request
        .header("content-type")
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Whether a body key holds a secret.
fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    if key == "token_type" || key == "client_assertion_type" {
        return false;
    }
    key.contains("password")
        || key.contains("assertion")
        || key.contains("secret")
        || key.contains("token")
        || key == "answer"
        || key == "activationurl"
        || key == "reseturl"
        || key == "authorization"
        || key == "private_key"
        || key == "privatekey"
}

/// Replaces secret-looking fields at any depth, and the token anywhere in strings.
pub fn redact(value: &mut Value, token: Option<&str>) {
    // Iterative, so a deeply nested body cannot exhaust the stack.
    let mut stack: Vec<&mut Value> = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    // A link object (`_links.resetPassword: {href}`) is not a secret.
                    let is_link = child.get("href").is_some();
                    if is_secret_key(key) && !child.is_null() && !is_link {
                        *child = Value::String(REDACTED.to_string());
                    } else {
                        stack.push(child);
                    }
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::String(text) => {
                if let Some(token) = token.filter(|t| t.len() >= 8) {
                    if text.contains(token) {
                        *text = text.replace(token, REDACTED);
                    }
                }
            }
            _ => {}
        }
    }
}

fn scrub(text: &str, token: Option<&str>) -> String {
    match token.filter(|t| t.len() >= 8) {
        Some(token) => text.replace(token, REDACTED),
        None => text.to_string(),
    }
}

fn query_matches(a: &[(String, String)], b: &[(String, String)]) -> bool {
    let mut a: Vec<&(String, String)> = a.iter().collect();
    let mut b: Vec<&(String, String)> = b.iter().collect();
    a.sort();
    b.sort();
    a == b
}

/// Answers requests from a cassette, with no network.
pub struct ReplayTransport {
    cassette: Cassette,
    used: Mutex<Vec<bool>>,
}

impl ReplayTransport {
    pub fn new(cassette: Cassette) -> Self {
        let used = Mutex::new(vec![false; cassette.interactions.len()]);
        ReplayTransport { cassette, used }
    }

    pub fn load(path: &Path) -> Result<Self, CassetteError> {
        Ok(ReplayTransport::new(Cassette::load(path)?))
    }

    pub fn recorded_at(&self) -> Option<DateTime<Utc>> {
        self.cassette.recorded_at
    }

    fn answer(&self, request: &HttpRequest) -> Result<HttpResponse, TransportError> {
        let (method, path, query, body) = request_key(request, None);
        let mut used = self
            .used
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let found =
            self.cassette
                .interactions
                .iter()
                .zip(used.iter_mut())
                .find(|(it, replayed)| {
                    !**replayed
                        && it.method == method
                        && it.path == path
                        && query_matches(&it.query, &query)
                        && (it.body == body || (it.body.is_null() && body.is_null()))
                });
        let Some((interaction, replayed)) = found else {
            return Err(TransportError::new(
                TransportErrorKind::NotRecorded,
                format!(
                    "the cassette has no recorded answer for {} (nearest recorded: {}). \
                     A replay answers only the requests that were recorded: record this \
                     command again with --record FILE.",
                    describe(&method, &path, &query),
                    self.nearest(&method, &path, &query, &used)
                ),
            ));
        };
        *replayed = true;
        let origin = request.url.origin().ascii_serialization();
        let headers = interaction
            .headers
            .iter()
            .map(|(name, value)| {
                let value = match (&self.cassette.origin, name.as_str()) {
                    (Some(recorded), "link") => value.replace(recorded.as_str(), &origin),
                    _ => value.clone(),
                };
                (name.clone(), value)
            })
            .collect();
        let body = match &interaction.response_body {
            Value::Null => Vec::new(),
            Value::String(text) if !is_json_content(&interaction.headers) => {
                text.clone().into_bytes()
            }
            other => serde_json::to_vec(other).unwrap_or_default(),
        };
        Ok(HttpResponse {
            status: interaction.status,
            headers,
            body,
        })
    }

    /// The recorded request most like this one, for the error message: the same method and
    /// path first, then the same path, then the longest shared path prefix, the same
    /// method, the most shared query pairs, and one not replayed yet; the earliest on a tie.
    fn nearest(
        &self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        used: &[bool],
    ) -> String {
        let segments: Vec<&str> = path.split('/').collect();
        let key = |index: usize, it: &Interaction| {
            let shared_segments = it
                .path
                .split('/')
                .zip(&segments)
                .take_while(|(a, b)| a == *b)
                .count();
            (
                it.method == method && it.path == path,
                it.path == path,
                shared_segments,
                it.method == method,
                it.query.iter().filter(|p| query.contains(p)).count(),
                !used.get(index).copied().unwrap_or(false),
                std::cmp::Reverse(index),
            )
        };
        self.cassette
            .interactions
            .iter()
            .enumerate()
            .max_by_key(|(index, it)| key(*index, it))
            .map(|(index, it)| {
                let mut text = describe(&it.method, &it.path, &it.query);
                if used.get(index).copied().unwrap_or(false) {
                    text.push_str(", already replayed");
                }
                text
            })
            .unwrap_or_else(|| "none: the cassette is empty".to_string())
    }
}

fn is_json_content(headers: &[(String, String)]) -> bool {
    headers
        .iter()
        .any(|(k, v)| k == "content-type" && v.contains("json"))
}

fn describe(method: &str, path: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        return format!("{method} {path}");
    }
    let query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{method} {path}?{}", query.join("&"))
}

impl Transport for ReplayTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let answer = self.answer(&request);
        Box::pin(async move { answer })
    }
}

/// What a [`RecordingTransport`] needs of the client it records for (a vendor's client
/// config converts into it).
#[derive(Debug, Clone)]
pub struct RecordingOptions {
    pub transport: TransportOptions,
    /// The scheme, host and port requests go to (`https://acme.okta.com`).
    pub origin: String,
    /// The credential scrubbed from every recorded text.
    pub secret: Secret,
}

/// Passes requests to the server and records every exchange, redacted, to a cassette file.
pub struct RecordingTransport {
    inner: ReqwestTransport,
    path: PathBuf,
    token: Secret,
    cassette: Mutex<Cassette>,
}

impl RecordingTransport {
    /// Records to `path`, with the clock frozen at `recorded_at`. When `path` already holds
    /// a cassette, new exchanges are appended to it and its `recorded_at` is kept; it must
    /// have been recorded from the same origin (its `Link` headers are rewritten from it).
    pub fn new(
        options: impl Into<RecordingOptions>,
        path: PathBuf,
        recorded_at: DateTime<Utc>,
    ) -> Result<Self, InvalidRequest> {
        let RecordingOptions {
            transport,
            origin,
            secret,
        } = options.into();
        let existing =
            Cassette::load_for_append(&path).map_err(|e| InvalidRequest(e.to_string()))?;
        let cassette = match existing {
            Some(cassette) => {
                if let Some(recorded) = cassette.origin.as_deref().filter(|o| *o != origin) {
                    return Err(InvalidRequest(format!(
                        "the cassette {} was recorded from {recorded}; record {origin} into another file",
                        path.display()
                    )));
                }
                Cassette {
                    origin: Some(origin),
                    recorded_at: cassette.recorded_at.or(Some(recorded_at)),
                    interactions: cassette.interactions,
                }
            }
            None => Cassette {
                origin: Some(origin),
                recorded_at: Some(recorded_at),
                interactions: Vec::new(),
            },
        };
        let transport = RecordingTransport {
            inner: ReqwestTransport::new(transport)?,
            path,
            token: secret,
            cassette: Mutex::new(cassette),
        };
        transport.save();
        Ok(transport)
    }

    fn record(&self, request: &HttpRequest, response: &HttpResponse) {
        let token = Some(self.token.expose());
        let (method, path, query, body) = request_key(request, token);
        let headers: Vec<(String, String)> = response
            .headers
            .iter()
            .filter(|(name, _)| KEPT_HEADERS.contains(&name.to_ascii_lowercase().as_str()))
            .map(|(name, value)| (name.to_ascii_lowercase(), scrub(value, token)))
            .collect();
        let response_body = if response.body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice::<Value>(&response.body) {
                Ok(mut value) => {
                    redact(&mut value, token);
                    value
                }
                Err(_) => Value::String(scrub(&String::from_utf8_lossy(&response.body), token)),
            }
        };
        let interaction = Interaction {
            method,
            path,
            query: query
                .into_iter()
                .map(|(k, v)| (k, scrub(&v, token)))
                .collect(),
            body,
            status: response.status,
            headers,
            response_body,
        };
        self.cassette
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .interactions
            .push(interaction);
        self.save();
    }

    fn save(&self) {
        let json = self
            .cassette
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .to_json();
        let bytes = serde_json::to_vec_pretty(&json).unwrap_or_default();
        if let Err(error) = crate::state::write_atomically(&self.path, &bytes) {
            tracing::error!("cannot write the cassette {}: {error}", self.path.display());
        }
    }
}

impl Transport for RecordingTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let response = self.inner.send(request.clone()).await?;
            self.record(&request, &response);
            Ok(response)
        })
    }

    fn send_within(&self, request: HttpRequest, limit: Duration) -> BoxFuture<'_, WithinLimit> {
        Box::pin(async move {
            let outcome = self.inner.send_within(request.clone(), limit).await;
            if let Some(Ok(response)) = &outcome {
                self.record(&request, response);
            }
            outcome
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn request(method: Method, url: &str, body: Option<&str>) -> HttpRequest {
        HttpRequest {
            method,
            url: url.parse().unwrap(),
            headers: vec![("authorization".into(), "SSWS secret-token-123".into())],
            body: body.map(|b| b.as_bytes().to_vec()),
        }
    }

    fn cassette() -> Cassette {
        Cassette::parse(
            &json!({
                "version": 1,
                "origin": "https://acme.okta.com",
                "interactions": [
                    {"request": {"method": "GET", "path": "/api/v1/users", "query": [["filter", "id eq \"1\""], ["limit", "2"]]},
                     "response": {"status": 200, "headers": [["content-type", "application/json"], ["link", "<https://acme.okta.com/api/v1/users?after=1>; rel=\"next\""]], "body": [{"id": "1"}]}},
                    {"request": {"method": "GET", "path": "/api/v1/users", "query": [["filter", "id eq \"1\""], ["limit", "2"]]},
                     "response": {"status": 200, "headers": [], "body": [{"id": "1", "second": true}]}},
                    {"request": {"method": "POST", "path": "/api/v1/users", "query": [], "body": {"profile": {"login": "a"}}},
                     "response": {"status": 200, "headers": [], "body": {"id": "2"}}}
                ]
            })
            .to_string(),
        )
        .unwrap()
    }

    #[test]
    fn replay_matches_query_in_any_order_and_consumes_in_order() {
        let replay = ReplayTransport::new(cassette());
        let req = request(
            Method::Get,
            "http://127.0.0.1:9/api/v1/users?limit=2&filter=id+eq+%221%22",
            None,
        );
        let first = replay.answer(&req).unwrap();
        assert_eq!(first.body, br#"[{"id":"1"}]"#);
        assert_eq!(
            first.header("link"),
            Some("<http://127.0.0.1:9/api/v1/users?after=1>; rel=\"next\"")
        );
        let second = replay.answer(&req).unwrap();
        assert_eq!(second.body, br#"[{"id":"1","second":true}]"#);
        let err = replay.answer(&req).unwrap_err();
        assert!(
            err.message
                .contains("no recorded answer for GET /api/v1/users?limit=2&filter=id eq \"1\""),
            "{}",
            err.message
        );
        assert!(
            err.message
                .contains("nearest recorded: GET /api/v1/users?filter=id eq \"1\"&limit=2"),
            "{}",
            err.message
        );
    }

    #[test]
    fn the_nearest_request_shares_the_longest_path_and_says_when_it_was_used() {
        let replay = ReplayTransport::new(
            Cassette::parse(
                &json!({"version": 1, "interactions": [
                    {"request": {"method": "POST", "path": "/api/v1/users/00u1/lifecycle/suspend"}, "response": {"status": 200}},
                    {"request": {"method": "GET", "path": "/api/v1/users/00u1"}, "response": {"status": 200}},
                    {"request": {"method": "POST", "path": "/api/v1/groups"}, "response": {"status": 200}}
                ]})
                .to_string(),
            )
            .unwrap(),
        );
        let miss = |method, url| replay.answer(&request(method, url, None)).unwrap_err();
        let error = miss(
            Method::Post,
            "https://acme.okta.com/api/v1/users/00u2/lifecycle/suspend",
        );
        assert_eq!(error.kind, TransportErrorKind::NotRecorded);
        assert!(
            error
                .message
                .contains("(nearest recorded: POST /api/v1/users/00u1/lifecycle/suspend)"),
            "{}",
            error.message
        );
        // The same path with another method beats the same method on another path.
        let error = miss(Method::Delete, "https://acme.okta.com/api/v1/users/00u1");
        assert!(
            error
                .message
                .contains("(nearest recorded: GET /api/v1/users/00u1)"),
            "{}",
            error.message
        );
        replay
            .answer(&request(
                Method::Get,
                "https://acme.okta.com/api/v1/users/00u1",
                None,
            ))
            .unwrap();
        let error = miss(Method::Get, "https://acme.okta.com/api/v1/users/00u1");
        assert!(
            error
                .message
                .contains("(nearest recorded: GET /api/v1/users/00u1, already replayed)"),
            "{}",
            error.message
        );
    }

    #[test]
    fn replay_compares_bodies_as_json() {
        let replay = ReplayTransport::new(cassette());
        let other = request(
            Method::Post,
            "https://acme.okta.com/api/v1/users",
            Some(r#"{"profile":{"login":"b"}}"#),
        );
        assert!(replay.answer(&other).is_err());
        let same = request(
            Method::Post,
            "https://acme.okta.com/api/v1/users",
            Some("{ \"profile\" : {\"login\":\"a\"} }"),
        );
        assert_eq!(replay.answer(&same).unwrap().body, br#"{"id":"2"}"#);
    }

    #[test]
    fn redaction_at_any_depth() {
        let mut value = json!({
            "profile": {"login": "a"},
            "credentials": {"password": {"value": "hunter2"}, "recovery_question": {"question": "q", "answer": "blue"}},
            "list": [{"client_secret": "s"}, {"sessionToken": "t"}, {"note": "has secret-token-123 inside"}],
            "activationUrl": "https://acme.okta.com/tokens/abc/verify",
            "_links": {"resetPassword": {"href": "https://acme.okta.com/api/v1/users/1/lifecycle/reset_password"}}
        });
        redact(&mut value, Some("secret-token-123"));
        let text = value.to_string();
        for secret in [
            "hunter2",
            "blue",
            "\"s\"",
            "\"t\"",
            "secret-token-123",
            "abc/verify",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert_eq!(value["profile"]["login"], "a");
        assert_eq!(
            value["_links"]["resetPassword"]["href"],
            "https://acme.okta.com/api/v1/users/1/lifecycle/reset_password"
        );
        assert_eq!(value["credentials"]["recovery_question"]["question"], "q");
    }

    #[test]
    fn bad_cassettes_are_errors_not_panics() {
        for text in [
            "",
            "[]",
            "{}",
            r#"{"version": 2, "interactions": []}"#,
            r#"{"version": 1}"#,
            r#"{"version": 1, "interactions": [{}]}"#,
            r#"{"version": 1, "interactions": [{"request": {"method": "GET", "path": "/"}, "response": {"status": 99}}]}"#,
            r#"{"version": 1, "interactions": [{"request": {"method": "GET", "path": "/", "query": [[1, 2]]}, "response": {"status": 200}}]}"#,
            r#"{"version": 1, "recorded_at": "yesterday", "interactions": []}"#,
        ] {
            assert!(Cassette::parse(text).is_err(), "{text}");
        }
    }
}
