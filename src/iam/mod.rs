//! The vendor-neutral IAM user lifecycle: what `iam-get-user`, `iam-create-user`,
//! `iam-update-user`, `iam-disable-user` and `iam-enable-user` do, whatever the vendor.
//!
//! - [`Lifecycle`] (here): the get, create, update, disable and enable flows.
//! - [`profile`]: the parsed `user-profile` argument ([`GivenProfile`], parsed by the
//!   command's typed arguments), its outgoing mapping, the lookup attribute.
//! - [`result`]: the result of one command, as data (shown by [`crate::output::iam`]).
//! - [`connector`]: the [`Connector`] trait a vendor implements (Okta: `okta::connector`).
//! - [`mapping`]: how mappers are applied (built-in engine, or the server first).
//! - [`params`]: the instance params every IAM integration declares (gates, mappers).
//!
//! The flows follow the reference integration (IAMApiModule and Okta IAM), with the deliberate
//! differences listed in `docs/differences.md`: an ambiguous lookup is an error and never leads to
//! a create; disabled means deprovisioned or suspended; enabling picks the fitting call; update
//! with `allow-enable` enables *and* applies the profile; disabling an already disabled user is a
//! skip without a call; `details` after a change is the user after it; a not-found error is a
//! not-found, never "already disabled".
//!
//! Nothing here names a vendor: the vendor's status words reach this layer as a
//! [`LifecycleState`], its name in messages as [`Connector::vendor_label`].

pub mod connector;
pub mod mapping;
pub mod params;
pub mod profile;
pub mod result;

use serde_json::Value;

pub use connector::{
    Connector, ConnectorError, ConnectorResult, ErrorKind, GroupLookup, GroupMember, GroupSearch,
    LifecycleState, VendorGroup, VendorUser,
};
pub use mapping::{BuiltinMapping, MapperRef, ProfileMapping};
pub use profile::{
    GivenProfile, ProfileError, UserProfile, CREATE_TYPE, INCOMING_TYPE, UPDATE_TYPE,
};
pub use result::{Action, IamResult};

use crate::output::is_falsy;

/// Skip reasons, as the reference words them.
pub const COMMAND_DISABLED: &str = "Command is disabled.";
pub const USER_DOES_NOT_EXIST: &str = "User does not exist";
pub const USER_ALREADY_DISABLED: &str = "User is already disabled.";
pub const USER_ALREADY_ENABLED: &str = "User is already enabled.";

/// The instance's lifecycle gates (params).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gates {
    pub create: bool,
    pub update: bool,
    pub enable: bool,
    pub disable: bool,
    pub create_if_not_exists: bool,
}

/// The lifecycle flows of the IAM user commands, with what they work with: the vendor behind
/// its connector, the outgoing and incoming mappers, and the instance gates.
pub struct Lifecycle<'a> {
    pub connector: &'a dyn Connector,
    pub mapper_out: MapperRef<'a>,
    pub mapper_in: MapperRef<'a>,
    /// Applies the mappers: the built-in engine, or the server first (engine mode).
    pub mapping: &'a dyn ProfileMapping,
    pub gates: Gates,
}

/// The result of one IAM command and the profile that goes to `IAM.UserProfile`.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub result: IamResult,
    pub user_profile: Value,
}

/// A lookup that did not give one user.
enum LookupFailure {
    NotFound,
    Result(Box<IamResult>),
}

impl<'a> Lifecycle<'a> {
    /// The parsed `user-profile` argument, mapped with the outgoing mapper.
    async fn profile<'g>(
        &self,
        given: &'g GivenProfile,
        type_name: &str,
    ) -> Result<UserProfile<'g>, ProfileError> {
        UserProfile::map_with(given, self.mapping, self.mapper_out, type_name).await
    }

    /// `iam-get-user`.
    pub async fn get_user(&self, given: &GivenProfile) -> Result<Outcome, ProfileError> {
        let profile = self.profile(given, UPDATE_TYPE).await?;
        let action = Action::Get;
        let user = match self.lookup(&profile, action, false).await {
            Ok(user) => user,
            Err(LookupFailure::NotFound) => {
                let result = IamResult::failure(action, Value::from(404), USER_DOES_NOT_EXIST);
                return Ok(self.finish(result, &profile, None));
            }
            Err(LookupFailure::Result(result)) => return Ok(self.finish(*result, &profile, None)),
        };
        let source = self.connector.incoming_source(&user);
        let incoming = self
            .mapping
            .map(&source, self.mapper_in, INCOMING_TYPE)
            .await;
        let mapped_user = match incoming {
            Ok(mut mapped) => {
                // Keep `email` so the IAM.UserProfile context selector matches.
                if crate::json_object::get(&mapped, "email").is_none() {
                    if let Some(email) = user.email.clone().or_else(|| profile.raw_email()) {
                        mapped.insert("email".into(), Value::String(email));
                    }
                }
                mapped
            }
            Err(e) => {
                let result = IamResult::failure(
                    action,
                    Value::String(String::new()),
                    format!(
                        "Cannot map the {} user with the incoming mapper: {e}",
                        self.connector.vendor_label()
                    ),
                );
                return Ok(self.finish(result, &profile, None));
            }
        };
        let result = user_result(action, user);
        Ok(self.finish(result, &profile, Some(Value::Object(mapped_user))))
    }

    /// `iam-create-user`: an existing user goes the update path.
    pub async fn create_user(
        &self,
        given: &GivenProfile,
        allow_enable: bool,
    ) -> Result<Outcome, ProfileError> {
        let profile = self.profile(given, CREATE_TYPE).await?;
        Ok(self.create_flow(&profile, allow_enable, self.gates).await)
    }

    /// `iam-update-user`.
    pub async fn update_user(
        &self,
        given: &GivenProfile,
        allow_enable: bool,
    ) -> Result<Outcome, ProfileError> {
        let profile = self.profile(given, UPDATE_TYPE).await?;
        Ok(self.update_flow(&profile, allow_enable, self.gates).await)
    }

    /// `iam-disable-user`.
    pub async fn disable_user(&self, given: &GivenProfile) -> Result<Outcome, ProfileError> {
        let profile = self.profile(given, UPDATE_TYPE).await?;
        let action = Action::Disable;
        let user = match self
            .gated_lookup(&profile, action, self.gates.disable)
            .await
        {
            Ok(user) => user,
            Err(outcome) => return Ok(*outcome),
        };
        if user.state == LifecycleState::Deprovisioned {
            let mut result = IamResult::skip(action, USER_ALREADY_DISABLED);
            result.details = Some(user.raw.clone());
            return Ok(self.finish(result, &profile, None));
        }
        let result = match self.connector.disable_user(&user).await {
            Ok(after) => {
                let mut result = user_result(action, after);
                result.active = Some(false);
                result
            }
            Err(e) if e.kind == ErrorKind::NotFound => IamResult::skip(action, USER_DOES_NOT_EXIST),
            Err(e) => error_result(action, e),
        };
        Ok(self.finish(result, &profile, None))
    }

    /// `iam-enable-user` (the reference module's generic enable).
    pub async fn enable_user(&self, given: &GivenProfile) -> Result<Outcome, ProfileError> {
        let profile = self.profile(given, UPDATE_TYPE).await?;
        let action = Action::Enable;
        let user = match self.gated_lookup(&profile, action, self.gates.enable).await {
            Ok(user) => user,
            Err(outcome) => return Ok(*outcome),
        };
        let result = match self.connector.enable_user(&user).await {
            Ok(Some(after)) => {
                let mut result = user_result(action, after);
                result.active = Some(true);
                result
            }
            Ok(None) => already_enabled(action, &user),
            Err(e) if e.kind == ErrorKind::AlreadyEnabled => already_enabled(action, &user),
            Err(e) => error_result(action, e),
        };
        Ok(self.finish(result, &profile, None))
    }

    async fn create_flow(
        &self,
        profile: &UserProfile<'_>,
        allow_enable: bool,
        gates: Gates,
    ) -> Outcome {
        let action = Action::Create;
        if !gates.create {
            return self.finish(IamResult::skip(action, COMMAND_DISABLED), profile, None);
        }
        match self.lookup(profile, action, false).await {
            Ok(_) => {
                // The user exists: update it (and enable it if allowed), never create again.
                let gates = Gates {
                    create: false,
                    create_if_not_exists: false,
                    ..gates
                };
                Box::pin(self.update_flow(profile, allow_enable, gates)).await
            }
            Err(LookupFailure::Result(result)) => self.finish(*result, profile, None),
            Err(LookupFailure::NotFound) => {
                let result = match self.connector.create_user(profile.mapped.clone()).await {
                    Ok(created) => user_result(action, created),
                    Err(e) => error_result(action, e),
                };
                self.finish(result, profile, None)
            }
        }
    }

    async fn update_flow(
        &self,
        profile: &UserProfile<'_>,
        allow_enable: bool,
        gates: Gates,
    ) -> Outcome {
        let action = Action::Update;
        if !gates.update {
            return self.finish(IamResult::skip(action, COMMAND_DISABLED), profile, None);
        }
        let user = match self.lookup(profile, action, true).await {
            Ok(user) => user,
            Err(LookupFailure::NotFound) if gates.create_if_not_exists => {
                let gates = Gates {
                    update: false,
                    enable: false,
                    ..gates
                };
                return Box::pin(self.create_flow(profile, false, gates)).await;
            }
            Err(LookupFailure::NotFound) => {
                return self.finish(IamResult::skip(action, USER_DOES_NOT_EXIST), profile, None)
            }
            Err(LookupFailure::Result(result)) => return self.finish(*result, profile, None),
        };
        if allow_enable && gates.enable && !user.state.is_enabled() {
            // Enable first (a vendor may refuse profile edits of a deprovisioned user: Okta does), then apply
            // the profile, so the update is not lost (the reference dropped it).
            let action = Action::Enable;
            let enabled = match self.connector.enable_user(&user).await {
                Ok(Some(after)) => after,
                Ok(None) => user.clone(),
                Err(e) if e.kind == ErrorKind::AlreadyEnabled => user.clone(),
                Err(e) => return self.finish(error_result(action, e), profile, None),
            };
            let result = match self
                .connector
                .update_user(&enabled, profile.mapped.clone())
                .await
            {
                Ok(after) => {
                    let mut result = user_result(action, after);
                    result.active = Some(true);
                    result
                }
                Err(e) => {
                    let mut result = error_result(action, e);
                    result.error_message = format!(
                        "The user was enabled, but the profile update failed: {}",
                        result.error_message
                    );
                    result.id = Some(enabled.id.clone());
                    result
                }
            };
            return self.finish(result, profile, None);
        }
        let result = match self
            .connector
            .update_user(&user, profile.mapped.clone())
            .await
        {
            Ok(after) => user_result(action, after),
            Err(e) => error_result(action, e),
        };
        self.finish(result, profile, None)
    }

    /// The start of disable and enable: the gate, then one user, or the finished outcome (a
    /// skip for a closed gate or a missing user, a failure for anything else).
    async fn gated_lookup(
        &self,
        profile: &UserProfile<'_>,
        action: Action,
        gate: bool,
    ) -> Result<VendorUser, Box<Outcome>> {
        if !gate {
            let result = IamResult::skip(action, COMMAND_DISABLED);
            return Err(Box::new(self.finish(result, profile, None)));
        }
        match self.lookup(profile, action, false).await {
            Ok(user) => Ok(user),
            Err(LookupFailure::NotFound) => {
                let result = IamResult::skip(action, USER_DOES_NOT_EXIST);
                Err(Box::new(self.finish(result, profile, None)))
            }
            Err(LookupFailure::Result(result)) => {
                Err(Box::new(self.finish(*result, profile, None)))
            }
        }
    }

    /// Finds exactly one user, or says why not.
    async fn lookup(
        &self,
        profile: &UserProfile<'_>,
        action: Action,
        use_old: bool,
    ) -> Result<VendorUser, LookupFailure> {
        let attributes = self.connector.lookup_attributes();
        let Some((attribute, value)) = profile.lookup_attribute(attributes, use_old) else {
            let names: Vec<String> = attributes.iter().map(|a| format!("'{a}'")).collect();
            return Err(LookupFailure::Result(Box::new(IamResult::failure(
                action,
                Value::String(String::new()),
                format!(
                    "Your user profile argument must contain at least one attribute that is mapped into one of the following attributes in the outgoing mapper: [{}]",
                    names.join(", ")
                ),
            ))));
        };
        match self.connector.find_user(attribute, &value).await {
            Ok(mut users) if users.len() == 1 => Ok(users.remove(0)),
            Ok(users) if users.is_empty() => Err(LookupFailure::NotFound),
            Ok(users) => Err(LookupFailure::Result(Box::new(IamResult::failure(
                action,
                Value::from(409),
                format!(
                    "{} users match {attribute} \"{value}\"; refusing to guess. Add a unique attribute (id or username) to the user profile.",
                    users.len()
                ),
            )))),
            Err(e) if e.kind == ErrorKind::NotFound => Err(LookupFailure::NotFound),
            Err(e) => Err(LookupFailure::Result(Box::new(error_result(action, e)))),
        }
    }

    /// Applies the reference's fallbacks (`email` from the raw profile, `details` from the
    /// mapped profile) and picks the profile for `IAM.UserProfile`.
    fn finish(
        &self,
        mut result: IamResult,
        profile: &UserProfile<'_>,
        user_profile: Option<Value>,
    ) -> Outcome {
        if result.email.as_deref().is_none_or(str::is_empty) {
            result.email = profile.raw_email();
        }
        if result.details.as_ref().is_none_or(is_falsy) {
            result.details = Some(Value::Object(profile.mapped_with_old()));
        }
        Outcome {
            result,
            user_profile: user_profile.unwrap_or_else(|| Value::Object(profile.raw.clone())),
        }
    }
}

/// A success result describing `user` (taken: its object becomes `details`, not a copy).
fn user_result(action: Action, user: VendorUser) -> IamResult {
    IamResult {
        active: Some(user.state.is_enabled()),
        id: Some(user.id),
        username: user.username,
        email: user.email,
        details: Some(user.raw),
        ..IamResult::new(action)
    }
}

fn already_enabled(action: Action, user: &VendorUser) -> IamResult {
    let mut result = IamResult::skip(action, USER_ALREADY_ENABLED);
    result.details = Some(user.raw.clone());
    result
}

/// A vendor error as a result: skip for "already enabled", error entry for rate limits,
/// failure otherwise; a half-done create reports the user that now exists.
fn error_result(action: Action, error: ConnectorError) -> IamResult {
    let mut result = match error.kind {
        ErrorKind::AlreadyEnabled => IamResult::skip(action, error.message.clone()),
        ErrorKind::RateLimited => IamResult {
            return_error: true,
            ..IamResult::failure(action, error.code.clone(), error.message.clone())
        },
        ErrorKind::NotFound | ErrorKind::Other => {
            IamResult::failure(action, error.code.clone(), error.message.clone())
        }
    };
    if let Some(created) = error.created {
        result.id = Some(created.id.clone());
        result.username = created.username.clone();
        result.email = created.email.clone();
        result.active = Some(created.state.is_enabled());
        result.error_message = format!(
            "The user was created (id {}) but a later step failed: {}",
            created.id, result.error_message
        );
        result.details = Some(created.raw.clone());
    }
    result
}

/// Reads the lifecycle gates from params (absent → the manifest default, true).
pub fn gates_from(params: &crate::params::Params) -> Gates {
    Gates {
        create: params.flag("create-user-enabled", true),
        update: params.flag("update-user-enabled", true),
        enable: params.flag("enable-user-enabled", true),
        disable: params.flag("disable-user-enabled", true),
        create_if_not_exists: params.flag("create-if-not-exists", true),
    }
}

#[cfg(test)]
mod tests;
