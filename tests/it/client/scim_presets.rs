//! Every preset's requests, in full, against wiremock: the same script (look the user up by
//! each of the preset's lookup attributes, create, update, disable) run per preset, and the
//! requests wiremock received compared with the ones the preset stands for (method, path,
//! decoded query, body, If-Match).

use crate::support::scim_support::scim_connector;
use okta_iam::iam::connector::Connector;
use okta_iam::scim::connector::ScimConnector;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn connector(server: &MockServer, preset: &str) -> ScimConnector {
    scim_connector(
        &format!("{}/scim/v2", server.uri()),
        "tok",
        json!({"preset": preset}),
    )
}

fn ada() -> Value {
    json!({"schemas": [USER], "id": "u1", "userName": "ada", "active": true,
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
        "meta": {"version": "W/\"7\""}})
}

async fn app() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 1, "itemsPerPage": 1, "startIndex": 1, "Resources": [ada()]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ada()))
        .mount(&server)
        .await;
    for verb in ["PATCH", "PUT"] {
        Mock::given(method(verb))
            .and(path("/scim/v2/Users/u1"))
            .respond_with(ResponseTemplate::new(200).set_body_json(ada()))
            .mount(&server)
            .await;
    }
    Mock::given(method("DELETE"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(201).set_body_json(ada()))
        .mount(&server)
        .await;
    server
}

/// One request as `METHOD path?decoded-query [if-match:ETag]` and its JSON body (`Null`
/// when it has none; compared as JSON, so key order does not matter).
type Sent = (String, Value);

async fn received(server: &MockServer) -> Vec<Sent> {
    let mut lines = Vec::new();
    for request in server.received_requests().await.unwrap() {
        let query: Vec<String> = request
            .url
            .query_pairs()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut line = format!("{} {}", request.method, request.url.path());
        if !query.is_empty() {
            line.push_str(&format!("?{}", query.join("&")));
        }
        if let Some(etag) = request.headers.get("if-match") {
            line.push_str(&format!(" if-match:{}", etag.to_str().unwrap()));
        }
        let body = if request.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&request.body).unwrap()
        };
        lines.push((line, body));
    }
    lines
}

/// Runs the script against a fresh app for `preset`; the requests it sent.
async fn script(preset: &str) -> Vec<Sent> {
    let server = app().await;
    let connector = connector(&server, preset);
    for attribute in connector.lookup_attributes() {
        let value = if *attribute == "email" {
            "ada@example.com"
        } else {
            "ada"
        };
        connector.find_user(attribute, value).await.unwrap();
    }
    let profile = json!({"userName": "ada", "email": "ada@example.com",
        "name.givenName": "Ada", "enterprise.department": "R&D"});
    let created = connector
        .create_user(profile.as_object().unwrap().clone())
        .await
        .unwrap();
    assert_eq!(created.id, "u1", "{preset}: the id of the 201 body");
    let user = connector.find_user("id", "u1").await.unwrap().remove(0);
    let change = json!({"title": "CTO"});
    connector
        .update_user(&user, change.as_object().unwrap().clone())
        .await
        .unwrap();
    connector.disable_user(&user).await.unwrap();
    received(&server).await
}

fn lookup(filter: &str) -> Sent {
    (
        format!("GET /scim/v2/Users?filter={filter}&startIndex=1&count=100"),
        Value::Null,
    )
}

fn create(with_enterprise: bool) -> Sent {
    let mut body = json!({"schemas": [USER], "userName": "ada",
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
        "name": {"givenName": "Ada"}, "active": true});
    if with_enterprise {
        body["schemas"] = json!([USER, ENTERPRISE]);
        body[ENTERPRISE] = json!({"department": "R&D"});
    }
    ("POST /scim/v2/Users".into(), body)
}

fn patch(path: &str, value: Value) -> Sent {
    let body = json!({"schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "path": path, "value": value}]});
    ("PATCH /scim/v2/Users/u1 if-match:W/\"7\"".into(), body)
}

fn read() -> Sent {
    ("GET /scim/v2/Users/u1".into(), Value::Null)
}

/// What every preset sends for the script: one lookup per filter, in order, then the create
/// (with or without the enterprise extension), the re-read and PATCH of the update, and the
/// re-read and `disable` of the disable.
fn expected(filters: &[&str], with_enterprise: bool, disable: Sent) -> Vec<Sent> {
    let mut sent: Vec<Sent> = filters.iter().map(|filter| lookup(filter)).collect();
    sent.extend([
        create(with_enterprise),
        read(),
        read(),
        patch("title", json!("CTO")),
        read(),
        disable,
    ]);
    sent
}

#[tokio::test]
async fn rfc_looks_up_by_username_work_email_and_external_id_and_patches() {
    assert_eq!(
        script("rfc").await,
        expected(
            &[
                r#"userName eq "ada""#,
                r#"emails[type eq "work" and value eq "ada@example.com"]"#,
                r#"externalId eq "ada""#,
            ],
            true,
            patch("active", json!(false)),
        )
    );
}

#[tokio::test]
async fn github_looks_up_by_username_and_external_id_and_sends_no_enterprise_extension() {
    assert_eq!(
        script("github").await,
        expected(
            &[r#"userName eq "ada""#, r#"externalId eq "ada""#],
            false,
            patch("active", json!(false)),
        )
    );
}

#[tokio::test]
async fn atlassian_and_aws_look_up_by_username_and_external_id_and_patch() {
    for preset in ["atlassian", "aws"] {
        assert_eq!(
            script(preset).await,
            expected(
                &[r#"userName eq "ada""#, r#"externalId eq "ada""#],
                true,
                patch("active", json!(false)),
            ),
            "{preset}"
        );
    }
}

#[tokio::test]
async fn slack_looks_up_by_any_email_and_disables_with_delete() {
    assert_eq!(
        script("slack").await,
        expected(
            &[
                r#"userName eq "ada""#,
                r#"emails.value eq "ada@example.com""#,
            ],
            true,
            (
                "DELETE /scim/v2/Users/u1 if-match:W/\"7\"".into(),
                Value::Null,
            ),
        )
    );
}
