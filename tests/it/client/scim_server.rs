//! The SCIM connector against a real SCIM 2.0 server (`scim2-server`, started per test on a
//! loopback port by `tests/scim/server.rs`): the user lifecycle, the mapping fields from its
//! `/Schemas`, a group's members, two users behind one email, and hostile filter values and
//! ids that find nothing but their own user and change nobody.
//!
//! Skipped (saying why) when the server is not installed, unless
//! `OKTA_IAM_REQUIRE_SCIM_SERVER` is set (CI sets it).

use okta_iam::iam::connector::{
    Connector, ErrorKind, GroupLookup, GroupSearch, LifecycleState, VendorUser,
};
use okta_iam::scim::connector::ScimConnector;
use serde_json::{json, Map, Value};

use crate::support::scim_server::{ScimServer, SCIM_TOKEN};
use crate::support::scim_support::scim_connector;

fn connector(server: &ScimServer, extra: Value) -> ScimConnector {
    scim_connector(&server.base_url(), SCIM_TOKEN, extra)
}

fn profile(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

/// The user with this id as the server holds it.
fn on_server(server: &ScimServer, id: &str) -> Value {
    let (status, body) = server.request("GET", &format!("/v2/Users/{id}"), None);
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn the_user_lifecycle_against_scim2_server() {
    let Some(server) = ScimServer::start_or_skip() else {
        return;
    };
    let connector = connector(&server, json!({}));
    assert!(connector
        .find_user("userName", "ada@example.com")
        .await
        .unwrap()
        .is_empty());

    let created = connector
        .create_user(profile(json!({"email": "ada@example.com",
            "name.givenName": "Ada", "name.familyName": "Lovelace",
            "enterprise.department": "R&D"})))
        .await
        .unwrap();
    assert_eq!(created.username.as_deref(), Some("ada@example.com"));
    assert_eq!(created.state, LifecycleState::Active);
    let stored = on_server(&server, &created.id);
    assert_eq!(stored["emails"][0]["value"], "ada@example.com");
    assert_eq!(stored["emails"][0]["type"], "work");
    assert_eq!(
        stored["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"],
        "R&D"
    );

    // Found by each default lookup attribute, and by id.
    for (attribute, value) in [
        ("userName", "ADA@example.com"),
        ("email", "ada@example.com"),
        ("id", created.id.as_str()),
    ] {
        let found = connector.find_user(attribute, value).await.unwrap();
        assert_eq!(found.len(), 1, "{attribute}");
        assert_eq!(found[0].id, created.id);
    }

    let updated = connector
        .update_user(
            &created,
            profile(json!({"title": "Countess", "name.givenName": "Augusta"})),
        )
        .await
        .unwrap();
    assert_eq!(updated.raw["title"], "Countess");
    let stored = on_server(&server, &created.id);
    assert_eq!(stored["name"]["givenName"], "Augusta");
    assert_eq!(stored["name"]["familyName"], "Lovelace", "the rest is kept");

    let disabled = connector.disable_user(&updated).await.unwrap();
    assert_eq!(disabled.state, LifecycleState::Deprovisioned);
    assert_eq!(on_server(&server, &created.id)["active"], false);

    let enabled = connector.enable_user(&disabled).await.unwrap().unwrap();
    assert_eq!(enabled.state, LifecycleState::Active);
    assert_eq!(on_server(&server, &created.id)["active"], true);

    // A second create of the same userName (case-insensitive on this server): already exists.
    let again = connector
        .create_user(profile(json!({"email": "Ada@Example.com"})))
        .await
        .unwrap_err();
    assert_eq!(again.code, json!("uniqueness"));
    assert!(
        again
            .message
            .starts_with("The user already exists in the app."),
        "{}",
        again.message
    );
    assert_eq!(server.users().len(), 1);
}

#[tokio::test]
async fn a_put_keeps_a_change_made_since_the_user_was_looked_up() {
    let Some(server) = ScimServer::start_or_skip() else {
        return;
    };
    let connector = connector(&server, json!({"update_method": "put"}));
    let ada = server.seed_user(json!({"userName": "ada", "title": "Analyst",
        "name": {"givenName": "Ada", "familyName": "Lovelace"}}));
    let id = ada["id"].as_str().unwrap();
    // Someone else changes the user after our lookup: the PUT is built from the user read
    // just before it, with that ETag, so the other change is kept, not overwritten. (The 412
    // path itself, a change between that read and the write, is in scim_client.rs.)
    let read = connector.find_user("id", id).await.unwrap().remove(0);
    let (status, _) = server.request(
        "PATCH",
        &format!("/v2/Users/{id}"),
        Some(
            &json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "name.familyName", "value": "King"}]}),
        ),
    );
    assert!(status == 200 || status == 204);
    connector
        .update_user(&read, profile(json!({"title": "Countess"})))
        .await
        .unwrap();
    let stored = on_server(&server, id);
    assert_eq!(stored["title"], "Countess");
    assert_eq!(
        stored["name"]["familyName"], "King",
        "the other writer's change is kept, not overwritten"
    );
}

#[tokio::test]
async fn two_users_with_one_work_email_both_come_back() {
    let Some(server) = ScimServer::start_or_skip() else {
        return;
    };
    for name in ["ada.one", "ada.two"] {
        server.seed_user(json!({"userName": name,
            "emails": [{"value": "ada@example.com", "type": "work", "primary": true}]}));
    }
    server.seed_user(json!({"userName": "other",
        "emails": [{"value": "ada@example.com", "type": "home"}]}));
    let found = connector(&server, json!({}))
        .find_user("email", "ada@example.com")
        .await
        .unwrap();
    let mut names: Vec<_> = found.iter().filter_map(|u| u.username.clone()).collect();
    names.sort();
    assert_eq!(names, ["ada.one", "ada.two"], "only work emails count");
}

#[tokio::test]
async fn mapping_fields_come_from_the_servers_schemas() {
    let Some(server) = ScimServer::start_or_skip() else {
        return;
    };
    let fields = connector(&server, json!({})).schema_fields().await.unwrap();
    let names: Vec<&str> = fields.iter().map(|(name, _)| name.as_str()).collect();
    for expected in [
        "userName",
        "name.givenName",
        "title",
        "enterprise.department",
        "enterprise.employeeNumber",
    ] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
}

#[tokio::test]
async fn a_group_lists_every_member() {
    let Some(server) = ScimServer::start_or_skip() else {
        return;
    };
    let members: Vec<Value> = (0..3)
        .map(|i| server.seed_user(json!({"userName": format!("member{i}")})))
        .collect();
    let group = server.seed_group("Admins", &members);
    let connector = connector(&server, json!({}));
    let GroupSearch::Found(found) = connector
        .find_group(&GroupLookup::DisplayName("Admins".into()))
        .await
        .unwrap()
    else {
        panic!("the group is found by name");
    };
    assert_eq!(found.id, group["id"]);
    let listed = connector.group_members(&found.key).await.unwrap();
    let mut ids: Vec<Value> = listed.iter().map(|m| m.value.clone()).collect();
    ids.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    let mut expected: Vec<Value> = members.iter().map(|m| m["id"].clone()).collect();
    expected.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    assert_eq!(ids, expected);
    assert!(matches!(
        connector
            .find_group(&GroupLookup::Id("no-such-group".into()))
            .await
            .unwrap(),
        GroupSearch::NotFound { .. }
    ));
}

/// Values that would widen or rewrite a filter if pasted into it.
const HOSTILE_VALUES: &[&str] = &[
    "q\"uote",
    "back\\slash\\",
    "x\" or userName pr or userName eq \"y",
    "a) and (b",
    "a\" or \"1\" eq \"1",
    "new\nline",
    "tab\there",
    "ünïcödé ☃ 名前",
];

#[tokio::test]
async fn hostile_filter_values_find_only_their_own_user() {
    let Some(server) = ScimServer::start_or_skip() else {
        return;
    };
    server.seed_user(json!({"userName": "victim",
        "emails": [{"value": "victim@example.com", "type": "work"}]}));
    for value in HOSTILE_VALUES {
        server.seed_user(json!({"userName": value,
            "emails": [{"value": value, "type": "work"}]}));
    }
    let before = server.users();
    let connector = connector(&server, json!({}));
    for value in HOSTILE_VALUES {
        for attribute in ["userName", "email"] {
            let found = connector.find_user(attribute, value).await.unwrap();
            let names: Vec<_> = found.iter().map(|u| u.username.clone()).collect();
            assert_eq!(names, [Some(value.to_string())], "{attribute} {value:?}");
        }
    }
    // Values that match nobody find nobody (not everybody).
    for value in [
        "x\" or userName pr or \"",
        "victim\" or userName eq \"victim",
        "*",
        "\\",
    ] {
        let found = connector.find_user("userName", value).await.unwrap();
        assert!(found.is_empty(), "{value:?} found {found:?}");
    }
    assert_eq!(server.users(), before, "a lookup changes nobody");
}

/// Ids that would leave the path segment (or the path) if not encoded, and the victim's id
/// dressed up in each of them.
fn hostile_ids(victim: &str) -> Vec<String> {
    let mut ids: Vec<String> = [
        "../Groups",
        "../../v2/Users",
        "?filter=userName pr",
        "#fragment",
        "a b",
        "%2F..%2F",
        "x/..",
        "./.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for dressed in [
        "x/../{v}", "{v}/..", "{v}?x=1", "{v}#x", "%2F{v}", "..%2F{v}", "{v} ", "{v}/",
    ] {
        ids.push(dressed.replace("{v}", victim));
    }
    ids
}

#[tokio::test]
async fn hostile_ids_reach_no_other_user() {
    let Some(server) = ScimServer::start_or_skip() else {
        return;
    };
    let victim = server.seed_user(json!({"userName": "victim", "title": "Untouched"}));
    let victim_id = victim["id"].as_str().unwrap().to_owned();
    let before = server.users();
    let connector = connector(&server, json!({}));
    for id in hostile_ids(&victim_id) {
        // Not found; or, where scim2-server decodes the `%2F` and routes the request to the
        // victim (`{victim}/` is its `/Users/{victim}/`), refused as another user's answer.
        let refused = |kind: ErrorKind, message: &str| {
            kind == ErrorKind::NotFound || message.contains("with another user")
        };
        match connector.find_user("id", &id).await {
            Ok(found) => assert!(found.is_empty(), "{id:?} found {found:?}"),
            Err(err) => assert!(refused(err.kind, &err.message), "{id:?}: {}", err.message),
        }
        // A write to a user with a hostile id (as a cassette or a broken app could hand
        // back) is refused or not found, never sent to another user.
        let ghost = VendorUser {
            id: id.clone(),
            username: Some("ghost".into()),
            email: None,
            state: LifecycleState::Active,
            vendor_status: "active".into(),
            raw: json!({"id": id}),
        };
        let err = connector
            .update_user(&ghost, profile(json!({"title": "Owned"})))
            .await
            .unwrap_err();
        assert!(refused(err.kind, &err.message), "{id:?}: {}", err.message);
        let err = connector.disable_user(&ghost).await.unwrap_err();
        assert!(refused(err.kind, &err.message), "{id:?}: {}", err.message);
    }
    for refused in ["", ".", ".."] {
        let err = connector.find_user("id", refused).await.unwrap_err();
        assert!(err.message.contains("cannot be used"), "{}", err.message);
    }
    let trailing_slash = format!("{victim_id}/");
    let err = connector
        .find_user("id", &trailing_slash)
        .await
        .unwrap_err();
    assert!(
        err.message.contains("with another user"),
        "this server routes an encoded trailing slash to the victim: {}",
        err.message
    );
    assert_eq!(server.users(), before, "nobody was changed");
}
