//! The sending seam: one HTTP exchange, nothing else.
//!
//! [`Transport`] takes a fully built [`HttpRequest`] (every header included, the
//! `Authorization` one too) and gives back the whole [`HttpResponse`]. Retries, pacing,
//! deadlines and error mapping all live above it, in a vendor's client (Okta's:
//! [`crate::okta::Client`]), so a record/replay transport only has to store and return exchanges.
//!
//! [`ReqwestTransport`] is the default: one `reqwest::Client` (rustls, a connection pool
//! reused by every request of the client and its clones).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use crate::http::failure::{self, Target};
use crate::http::resolve::{SystemResolver, TimedResolver};
use crate::http::settings::HttpSettings;
use crate::http::InvalidRequest;

/// A boxed, `Send` future: what [`Transport::send`] and [`crate::http::Clock::sleep`] return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The HTTP methods the vendor clients use (PATCH: SCIM's PatchOp).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
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

/// What kind of transport failure happened; drives whether a retry can help
/// ([`crate::http::retry`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// No connection could be made, for a reason not named below: nothing reached Okta.
    Connect,
    /// No (complete) answer in time.
    Timeout,
    /// The connection broke while the request or response was in flight.
    Reset,
    /// A replayed cassette holds no answer for the request (nothing was sent anywhere).
    NotRecorded,
    /// Anything else (a request that could not be built, ...).
    Other,
    /// The server's TLS certificate is not trusted (self-signed, expired, another name...).
    Certificate,
    /// The TLS handshake failed for another reason (not an HTTPS server, no common protocol).
    Tls,
    /// The host name does not resolve.
    NameNotFound,
    /// The DNS server did not answer in time.
    NameNoAnswer,
    /// The connection was refused: nothing listens on that port.
    Refused,
    /// Nothing came back in time: no connection, or a connection and then silence.
    Silent,
    /// The answer is over the size limit.
    TooLarge,
}

impl TransportErrorKind {
    /// Kinds whose message already names the cause and the fix (printed without a prefix).
    pub fn is_named(self) -> bool {
        !matches!(
            self,
            TransportErrorKind::Connect
                | TransportErrorKind::Timeout
                | TransportErrorKind::Reset
                | TransportErrorKind::NotRecorded
                | TransportErrorKind::Other
        )
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Reset => "connection closed",
            TransportErrorKind::NotRecorded => "cassette miss",
            TransportErrorKind::Other => "request failed",
            TransportErrorKind::Certificate => "TLS certificate not trusted",
            TransportErrorKind::Tls => "TLS handshake failed",
            TransportErrorKind::NameNotFound => "name does not resolve",
            TransportErrorKind::NameNoAnswer => "no DNS answer",
            TransportErrorKind::Refused => "connection refused",
            TransportErrorKind::Silent => "no answer",
            TransportErrorKind::TooLarge => "answer too large",
        })
    }
}

/// A failed exchange: no HTTP response came back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
}

impl TransportError {
    fn describe(&self) -> String {
        if self.kind.is_named() {
            self.message.clone()
        } else {
            format!("{}: {}", self.kind, self.message)
        }
    }

    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError {
            kind,
            message: message.into(),
        }
    }
}

/// What [`Transport::send_within`] gives back: the exchange's own outcome, or `None` when
/// the limit ran out first.
pub type WithinLimit = Option<Result<HttpResponse, TransportError>>;

/// Sends one request and returns the whole response. Implementations must not retry.
pub trait Transport: Send + Sync {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>>;

    /// [`Transport::send`] with a limit on the whole exchange (`None`: it ran out first).
    ///
    /// The default wraps `send` in a tokio timeout (the exchange polled first). A transport
    /// with timers of its own overrides it to keep one timer per request: each timer
    /// earlier than the runtime's next wake-up costs a wake of its driver (a syscall).
    fn send_within(&self, request: HttpRequest, limit: Duration) -> BoxFuture<'_, WithinLimit> {
        let sending = self.send(request);
        Box::pin(async move { tokio::time::timeout(limit, sending).await.ok() })
    }
}

/// What [`ReqwestTransport`] is built from: the HTTP settings (its timeouts and size cap)
/// and how it reaches the server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransportOptions {
    pub settings: HttpSettings,
    /// Accept any TLS certificate.
    pub insecure: bool,
    /// Use proxies from the environment (`HTTPS_PROXY`, ...).
    pub proxy: bool,
}

/// The default transport: reqwest with rustls, one connection pool.
///
/// Built from [`TransportOptions`] (a vendor's client config converts into them):
/// `connect_timeout`, `answer_timeout` (the first byte of the
/// answer, connecting included), `request_timeout` (the limit of [`Transport::send`];
/// [`Transport::send_within`] takes the caller's), `max_response_bytes` (the body is read in
/// chunks and abandoned past the cap), `insecure`
/// (accept any certificate), `proxy` (environment proxies only when true; otherwise
/// `no_proxy()`), and no redirects are followed (a redirect would carry the token to wherever
/// it points). Names are looked up through a [`TimedResolver`] (half the connect timeout).
/// Failures are named by [`crate::http::failure`]; after a connection-phase timeout one quick
/// TCP probe tells "accepted, then silent" from "no connection at all".
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    resolver: Option<TimedResolver>,
    connect_timeout: Duration,
    answer_timeout: Duration,
    request_timeout: Duration,
    max_response_bytes: u64,
}

/// How long the connection probe after a silent connect may take.
const PROBE_LIMIT: Duration = Duration::from_secs(1);

impl ReqwestTransport {
    /// The reqwest transport with the system's resolver.
    pub fn new(options: impl Into<TransportOptions>) -> Result<Self, InvalidRequest> {
        Self::with_resolver(options, Arc::new(SystemResolver))
    }

    /// The reqwest transport with another name resolver (tests: a resolver that never
    /// answers, or one that knows no names, so no lookup leaves the machine).
    pub fn with_resolver(
        options: impl Into<TransportOptions>,
        resolver: Arc<dyn reqwest::dns::Resolve>,
    ) -> Result<Self, InvalidRequest> {
        let TransportOptions {
            settings: config,
            insecure,
            proxy,
        } = options.into();
        let resolver = TimedResolver::new(resolver, config.connect_timeout / 2);
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(config.connect_timeout)
            // No `.timeout()`: the exchange's one timer enforces the request's limit
            // (reqwest's would be a second timer per request).
            .redirect(reqwest::redirect::Policy::none())
            .danger_accept_invalid_certs(insecure)
            .dns_resolver(Arc::new(resolver.clone()));
        if !proxy {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| {
            InvalidRequest(format!(
                "could not set up the HTTP client: {}",
                error_chain(&e)
            ))
        })?;
        Ok(ReqwestTransport {
            client,
            resolver: Some(resolver),
            connect_timeout: config.connect_timeout,
            answer_timeout: config.answer_timeout,
            request_timeout: config.request_timeout,
            max_response_bytes: config.max_response_bytes,
        })
    }

    /// Wraps an already configured reqwest client (tests, custom TLS roots), with the
    /// default answer timeout and size cap.
    pub fn from_client(client: reqwest::Client) -> Self {
        let defaults = HttpSettings::default();
        ReqwestTransport {
            client,
            resolver: None,
            connect_timeout: defaults.connect_timeout,
            answer_timeout: defaults.answer_timeout,
            request_timeout: defaults.request_timeout,
            max_response_bytes: defaults.max_response_bytes,
        }
    }

    /// One exchange under one timer: it first fires at the answer timeout or at `limit`,
    /// whichever comes first, and once the answer has begun it is moved on to `limit` (a
    /// later time: no wake of the timer driver). `None`: `limit` ran out first.
    async fn exchange(&self, request: HttpRequest, limit: Duration) -> WithinLimit {
        let started = tokio::time::Instant::now();
        let answer_by = instant_after(started, self.answer_timeout);
        let limit_by = instant_after(started, limit);
        let timer = tokio::time::sleep_until(answer_by.min(limit_by));
        tokio::pin!(timer);
        let sending = match self.prepare(request) {
            Ok(sending) => sending,
            Err(error) => return Some(Err(error)),
        };
        let target = &sending.target;
        let answer = self.client.execute(sending.request);
        let mut response = match before(answer, timer.as_mut()).await {
            Some(Ok(response)) => response,
            Some(Err(error)) if error.is_connect() && error.is_timeout() => {
                let waited = self.connect_timeout.min(self.answer_timeout);
                return self.silence_before(target, waited, limit_by).await;
            }
            Some(Err(error)) => return Some(Err(named_or_generic(error, target))),
            None if limit_by <= answer_by => return None,
            None => {
                return self
                    .silence_before(target, self.answer_timeout, limit_by)
                    .await
            }
        };
        if limit_by > answer_by {
            timer.as_mut().reset(limit_by);
        }
        let status = response.status().as_u16();
        let mut headers = Vec::with_capacity(response.headers().len());
        headers.extend(
            response
                .headers()
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), header_text(value.as_bytes()))),
        );
        let cap = self.max_response_bytes;
        if response.content_length().is_some_and(|length| length > cap) {
            return Some(Err(failure::too_large(cap)));
        }
        let mut body = Vec::new();
        loop {
            let chunk = match before(response.chunk(), timer.as_mut()).await? {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(error) => return Some(Err(named_or_generic(error, target))),
            };
            if body.len() as u64 + chunk.len() as u64 > cap {
                return Some(Err(failure::too_large(cap)));
            }
            body.extend_from_slice(&chunk);
        }
        Some(Ok(HttpResponse {
            status,
            headers,
            body,
        }))
    }

    /// The reqwest request of `request`, and where it goes (for the messages).
    fn prepare(&self, request: HttpRequest) -> Result<Sending, TransportError> {
        let method = match request.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let target = Target::of(&request.url);
        let mut headers = reqwest::header::HeaderMap::with_capacity(request.headers.len());
        for (name, value) in &request.headers {
            // Never put the value in the message: it may be the Authorization header.
            let name = header_name(name).map_err(|_| {
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
        let mut builder = self.client.request(method, request.url);
        if let Some(body) = request.body {
            builder = builder.body(body);
        }
        let mut built = builder.build().map_err(|e| named_or_generic(e, &target))?;
        if built.headers().is_empty() {
            // The usual case: the map is taken as it is, not re-inserted header by header.
            *built.headers_mut() = headers;
        } else {
            // reqwest put a header there already (basic auth from the URL): merged its way.
            built = reqwest::RequestBuilder::from_parts(self.client.clone(), built)
                .headers(headers)
                .build()
                .map_err(|e| named_or_generic(e, &target))?;
        }
        Ok(Sending {
            request: built,
            target,
        })
    }

    /// [`ReqwestTransport::silence`], unless `limit_by` comes first (`None`).
    async fn silence_before(
        &self,
        target: &Target,
        waited: Duration,
        limit_by: tokio::time::Instant,
    ) -> WithinLimit {
        tokio::time::timeout_at(limit_by, self.silence(target, waited))
            .await
            .ok()
            .map(Err)
    }

    /// Nothing came back within the answer timeout: did the server take the connection?
    async fn silence(&self, target: &Target, waited: Duration) -> TransportError {
        if self.accepts_connections(target).await {
            failure::silent_after_accept(target, waited)
        } else {
            failure::no_connection(target, waited)
        }
    }

    async fn accepts_connections(&self, target: &Target) -> bool {
        let host = target.host.trim_start_matches('[').trim_end_matches(']');
        let addrs = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => vec![std::net::SocketAddr::new(ip, target.port)],
            Err(_) => match &self.resolver {
                Some(resolver) => match resolver.lookup(host).await {
                    Ok(addrs) => addrs
                        .into_iter()
                        .map(|a| std::net::SocketAddr::new(a.ip(), target.port))
                        .collect(),
                    Err(_) => return false,
                },
                None => return false,
            },
        };
        let Some(addr) = addrs.first().copied() else {
            return false;
        };
        matches!(
            tokio::time::timeout(PROBE_LIMIT, tokio::net::TcpStream::connect(addr)).await,
            Ok(Ok(_))
        )
    }
}

impl Transport for ReqwestTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let limit = self.request_timeout;
            self.exchange(request, limit).await.unwrap_or_else(|| {
                Err(TransportError::new(
                    TransportErrorKind::Timeout,
                    format!("no complete answer in {}", failure::seconds(limit)),
                ))
            })
        })
    }

    fn send_within(&self, request: HttpRequest, limit: Duration) -> BoxFuture<'_, WithinLimit> {
        Box::pin(self.exchange(request, limit))
    }
}

/// `name` as a header name: the ones every request carries are taken as the constants
/// they parse to (parsing one costs a few hundred instructions), others are parsed.
fn header_name(
    name: &str,
) -> Result<reqwest::header::HeaderName, reqwest::header::InvalidHeaderName> {
    use reqwest::header;
    Ok(match name {
        "authorization" => header::AUTHORIZATION,
        "accept" => header::ACCEPT,
        "content-type" => header::CONTENT_TYPE,
        "user-agent" => header::USER_AGENT,
        "content-length" => header::CONTENT_LENGTH,
        other => header::HeaderName::from_bytes(other.as_bytes())?,
    })
}

/// A request ready to go, and where it goes.
struct Sending {
    request: reqwest::Request,
    target: Target,
}

/// A header value as text: as is when it is UTF-8 (nearly always plain ASCII), else with
/// each bad sequence replaced by U+FFFD.
fn header_text(value: &[u8]) -> String {
    match std::str::from_utf8(value) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(value).into_owned(),
    }
}

/// `start + duration`, or a time far beyond any request when that overflows.
fn instant_after(start: tokio::time::Instant, duration: Duration) -> tokio::time::Instant {
    const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);
    start.checked_add(duration).unwrap_or_else(|| start + FAR)
}

/// `future`'s output, or `None` once `timer` has fired. The future is polled first, so an
/// answer that is ready when the time runs out still counts.
async fn before<F: Future>(
    future: F,
    mut timer: Pin<&mut tokio::time::Sleep>,
) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(cx) {
            return std::task::Poll::Ready(Some(output));
        }
        timer.as_mut().poll(cx).map(|()| None)
    })
    .await
}

/// The named cause of a reqwest failure ([`failure::classify`]), else its generic kind.
fn named_or_generic(error: reqwest::Error, target: &Target) -> TransportError {
    failure::classify(&error, target).unwrap_or_else(|| from_reqwest(error))
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
    fn header_names_are_what_parsing_gives() {
        for name in [
            "authorization",
            "accept",
            "content-type",
            "user-agent",
            "content-length",
            "x-okta-retry-count",
            "dpop",
            "Accept",
        ] {
            let parsed = reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap();
            assert_eq!(header_name(name).unwrap(), parsed, "{name}");
            assert_eq!(
                header_name(name).unwrap().as_str(),
                name.to_ascii_lowercase()
            );
        }
        assert!(header_name("bad name").is_err());
        assert!(header_name("").is_err());
    }

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

    #[tokio::test(start_paused = true)]
    async fn before_gives_the_answer_or_none_once_the_timer_fires() {
        let timer = tokio::time::sleep(Duration::from_secs(10));
        tokio::pin!(timer);
        assert_eq!(before(async { 7 }, timer.as_mut()).await, Some(7));
        let started = tokio::time::Instant::now();
        let never = std::future::pending::<()>();
        assert_eq!(before(never, timer.as_mut()).await, None);
        assert_eq!(started.elapsed(), Duration::from_secs(10));
        // The future is polled first: a ready answer counts even after the time ran out.
        assert_eq!(before(async { 8 }, timer.as_mut()).await, Some(8));
        // Moved on, the same timer fires again at its new time.
        timer.as_mut().reset(started + Duration::from_secs(25));
        assert_eq!(
            before(std::future::pending::<()>(), timer.as_mut()).await,
            None
        );
        assert_eq!(started.elapsed(), Duration::from_secs(25));
    }

    /// Reads a request's head (up to the blank line); `None` when the client hangs up first.
    async fn read_request_head(socket: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
        use tokio::io::AsyncReadExt;
        let mut head = Vec::new();
        let mut buffer = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let read = socket.read(&mut buffer).await.unwrap();
            if read == 0 {
                return None;
            }
            head.extend_from_slice(&buffer[..read]);
        }
        Some(head)
    }

    /// A loopback server that reads one request, then sends `head` and, after `pause`,
    /// `tail` (an empty `head`: it stays silent).
    async fn scripted_server(head: &'static str, pause: Duration, tail: &'static str) -> url::Url {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api/v1/users", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            if read_request_head(&mut socket).await.is_none() {
                return;
            }
            if head.is_empty() {
                std::future::pending::<()>().await;
            }
            socket.write_all(head.as_bytes()).await.unwrap();
            tokio::time::sleep(pause).await;
            let _ = socket.write_all(tail.as_bytes()).await;
            std::future::pending::<()>().await;
        });
        url.parse().unwrap()
    }

    fn transport(answer_timeout: Duration) -> ReqwestTransport {
        let settings = HttpSettings {
            answer_timeout,
            ..HttpSettings::default()
        };
        ReqwestTransport::new(TransportOptions {
            settings,
            insecure: false,
            proxy: false,
        })
        .unwrap()
    }

    fn get(url: url::Url) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            url,
            headers: vec![("accept".into(), "application/json".into())],
            body: None,
        }
    }

    /// A loopback server that answers one request `204` and hands back its head.
    async fn recording_server() -> (u16, tokio::sync::oneshot::Receiver<String>) {
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (sender, receiver) = tokio::sync::oneshot::channel();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let Some(head) = read_request_head(&mut socket).await else {
                return;
            };
            let _ = sender.send(String::from_utf8_lossy(&head).into_owned());
            let answer = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
            socket.write_all(answer).await.unwrap();
            std::future::pending::<()>().await;
        });
        (port, receiver)
    }

    #[tokio::test]
    async fn headers_go_out_as_given_and_win_over_url_credentials() {
        let headers = vec![
            ("authorization".to_owned(), "SSWS 00tok".to_owned()),
            ("accept".to_owned(), "application/json".to_owned()),
            ("x-okta-retry-count".to_owned(), "1".to_owned()),
        ];
        for credentials in ["", "user:pw@"] {
            let (port, head) = recording_server().await;
            let url = format!("http://{credentials}127.0.0.1:{port}/api/v1/users?q=a");
            let request = HttpRequest {
                method: Method::Get,
                url: url.parse().unwrap(),
                headers: headers.clone(),
                body: None,
            };
            let response = transport(Duration::from_secs(5))
                .send(request)
                .await
                .unwrap();
            assert_eq!(response.status, 204);
            let head = head.await.unwrap();
            assert!(
                head.starts_with("GET /api/v1/users?q=a HTTP/1.1\r\n"),
                "{head}"
            );
            let lines: Vec<&str> = head.lines().skip(1).collect();
            let sent = |name: &str| {
                let prefix = format!("{name}: ");
                lines
                    .iter()
                    .filter_map(|line| line.strip_prefix(prefix.as_str()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(sent("authorization"), ["SSWS 00tok"], "{head}");
            assert_eq!(sent("accept"), ["application/json"], "{head}");
            assert_eq!(sent("x-okta-retry-count"), ["1"], "{head}");
            let order: Vec<usize> = ["authorization: ", "accept: ", "x-okta-retry-count: "]
                .iter()
                .map(|prefix| lines.iter().position(|l| l.starts_with(prefix)).unwrap())
                .collect();
            assert!(order.windows(2).all(|w| w[0] < w[1]), "{head}");
        }
    }

    const SLOW_BODY: &str = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nab";

    #[tokio::test]
    async fn one_timer_names_silence_before_the_limit_and_the_limit_before_silence() {
        let silent = scripted_server("", Duration::ZERO, "").await;
        let transport = transport(Duration::from_millis(300));
        // The answer timeout comes first: the server took the connection, then said nothing.
        let outcome = transport
            .send_within(get(silent.clone()), Duration::from_secs(20))
            .await;
        let error = outcome.expect("the limit is far").unwrap_err();
        assert_eq!(error.kind, TransportErrorKind::Silent, "{error}");
        // The caller's limit comes first: it is the caller's to name.
        let silent = scripted_server("", Duration::ZERO, "").await;
        let outcome = transport
            .send_within(get(silent), Duration::from_millis(100))
            .await;
        assert!(outcome.is_none(), "{outcome:?}");
    }

    #[tokio::test]
    async fn once_the_answer_begins_only_the_limit_applies_to_the_body() {
        // The body ends after the answer timeout but within the limit: a whole answer.
        let url = scripted_server(SLOW_BODY, Duration::from_millis(400), "cde").await;
        let transport = transport(Duration::from_millis(200));
        let outcome = transport
            .send_within(get(url), Duration::from_secs(20))
            .await;
        let response = outcome.expect("within the limit").unwrap();
        assert_eq!(
            (response.status, response.body.as_slice()),
            (200, &b"abcde"[..])
        );
        // A body still coming when the limit runs out: the limit's.
        let url = scripted_server(SLOW_BODY, Duration::from_secs(60), "cde").await;
        let outcome = transport
            .send_within(get(url), Duration::from_millis(500))
            .await;
        assert!(outcome.is_none(), "{outcome:?}");
    }

    #[test]
    fn header_values_are_text_with_bad_bytes_replaced() {
        for value in [&b"SSWS x"[..], b"caf\xc3\xa9", b"a\xffb", b""] {
            assert_eq!(header_text(value), String::from_utf8_lossy(value));
        }
        assert_eq!(header_text(b"a\xffb"), "a\u{fffd}b");
    }

    #[test]
    fn instants_past_the_clock_s_range_become_far_ones() {
        let now = tokio::time::Instant::now();
        assert_eq!(
            instant_after(now, Duration::from_secs(3)),
            now + Duration::from_secs(3)
        );
        assert!(instant_after(now, Duration::MAX) > now + Duration::from_secs(86_400 * 365));
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
