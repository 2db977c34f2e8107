//! The SCIM client against wiremock: ids and filter values that cannot change the request,
//! ListResponse paging, If-Match with one re-read on 412, Retry-After on 429, a create never
//! repeated after a 5xx, and SCIM error bodies in words.

use std::sync::Arc;
use std::time::Duration;

use okta_iam::http::VirtualClock;
use okta_iam::scim::client::{Resource, ScimClient};
use okta_iam::scim::error::ScimError;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::scim_support::scim_core;

const TOKEN: &str = "scim-s3cret-token";

fn client(server: &MockServer, clock: Arc<VirtualClock>) -> ScimClient {
    let base = format!("{}/scim/v2/", server.uri()).parse().unwrap();
    ScimClient::new(scim_core(TOKEN, clock), base)
}

fn user(id: &str, version: &str) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": id,
        "userName": "ada@example.com", "active": true, "meta": {"version": version}})
}

#[tokio::test]
async fn a_hostile_id_stays_one_path_segment() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/..%2FGroups%3Fcount%3D1%23x"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(user("../Groups?count=1#x", "W/\"1\"")),
        )
        .expect(1)
        .mount(&server)
        .await;
    // A server that decodes `%2F` before routing answers `u1/` with the user `u1`: refused.
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1%2F"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("u1", "W/\"1\"")))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server, Arc::new(VirtualClock::new()));
    let found = client
        .get_user("../Groups?count=1#x")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id(), Some("../Groups?count=1#x"));
    let err = client.get_user("u1/").await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "The SCIM server answered the request for the user with id \"u1/\" with another user \
         (\"u1\"); nothing was done with it. Check the id."
    );
    for bad in ["", ".", ".."] {
        let err = client.get_user(bad).await.unwrap_err();
        assert!(matches!(err, ScimError::InvalidRequest(_)), "{err}");
    }
}

#[tokio::test]
async fn a_hostile_filter_value_stays_one_literal_and_pages_are_read_to_the_total() {
    let server = MockServer::start().await;
    let filter = r#"userName eq "x\" or userName pr or userName eq \"y""#;
    let page = |ids: &[&str], start: u64| {
        let resources: Vec<Value> = ids.iter().map(|id| user(id, "1")).collect();
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 3, "itemsPerPage": ids.len(), "startIndex": start,
            "Resources": resources})
    };
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("filter", filter))
        .and(query_param("startIndex", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&["a", "b"], 1)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("filter", filter))
        .and(query_param("startIndex", "3"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(&["c"], 3)))
        .expect(1)
        .mount(&server)
        .await;
    let built = okta_iam::scim::filter::LookupAttribute::Simple("userName")
        .filter(r#"x" or userName pr or userName eq "y"#);
    assert_eq!(built, filter);
    let users = client(&server, Arc::new(VirtualClock::new()))
        .find_users(&built)
        .await
        .unwrap();
    let ids: Vec<&str> = users.iter().filter_map(|u| u["id"].as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
}

#[tokio::test]
async fn a_412_leads_to_one_re_read_and_a_retry_with_the_fresh_etag() {
    let server = MockServer::start().await;
    let ops = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": false}}]});
    Mock::given(method("PATCH"))
        .and(path("/scim/v2/Users/u1"))
        .and(header("if-match", "W/\"1\""))
        .respond_with(ResponseTemplate::new(412).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "412"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("ETag", "W/\"2\"")
                .set_body_json(user("u1", "W/\"2\"")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut after = user("u1", "W/\"3\"");
    after["active"] = json!(false);
    Mock::given(method("PATCH"))
        .and(path("/scim/v2/Users/u1"))
        .and(header("if-match", "W/\"2\""))
        .and(body_json(&ops))
        .respond_with(ResponseTemplate::new(200).set_body_json(after))
        .expect(1)
        .mount(&server)
        .await;
    let current = Resource {
        body: user("u1", "W/\"1\""),
        etag: Some("W/\"1\"".into()),
    };
    let ops_list = ops["Operations"].as_array().unwrap().clone();
    let updated = client(&server, Arc::new(VirtualClock::new()))
        .patch_user(&current, ops_list)
        .await
        .unwrap();
    assert_eq!(updated.body["active"], json!(false));
    assert_eq!(updated.etag.as_deref(), Some("W/\"3\""));
}

#[tokio::test]
async fn a_second_412_is_an_error_not_a_blind_overwrite() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(412))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(user("u1", "W/\"2\"")))
        .expect(1)
        .mount(&server)
        .await;
    let current = Resource {
        body: user("u1", "W/\"1\""),
        etag: Some("W/\"1\"".into()),
    };
    let changes = json!({"title": "CTO"}).as_object().unwrap().clone();
    let err = client(&server, Arc::new(VirtualClock::new()))
        .put_user(&current, &changes)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(412));
    assert_eq!(err.to_string(), "The user changed since it was read (412).");
}

#[tokio::test]
async fn a_429_waits_its_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/ServiceProviderConfig"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "7"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/ServiceProviderConfig"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"patch": {"supported": true}})),
        )
        .mount(&server)
        .await;
    let clock = Arc::new(VirtualClock::new());
    let config = client(&server, clock.clone())
        .service_provider_config()
        .await
        .unwrap();
    assert_eq!(config["patch"]["supported"], json!(true));
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert!(sleeps[0] >= Duration::from_secs(7), "{sleeps:?}");
}

#[tokio::test]
async fn a_create_that_gets_a_5xx_is_not_sent_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server, Arc::new(VirtualClock::new()))
        .create_user(&user("", "1"))
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
}

#[tokio::test]
async fn a_409_on_create_says_the_user_exists_and_keeps_no_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409",
            "scimType": "uniqueness", "detail": format!("userName taken (token {TOKEN})")})))
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server, Arc::new(VirtualClock::new()))
        .create_user(&user("", "1"))
        .await
        .unwrap_err();
    let ScimError::Answer(failure) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(failure.code, json!("uniqueness"));
    assert!(err.to_string().contains("already exists"), "{err}");
    assert!(
        err.to_string().ends_with("userName taken (token ***)"),
        "{err}"
    );
}

/// A server that never says the list is done is read for `MAX_PAGES` pages, then the lookup
/// is an error (never a silently cut list, never an endless loop).
#[tokio::test]
async fn a_list_that_never_ends_stops_after_max_pages_with_an_error() {
    use okta_iam::scim::client::{MAX_PAGES, PAGE_SIZE};
    let server = MockServer::start().await;
    let resources: Vec<Value> = (0..PAGE_SIZE)
        .map(|i| user(&format!("u{i}"), "1"))
        .collect();
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("count", PAGE_SIZE.to_string().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 1_000_000, "itemsPerPage": PAGE_SIZE, "Resources": resources})))
        .expect(MAX_PAGES)
        .mount(&server)
        .await;
    let err = client(&server, Arc::new(VirtualClock::new()))
        .find_users("userName pr")
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("did not end after {MAX_PAGES} pages")),
        "{err}"
    );
}
