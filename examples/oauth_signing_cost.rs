//! What OAuth adds per request and per token: the time to sign a DPoP proof (every request
//! with DPoP) and a client assertion (every token request, RS256 and ES256).
//!
//! `cargo run --release --example oauth_signing_cost`
//!
//! Signs 2,000 of each after a warm-up of 200 and prints the median and p99. The RSA key is
//! the test-only fixture in `fixtures/test-keys/`; the EC keys are generated.

use std::time::{Duration, Instant};

use okta_iam::okta::auth::{ClientKey, DpopKey, JwtAlgorithm};
use okta_iam::okta::Method;
use okta_iam::secret::Secret;

const ROUNDS: usize = 2_000;
const WARM_UP: usize = 200;

fn measure(name: &str, mut sign: impl FnMut()) {
    for _ in 0..WARM_UP {
        sign();
    }
    let mut times: Vec<Duration> = (0..ROUNDS)
        .map(|_| {
            let start = Instant::now();
            sign();
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "{name:<28} median {:>8.1} µs   p99 {:>8.1} µs",
        times[ROUNDS / 2].as_secs_f64() * 1e6,
        times[ROUNDS * 99 / 100].as_secs_f64() * 1e6
    );
}

fn main() {
    let url: url::Url = "https://acme.okta.com/api/v1/users?limit=200"
        .parse()
        .unwrap();
    let token = Secret::new("eyJraWQiOiJ0ZXN0In0.access-token-for-the-measurement");
    let dpop = DpopKey::generate().expect("DPoP key");
    measure("DPoP proof (ES256)", || {
        dpop.proof(
            Method::Get,
            &url,
            Some(&token),
            Some("nonce"),
            1_700_000_000,
        )
        .unwrap();
    });
    let rsa_pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/test-keys/rsa-2048-TEST-ONLY-private.pem"
    ))
    .expect("test key fixture");
    let rsa = ClientKey::from_pem(&Secret::new(rsa_pem), JwtAlgorithm::Rs256, None).unwrap();
    let audience = "https://acme.okta.com/oauth2/v1/token";
    measure("client assertion (RS256)", || {
        rsa.sign_assertion("0oa1", audience, 1_700_000_000).unwrap();
    });
    let ec = ClientKey::throwaway().unwrap();
    measure("client assertion (ES256)", || {
        ec.sign_assertion("0oa1", audience, 1_700_000_000).unwrap();
    });
}
