//! [`ScimConnector`]: a SCIM 2.0 server behind the IAM layer ([`crate::iam::Connector`]).
//!
//! - Lookup: the mapped-profile keys of the configured `lookup_attributes` (`id`,
//!   `userName`, `externalId`, `displayName`; `email` for an emails lookup), each answered
//!   with one filter (`id` with `GET /Users/{id}`).
//! - Create: `POST /Users` of the resource built from the mapped profile
//!   ([`crate::scim::resource::to_resource`]), `active: true`; a 409 is "already exists";
//!   a 5xx, no answer, or a success without a usable user says the user may exist (the
//!   create is never repeated).
//! - Update, enable, disable: PATCH (`replace` of each attribute) or PUT of the re-read user,
//!   per `update_method`; disable is `active: false` or `DELETE` per `disable_method`.
//! - States: `active: false` is [`LifecycleState::Deprovisioned`], anything else active.
//! - Group members: the group's `members` (RFC 7643 returns them whole with the group);
//!   for an app that leaves `members` out of the group, the users whose `groups.value` is
//!   the group, every page (bounded by the client's page limit). A member's `display` is
//!   the group's, or the user's `displayName` (else `userName`); never one read per member.

use std::sync::{Mutex, PoisonError};

use serde_json::{json, Map, Value};

use crate::iam::connector::{
    Connector, ConnectorError, ConnectorResult, ErrorKind, GroupLookup, GroupMember, GroupSearch,
    LifecycleState, VendorGroup, VendorUser,
};
use crate::scim::client::{Resource, ScimClient};
use crate::scim::error::ScimError;
use crate::scim::filter::{quote, LookupAttribute};
use crate::scim::params::{DisableMethod, ScimSettings, UpdateMethod};
use crate::scim::resource::{incoming_source, to_resource};
use crate::state::LocalBoxFuture;

/// Added to a create that failed without an answer or with a 5xx: it was sent once and is
/// not repeated, so the person checks before creating again.
pub const CREATE_MAY_HAVE_HAPPENED: &str = " The create was sent once and not repeated: the user may have been created anyway; look it up (iam-get-user) before creating it again.";

/// The mapped-profile key a lookup attribute reads.
pub fn profile_key(attribute: &LookupAttribute) -> &'static str {
    match attribute {
        LookupAttribute::Simple(name) => name,
        LookupAttribute::EmailOfType(_) | LookupAttribute::AnyEmail => "email",
    }
}

/// The profile keys of a lookup order as a `'static` slice: one per distinct order, kept
/// for the process's lifetime. The keys are distinct and come from a fixed set of five
/// (`userName`, `externalId`, `id`, `displayName`, `email`), so however many instances or
/// calling contexts there are, there are at most a few hundred orders.
fn interned_keys(keys: Vec<&'static str>) -> &'static [&'static str] {
    static KNOWN: Mutex<Vec<&'static [&'static str]>> = Mutex::new(Vec::new());
    let mut known = KNOWN.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(found) = known.iter().find(|k| **k == keys.as_slice()) {
        return found;
    }
    let leaked: &'static [&'static str] = Box::leak(keys.into_boxed_slice());
    known.push(leaked);
    leaked
}

impl From<ScimError> for ConnectorError {
    fn from(error: ScimError) -> Self {
        let (kind, code) = match &error {
            ScimError::Answer(failure) if failure.status == 404 => {
                (ErrorKind::NotFound, failure.code.clone())
            }
            ScimError::Answer(failure) => (ErrorKind::Other, failure.code.clone()),
            ScimError::RateLimited(_) => (ErrorKind::RateLimited, Value::from(429)),
            _ => (ErrorKind::Other, Value::String(String::new())),
        };
        ConnectorError {
            kind,
            code,
            message: error.to_string(),
            created: None,
        }
    }
}

/// A SCIM server with one instance's settings.
pub struct ScimConnector {
    client: ScimClient,
    settings: ScimSettings,
    lookup_keys: &'static [&'static str],
}

impl ScimConnector {
    pub fn new(client: ScimClient, settings: ScimSettings) -> Self {
        // Each key once, so the interned orders stay few whatever the param repeats.
        let mut keys: Vec<&'static str> = Vec::new();
        for key in settings.lookup_attributes.iter().map(profile_key) {
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        ScimConnector {
            client,
            lookup_keys: interned_keys(keys),
            settings,
        }
    }

    fn vendor_user(&self, resource: Resource) -> VendorUser {
        let body = &resource.body;
        let active = body.get("active").and_then(Value::as_bool).unwrap_or(true);
        let email = incoming_source(body, &self.settings.extension_schemas)
            .get("email")
            .and_then(Value::as_str)
            .map(str::to_owned);
        VendorUser {
            id: resource.id().unwrap_or_default().to_owned(),
            username: body
                .get("userName")
                .and_then(Value::as_str)
                .map(str::to_owned),
            email,
            state: if active {
                LifecycleState::Active
            } else {
                LifecycleState::Deprovisioned
            },
            vendor_status: if active { "active" } else { "inactive" }.to_owned(),
            raw: resource.body,
        }
    }

    /// The user as read now, with its ETag.
    async fn read(&self, user: &VendorUser) -> ConnectorResult<Resource> {
        self.client
            .get_user(&user.id)
            .await?
            .ok_or_else(|| ConnectorError {
                kind: ErrorKind::NotFound,
                code: Value::from(404),
                message: format!("The SCIM user {} no longer exists.", user.id),
                created: None,
            })
    }

    /// Writes `changes` (resource attributes) with the configured update method.
    async fn write(
        &self,
        user: &VendorUser,
        changes: Map<String, Value>,
    ) -> ConnectorResult<VendorUser> {
        let current = self.read(user).await?;
        let written = match self.settings.update_method {
            UpdateMethod::Patch => {
                let operations = changes
                    .into_iter()
                    .map(|(path, value)| json!({"op": "replace", "path": path, "value": value}))
                    .collect();
                self.client.patch_user(&current, operations).await?
            }
            UpdateMethod::Put => self.client.put_user(&current, &changes).await?,
        };
        Ok(self.vendor_user(written))
    }
}

impl Connector for ScimConnector {
    fn lookup_attributes(&self) -> &'static [&'static str] {
        self.lookup_keys
    }

    fn find_user<'a>(
        &'a self,
        attribute: &'a str,
        value: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<VendorUser>>> {
        Box::pin(async move {
            if attribute == "id" {
                let found = self.client.get_user(value).await?;
                return Ok(found.map(|r| self.vendor_user(r)).into_iter().collect());
            }
            // The IAM layer asks only for the keys of `lookup_attributes` (and `id`); anything
            // else is refused rather than guessed.
            let Some(lookup) = self
                .settings
                .lookup_attributes
                .iter()
                .find(|a| profile_key(a) == attribute)
            else {
                return Err(ConnectorError {
                    kind: ErrorKind::Other,
                    code: Value::String(String::new()),
                    message: format!(
                        "'{attribute}' is not one of this instance's lookup attributes ({}); add it to the lookup_attributes param.",
                        self.lookup_keys.join(", ")
                    ),
                    created: None,
                });
            };
            let found = self.client.find_users(&lookup.filter(value)).await?;
            Ok(found
                .into_iter()
                .map(|body| self.vendor_user(Resource { etag: None, body }))
                .collect())
        })
    }

    fn create_user(
        &self,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'_, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            let mut resource = to_resource(&profile, &self.settings.extension_schemas);
            if let Some(object) = resource.as_object_mut() {
                object.insert("active".into(), json!(true));
            }
            match self.client.create_user(&resource).await {
                Ok(created) if created.id().is_some_and(|id| !id.is_empty()) => {
                    Ok(self.vendor_user(created))
                }
                Ok(_) => Err(ConnectorError {
                    kind: ErrorKind::Other,
                    code: Value::String(String::new()),
                    message: "The SCIM server accepted the create but its answer names no user id: the user was probably created; look it up (iam-get-user) before creating it again.".to_owned(),
                    created: None,
                }),
                Err(ScimError::Answer(failure)) if failure.status == 409 => Err(ConnectorError {
                    kind: ErrorKind::Other,
                    code: failure.code,
                    message: format!("The user already exists in the app. {}", failure.message),
                    created: None,
                }),
                Err(other) => {
                    // No answer, a 5xx, or a 2xx that is not a SCIM resource: the server may
                    // have created the user.
                    let unsure = matches!(other, ScimError::Transport(_) | ScimError::Unexpected(_))
                        || other.status().is_some_and(|status| status >= 500);
                    let mut error = ConnectorError::from(other);
                    if unsure {
                        // Sent once and not repeated: the user may exist now.
                        error.message.push_str(CREATE_MAY_HAVE_HAPPENED);
                    }
                    Err(error)
                }
            }
        })
    }

    fn update_user<'a>(
        &'a self,
        user: &'a VendorUser,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            let resource = to_resource(&profile, &self.settings.extension_schemas);
            let changes: Map<String, Value> = resource
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(key, _)| key.as_str() != "schemas")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if changes.is_empty() {
                return Ok(user.clone());
            }
            self.write(user, changes).await
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
            let changes = Map::from_iter([("active".to_owned(), json!(true))]);
            self.write(user, changes).await.map(Some)
        })
    }

    fn disable_user<'a>(
        &'a self,
        user: &'a VendorUser,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            match self.settings.disable_method {
                DisableMethod::Patch => {
                    let changes = Map::from_iter([("active".to_owned(), json!(false))]);
                    self.write(user, changes).await
                }
                DisableMethod::Delete => {
                    let current = self.read(user).await?;
                    self.client
                        .delete_user(&user.id, current.etag.as_deref())
                        .await?;
                    let mut gone = self.vendor_user(current);
                    gone.state = LifecycleState::Deprovisioned;
                    gone.vendor_status = "deleted".to_owned();
                    Ok(gone)
                }
            }
        })
    }

    fn incoming_source(&self, user: &VendorUser) -> Value {
        incoming_source(&user.raw, &self.settings.extension_schemas)
    }

    fn schema_fields(&self) -> LocalBoxFuture<'_, ConnectorResult<Vec<(String, String)>>> {
        Box::pin(async move {
            let schemas = match self.client.schemas().await {
                Ok(schemas) => schemas,
                Err(error) if matches!(error.status(), Some(404 | 501)) => Vec::new(),
                Err(error) => return Err(error.into()),
            };
            Ok(crate::scim::schemas::fields(
                &schemas,
                &self.settings.extension_schemas,
            ))
        })
    }

    fn find_group<'a>(
        &'a self,
        lookup: &'a GroupLookup,
    ) -> LocalBoxFuture<'a, ConnectorResult<GroupSearch>> {
        Box::pin(async move {
            let group = |g: &Value, key: String| VendorGroup {
                key,
                id: g.get("id").cloned().unwrap_or(Value::Null),
                display_name: g.get("displayName").cloned().unwrap_or(Value::Null),
            };
            match lookup {
                GroupLookup::Id(id) => Ok(match self.client.get_group(id).await? {
                    Some(g) => GroupSearch::Found(group(&g, id.clone())),
                    None => GroupSearch::NotFound {
                        id: Some(id.clone()),
                        details: Value::Null,
                    },
                }),
                GroupLookup::DisplayName(name) => {
                    let filter = format!("displayName eq {}", quote(name));
                    let found = self.client.find_groups(Some(&filter)).await?;
                    let groups: Vec<VendorGroup> = found
                        .iter()
                        .map(|g| {
                            let id = g.get("id").and_then(Value::as_str).unwrap_or_default();
                            group(g, id.to_owned())
                        })
                        .collect();
                    Ok(match groups.len() {
                        0 => GroupSearch::NotFound {
                            id: None,
                            details: Value::Null,
                        },
                        1 => GroupSearch::Found(
                            groups
                                .into_iter()
                                .next()
                                .unwrap_or_else(|| group(&Value::Null, String::new())),
                        ),
                        _ => GroupSearch::Many(groups),
                    })
                }
            }
        })
    }

    fn group_members<'a>(
        &'a self,
        group_id: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<GroupMember>>> {
        Box::pin(async move {
            let group = self
                .client
                .get_group(group_id)
                .await?
                .unwrap_or(Value::Null);
            if let Some(members) = group.get("members").and_then(Value::as_array) {
                return Ok(members
                    .iter()
                    .map(|m| GroupMember {
                        value: m.get("value").cloned().unwrap_or(Value::Null),
                        display: m.get("display").cloned().unwrap_or(Value::Null),
                    })
                    .collect());
            }
            let filter = format!("groups.value eq {}", quote(group_id));
            let users = match self.client.find_users(&filter).await {
                Ok(users) => users,
                Err(error) if matches!(error.status(), Some(400 | 501)) => {
                    return Err(ConnectorError {
                        kind: ErrorKind::Other,
                        code: Value::String("membersNotListed".into()),
                        message: format!(
                            "The SCIM app returned the group {group_id} without its members and cannot list users by group (filter groups.value): it does not expose group membership. {error}"
                        ),
                        created: None,
                    })
                }
                Err(error) => return Err(error.into()),
            };
            Ok(users
                .iter()
                .map(|user| GroupMember {
                    value: user.get("id").cloned().unwrap_or(Value::Null),
                    display: user
                        .get("displayName")
                        .or_else(|| user.get("userName"))
                        .cloned()
                        .unwrap_or(Value::Null),
                })
                .collect())
        })
    }

    fn vendor_label(&self) -> &'static str {
        "SCIM"
    }
}
