//! The floors: the same HTTP requests the daemon makes, made by minimal clients against the
//! same fake in the same run.
//!
//! - [`RawHttp`]: a raw HTTP/1.1 client on a `std::net::TcpStream` (keep-alive, or a new
//!   connection per request): write the request, read the head, read `Content-Length` bytes.
//! - [`BareReqwest`]: a bare `reqwest::Client` (rustls build, no proxy) on a current-thread
//!   tokio runtime, the same library the daemon uses, without the daemon's client around it.
//! - [`BareHyper`]: hyper's pooled client (`hyper_util::client::legacy`, plain HTTP) on a
//!   current-thread runtime: what reqwest runs on, without reqwest's layers (the `url`
//!   crate's parse, the redirect layer, its retries), so the loop can say what leaving
//!   reqwest could gain.
//!
//! All three parse the body into a `serde_json::Value`, as the daemon does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};

use serde_json::Value;

/// One request as the daemon sent it (taken from the fake's request log).
#[derive(Clone, Debug)]
pub struct Target {
    pub method: String,
    /// Path and query, form-encoded: `/api/v1/users?filter=...`.
    pub path_and_query: String,
    /// Headers to send (the daemon's, minus `host` and `content-length`).
    pub headers: Vec<(String, String)>,
}

impl Target {
    pub fn from_recorded(method: &str, path: &str, query: &[(String, String)]) -> Target {
        Target {
            method: method.to_string(),
            path_and_query: path_and_query(path, query),
            headers: Vec::new(),
        }
    }
}

pub fn path_and_query(path: &str, query: &[(String, String)]) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let mut encoded = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        encoded.append_pair(k, v);
    }
    format!("{path}?{}", encoded.finish())
}

/// The parsed answer of a floor request.
pub struct Answer {
    pub status: u16,
    pub json: Value,
}

pub struct RawHttp {
    addr: SocketAddr,
    host: String,
    keep_alive: bool,
    conn: Option<(TcpStream, BufReader<TcpStream>)>,
    request: Vec<u8>,
    head: String,
    body: Vec<u8>,
}

impl RawHttp {
    /// `base` is `http://127.0.0.1:<port>`.
    pub fn new(base: &str, keep_alive: bool) -> RawHttp {
        let host = base.trim_start_matches("http://").to_string();
        RawHttp {
            addr: host.parse().expect("fake address"),
            host,
            keep_alive,
            conn: None,
            request: Vec::with_capacity(1024),
            head: String::with_capacity(1024),
            body: Vec::with_capacity(64 * 1024),
        }
    }

    pub fn send(&mut self, target: &Target) -> Answer {
        let status = self.exchange(target);
        let json: Value = serde_json::from_slice(&self.body).expect("JSON body");
        Answer { status, json }
    }

    /// The request without parsing the answer: what the fake and the socket cost alone.
    /// Returns the status and the body length.
    pub fn send_unparsed(&mut self, target: &Target) -> (u16, usize) {
        let status = self.exchange(target);
        (status, self.body.len())
    }

    /// The body of the last answer.
    pub fn last_body(&self) -> &[u8] {
        &self.body
    }

    fn exchange(&mut self, target: &Target) -> u16 {
        self.request.clear();
        let _ = write!(
            self.request,
            "{} {} HTTP/1.1\r\nhost: {}\r\n",
            target.method, target.path_and_query, self.host
        );
        for (k, v) in &target.headers {
            let _ = write!(self.request, "{k}: {v}\r\n");
        }
        if !self.keep_alive {
            self.request.extend_from_slice(b"connection: close\r\n");
        }
        self.request.extend_from_slice(b"\r\n");
        if self.conn.is_none() {
            let stream = TcpStream::connect(self.addr).expect("connect to the fake");
            stream.set_nodelay(true).expect("nodelay");
            let reader = BufReader::with_capacity(64 * 1024, stream.try_clone().expect("clone"));
            self.conn = Some((stream, reader));
        }
        let (stream, reader) = self.conn.as_mut().expect("connection");
        stream.write_all(&self.request).expect("write request");
        self.head.clear();
        reader.read_line(&mut self.head).expect("status line");
        let status: u16 = self
            .head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("bad status line {:?}", self.head));
        let mut length = 0usize;
        let mut close = !self.keep_alive;
        loop {
            self.head.clear();
            reader.read_line(&mut self.head).expect("header line");
            let line = self.head.trim_end();
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().expect("content-length");
            } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close")
            {
                close = true;
            }
        }
        self.body.resize(length, 0);
        reader.read_exact(&mut self.body).expect("body");
        if close {
            self.conn = None;
        }
        status
    }
}

pub struct BareReqwest {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
}

impl BareReqwest {
    pub fn new(base: &str) -> BareReqwest {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .no_proxy()
            .build()
            .expect("reqwest client");
        BareReqwest {
            runtime,
            client,
            base: base.to_string(),
        }
    }

    pub fn send(&self, target: &Target) -> Answer {
        let url = format!("{}{}", self.base, target.path_and_query);
        let method: reqwest::Method = target.method.parse().expect("method");
        let mut request = self.client.request(method, url);
        for (k, v) in &target.headers {
            request = request.header(k, v);
        }
        self.runtime.block_on(async {
            let response = request.send().await.expect("bare request");
            let status = response.status().as_u16();
            let body = response.bytes().await.expect("bare body");
            let json: Value = serde_json::from_slice(&body).expect("JSON body");
            Answer { status, json }
        })
    }
}

/// hyper's pooled HTTP/1.1 client with a `TCP_NODELAY` connector, the pieces reqwest builds
/// on, driven by `block_on` as [`BareReqwest`] is.
pub struct BareHyper {
    runtime: tokio::runtime::Runtime,
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Empty<hyper::body::Bytes>,
    >,
    base: String,
}

impl BareHyper {
    pub fn new(base: &str) -> BareHyper {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_nodelay(true);
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build(connector);
        BareHyper {
            runtime,
            client,
            base: base.to_string(),
        }
    }

    pub fn send(&self, target: &Target) -> Answer {
        use http_body_util::BodyExt;
        let uri: hyper::Uri = format!("{}{}", self.base, target.path_and_query)
            .parse()
            .expect("uri");
        let mut request = hyper::Request::builder()
            .method(target.method.as_str())
            .uri(uri);
        for (k, v) in &target.headers {
            request = request.header(k, v);
        }
        let request = request.body(http_body_util::Empty::new()).expect("request");
        self.runtime.block_on(async {
            let response = self
                .client
                .request(request)
                .await
                .expect("bare hyper request");
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .expect("bare hyper body")
                .to_bytes();
            let json: Value = serde_json::from_slice(&body).expect("JSON body");
            Answer { status, json }
        })
    }
}
