//! What a real SCIM server rarely does on demand, through the real binary (`okta-iam serve
//! --vendor scim`) against wiremock: a 412 on update (one re-read, one retry with the new
//! ETag), a 429 with `Retry-After` (waited, then answered), a 5xx on create (never sent
//! again), and SCIM error bodies (`invalidFilter`, `mutability`, `uniqueness`) as the IAM
//! result's errorCode and errorMessage.

use std::time::Duration;

use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::only_entry;
use crate::support::scim_support::serve_scim;

const TOKEN: &str = "iam-test-token-0123456789abcdef";
const WAIT: Duration = Duration::from_secs(30);
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Runs one `iam-*` command with `profile` through a fresh `serve --vendor scim` pointed at
/// `server`; the IAM result.
fn iam(server: &MockServer, command: &str, profile: Value) -> Value {
    let mut daemon = serve_scim("scim-faults");
    let params = json!({"url": format!("{}/scim/v2", server.uri()),
        "credentials": {"password": TOKEN}});
    let line = json!({"command": command, "params": params,
        "args": {"user-profile": profile.to_string()}})
    .to_string();
    let entry = only_entry(&daemon.execute(&line, WAIT));
    daemon.finish();
    assert_eq!(entry["Type"], 1, "{entry}");
    entry["Contents"].clone()
}

fn ada(version: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1",
        "userName": "ada@example.com", "active": true,
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
        "meta": {"version": version}})
}

fn list(users: &[Value]) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": users.len(), "itemsPerPage": users.len(), "startIndex": 1,
        "Resources": users}))
}

fn scim_error(status: u16, scim_type: &str, detail: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"schemas": [ERROR],
        "status": status.to_string(), "scimType": scim_type, "detail": detail}))
}

/// `METHOD path [if-match]` of every request received.
async fn requests(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| match r.headers.get("if-match") {
            Some(etag) => format!(
                "{} {} if-match:{}",
                r.method,
                r.url.path(),
                etag.to_str().unwrap()
            ),
            None => format!("{} {}", r.method, r.url.path()),
        })
        .collect()
}

/// `GET /Users/u1` answered with ada at this ETag (mount it, perhaps `up_to_n_times`).
fn read_of_ada(version: &str) -> Mock {
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ada(version)))
}

/// The IAM result failed with this errorCode and exactly this errorMessage.
fn assert_failed(result: &Value, code: impl Into<Value>, message: &str) {
    assert_eq!(result["success"], false, "{result}");
    assert_eq!(result["errorCode"], code.into(), "{result}");
    assert_eq!(result["errorMessage"], message, "{result}");
}

async fn found_ada(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(list(&[ada("W/\"1\"")]))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_412_on_update_re_reads_once_and_retries_with_the_new_etag() {
    let server = MockServer::start().await;
    found_ada(&server).await;
    read_of_ada("W/\"1\"").up_to_n_times(1).mount(&server).await;
    read_of_ada("W/\"2\"").mount(&server).await;
    Mock::given(method("PATCH"))
        .and(header("if-match", "W/\"1\""))
        .respond_with(scim_error(412, "invalidVers", "changed"))
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(header("if-match", "W/\"2\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(ada("W/\"3\"")))
        .mount(&server)
        .await;
    let result = iam(
        &server,
        "iam-update-user",
        json!({"email": "ada@example.com", "title": "CTO"}),
    );
    assert_eq!(result["success"], true, "{result}");
    assert_eq!(
        requests(&server).await,
        [
            "GET /scim/v2/Users",
            "GET /scim/v2/Users/u1",
            "PATCH /scim/v2/Users/u1 if-match:W/\"1\"",
            "GET /scim/v2/Users/u1",
            "PATCH /scim/v2/Users/u1 if-match:W/\"2\"",
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_412_is_an_error_in_words_not_an_overwrite() {
    let server = MockServer::start().await;
    found_ada(&server).await;
    read_of_ada("W/\"1\"").mount(&server).await;
    Mock::given(method("PATCH"))
        .respond_with(scim_error(412, "invalidVers", "changed"))
        .mount(&server)
        .await;
    let result = iam(
        &server,
        "iam-disable-user",
        json!({"email": "ada@example.com"}),
    );
    assert_failed(
        &result,
        "invalidVers",
        "The user changed since it was read (ETag mismatch). The app says: changed",
    );
    let sent = requests(&server).await;
    assert_eq!(sent.iter().filter(|r| r.starts_with("PATCH")).count(), 2);
    assert!(
        sent.iter()
            .filter(|r| r.starts_with("PATCH"))
            .all(|r| r.contains("if-match")),
        "never a write without If-Match: {sent:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_waited_out_as_retry_after_says() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(scim_error(429, "", "slow down").insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    found_ada(&server).await;
    let result = iam(&server, "iam-get-user", json!({"email": "ada@example.com"}));
    assert_eq!(result["success"], true, "{result}");
    assert_eq!(result["id"], "u1");
    assert_eq!(
        requests(&server).await,
        ["GET /scim/v2/Users", "GET /scim/v2/Users"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_5xx_on_create_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(list(&[]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let result = iam(
        &server,
        "iam-create-user",
        json!({"email": "new@example.com"}),
    );
    assert_failed(
        &result,
        503,
        "The SCIM server answered with HTTP 503: a failure on the app's side (tell its \
         administrators if it persists). The create was sent once and not repeated: the user \
         may have been created anyway; look it up (iam-get-user) before creating it again.",
    );
    assert_eq!(
        requests(&server).await,
        ["GET /scim/v2/Users", "POST /scim/v2/Users"],
        "the create was sent once"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn scim_error_bodies_become_codes_and_words() {
    // invalidFilter on the lookup.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(scim_error(400, "invalidFilter", "emails[ not supported"))
        .mount(&server)
        .await;
    let result = iam(&server, "iam-get-user", json!({"email": "ada@example.com"}));
    assert_failed(
        &result,
        "invalidFilter",
        "The app refused the lookup filter; check the lookup_attributes param against the \
         attributes the app can filter on. The app says: emails[ not supported",
    );

    // mutability on the update.
    let server = MockServer::start().await;
    found_ada(&server).await;
    read_of_ada("W/\"1\"").mount(&server).await;
    Mock::given(method("PATCH"))
        .respond_with(scim_error(400, "mutability", "userName is immutable"))
        .expect(1)
        .mount(&server)
        .await;
    let result = iam(
        &server,
        "iam-update-user",
        json!({"email": "ada@example.com", "username": "ada2@example.com"}),
    );
    assert_failed(
        &result,
        "mutability",
        "The change sets an attribute the app does not let you change (read-only or \
         immutable); remove it from the outgoing mapper. The app says: userName is immutable",
    );

    // uniqueness on create (a 409 the lookup did not foresee).
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(list(&[]))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(scim_error(409, "uniqueness", "userName taken"))
        .expect(1)
        .mount(&server)
        .await;
    let result = iam(
        &server,
        "iam-create-user",
        json!({"email": "ada@example.com"}),
    );
    assert_failed(
        &result,
        "uniqueness",
        "The user already exists in the app. A user with one of these unique attributes \
         (userName, externalId, email) already exists in the app. The app says: userName taken",
    );
}
