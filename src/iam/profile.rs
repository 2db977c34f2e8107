//! The `user-profile` argument: parsing, outgoing mapping, and the lookup attribute.

use serde_json::{Map, Value};

use super::mapping::{MapperRef, ProfileMapping};
use crate::mapper::{Mapper, MapperError};

/// Mapper types of the outgoing mapper, as XSOAR names them.
pub const CREATE_TYPE: &str = "User Profile - Create";
pub const UPDATE_TYPE: &str = "User Profile - Update";
/// Mapper type of the incoming mapper.
pub const INCOMING_TYPE: &str = "User Profile";

const OLD_USER_DATA: &str = "olduserdata";

/// Why a `user-profile` argument cannot be used. Each message says what to fix.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
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

/// A user profile as given, plus its outgoing-mapped form.
#[derive(Debug, Clone)]
pub struct UserProfile {
    /// The profile as given (goes to `IAM.UserProfile`).
    pub raw: Map<String, Value>,
    /// The outgoing-mapped profile, without `olduserdata`.
    pub mapped: Map<String, Value>,
    /// The outgoing-mapped `olduserdata`, when given.
    pub mapped_old: Option<Map<String, Value>>,
}

impl UserProfile {
    /// Parses the argument (a JSON object, or a string holding one) and maps it with the
    /// outgoing mapper using `type_name` (the built-in mapper engine).
    pub fn parse(
        argument: Option<&Value>,
        mapper: &Mapper,
        type_name: &str,
    ) -> Result<UserProfile, ProfileError> {
        let (raw, source, old) = Self::split(argument)?;
        let map = |value: Map<String, Value>| {
            mapper
                .map(&Value::Object(value), type_name)
                .map_err(|e: MapperError| ProfileError::Mapping(e.to_string()))
        };
        let mapped = map(source)?;
        let mapped_old = old.map(map).transpose()?;
        Ok(UserProfile {
            raw,
            mapped,
            mapped_old,
        })
    }

    /// [`UserProfile::parse`] with `mapping` (the server first, in engine mode).
    pub async fn parse_with(
        argument: Option<&Value>,
        mapping: &dyn ProfileMapping,
        mapper: MapperRef<'_>,
        type_name: &str,
    ) -> Result<UserProfile, ProfileError> {
        let (raw, source, old) = Self::split(argument)?;
        let mapped = mapping
            .map(&Value::Object(source), mapper, type_name)
            .await
            .map_err(ProfileError::Mapping)?;
        let mapped_old = match old {
            Some(old) => Some(
                mapping
                    .map(&Value::Object(old), mapper, type_name)
                    .await
                    .map_err(ProfileError::Mapping)?,
            ),
            None => None,
        };
        Ok(UserProfile {
            raw,
            mapped,
            mapped_old,
        })
    }

    /// The profile as given, the part the mapper reads (without `olduserdata`), and
    /// `olduserdata` when given.
    #[allow(clippy::type_complexity)]
    fn split(
        argument: Option<&Value>,
    ) -> Result<
        (
            Map<String, Value>,
            Map<String, Value>,
            Option<Map<String, Value>>,
        ),
        ProfileError,
    > {
        let raw = match argument {
            None | Some(Value::Null) => return Err(ProfileError::Missing),
            Some(Value::String(text)) if text.trim().is_empty() => {
                return Err(ProfileError::Missing)
            }
            Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(map)) => map,
                Ok(other) => {
                    return Err(ProfileError::NotAnObject(
                        crate::protocol::message::json_kind(&other),
                    ))
                }
                Err(e) => return Err(ProfileError::NotJson(e.to_string())),
            },
            Some(Value::Object(map)) => map.clone(),
            Some(other) => {
                return Err(ProfileError::NotAnObject(
                    crate::protocol::message::json_kind(other),
                ))
            }
        };
        if raw.is_empty() {
            return Err(ProfileError::Empty);
        }
        let mut source = raw.clone();
        let old = match source.remove(OLD_USER_DATA) {
            None | Some(Value::Null) => None,
            Some(Value::Object(old)) => Some(old),
            Some(_) => return Err(ProfileError::BadOldUserData),
        };
        Ok((raw, source, old))
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
                let from_raw = old_first(&self.raw, raw_old, attribute, use_old);
                if let Some(value) = from_raw {
                    return Some((attribute, value));
                }
            }
            let base = if self.mapped.is_empty() {
                &self.raw
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
