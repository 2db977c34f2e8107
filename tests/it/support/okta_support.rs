//! Shared helpers for the Okta client tests: a client pointed at a loopback wiremock server,
//! with a virtual clock so rate-limit waits are recorded instead of slept.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use okta_iam::okta::{Client, ClientConfig, ReqwestTransport, VirtualClock};
use okta_iam::secret::Secret;
use wiremock::{MockServer, Request, ResponseTemplate};

/// A token that must never show up in any output.
pub const TOKEN: &str = "00okta-TEST-token-NEVER-print-me-0123456789";

/// The `Date` every test response carries, and the same instant as epoch seconds.
pub const DATE: &str = "Tue, 20 May 2025 16:54:14 GMT";
pub const DATE_EPOCH: i64 = 1_747_760_054;

pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/okta/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub fn base_url(server: &MockServer) -> url::Url {
    format!("{}/api/v1/", server.uri()).parse().unwrap()
}

pub fn config(server: &MockServer) -> ClientConfig {
    ClientConfig::new(base_url(server), Secret::new(TOKEN))
}

/// A client over the real reqwest transport and a [`VirtualClock`].
pub fn client_with(config: ClientConfig) -> (Client, Arc<VirtualClock>) {
    let clock = Arc::new(VirtualClock::new());
    let transport = Arc::new(ReqwestTransport::new(&config).expect("transport"));
    (
        Client::with_transport_and_clock(config, transport, clock.clone()),
        clock,
    )
}

pub fn client(server: &MockServer) -> (Client, Arc<VirtualClock>) {
    client_with(config(server))
}

/// A JSON answer.
pub fn json(status: u16, body: &str) -> ResponseTemplate {
    ResponseTemplate::new(status)
        .set_body_raw(body.as_bytes().to_vec(), "application/json")
        .insert_header("date", DATE)
}

/// A 429 `E0000047` whose window resets `reset_in` seconds after [`DATE`].
pub fn rate_limited(reset_in: i64, request_id: &str) -> ResponseTemplate {
    json(429, &fixture("error_rate_limit.json"))
        .insert_header("x-rate-limit-limit", "600")
        .insert_header("x-rate-limit-remaining", "0")
        .insert_header("x-rate-limit-reset", (DATE_EPOCH + reset_in).to_string())
        .insert_header("x-okta-request-id", request_id)
}

pub fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}

pub fn header_count(request: &Request, name: &str) -> usize {
    request.headers.get_all(name).iter().count()
}

pub fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}
