//! The `Connector` trait: what the IAM layer needs from a vendor.
//!
//! # Adding a vendor
//!
//! The IAM layer ([`crate::iam`]) owns everything a playbook sees: the user-profile argument,
//! the outgoing and incoming mappers, the lookup precedence, the enable/disable gates,
//! create-if-not-exists, skip reasons and the 13-key result. A vendor only answers these
//! questions, in its own API's terms:
//!
//! 1. [`Connector::lookup_attributes`]: which mapped-profile attributes identify a user, in
//!    order of precedence (Okta: `id`, `login`, `email`). `id` is read from the raw profile
//!    first, because outgoing mappers do not carry it.
//! 2. [`Connector::find_user`]: the users matching one attribute. Return every match (at most
//!    a few): the IAM layer treats several matches as an error and never creates a duplicate.
//! 3. [`Connector::create_user`]: create the user from the mapped profile, *enabled*, and
//!    return it as it is after creation. If creation succeeded but a later step (Okta's
//!    activation) failed, return the error with [`ConnectorError::created`] set, so the
//!    caller reports the id that now exists.
//! 4. [`Connector::update_user`], [`Connector::enable_user`], [`Connector::disable_user`]:
//!    return the user *as it is after the change* (re-read it if the API's answer is not the
//!    user). `enable_user` picks the right call for the user's state and returns `Ok(None)`
//!    when the user is already enabled.
//! 5. [`Connector::incoming_source`]: the object the incoming mapper reads (Okta: the
//!    profile fields plus `id` and `status`). A vendor whose source is mostly a part of the
//!    user may lend that part instead of copying it ([`Connector::lend_incoming_source`] and
//!    [`Connector::return_incoming_source`]).
//! 6. [`Connector::schema_fields`]: the vendor's user attributes, for `get-mapping-fields`.
//! 7. [`Connector::find_group`] and [`Connector::group_members`]: one group by id or display
//!    name, and its members, for `iam-get-group`.
//! 8. [`Connector::vendor_label`]: the vendor's name in messages ("Okta").
//!
//! The vendor sorts its users' status words into a [`LifecycleState`]; the IAM layer decides
//! on that state only.
//!
//! Errors carry a vendor code (`errorCode` in the result: a string such as `E0000011`, or the
//! HTTP status as a number) and a message for people, plus a neutral [`ErrorKind`] that the
//! IAM layer branches on. Never put the API token in an error.

use serde_json::{Map, Value};

use crate::state::LocalBoxFuture;

/// Where a user is in its lifecycle, in the IAM layer's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleState {
    /// Can sign in.
    Active,
    /// Created, not yet active; counts as enabled.
    Pending,
    /// Temporarily blocked: not enabled; a disable still asks the vendor.
    Suspended,
    /// Off: not enabled; a disable is a skip without a call.
    Deprovisioned,
}

impl LifecycleState {
    /// Whether the user counts as enabled (`active` in the result).
    pub fn is_enabled(self) -> bool {
        matches!(self, LifecycleState::Active | LifecycleState::Pending)
    }
}

/// A user as the vendor holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorUser {
    pub id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    /// Where the user is in its lifecycle.
    pub state: LifecycleState,
    /// The vendor's own status word (e.g. `ACTIVE`, `SUSPENDED`), for the vendor's use.
    pub vendor_status: String,
    /// The vendor's full object, key order kept: goes to `details`.
    pub raw: Value,
}

/// What the IAM layer branches on; the vendor maps its own codes to these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The user (or resource) does not exist.
    NotFound,
    /// The user is already enabled (Okta E0000016).
    AlreadyEnabled,
    /// Rate limit retries spent (Okta E0000047): the result becomes an error entry.
    RateLimited,
    /// Anything else.
    Other,
}

/// A vendor failure; its text is the message for people.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectorError {
    pub kind: ErrorKind,
    /// `errorCode` in the result: a string (vendor code), a number (HTTP status) or `""`.
    pub code: Value,
    /// `errorMessage` in the result.
    pub message: String,
    /// Set when a create succeeded but a later step failed: the user that now exists.
    pub created: Option<Box<VendorUser>>,
}

impl ConnectorError {
    pub fn other(message: impl Into<String>) -> Self {
        ConnectorError {
            kind: ErrorKind::Other,
            code: Value::String(String::new()),
            message: message.into(),
            created: None,
        }
    }
}

pub type ConnectorResult<T> = Result<T, ConnectorError>;

/// A vendor behind the IAM commands.
pub trait Connector {
    /// Mapped-profile attributes that identify a user, in order of precedence.
    fn lookup_attributes(&self) -> &'static [&'static str];

    /// Users whose `attribute` equals `value` exactly.
    fn find_user<'a>(
        &'a self,
        attribute: &'a str,
        value: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<VendorUser>>>;

    /// Creates an enabled user from the mapped profile.
    fn create_user(
        &self,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'_, ConnectorResult<VendorUser>>;

    /// Applies a partial profile update.
    fn update_user<'a>(
        &'a self,
        user: &'a VendorUser,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>>;

    /// Enables a user; `Ok(None)` when there is nothing to do.
    fn enable_user<'a>(
        &'a self,
        user: &'a VendorUser,
    ) -> LocalBoxFuture<'a, ConnectorResult<Option<VendorUser>>>;

    /// Disables a user.
    fn disable_user<'a>(
        &'a self,
        user: &'a VendorUser,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>>;

    /// The object the incoming mapper reads for this user.
    fn incoming_source(&self, user: &VendorUser) -> Value;

    /// [`Connector::incoming_source`] of a user the caller holds: a vendor may move parts of
    /// `user.raw` into the source rather than copy them (Okta: its profile), then put them
    /// back in [`Connector::return_incoming_source`], which the caller must call with the
    /// source once mapped. The default is the copy.
    fn lend_incoming_source(&self, user: &mut VendorUser) -> Value {
        self.incoming_source(user)
    }

    /// Takes back the source [`Connector::lend_incoming_source`] gave: `user.raw` is then as
    /// it was before. The default drops it (a copy lent nothing).
    fn return_incoming_source(&self, user: &mut VendorUser, source: Value) {
        let _ = (user, source);
    }

    /// The vendor's user attributes: name → title.
    fn schema_fields(&self) -> LocalBoxFuture<'_, ConnectorResult<Vec<(String, String)>>>;

    /// One group by id or display name. A vendor that answers with an error object of its
    /// own reports [`GroupSearch::Refused`]; a failure without one is the `Err`.
    fn find_group<'a>(
        &'a self,
        lookup: &'a GroupLookup,
    ) -> LocalBoxFuture<'a, ConnectorResult<GroupSearch>>;

    /// Every member of the group with this id that is not deprovisioned, read to the end.
    fn group_members<'a>(
        &'a self,
        group_id: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<GroupMember>>>;

    /// The vendor's name in messages ("Okta"), as in "Cannot map the Okta user ...".
    fn vendor_label(&self) -> &'static str;
}

/// How `iam-get-group` names the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupLookup {
    Id(String),
    DisplayName(String),
}

/// A group as the vendor holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorGroup {
    /// The id to ask [`Connector::group_members`] with (the one looked up; `""` if none).
    pub key: String,
    /// The group's id as the vendor wrote it (null when it gave none).
    pub id: Value,
    /// The group's display name (null when it has none).
    pub display_name: Value,
}

/// A group member as `iam-get-group` lists it: `{"value": id, "display": login}`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupMember {
    pub value: Value,
    pub display: Value,
}

/// What a group lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupSearch {
    Found(VendorGroup),
    /// No such group (a 404, or no display name match): the id asked for, if one was, and
    /// the vendor's answer.
    NotFound {
        id: Option<String>,
        details: Value,
    },
    /// Several groups have this display name.
    Many(Vec<VendorGroup>),
    /// The vendor answered with an error object: its code, its summary and the object.
    Refused {
        /// The id asked for, if one was.
        id: Option<String>,
        code: Value,
        message: Value,
        details: Value,
    },
}
