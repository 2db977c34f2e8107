//! A minimal HTTP/1.1 server side on tokio TCP: request line, headers, `Content-Length` or
//! chunked bodies, `Expect: 100-continue`, keep-alive, one response per request,
//! `Connection: close` honoured.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 32 * 1024 * 1024;

/// One parsed request.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Raw path (still percent-encoded), without the query.
    pub path: String,
    /// Raw query string (after `?`), if any.
    pub raw_query: Option<String>,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Header names in lowercase, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// A `Content-Length` header was present.
    pub has_length: bool,
    /// `Transfer-Encoding: chunked` was used.
    pub chunked: bool,
    /// The client asked for the connection to be closed after this response.
    pub close: bool,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to send back.
#[derive(Debug)]
pub enum Reply {
    /// A normal response.
    Full(Response),
    /// Headers announcing a longer body than is sent, then close.
    Truncated(Response),
    /// Close without answering.
    Drop,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Extra headers (names as they should appear on the wire), `Content-Type` included.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body,
        }
    }

    pub fn empty(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn html(status: u16) -> Response {
        let reason = reason(status);
        let body = format!(
            "<!DOCTYPE html>\n<html><head><title>{status} {reason}</title></head>\n<body><h1>{status} {reason}</h1>\
             <p>The server encountered a problem.</p></body></html>\n"
        );
        Response {
            status,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: body.into_bytes(),
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Response {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

/// Reads one request from the connection. `buf` carries bytes read past the previous
/// request (pipelining). `Ok(None)` = clean EOF between requests.
pub async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<Request>> {
    let head_end = loop {
        if let Some(pos) = find(buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEAD {
            return Err(invalid("request head too large"));
        }
        if !fill(stream, buf).await? {
            if buf.iter().all(|b| b.is_ascii_whitespace()) {
                return Ok(None);
            }
            return Err(invalid("connection closed mid-request"));
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default().trim_start();
    let mut parts = request_line.split(' ').filter(|p| !p.is_empty());
    let (Some(method), Some(target), version) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("bad request line"));
    };
    let http10 = version == Some("HTTP/1.0");
    let mut headers = Vec::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
    }
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let connection = get("connection").unwrap_or_default().to_ascii_lowercase();
    let close = if http10 {
        !connection.contains("keep-alive")
    } else {
        connection.split(',').any(|t| t.trim() == "close")
    };
    let chunked = get("transfer-encoding")
        .map(|v| v.to_ascii_lowercase().contains("chunked"))
        .unwrap_or(false);
    let length = match get("content-length") {
        Some(v) => Some(
            v.trim()
                .parse::<usize>()
                .map_err(|_| invalid("bad content-length"))?,
        ),
        None => None,
    };
    if get("expect").is_some_and(|v| v.eq_ignore_ascii_case("100-continue")) {
        stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").await?;
    }
    let body = if chunked {
        read_chunked(stream, buf).await?
    } else if let Some(n) = length {
        if n > MAX_BODY {
            return Err(invalid("body too large"));
        }
        while buf.len() < n {
            if !fill(stream, buf).await? {
                return Err(invalid("connection closed mid-body"));
            }
        }
        buf.drain(..n).collect()
    } else {
        Vec::new()
    };
    let (path, raw_query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.to_string(), None),
    };
    // Absolute-form targets (proxies) are reduced to their path.
    let path = match path
        .strip_prefix("http://")
        .or_else(|| path.strip_prefix("https://"))
    {
        Some(rest) => rest
            .find('/')
            .map(|i| rest[i..].to_string())
            .unwrap_or_else(|| "/".into()),
        None => path,
    };
    let query = raw_query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(Request {
        method: method.to_string(),
        path,
        raw_query,
        query,
        headers,
        body,
        has_length: length.is_some(),
        chunked,
        close,
    }))
}

async fn read_chunked(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_end = loop {
            if let Some(pos) = find(buf, b"\r\n") {
                break pos;
            }
            if !fill(stream, buf).await? {
                return Err(invalid("closed in chunk header"));
            }
        };
        let line = String::from_utf8_lossy(&buf[..line_end]).into_owned();
        buf.drain(..line_end + 2);
        let size_hex = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_hex, 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // Trailers until an empty line.
            loop {
                let end = loop {
                    if let Some(pos) = find(buf, b"\r\n") {
                        break pos;
                    }
                    if !fill(stream, buf).await? {
                        return Err(invalid("closed in trailers"));
                    }
                };
                buf.drain(..end + 2);
                if end == 0 {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(invalid("body too large"));
        }
        while buf.len() < size + 2 {
            if !fill(stream, buf).await? {
                return Err(invalid("closed in chunk"));
            }
        }
        body.extend_from_slice(&buf[..size]);
        buf.drain(..size + 2);
    }
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn invalid(msg: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, msg.to_string())
}

/// Serialises status line, headers and body. `declared_len` overrides `Content-Length`.
pub fn encode(resp: &Response, close: bool, declared_len: Option<usize>) -> Vec<u8> {
    let mut out = Vec::with_capacity(resp.body.len() + 512);
    out.extend_from_slice(
        format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status)).as_bytes(),
    );
    for (k, v) in &resp.headers {
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(v.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "Content-Length: {}\r\n",
            declared_len.unwrap_or(resp.body.len())
        )
        .as_bytes(),
    );
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    } else {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&resp.body);
    out
}
