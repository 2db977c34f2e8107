//! Wiremock helpers: a catch-all that names the request nobody stubbed.

use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The status of a request no stub matched: not one Okta sends, and not retried, so the
/// test fails at once on an error that names the request.
pub const NO_STUB_STATUS: u16 = 418;

/// Mounts, at the lowest priority, a mock answering every request no other mock matched
/// with [`NO_STUB_STATUS`] and an Okta-shaped error whose summary is `no stub for METHOD
/// PATH?QUERY`, so a missed stub shows up in the command's error instead of a bare 404.
pub async fn catch_all(server: &MockServer) {
    Mock::given(any())
        .respond_with(NameTheRequest)
        .with_priority(u8::MAX)
        .named("catch-all: a request no stub matched")
        .mount(server)
        .await;
}

struct NameTheRequest;

impl Respond for NameTheRequest {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        ResponseTemplate::new(NO_STUB_STATUS).set_body_json(json!({
            "errorCode": "NO_STUB",
            "errorSummary": format!("no stub for {}", describe(request)),
            "errorCauses": [],
        }))
    }
}

/// `METHOD /path?query` of a request.
pub fn describe(request: &Request) -> String {
    let query = request
        .url
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    format!("{} {}{query}", request.method, request.url.path())
}

/// A fresh server with [`catch_all`] mounted: a request the test did not stub fails the
/// command with an error that names it.
pub async fn strict_server() -> MockServer {
    let server = MockServer::start().await;
    catch_all(&server).await;
    server
}
