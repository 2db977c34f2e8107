//! The sending seam: one HTTP exchange, nothing else.
//!
//! [`Transport`] takes a fully built [`HttpRequest`] (every header included, the
//! `Authorization` one too) and gives back the whole [`HttpResponse`]. Retries, pacing,
//! deadlines and error mapping all live above it, in [`crate::okta::Client`], so a
//! record/replay transport only has to store and return exchanges.
//!
//! [`ReqwestTransport`] is the default: one `reqwest::Client` (rustls, a connection pool
//! reused by every request of the [`crate::okta::Client`] and its clones).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use crate::okta::client::ClientConfig;
use crate::okta::error::OktaError;

/// A boxed, `Send` future: what [`Transport::send`] and [`crate::okta::Clock::sleep`] return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The HTTP methods the Okta client uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request as it goes on the wire. Header names are lowercase.
///
/// `Debug` shows `authorization` and `dpop` (a DPoP proof) as `***` and the body only by
/// its length.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a [(String, String)]);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_list()
                    .entries(self.0.iter().map(|(name, value)| {
                        let shown = if name.eq_ignore_ascii_case("authorization")
                            || name.eq_ignore_ascii_case("dpop")
                        {
                            "***"
                        } else {
                            value.as_str()
                        };
                        (name.as_str(), shown)
                    }))
                    .finish()
            }
        }
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &Headers(&self.headers))
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

/// One response: status, headers (lowercase names, repeated headers kept in order) and the
/// whole body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        header_of(&self.headers, name)
    }

    /// Every value of a header, in order (one per header line).
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

fn header_of<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// What kind of transport failure happened; drives whether a retry can help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No connection could be made (DNS, refused, TLS handshake): nothing reached Okta.
    Connect,
    /// No (complete) answer in time.
    Timeout,
    /// The connection broke while the request or response was in flight.
    Reset,
    /// A replayed cassette holds no answer for the request (nothing was sent anywhere).
    NotRecorded,
    /// Anything else (a request that could not be built, ...).
    Other,
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Reset => "connection closed",
            TransportErrorKind::NotRecorded => "cassette miss",
            TransportErrorKind::Other => "request failed",
        })
    }
}

/// A failed exchange: no HTTP response came back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
        }
    }
}

/// Sends one request and returns the whole response. Implementations must not retry.
pub trait Transport: Send + Sync {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;
}

/// The default transport: reqwest with rustls, one connection pool.
///
/// Built from [`ClientConfig`]: `connect_timeout`, `request_timeout` (also enforced above the
/// transport), `insecure` (accept any certificate), `proxy` (environment proxies only when
/// true; otherwise `no_proxy()`), and no redirects are followed (a redirect would carry the
/// token to wherever it points).
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    pub fn new(config: &ClientConfig) -> Result<Self, OktaError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(config.insecure);
        if !config.proxy {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| {
            OktaError::InvalidRequest(format!(
                "could not set up the HTTP client: {}",
                error_chain(&e)
            ))
        })?;
        Ok(ReqwestTransport { client })
    }

    /// Wraps an already configured reqwest client (tests, custom TLS roots).
    pub fn from_client(client: reqwest::Client) -> Self {
        ReqwestTransport { client }
    }

    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut headers = reqwest::header::HeaderMap::with_capacity(request.headers.len());
        for (name, value) in &request.headers {
            // Never put the value in the message: it may be the Authorization header.
            let name = reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                TransportError::new(
                    TransportErrorKind::Other,
                    format!("invalid header name {name:?}"),
                )
            })?;
            let value = reqwest::header::HeaderValue::from_str(value).map_err(|_| {
                TransportError::new(
                    TransportErrorKind::Other,
                    format!("the value of header {name} cannot be sent in HTTP"),
                )
            })?;
            headers.append(name, value);
        }
        let mut builder = self.client.request(method, request.url).headers(headers);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let response = builder.send().await.map_err(from_reqwest)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes().await.map_err(from_reqwest)?.to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(self.exchange(request))
    }
}

fn from_reqwest(error: reqwest::Error) -> TransportError {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else if error.is_request() || error.is_body() || error.is_decode() {
        TransportErrorKind::Reset
    } else {
        TransportErrorKind::Other
    };
    TransportError::new(kind, error_chain(&error.without_url()))
}

/// `error: cause: cause`, each distinct level once.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_debug_hides_the_authorization_value() {
        let request = HttpRequest {
            method: Method::Get,
            url: "https://acme.okta.com/api/v1/users/me".parse().unwrap(),
            headers: vec![
                ("authorization".into(), "SSWS 00secretTOKEN".into()),
                ("dpop".into(), "eyJproofPROOF".into()),
                ("accept".into(), "application/json".into()),
            ],
            body: Some(b"{}".to_vec()),
        };
        let shown = format!("{request:?}");
        assert!(!shown.contains("00secretTOKEN"), "{shown}");
        assert!(!shown.contains("PROOF"), "{shown}");
        assert!(shown.contains("application/json"));
        assert_eq!(request.header("Accept"), Some("application/json"));
    }

    #[test]
    fn response_headers_are_found_case_insensitively_and_repeats_kept() {
        let response = HttpResponse {
            status: 200,
            headers: vec![
                ("link".into(), "<a>; rel=\"self\"".into()),
                ("link".into(), "<b>; rel=\"next\"".into()),
            ],
            body: vec![],
        };
        assert_eq!(response.header("Link"), Some("<a>; rel=\"self\""));
        assert_eq!(response.header_values("LINK").count(), 2);
    }
}
