//! `test-module` through the real binary: ok, a bad token, an unreachable URL, bad params, and
//! the fetch settings when `isFetch` is set.

use crate::support as common;

use common::*;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "test-module-token-9f8e7d6c5b4a";

/// Runs one test-module through `okta-iam serve --state` and returns its single entry plus
/// the process's stderr.
async fn test_module(params: Value) -> (Value, String) {
    let dir = temp_dir("test-module");
    let state = dir.join("state.json");
    let line = json!({"command": "test-module", "params": params}).to_string();
    let output = tokio::task::spawn_blocking(move || {
        run(
            &[
                "serve",
                "--state",
                state.to_str().unwrap(),
                "--max-retries",
                "1",
                "--log-level",
                "trace",
            ],
            format!("{line}\n").as_bytes(),
        )
    })
    .await
    .unwrap();
    assert!(output.status.success());
    assert_no_secret(
        TOKEN,
        &[("stdout", &output.stdout), ("stderr", &output.stderr)],
    );
    let lines = protocol_lines(&output.stdout);
    let entries = result_entries(&lines);
    assert_eq!(entries.len(), 1);
    assert_eq!(lines.last().unwrap(), &json!({"type": "completed"}));
    (
        entries[0].clone(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[tokio::test]
async fn ok_when_okta_answers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .and(header("authorization", format!("SSWS {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "00uadmin"})))
        .expect(1)
        .mount(&server)
        .await;
    let (entry, _) =
        test_module(json!({"url": server.uri(), "credentials": {"password": TOKEN}})).await;
    assert_eq!(
        entry,
        json!({"Type": 1, "ContentsFormat": "text", "Contents": "ok", "EntryContext": {}})
    );
}

#[tokio::test]
async fn bad_token_is_an_actionable_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "errorCode": "E0000011", "errorSummary": "Invalid token provided",
            "errorLink": "E0000011", "errorId": "oae1", "errorCauses": []})))
        .mount(&server)
        .await;
    let (entry, _) = test_module(json!({"url": server.uri(), "apitoken": TOKEN})).await;
    assert_eq!(entry["Type"], 4);
    assert_eq!(
        entry["Contents"],
        "Failed to execute test-module command. Error: Okta rejected the API token (E0000011: Invalid token provided). Check the API Token parameter: the token may be wrong, revoked, or expired after 30 days without use."
    );
}

#[tokio::test]
async fn unreachable_url_is_an_actionable_error() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let (entry, _) =
        test_module(json!({"url": format!("http://127.0.0.1:{port}"), "apitoken": TOKEN})).await;
    assert_eq!(entry["Type"], 4);
    let text = entry["Contents"].as_str().unwrap();
    assert!(
        text.starts_with(&format!("Failed to execute test-module command. Error: Cannot reach Okta at http://127.0.0.1:{port}/api/v1/: ")),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "nothing listens on 127.0.0.1:{port}: check the url param."
        )),
        "{text}"
    );
}

#[tokio::test]
async fn bad_params_say_what_to_fix() {
    let cases = [
        (
            json!({"apitoken": TOKEN}),
            "The Okta URL parameter (url) is missing",
        ),
        (
            json!({"url": "http://acme.okta.com", "apitoken": TOKEN}),
            "must use https://",
        ),
        (json!({"url": "https://acme.okta.com"}), "Missing API token"),
        (
            json!({"url": "https://acme.okta.com", "apitoken": TOKEN, "mapper-in": "No Such Mapper"}),
            "mapper-in",
        ),
        (
            json!({"url": "https://acme.okta.com", "apitoken": TOKEN, "isFetch": true, "auto_generate_query_filter": false}),
            "you must add at least one application in the IAM Configuration incident",
        ),
        (
            json!({"url": "https://acme.okta.com", "apitoken": TOKEN, "isFetch": "true", "auto_generate_query_filter": "true"}),
            "you must add at least one application in the IAM Configuration incident",
        ),
        (
            json!({"url": "https://acme.okta.com", "apitoken": TOKEN, "isFetch": true, "auto_generate_query_filter": false,
                "fetch_query_filter": "eventType eq \"x\"", "first_fetch": "yesterday-ish"}),
            "First fetch timestamp parameter is not in the correct format",
        ),
        (
            json!({"url": "https://acme.okta.com", "apitoken": TOKEN, "isFetch": true, "auto_generate_query_filter": false,
                "fetch_query_filter": "eventType eq \"x\"", "max_fetch": "0"}),
            "must be a whole number from 1 to 1000",
        ),
    ];
    for (params, expected) in cases {
        let (entry, _) = test_module(params.clone()).await;
        assert_eq!(entry["Type"], 4, "{params}");
        let text = entry["Contents"].as_str().unwrap();
        assert!(text.contains(expected), "{params}: {text}");
    }
}
