//! The `user-profile` argument as IAM receives it ([`GivenProfile`], parsed by the command's
//! typed arguments), its outgoing mapping, and the lookup attribute.

use serde_json::{Map, Value};

use super::mapping::{MapperRef, ProfileMapping};
use crate::mapper::{Mapper, MapperError};

/// Mapper types of the outgoing mapper, as XSOAR names them.
pub const CREATE_TYPE: &str = "User Profile - Create";
pub const UPDATE_TYPE: &str = "User Profile - Update";
/// Mapper type of the incoming mapper.
pub const INCOMING_TYPE: &str = "User Profile";

/// The profile field holding the user's previous values (a rename is found by them).
pub const OLD_USER_DATA: &str = "olduserdata";

/// Why a `user-profile` argument cannot be used. Each message says what to fix. The argument's
/// parsing reports all but [`ProfileError::Mapping`], which the mapping here reports.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ProfileError {
    #[error("The user-profile argument is missing. Give a JSON object such as {{\"email\": \"jane@example.com\"}}.")]
    Missing,
    #[error("The user-profile argument is not valid JSON ({0}). Give a JSON object such as {{\"email\": \"jane@example.com\"}}.")]
    NotJson(String),
    #[error("The user-profile argument must be a JSON object such as {{\"email\": \"jane@example.com\"}}; got {0}.")]
    NotAnObject(&'static str),
    #[error(
        "You must provide the user profile data: the user-profile argument is an empty object."
    )]
    Empty,
    #[error("The user-profile field olduserdata must be a JSON object.")]
    BadOldUserData,
    #[error("Cannot map the user profile: {0}")]
    Mapping(String),
}

/// The `user-profile` argument once parsed (by the command's typed arguments): the profile as
/// given, the part the outgoing mapper reads, and `olduserdata` when given. Never empty.
/// Each part is held as the value the mappers read, so mapping copies nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenProfile {
    /// The profile as given (goes to `IAM.UserProfile`): always an object.
    raw: Value,
    /// The profile without `olduserdata`, when it had that key (else the mapper reads `raw`).
    without_old: Option<Value>,
    /// `olduserdata`, when given as an object.
    old: Option<Value>,
}

impl GivenProfile {
    /// Splits `olduserdata` (an object, or null for none) off a parsed profile object.
    pub fn new(raw: Map<String, Value>) -> Result<GivenProfile, ProfileError> {
        if raw.is_empty() {
            return Err(ProfileError::Empty);
        }
        let (without_old, old) = match crate::json_object::get(&raw, OLD_USER_DATA) {
            None => (None, None),
            Some(given_old) => {
                let old = match given_old {
                    Value::Null => None,
                    Value::Object(old) => Some(Value::Object(old.clone())),
                    _ => return Err(ProfileError::BadOldUserData),
                };
                let mut source = raw.clone();
                source.remove(OLD_USER_DATA);
                (Some(Value::Object(source)), old)
            }
        };
        Ok(GivenProfile {
            raw: Value::Object(raw),
            without_old,
            old,
        })
    }

    /// The profile as given.
    pub fn raw(&self) -> &Map<String, Value> {
        as_map(&self.raw)
    }

    /// What the outgoing mapper reads: the profile without `olduserdata`.
    pub fn source(&self) -> &Value {
        self.without_old.as_ref().unwrap_or(&self.raw)
    }

    /// `olduserdata`, when given as an object.
    pub fn old(&self) -> Option<&Value> {
        self.old.as_ref()
    }
}

/// The object a [`GivenProfile`] part always is.
fn as_map(value: &Value) -> &Map<String, Value> {
    static NONE: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);
    value.as_object().unwrap_or(&NONE)
}

/// A user profile as given, plus its outgoing-mapped form.
#[derive(Debug, Clone)]
pub struct UserProfile<'a> {
    /// The profile as given (goes to `IAM.UserProfile`).
    pub raw: &'a Map<String, Value>,
    /// The outgoing-mapped profile, without `olduserdata`.
    pub mapped: Map<String, Value>,
    /// The outgoing-mapped `olduserdata`, when given.
    pub mapped_old: Option<Map<String, Value>>,
}

impl<'a> UserProfile<'a> {
    /// Maps a parsed profile with the outgoing mapper using `type_name` (the built-in mapper
    /// engine).
    pub fn map(
        given: &'a GivenProfile,
        mapper: &Mapper,
        type_name: &str,
    ) -> Result<UserProfile<'a>, ProfileError> {
        let map = |value: &Value| {
            mapper
                .map(value, type_name)
                .map_err(|e: MapperError| ProfileError::Mapping(e.to_string()))
        };
        let mapped = map(given.source())?;
        let mapped_old = given.old().map(map).transpose()?;
        Ok(UserProfile {
            raw: given.raw(),
            mapped,
            mapped_old,
        })
    }

    /// [`UserProfile::map`] with `mapping` (the server first, in engine mode).
    pub async fn map_with(
        given: &'a GivenProfile,
        mapping: &dyn ProfileMapping,
        mapper: MapperRef<'_>,
        type_name: &str,
    ) -> Result<UserProfile<'a>, ProfileError> {
        let mapped = mapping
            .map(given.source(), mapper, type_name)
            .await
            .map_err(ProfileError::Mapping)?;
        let mapped_old = match given.old() {
            Some(old) => Some(
                mapping
                    .map(old, mapper, type_name)
                    .await
                    .map_err(ProfileError::Mapping)?,
            ),
            None => None,
        };
        Ok(UserProfile {
            raw: given.raw(),
            mapped,
            mapped_old,
        })
    }

    /// The first attribute, in `attributes` order, that has a value: `id` from the raw profile
    /// first (mappers do not carry it), everything else from the mapped profile (the raw one
    /// when the mapped profile is empty). With `use_old`, `olduserdata` wins per attribute, so
    /// a renamed user is found by its old values.
    pub fn lookup_attribute(
        &self,
        attributes: &[&'static str],
        use_old: bool,
    ) -> Option<(&'static str, String)> {
        let raw_old = self.raw.get(OLD_USER_DATA).and_then(Value::as_object);
        for &attribute in attributes {
            if attribute == "id" {
                let from_raw = old_first(self.raw, raw_old, attribute, use_old);
                if let Some(value) = from_raw {
                    return Some((attribute, value));
                }
            }
            let base = if self.mapped.is_empty() {
                self.raw
            } else {
                &self.mapped
            };
            let old = if self.mapped.is_empty() {
                raw_old
            } else {
                self.mapped_old.as_ref()
            };
            if let Some(value) = old_first(base, old, attribute, use_old) {
                return Some((attribute, value));
            }
        }
        None
    }

    /// The raw profile's email, the fallback for the result's `email`.
    pub fn raw_email(&self) -> Option<String> {
        self.raw.get("email").and_then(text_value)
    }

    /// The mapped profile with `olduserdata` (the reference's `details` fallback).
    pub fn mapped_with_old(&self) -> Map<String, Value> {
        let mut mapped = self.mapped.clone();
        if let Some(old) = &self.mapped_old {
            mapped.insert(OLD_USER_DATA.to_string(), Value::Object(old.clone()));
        }
        mapped
    }
}

fn old_first(
    base: &Map<String, Value>,
    old: Option<&Map<String, Value>>,
    attribute: &str,
    use_old: bool,
) -> Option<String> {
    if use_old {
        if let Some(value) = old.and_then(|o| o.get(attribute)).and_then(text_value) {
            return Some(value);
        }
    }
    base.get(attribute).and_then(text_value)
}

/// A non-empty scalar as text.
fn text_value(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
