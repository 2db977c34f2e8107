//! The SCIM connector's request shapes per preset against wiremock: PATCH updates and
//! `active: false` disables (rfc), PUT of the re-read user (update_method put), DELETE
//! disables (slack), create with a 409 as "already exists", lookups by the preset's filters.

use crate::support::scim_support::scim_connector;
use okta_iam::iam::connector::{Connector, LifecycleState};
use okta_iam::scim::connector::ScimConnector;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, path_regex, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn connector(server: &MockServer, extra: Value) -> ScimConnector {
    scim_connector(&format!("{}/scim/v2", server.uri()), "tok", extra)
}

fn ada(active: bool) -> Value {
    json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1",
        "userName": "ada", "active": active,
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
        "name": {"givenName": "Ada", "familyName": "L"}, "meta": {"version": "W/\"1\""}})
}

async fn found_by_id(connector: &ScimConnector) -> okta_iam::iam::connector::VendorUser {
    let mut users = connector.find_user("id", "u1").await.unwrap();
    assert_eq!(users.len(), 1);
    users.remove(0)
}

async fn get_u1(server: &MockServer, active: bool) {
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ada(active)))
        .mount(server)
        .await;
}

#[tokio::test]
async fn rfc_updates_with_patch_op_and_disables_with_active_false() {
    let server = MockServer::start().await;
    get_u1(&server, true).await;
    Mock::given(method("PATCH"))
        .and(path("/scim/v2/Users/u1"))
        .and(header("if-match", "W/\"1\""))
        .and(header("content-type", "application/scim+json"))
        .and(body_json(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "title", "value": "CTO"}]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(ada(true)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/scim/v2/Users/u1"))
        .and(body_json(
            json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "active", "value": false}]}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(ada(false)))
        .expect(1)
        .mount(&server)
        .await;
    let connector = connector(&server, json!({}));
    assert_eq!(
        connector.lookup_attributes(),
        ["userName", "email", "externalId"]
    );
    let user = found_by_id(&connector).await;
    let profile = json!({"title": "CTO"}).as_object().unwrap().clone();
    connector.update_user(&user, profile).await.unwrap();
    let disabled = connector.disable_user(&user).await.unwrap();
    assert_eq!(disabled.state, LifecycleState::Deprovisioned);
}

#[tokio::test]
async fn put_apps_get_the_full_re_read_user_with_the_change() {
    let server = MockServer::start().await;
    get_u1(&server, true).await;
    let mut expected = ada(true);
    expected.as_object_mut().unwrap().remove("meta");
    expected["name"]["givenName"] = json!("Augusta");
    Mock::given(method("PUT"))
        .and(path("/scim/v2/Users/u1"))
        .and(header("if-match", "W/\"1\""))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(&expected))
        .expect(1)
        .mount(&server)
        .await;
    let connector = connector(&server, json!({"preset": "aws", "update_method": "put"}));
    assert_eq!(connector.lookup_attributes(), ["userName", "externalId"]);
    let user = found_by_id(&connector).await;
    let profile = json!({"name.givenName": "Augusta"})
        .as_object()
        .unwrap()
        .clone();
    let updated = connector.update_user(&user, profile).await.unwrap();
    assert_eq!(updated.raw["name"]["familyName"], json!("L"));
}

#[tokio::test]
async fn slack_disables_with_delete_and_looks_up_by_any_email() {
    let server = MockServer::start().await;
    get_u1(&server, true).await;
    Mock::given(method("DELETE"))
        .and(path("/scim/v2/Users/u1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param(
            "filter",
            r#"emails.value eq "ada@example.com""#,
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalResults": 1, "Resources": [ada(true)]})))
        .expect(1)
        .mount(&server)
        .await;
    let connector = connector(&server, json!({"preset": "slack"}));
    let users = connector
        .find_user("email", "ada@example.com")
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    let disabled = connector.disable_user(&users[0]).await.unwrap();
    assert_eq!(disabled.state, LifecycleState::Deprovisioned);
}

#[tokio::test]
async fn a_409_on_create_is_already_exists() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .and(body_json(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "ada@example.com",
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
            "active": true}),
        ))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "409",
            "scimType": "uniqueness"})))
        .expect(1)
        .mount(&server)
        .await;
    let connector = connector(&server, json!({}));
    let profile = json!({"email": "ada@example.com"})
        .as_object()
        .unwrap()
        .clone();
    let err = connector.create_user(profile).await.unwrap_err();
    assert_eq!(err.code, json!("uniqueness"));
    assert!(
        err.message
            .starts_with("The user already exists in the app."),
        "{}",
        err.message
    );
}

/// The group's own `members` are its members (no other request).
#[tokio::test]
async fn group_members_come_with_the_group() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Groups/g1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
            "displayName": "Finance", "members": [
                {"value": "u1", "display": "Ada"}, {"value": "u2", "display": "Bob"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let members = connector(&server, json!({}))
        .group_members("g1")
        .await
        .unwrap();
    let values: Vec<&Value> = members.iter().map(|m| &m.value).collect();
    assert_eq!(values, [&json!("u1"), &json!("u2")]);
    assert_eq!(members[1].display, json!("Bob"));
}

/// Members the group lists without `display` (scim2-server drops it) keep a null display:
/// no read per member to fill it in (a group of thousands would cost thousands of requests).
#[tokio::test]
async fn group_members_without_display_keep_it_null_and_cost_no_user_reads() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Groups/g1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1",
            "displayName": "Finance", "members": [
                {"value": "u1", "type": "User"}, {"value": "u2", "display": "Bob"}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path_regex("^/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ada(true)))
        .expect(0)
        .mount(&server)
        .await;
    let members = connector(&server, json!({}))
        .group_members("g1")
        .await
        .unwrap();
    let shown: Vec<(&Value, &Value)> = members.iter().map(|m| (&m.value, &m.display)).collect();
    assert_eq!(
        shown,
        [(&json!("u1"), &Value::Null), (&json!("u2"), &json!("Bob"))]
    );
}

/// An app that leaves `members` out of the group: the users whose `groups.value` is the
/// group, over every page.
#[tokio::test]
async fn group_members_left_out_of_the_group_are_read_from_users_by_group_over_every_page() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Groups/g\"1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g\"1",
            "displayName": "Finance"})))
        .mount(&server)
        .await;
    let page = |users: Vec<Value>, start: u64| {
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 3, "itemsPerPage": users.len(), "startIndex": start,
            "Resources": users})
    };
    let filter = r#"groups.value eq "g\"1""#;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("filter", filter))
        .and(query_param("startIndex", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(
            vec![
                json!({"id": "u1", "userName": "ada", "displayName": "Ada"}),
                json!({"id": "u2", "userName": "bob"}),
            ],
            1,
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .and(query_param("filter", filter))
        .and(query_param("startIndex", "3"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(page(vec![json!({"id": "u3", "userName": "cy"})], 3)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let members = connector(&server, json!({}))
        .group_members("g\"1")
        .await
        .unwrap();
    let shown: Vec<(&Value, &Value)> = members.iter().map(|m| (&m.value, &m.display)).collect();
    assert_eq!(
        shown,
        [
            (&json!("u1"), &json!("Ada")),
            (&json!("u2"), &json!("bob")),
            (&json!("u3"), &json!("cy"))
        ]
    );
}

/// An app that shows no membership at all says so, by name.
#[tokio::test]
async fn an_app_without_membership_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Groups/g1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "g1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "400", "scimType": "invalidFilter", "detail": "groups is not filterable"})))
        .mount(&server)
        .await;
    let err = connector(&server, json!({}))
        .group_members("g1")
        .await
        .unwrap_err();
    assert_eq!(err.code, json!("membersNotListed"));
    assert!(
        err.message.contains("does not expose group membership"),
        "{}",
        err.message
    );
}

/// The per-preset lookups and bodies are `scim_presets.rs`; this is what those do not show:
/// a profile without `userName` sends its email as the `userName` on the wire, and the new
/// user's id is the one the 201 body gives.
#[tokio::test]
async fn a_create_without_user_name_sends_the_email_and_returns_the_new_id() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .and(body_json(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "userName": "grace@example.com",
            "emails": [{"value": "grace@example.com", "type": "work", "primary": true}],
            "active": true,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Navy"}})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "u2", "userName": "grace@example.com", "active": true})))
        .expect(1)
        .mount(&server)
        .await;
    let profile = json!({"email": "grace@example.com", "enterprise.department": "Navy"});
    let created = connector(&server, json!({}))
        .create_user(profile.as_object().unwrap().clone())
        .await
        .unwrap();
    assert_eq!(created.id, "u2");
}

/// A create the server accepted without a usable answer is not a success with an empty id:
/// a 201 naming no id, or a 201 whose body is not JSON, says the user may exist.
#[tokio::test]
async fn a_create_answered_without_an_id_or_without_json_says_the_user_may_exist() {
    for (answer, expected) in [
        (
            ResponseTemplate::new(201).set_body_json(json!({"userName": "grace@example.com"})),
            "The SCIM server accepted the create but its answer names no user id: the user was \
             probably created; look it up (iam-get-user) before creating it again.",
        ),
        (
            ResponseTemplate::new(201).set_body_string("<html>created</html>"),
            "The SCIM server answered 201 with a body that is not JSON. The create was sent \
             once and not repeated: the user may have been created anyway; look it up \
             (iam-get-user) before creating it again.",
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/scim/v2/Users"))
            .respond_with(answer)
            .expect(1)
            .mount(&server)
            .await;
        let profile = json!({"email": "grace@example.com"});
        let err = connector(&server, json!({}))
            .create_user(profile.as_object().unwrap().clone())
            .await
            .unwrap_err();
        assert_eq!(err.message, expected);
    }
}

/// A lookup by an attribute the instance does not look users up by is refused, naming the
/// param, and sends nothing (it used to fall back to a `userName` filter).
#[tokio::test]
async fn a_lookup_by_an_attribute_not_configured_is_refused_and_sends_nothing() {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/scim/v2/"))
        .respond_with(ResponseTemplate::new(200).set_body_json(ada(true)))
        .expect(0)
        .mount(&server)
        .await;
    let err = connector(&server, json!({}))
        .find_user("displayName", "Ada")
        .await
        .unwrap_err();
    assert_eq!(
        err.message,
        "'displayName' is not one of this instance's lookup attributes (userName, email, \
         externalId); add it to the lookup_attributes param."
    );
}

/// A lookup order that repeats an attribute keeps it once, and one order is one interned
/// list however many connectors use it (so no calling context can grow them without bound).
#[tokio::test]
async fn a_repeated_lookup_attribute_counts_once_and_orders_are_shared() {
    let server = MockServer::start().await;
    let repeated = json!({"lookup_attributes": "userName, userName, externalId, username"});
    let first = connector(&server, repeated.clone());
    assert_eq!(first.lookup_attributes(), ["userName", "externalId"]);
    let second = connector(
        &server,
        json!({"lookup_attributes": "userName, externalId"}),
    );
    assert!(std::ptr::eq(
        first.lookup_attributes(),
        second.lookup_attributes()
    ));
}
