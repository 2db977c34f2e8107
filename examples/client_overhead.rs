//! What the Okta client costs per request over a bare reqwest client.
//!
//! `cargo run --release --example client_overhead`
//!
//! Starts a minimal HTTP/1.1 keep-alive responder on loopback that answers every request
//! with a user object (plus the `Date`, `X-Rate-Limit-*` and `X-Okta-Request-Id` headers Okta
//! sends), then makes 1,000 `GET /api/v1/users/me` through `okta::Client` and 1,000 through
//! a bare `reqwest::Client` (the floor), interleaved, after a warm-up. Both read the whole
//! body and parse it into a `serde_json::Value`. Prints median and p99 per request and the
//! ratios.

use std::time::{Duration, Instant};

use okta_iam::okta::{Client, ClientConfig};
use okta_iam::secret::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const REQUESTS: usize = 1_000;
const WARM_UP: usize = 100;
const TOKEN: &str = "00overhead-demo-token-0123456789abcdefghij";
const BODY: &str = r#"{"id":"00u5kq2w9xYbT3nJR0h7","status":"ACTIVE","created":"2025-03-04T17:21:09.000Z","activated":"2025-03-04T17:21:10.000Z","statusChanged":"2025-03-04T17:21:10.000Z","lastLogin":"2025-05-20T08:02:44.000Z","lastUpdated":"2025-05-01T12:00:00.000Z","type":{"id":"otyh3kb2c1ZQdVx9l0h7"},"profile":{"login":"dana.lee@example.com","email":"dana.lee@example.com","firstName":"Dana","lastName":"Lee","department":"Finance","title":"Analyst"},"credentials":{"password":{},"provider":{"type":"OKTA","name":"OKTA"}},"_links":{"self":{"href":"https://acme.okta.com/api/v1/users/00u5kq2w9xYbT3nJR0h7"}}}"#;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(answer(socket));
        }
    });
    let base = format!("http://{address}/api/v1/");

    let client = Client::new(ClientConfig::new(base.parse()?, Secret::new(TOKEN)))?;
    let bare = reqwest::Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .build()?;
    let me = format!("{base}users/me");

    let floor = || {
        let bare = bare.clone();
        let me = me.clone();
        async move {
            let response = bare
                .get(&me)
                .header("authorization", format!("SSWS {TOKEN}"))
                .header("accept", "application/json")
                .header("content-type", "application/json")
                .send()
                .await
                .expect("bare request");
            let body = response.bytes().await.expect("bare body");
            let value: serde_json::Value = serde_json::from_slice(&body).expect("bare json");
            assert_eq!(value["status"], "ACTIVE");
        }
    };
    let ours = || {
        let client = client.clone();
        async move {
            let value = client.users().me().await.expect("client request");
            assert_eq!(value["status"], "ACTIVE");
        }
    };

    for _ in 0..WARM_UP {
        floor().await;
        ours().await;
    }
    let mut bare_times = Vec::with_capacity(REQUESTS);
    let mut client_times = Vec::with_capacity(REQUESTS);
    for i in 0..REQUESTS {
        // Alternate which goes first so neither always gets the warmer cache.
        if i % 2 == 0 {
            bare_times.push(timed(floor()).await);
            client_times.push(timed(ours()).await);
        } else {
            client_times.push(timed(ours()).await);
            bare_times.push(timed(floor()).await);
        }
    }

    let (bare_median, bare_p99) = stats(&mut bare_times);
    let (client_median, client_p99) = stats(&mut client_times);
    println!(
        "client_overhead: {REQUESTS} requests each (after {WARM_UP} warm-up), loopback HTTP/1.1 keep-alive, GET /api/v1/users/me, {}-byte JSON body",
        BODY.len()
    );
    println!(
        "bare reqwest (floor): median {:>8.1} µs   p99 {:>8.1} µs",
        micros(bare_median),
        micros(bare_p99)
    );
    println!(
        "okta::Client        : median {:>8.1} µs   p99 {:>8.1} µs",
        micros(client_median),
        micros(client_p99)
    );
    println!(
        "ratio client/floor  : median {:>8.2}x    p99 {:>8.2}x   (median difference {:.1} µs)",
        micros(client_median) / micros(bare_median),
        micros(client_p99) / micros(bare_p99),
        micros(client_median) - micros(bare_median)
    );
    Ok(())
}

async fn timed(work: impl std::future::Future<Output = ()>) -> Duration {
    let start = Instant::now();
    work.await;
    start.elapsed()
}

fn stats(times: &mut [Duration]) -> (Duration, Duration) {
    times.sort();
    let median = times[times.len() / 2];
    let p99 = times[(times.len() * 99).div_ceil(100) - 1];
    (median, p99)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// Answers every request on one keep-alive connection with the same 200.
async fn answer(mut socket: TcpStream) {
    let _ = socket.set_nodelay(true);
    let date = chrono::Utc::now();
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\ndate: {}\r\nx-okta-request-id: reqOverheadDemo0000000000\r\nx-rate-limit-limit: 1000000\r\nx-rate-limit-remaining: 999999\r\nx-rate-limit-reset: {}\r\n\r\n",
        BODY.len(),
        date.format("%a, %d %b %Y %H:%M:%S GMT"),
        date.timestamp() + 60
    );
    let response = [head.as_bytes(), BODY.as_bytes()].concat();
    let mut buffer = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        // GETs carry no body: a request ends at the blank line.
        while let Some(end) = find_blank_line(&buffer) {
            buffer.drain(..end + 4);
            if socket.write_all(&response).await.is_err() {
                return;
            }
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

fn find_blank_line(buffer: &[u8]) -> Option<usize> {
    buffer.windows(4).position(|w| w == b"\r\n\r\n")
}
