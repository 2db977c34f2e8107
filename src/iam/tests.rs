//! Unit tests of the IAM flows against a scripted in-memory connector.

use std::cell::RefCell;

use serde_json::{json, Map, Value};

use super::*;
use crate::mapper::MapperRegistry;
use crate::state::LocalBoxFuture;

/// An in-memory vendor that records every call.
#[derive(Default)]
struct MockConnector {
    users: RefCell<Vec<VendorUser>>,
    calls: RefCell<Vec<String>>,
    fail_with: RefCell<Option<ConnectorError>>,
}

fn user(id: &str, email: &str, status: &str) -> VendorUser {
    VendorUser {
        id: id.into(),
        username: Some(email.into()),
        email: Some(email.into()),
        state: match status {
            "DEPROVISIONED" => LifecycleState::Deprovisioned,
            "SUSPENDED" => LifecycleState::Suspended,
            _ => LifecycleState::Active,
        },
        vendor_status: status.into(),
        raw: json!({"id": id, "status": status, "profile": {"login": email, "email": email}}),
    }
}

impl MockConnector {
    fn with(users: Vec<VendorUser>) -> Self {
        MockConnector {
            users: RefCell::new(users),
            ..Default::default()
        }
    }
    fn calls(&self) -> Vec<String> {
        self.calls.borrow().clone()
    }
    fn failure(&self) -> Option<ConnectorError> {
        self.fail_with.borrow().clone()
    }
    fn set_status(&self, id: &str, status: &str) -> VendorUser {
        let mut users = self.users.borrow_mut();
        let u = users.iter_mut().find(|u| u.id == id).expect("user");
        *u = user(id, u.email.as_deref().unwrap_or(""), status);
        u.clone()
    }
}

impl Connector for MockConnector {
    fn lookup_attributes(&self) -> &'static [&'static str] {
        &["id", "login", "email"]
    }
    fn find_user<'a>(
        &'a self,
        attribute: &'a str,
        value: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<VendorUser>>> {
        Box::pin(async move {
            self.calls
                .borrow_mut()
                .push(format!("find {attribute}={value}"));
            if let Some(e) = self.failure() {
                return Err(e);
            }
            Ok(self
                .users
                .borrow()
                .iter()
                .filter(|u| match attribute {
                    "id" => u.id == value,
                    _ => u.email.as_deref() == Some(value),
                })
                .cloned()
                .collect())
        })
    }
    fn create_user(
        &self,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'_, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            self.calls
                .borrow_mut()
                .push(format!("create {}", Value::Object(profile.clone())));
            let email = profile
                .get("email")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let u = user("00unew", &email, "ACTIVE");
            self.users.borrow_mut().push(u.clone());
            Ok(u)
        })
    }
    fn update_user<'a>(
        &'a self,
        user: &'a VendorUser,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            self.calls
                .borrow_mut()
                .push(format!("update {} {}", user.id, Value::Object(profile)));
            let current = self
                .users
                .borrow()
                .iter()
                .find(|u| u.id == user.id)
                .cloned();
            current.ok_or_else(|| ConnectorError::other("gone"))
        })
    }
    fn enable_user<'a>(
        &'a self,
        user: &'a VendorUser,
    ) -> LocalBoxFuture<'a, ConnectorResult<Option<VendorUser>>> {
        Box::pin(async move {
            if user.state.is_enabled() {
                return Ok(None);
            }
            let call = if user.state == LifecycleState::Suspended {
                "unsuspend"
            } else {
                "activate"
            };
            self.calls.borrow_mut().push(format!("{call} {}", user.id));
            Ok(Some(self.set_status(&user.id, "ACTIVE")))
        })
    }
    fn disable_user<'a>(
        &'a self,
        user: &'a VendorUser,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            self.calls
                .borrow_mut()
                .push(format!("deactivate {}", user.id));
            Ok(self.set_status(&user.id, "DEPROVISIONED"))
        })
    }
    fn incoming_source(&self, user: &VendorUser) -> Value {
        let mut source = user.raw["profile"].as_object().cloned().unwrap_or_default();
        source.insert("id".into(), json!(user.id));
        source.insert("status".into(), json!(user.vendor_status));
        Value::Object(source)
    }
    fn schema_fields(&self) -> LocalBoxFuture<'_, ConnectorResult<Vec<(String, String)>>> {
        Box::pin(async move { Ok(vec![]) })
    }
    fn find_group<'a>(
        &'a self,
        lookup: &'a GroupLookup,
    ) -> LocalBoxFuture<'a, ConnectorResult<GroupSearch>> {
        Box::pin(async move {
            self.calls
                .borrow_mut()
                .push(format!("find group {lookup:?}"));
            Ok(GroupSearch::NotFound {
                id: None,
                details: Value::Array(Vec::new()),
            })
        })
    }
    fn group_members<'a>(
        &'a self,
        _group_id: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<GroupMember>>> {
        Box::pin(async move { Ok(Vec::new()) })
    }
    fn vendor_label(&self) -> &'static str {
        "Mock"
    }
}

const GATES_ON: Gates = Gates {
    create: true,
    update: true,
    enable: true,
    disable: true,
    create_if_not_exists: true,
};

fn iam<'a>(
    connector: &'a MockConnector,
    registry: &'a MapperRegistry,
    gates: Gates,
) -> Lifecycle<'a> {
    Lifecycle {
        connector,
        mapper_out: MapperRef::builtin(
            registry.get(crate::okta::vendor::OUTGOING_DEFAULT).unwrap(),
        ),
        mapper_in: MapperRef::builtin(registry.get(crate::okta::vendor::INCOMING_DEFAULT).unwrap()),
        mapping: &BuiltinMapping,
        gates,
    }
}

const E: &str = "dana.lee@example.com";

/// A parsed profile: the email plus `extra`.
fn profile(extra: Value) -> GivenProfile {
    let mut raw = Map::new();
    raw.insert("email".into(), json!(E));
    raw.extend(extra.as_object().cloned().unwrap_or_default());
    given(raw)
}

/// A parsed profile as the argument parsing gives it (`olduserdata` apart).
fn given(raw: Map<String, Value>) -> GivenProfile {
    GivenProfile::new(raw).unwrap()
}

#[tokio::test]
async fn ambiguous_lookup_is_an_error_and_never_creates() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![user("00u1", E, "ACTIVE"), user("00u2", E, "ACTIVE")]);
    let arg = profile(json!({}));
    let out = iam(&c, &r, GATES_ON).create_user(&arg, true).await.unwrap();
    assert!(!out.result.success);
    assert_eq!(out.result.action, Action::Create);
    assert!(
        out.result.error_message.starts_with("2 users match email"),
        "{}",
        out.result.error_message
    );
    assert!(c.calls().iter().all(|call| !call.starts_with("create")));
}

#[tokio::test]
async fn update_with_allow_enable_enables_and_applies_the_profile() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![user("00u1", E, "DEPROVISIONED")]);
    let arg = profile(json!({"givenname": "Dana"}));
    let out = iam(&c, &r, GATES_ON).update_user(&arg, true).await.unwrap();
    assert_eq!(out.result.action, Action::Enable);
    assert_eq!(out.result.active, Some(true));
    let calls = c.calls();
    assert_eq!(calls[1], "activate 00u1");
    assert!(calls[2].starts_with("update 00u1"), "{calls:?}");
    assert_eq!(out.result.details.unwrap()["status"], "ACTIVE");
}

#[tokio::test]
async fn suspended_user_is_disabled_and_enable_unsuspends() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![user("00u1", E, "SUSPENDED")]);
    let arg = profile(json!({}));
    let got = iam(&c, &r, GATES_ON).get_user(&arg).await.unwrap();
    assert_eq!(got.result.active, Some(false));
    let arg = profile(json!({}));
    let out = iam(&c, &r, GATES_ON).enable_user(&arg).await.unwrap();
    assert_eq!(out.result.action, Action::Enable);
    assert!(c.calls().contains(&"unsuspend 00u1".to_string()));
}

#[tokio::test]
async fn disable_of_a_deprovisioned_user_is_a_skip_without_a_call() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![user("00u1", E, "DEPROVISIONED")]);
    let arg = profile(json!({}));
    let out = iam(&c, &r, GATES_ON).disable_user(&arg).await.unwrap();
    assert!(out.result.skipped);
    assert_eq!(out.result.reason, USER_ALREADY_DISABLED);
    assert_eq!(c.calls(), vec![format!("find email={E}")]);
}

#[tokio::test]
async fn enable_of_an_active_user_is_a_skip() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![user("00u1", E, "ACTIVE")]);
    let arg = profile(json!({}));
    let out = iam(&c, &r, GATES_ON).enable_user(&arg).await.unwrap();
    assert!(out.result.skipped);
    assert_eq!(out.result.reason, USER_ALREADY_ENABLED);
}

#[tokio::test]
async fn gates_skip_without_calls() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![]);
    let off = Gates {
        create: false,
        update: false,
        enable: false,
        disable: false,
        create_if_not_exists: false,
    };
    let arg = profile(json!({}));
    for out in [
        iam(&c, &r, off).create_user(&arg, true).await.unwrap(),
        iam(&c, &r, off)
            .update_user(&profile(json!({})), true)
            .await
            .unwrap(),
        iam(&c, &r, off)
            .disable_user(&profile(json!({})))
            .await
            .unwrap(),
        iam(&c, &r, off)
            .enable_user(&profile(json!({})))
            .await
            .unwrap(),
    ] {
        assert!(out.result.skipped);
        assert_eq!(out.result.reason, COMMAND_DISABLED);
    }
    assert!(c.calls().is_empty());
}

#[tokio::test]
async fn rate_limit_is_an_error_entry_with_the_outputs() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![]);
    *c.fail_with.borrow_mut() = Some(ConnectorError {
        kind: ErrorKind::RateLimited,
        code: json!("E0000047"),
        message: "API call exceeded rate limit due to too many requests.. ".into(),
        created: None,
    });
    let arg = profile(json!({}));
    let out = iam(&c, &r, GATES_ON)
        .update_user(&arg, false)
        .await
        .unwrap();
    let entry = crate::output::iam::iam_entry(out.result, "Okta IAM", "i1", out.user_profile);
    assert_eq!(entry.entry_type, 4);
    assert!(entry.human_readable.is_none());
    assert_eq!(entry.contents["errorCode"], "E0000047");
    assert_eq!(entry.contents["success"], false);
}

#[tokio::test]
async fn a_profile_without_a_lookup_attribute_is_a_failure_result() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![]);
    // No lookup attribute: a failure result, as the reference.
    let mut raw = Map::new();
    raw.insert("department".into(), json!(E));
    let arg = given(raw);
    let out = iam(&c, &r, GATES_ON).get_user(&arg).await.unwrap();
    assert!(!out.result.success);
    assert_eq!(
        out.result.error_message,
        "Your user profile argument must contain at least one attribute that is mapped into one of the following attributes in the outgoing mapper: ['id', 'login', 'email']"
    );
}

#[tokio::test]
async fn an_incoming_mapping_failure_names_the_vendor_by_its_label() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![user("00u1", E, "ACTIVE")]);
    // The outgoing mapper has no "User Profile" type: mapping with it as incoming fails.
    let outgoing = r.get(crate::okta::vendor::OUTGOING_DEFAULT).unwrap();
    let lifecycle = Lifecycle {
        mapper_in: MapperRef::builtin(outgoing),
        ..iam(&c, &r, GATES_ON)
    };
    let out = lifecycle.get_user(&profile(json!({}))).await.unwrap();
    assert!(!out.result.success);
    assert!(
        out.result
            .error_message
            .starts_with("Cannot map the Mock user with the incoming mapper: "),
        "{}",
        out.result.error_message
    );
}

#[tokio::test]
async fn a_deprovisioned_user_is_not_disabled_again_but_a_suspended_one_is() {
    let r = crate::okta::vendor::default_mappers();
    let c = MockConnector::with(vec![user("00u1", E, "DEPROVISIONED")]);
    let out = iam(&c, &r, GATES_ON)
        .disable_user(&profile(json!({})))
        .await
        .unwrap();
    assert!(out.result.skipped);
    assert_eq!(out.result.reason, USER_ALREADY_DISABLED);
    assert!(c.calls().iter().all(|call| !call.starts_with("deactivate")));

    let c = MockConnector::with(vec![user("00u1", E, "SUSPENDED")]);
    let out = iam(&c, &r, GATES_ON)
        .disable_user(&profile(json!({})))
        .await
        .unwrap();
    assert!(!out.result.skipped);
    assert_eq!(out.result.active, Some(false));
    assert!(c.calls().contains(&"deactivate 00u1".to_string()));
}
