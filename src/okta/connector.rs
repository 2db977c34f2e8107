//! Okta as an IAM [`Connector`]: the Okta side of the user lifecycle commands.
//!
//! Lookups use `filter=` with the reference's expressions (`id eq "…"`,
//! `profile.login eq "…"`, `profile.email eq "…"`), values escaped. A user counts as enabled
//! unless it is `DEPROVISIONED` or `SUSPENDED`. Enabling picks the call that fits the status:
//! `lifecycle/activate?sendEmail=false` for STAGED, PROVISIONED and DEPROVISIONED,
//! `lifecycle/unsuspend` for SUSPENDED. After a lifecycle change the user is read again, so
//! `details` shows it as it is after the change.

use serde_json::{Map, Value};
use tracing::warn;

use crate::iam::{
    Connector, ConnectorError, ConnectorResult, ErrorKind, GroupLookup, GroupMember, GroupSearch,
    LifecycleState, VendorGroup, VendorUser,
};
use crate::okta::{Client, Filter, GroupId, OktaError, UserId, UserView};
use crate::state::LocalBoxFuture;

/// Okta's "Resource not found".
const NOT_FOUND_CODE: &str = "E0000007";
/// Okta's "Activation failed because the user is already active".
const ALREADY_ACTIVE_CODE: &str = "E0000016";

/// The Okta connector for one command (its client carries the command deadline).
pub struct OktaConnector {
    client: Client,
}

impl OktaConnector {
    pub fn new(client: Client) -> Self {
        OktaConnector { client }
    }

    /// Reads the user again after a change; the change's own answer is not the user.
    async fn reread(&self, user: &VendorUser, fallback_status: &str) -> VendorUser {
        match self.client.users().get(&UserId::new(user.id.clone())).await {
            Ok(raw) => vendor_user(raw).unwrap_or_else(|| with_status(user, fallback_status)),
            Err(error) => {
                warn!("cannot read user {} after the change: {error}", user.id);
                with_status(user, fallback_status)
            }
        }
    }
}

/// Okta's status word in the IAM layer's terms: DEPROVISIONED and SUSPENDED are disabled,
/// STAGED and PROVISIONED are pending, every other word (ACTIVE, PASSWORD_EXPIRED,
/// LOCKED_OUT, RECOVERY, ...) is active.
pub fn lifecycle_state(status: &str) -> LifecycleState {
    match status {
        "DEPROVISIONED" => LifecycleState::Deprovisioned,
        "SUSPENDED" => LifecycleState::Suspended,
        "STAGED" | "PROVISIONED" => LifecycleState::Pending,
        _ => LifecycleState::Active,
    }
}

/// A raw Okta user as a [`VendorUser`]; `None` when it has no id.
pub fn vendor_user(raw: Value) -> Option<VendorUser> {
    let view = UserView(&raw);
    let id = view.id()?.to_string();
    let status = raw
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Some(VendorUser {
        username: view.login().map(str::to_string),
        email: view.email().map(str::to_string),
        state: lifecycle_state(&status),
        id,
        vendor_status: status,
        raw,
    })
}

fn with_status(user: &VendorUser, status: &str) -> VendorUser {
    let mut raw = user.raw.clone();
    if let Some(object) = raw.as_object_mut() {
        object.insert("status".into(), Value::String(status.to_string()));
    }
    VendorUser {
        state: lifecycle_state(status),
        vendor_status: status.to_string(),
        raw,
        ..user.clone()
    }
}

/// An Okta error in the IAM layer's terms.
pub fn connector_error(error: OktaError) -> ConnectorError {
    let code = error.error_code().to_value();
    let kind = if error.is_rate_limited() {
        ErrorKind::RateLimited
    } else if code == NOT_FOUND_CODE || error.is_not_found() {
        ErrorKind::NotFound
    } else if code == ALREADY_ACTIVE_CODE {
        ErrorKind::AlreadyEnabled
    } else {
        ErrorKind::Other
    };
    ConnectorError {
        kind,
        code,
        message: error.message_for_people(),
        created: None,
    }
}

fn decode_user(raw: Value) -> ConnectorResult<VendorUser> {
    vendor_user(raw)
        .ok_or_else(|| ConnectorError::other("Okta answered with a user that has no id."))
}

impl Connector for OktaConnector {
    fn lookup_attributes(&self) -> &'static [&'static str] {
        &["id", "login", "email"]
    }

    fn find_user<'a>(
        &'a self,
        attribute: &'a str,
        value: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<VendorUser>>> {
        Box::pin(async move {
            let path = match attribute {
                "id" => "id",
                "login" => "profile.login",
                "email" => "profile.email",
                other => {
                    return Err(ConnectorError::other(format!(
                        "Okta users cannot be looked up by '{other}'."
                    )))
                }
            };
            let users = self
                .client
                .users()
                .list_by_filter(&Filter::eq(path, value))
                .await
                .map_err(connector_error)?;
            // A user without an id is a malformed answer, never "no such user": reading it
            // as missing would let create-if-not-exists make a second user.
            users
                .into_iter()
                .map(|raw| {
                    vendor_user(raw).ok_or_else(|| {
                        ConnectorError::other(format!(
                            "Okta's answer to the user lookup by {attribute} holds a user without an id; \
                             the answer is malformed, so nothing was changed."
                        ))
                    })
                })
                .collect()
        })
    }

    fn create_user(
        &self,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'_, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            let created = self
                .client
                .users()
                .create(profile, false, true)
                .await
                .map_err(connector_error)?;
            let created = decode_user(created)?;
            if let Err(error) = self
                .client
                .users()
                .activate(&UserId::new(created.id.clone()), false)
                .await
            {
                let mut error = connector_error(error);
                if error.kind != ErrorKind::AlreadyEnabled {
                    error.created = Some(Box::new(created));
                    return Err(error);
                }
            }
            Ok(self.reread(&created, "PROVISIONED").await)
        })
    }

    fn update_user<'a>(
        &'a self,
        user: &'a VendorUser,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            let updated = self
                .client
                .users()
                .update_profile(&UserId::new(user.id.clone()), profile)
                .await
                .map_err(connector_error)?;
            decode_user(updated)
        })
    }

    fn enable_user<'a>(
        &'a self,
        user: &'a VendorUser,
    ) -> LocalBoxFuture<'a, ConnectorResult<Option<VendorUser>>> {
        Box::pin(async move {
            let id = UserId::new(user.id.clone());
            let users = self.client.users();
            let outcome = match user.state {
                LifecycleState::Pending | LifecycleState::Deprovisioned => {
                    users.activate(&id, false).await
                }
                LifecycleState::Suspended => users.unsuspend(&id).await,
                LifecycleState::Active => return Ok(None),
            };
            outcome.map_err(connector_error)?;
            Ok(Some(self.reread(user, "ACTIVE").await))
        })
    }

    fn disable_user<'a>(
        &'a self,
        user: &'a VendorUser,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            self.client
                .users()
                .deactivate(&UserId::new(user.id.clone()))
                .await
                .map_err(connector_error)?;
            Ok(self.reread(user, "DEPROVISIONED").await)
        })
    }

    fn incoming_source(&self, user: &VendorUser) -> Value {
        let profile = user
            .raw
            .get("profile")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Value::Object(with_id_and_status(profile, user))
    }

    fn lend_incoming_source(&self, user: &mut VendorUser) -> Value {
        let profile = match user.raw.get_mut("profile") {
            // A profile with its own `id` or `status` would lose them to ours: copied.
            Some(Value::Object(profile))
                if crate::json_object::get(profile, "id").is_none()
                    && crate::json_object::get(profile, "status").is_none() =>
            {
                std::mem::take(profile)
            }
            _ => return self.incoming_source(user),
        };
        Value::Object(with_id_and_status(profile, user))
    }

    fn return_incoming_source(&self, user: &mut VendorUser, source: Value) {
        let Value::Object(mut source) = source else {
            return;
        };
        // Lent: the profile left an empty object behind (a copy leaves it as it was).
        if let Some(Value::Object(profile)) = user.raw.get_mut("profile") {
            if profile.is_empty() {
                // `id` and `status` were added last, so removing them restores the key order.
                source.shift_remove("status");
                source.shift_remove("id");
                *profile = source;
            }
        }
    }

    fn find_group<'a>(
        &'a self,
        lookup: &'a GroupLookup,
    ) -> LocalBoxFuture<'a, ConnectorResult<GroupSearch>> {
        Box::pin(async move {
            let id = match lookup {
                GroupLookup::Id(id) => id.clone(),
                GroupLookup::DisplayName(name) => {
                    let found = match self.client.groups().search(name).await {
                        Ok(found) => found,
                        Err(error) => return refused(error, None),
                    };
                    match found.as_slice() {
                        [] => {
                            return Ok(GroupSearch::NotFound {
                                id: None,
                                details: Value::Array(Vec::new()),
                            })
                        }
                        [group] => match group.get("id") {
                            Some(Value::String(id)) if !id.is_empty() => id.clone(),
                            _ => {
                                return Err(ConnectorError::other(format!(
                                    "The group Okta found for displayName {name:?} has no id."
                                )))
                            }
                        },
                        many => return Ok(GroupSearch::Many(many.iter().map(group).collect())),
                    }
                }
            };
            match self.client.groups().get(&GroupId::new(id.as_str())).await {
                Ok(found) => Ok(GroupSearch::Found(VendorGroup {
                    key: id,
                    ..group(&found)
                })),
                Err(error) if error.status() == Some(404) => match error.api() {
                    Some(api) => Ok(GroupSearch::NotFound {
                        id: Some(id),
                        details: api.body.clone(),
                    }),
                    None => Err(connector_error(error)),
                },
                Err(error) => refused(error, Some(id)),
            }
        })
    }

    fn group_members<'a>(
        &'a self,
        group_id: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<GroupMember>>> {
        Box::pin(async move {
            let mut members = Vec::new();
            let mut pager = self.client.groups().members(&GroupId::new(group_id));
            while let Some(page) = pager.next_page().await {
                let page = page.map_err(connector_error)?;
                // The reference stops at an empty page even when a next link is given.
                if page.items.is_empty() {
                    break;
                }
                members.extend(page.items.iter().filter_map(member));
            }
            Ok(members)
        })
    }

    fn vendor_label(&self) -> &'static str {
        "Okta"
    }

    fn schema_fields(&self) -> LocalBoxFuture<'_, ConnectorResult<Vec<(String, String)>>> {
        Box::pin(async move {
            let schema = self
                .client
                .schemas()
                .user_default()
                .await
                .map_err(connector_error)?;
            let mut fields: Vec<(String, String)> = Vec::new();
            for section in ["base", "custom"] {
                let properties = schema
                    .pointer(&format!("/definitions/{section}/properties"))
                    .and_then(Value::as_object);
                for (name, property) in properties.into_iter().flatten() {
                    let title = property
                        .get("title")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string();
                    // Custom properties override base ones of the same name.
                    match fields.iter_mut().find(|(n, _)| n == name) {
                        Some(existing) => existing.1 = title,
                        None => fields.push((name.clone(), title)),
                    }
                }
            }
            Ok(fields)
        })
    }
}

/// The incoming mapper's source: the profile's fields, then the user's `id` and `status`.
fn with_id_and_status(mut profile: Map<String, Value>, user: &VendorUser) -> Map<String, Value> {
    profile.insert("id".into(), Value::String(user.id.clone()));
    profile.insert("status".into(), Value::String(user.vendor_status.clone()));
    profile
}

/// A raw Okta group: its id and `profile.name` (null when absent).
fn group(raw: &Value) -> VendorGroup {
    let id = raw.get("id").cloned().unwrap_or(Value::Null);
    VendorGroup {
        key: id.as_str().unwrap_or_default().to_string(),
        id,
        display_name: raw
            .get("profile")
            .and_then(|p| p.get("name"))
            .cloned()
            .unwrap_or(Value::Null),
    }
}

/// A failed group call: Okta's error object is a result (as in the reference); a failure
/// without one (no answer, a body that is not an Okta error) is the error.
fn refused(error: OktaError, id: Option<String>) -> ConnectorResult<GroupSearch> {
    match error.api() {
        Some(api) => {
            let body = api.body.clone();
            let field = |key: &str| body.get(key).cloned().unwrap_or(Value::Null);
            Ok(GroupSearch::Refused {
                id,
                code: field("errorCode"),
                message: field("errorSummary"),
                details: body,
            })
        }
        None => Err(connector_error(error)),
    }
}

/// A member that is not deprovisioned, as `{"value": id, "display": profile.login}`.
fn member(user: &Value) -> Option<GroupMember> {
    let status = user
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if lifecycle_state(status) == LifecycleState::Deprovisioned {
        return None;
    }
    Some(GroupMember {
        value: user.get("id").cloned().unwrap_or(Value::Null),
        display: user
            .get("profile")
            .and_then(|p| p.get("login"))
            .cloned()
            .unwrap_or(Value::Null),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn okta_statuses_sort_into_lifecycle_states() {
        for (status, state) in [
            ("ACTIVE", LifecycleState::Active),
            ("PASSWORD_EXPIRED", LifecycleState::Active),
            ("LOCKED_OUT", LifecycleState::Active),
            ("STAGED", LifecycleState::Pending),
            ("PROVISIONED", LifecycleState::Pending),
            ("SUSPENDED", LifecycleState::Suspended),
            ("DEPROVISIONED", LifecycleState::Deprovisioned),
        ] {
            assert_eq!(lifecycle_state(status), state, "{status}");
        }
    }

    fn connector() -> OktaConnector {
        let config = crate::okta::ClientConfig::new(
            url::Url::parse("https://example.okta.com").unwrap(),
            crate::secret::Secret::new("token"),
        );
        OktaConnector::new(Client::new(config).unwrap())
    }

    /// Lending gives what the copy gives, and the user is whole again once the source is back.
    #[test]
    fn a_lent_incoming_source_is_the_copy_and_leaves_the_user_as_it_was() {
        let connector = connector();
        for raw in [
            json!({"id": "00u1", "status": "ACTIVE",
                   "profile": {"login": "a@x", "email": "a@x", "firstName": "A"}, "_links": {}}),
            json!({"id": "00u2", "status": "SUSPENDED", "profile": {}}),
            json!({"id": "00u3", "status": "ACTIVE", "profile": {"status": "x", "login": "c@x"}}),
            json!({"id": "00u4", "status": "ACTIVE", "profile": {"id": "own", "login": "d@x"}}),
            json!({"id": "00u5", "status": "ACTIVE", "profile": "not an object"}),
            json!({"id": "00u6", "status": "ACTIVE"}),
        ] {
            let before = vendor_user(raw).unwrap();
            let mut user = before.clone();
            let lent = connector.lend_incoming_source(&mut user);
            let copied = connector.incoming_source(&before);
            assert_eq!(lent.to_string(), copied.to_string(), "{}", before.raw);
            connector.return_incoming_source(&mut user, lent);
            assert_eq!(user.raw.to_string(), before.raw.to_string());
            assert_eq!(user, before);
        }
    }

    #[test]
    fn members_skip_deprovisioned_users() {
        assert_eq!(
            member(&json!({"id": "00u1", "status": "ACTIVE", "profile": {"login": "a@x"}})),
            Some(GroupMember {
                value: json!("00u1"),
                display: json!("a@x")
            })
        );
        assert_eq!(
            member(&json!({"id": "00u2", "status": "DEPROVISIONED"})),
            None
        );
        assert_eq!(
            member(&json!({"id": "00u3"})),
            Some(GroupMember {
                value: json!("00u3"),
                display: Value::Null
            })
        );
    }
}
