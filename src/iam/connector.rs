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
//!    profile fields plus `id` and `status`).
//! 6. [`Connector::schema_fields`]: the vendor's user attributes, for `get-mapping-fields`.
//!
//! Errors carry a vendor code (`errorCode` in the result: a string such as `E0000011`, or the
//! HTTP status as a number) and a message for people, plus a neutral [`ErrorKind`] that the
//! IAM layer branches on. Never put the API token in an error.

use serde_json::{Map, Value};

use crate::state::LocalBoxFuture;

/// A user as the vendor holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorUser {
    pub id: String,
    pub username: Option<String>,
    pub email: Option<String>,
    /// The vendor's status word, e.g. `ACTIVE`, `SUSPENDED`.
    pub status: String,
    /// Whether the user counts as enabled (Okta: not DEPROVISIONED and not SUSPENDED).
    pub active: bool,
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

/// A vendor failure.
#[derive(Debug, Clone, PartialEq)]
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

    /// The vendor's user attributes: name → title.
    fn schema_fields(&self) -> LocalBoxFuture<'_, ConnectorResult<Vec<(String, String)>>>;
}
