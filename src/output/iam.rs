//! How the IAM commands' results look: the 13-key result object, its entry and table, the
//! `IAM.UserProfile` and `IAM.Vendor` context selectors, and `iam-get-group`'s entry.
//!
//! The IAM layer ([`crate::iam`]) decides what happened ([`IamResult`]); this module only
//! shows it. The keys come from [`super::iam_keys`].

use std::sync::LazyLock;

use serde_json::{Map, Value};

use super::iam_keys::{self, IamKey, RESULT_ORDER, SKIP_HEADERS, TABLE_HEADERS};
use super::markdown::{table_to_markdown, MarkdownError, TableOptions};
use super::{command_results, context_key, Entry, EntryType};
use crate::iam::IamResult;

/// Where the user profile goes: merged with the profile of the same email.
pub const USER_PROFILE_SELECTOR: &str = "IAM.UserProfile(val.email && val.email == obj.email)";
/// Where the result goes: one per instance and email.
pub const VENDOR_SELECTOR: &str = "IAM.Vendor(val.instanceName && val.instanceName == obj.instanceName && val.email && val.email == obj.email)";

/// The documented context prefix of `iam-get-group`.
pub const GROUP_PREFIX: &str = "GetGroup";
/// The prefix the reference integration derived from the command name `iam-get-group`.
pub const REFERENCE_GROUP_PREFIX: &str = "IamGetGroup";
/// The keys `iam-get-group` adds after [`TABLE_HEADERS`].
const GROUP_KEYS: &[&str] = &["displayName", "members"];

/// The result object's 13 keys in order, each with a null value. A result's object starts as
/// a copy of it: copying the keys and their hash table costs less than hashing 13 keys.
static RESULT_KEYS: LazyLock<Map<String, Value>> = LazyLock::new(|| {
    RESULT_ORDER
        .iter()
        .map(|key| (key.name().to_string(), Value::Null))
        .collect()
});

/// The table options of a result that is not a skip, and of a skip: built once.
static TABLE_OPTIONS: LazyLock<TableOptions> = LazyLock::new(|| table_options(TABLE_HEADERS));
static SKIP_TABLE_OPTIONS: LazyLock<TableOptions> = LazyLock::new(|| table_options(SKIP_HEADERS));

fn table_options(headers: &[IamKey]) -> TableOptions {
    TableOptions {
        headers: Some(iam_keys::names(headers)),
        remove_null: true,
        ..TableOptions::new()
    }
}

/// The 13 outputs of a result, in the reference's key order (the result is taken: its
/// `details` move into the outputs rather than being copied).
pub fn iam_outputs(result: IamResult, brand: &str, instance: &str) -> Value {
    let IamResult {
        action,
        success,
        active,
        mut id,
        mut username,
        mut email,
        mut error_code,
        mut error_message,
        mut details,
        skipped,
        mut reason,
        ..
    } = result;
    let mut outputs = RESULT_KEYS.clone();
    for (key, slot) in RESULT_ORDER.iter().zip(outputs.values_mut()) {
        *slot = match key {
            IamKey::Brand => Value::String(brand.to_string()),
            IamKey::InstanceName => Value::String(instance.to_string()),
            IamKey::Action => Value::String(action.as_str().into()),
            IamKey::Success => Value::Bool(success),
            IamKey::Active => active.map_or(Value::Null, Value::Bool),
            IamKey::Id => optional(id.take()),
            IamKey::Username => optional(username.take()),
            IamKey::Email => optional(email.take()),
            IamKey::ErrorCode => error_code.take(),
            IamKey::ErrorMessage => Value::String(std::mem::take(&mut error_message)),
            IamKey::Details => details.take().unwrap_or(Value::Null),
            IamKey::Skipped => Value::Bool(skipped),
            IamKey::Reason => Value::String(std::mem::take(&mut reason)),
        };
    }
    Value::Object(outputs)
}

/// The entry of a result: Type 1 with the `<Action> User Results (<brand>)` table, or
/// Type 4 (no table) when the result says to return an error.
pub fn iam_entry(result: IamResult, brand: &str, instance: &str, user_profile: Value) -> Entry {
    let options: &TableOptions = if result.skipped {
        &SKIP_TABLE_OPTIONS
    } else {
        &TABLE_OPTIONS
    };
    let action = result.action.title();
    let mut title = String::with_capacity(action.len() + brand.len() + 16);
    title.push_str(action);
    title.push_str(" User Results (");
    title.push_str(brand);
    title.push(')');
    let return_error = result.return_error;
    let outputs = iam_outputs(result, brand, instance);
    let readable = if return_error {
        String::new()
    } else {
        // Rendering a dict with explicit headers cannot fail.
        table_to_markdown(&title, &outputs, options).unwrap_or_default()
    };
    // The outputs are both the contents and the `IAM.Vendor` context: held once.
    let mut entry = Entry::json(outputs, readable)
        .with_context(USER_PROFILE_SELECTOR, user_profile)
        .with_contents_in_context(VENDOR_SELECTOR);
    if return_error {
        entry = entry.with_type(EntryType::Error);
        entry.human_readable = None;
    }
    entry
}

/// `iam-get-group`'s output object (the reference's `OutputContext(...).data`): brand and
/// instance, then `fields` in the output key order, null values left out.
pub fn group_output(brand: &str, instance: &str, fields: Vec<(&'static str, Value)>) -> Value {
    let mut given: Map<String, Value> = fields
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect();
    given.insert(
        IamKey::Brand.name().into(),
        Value::String(brand.to_string()),
    );
    given.insert(
        IamKey::InstanceName.name().into(),
        Value::String(instance.to_string()),
    );
    let keys = TABLE_HEADERS
        .iter()
        .map(|key| key.name())
        .chain(GROUP_KEYS.iter().copied());
    let mut data = Map::new();
    for key in keys {
        match given.remove(key) {
            None | Some(Value::Null) => {}
            Some(value) => {
                data.insert(key.to_string(), value);
            }
        }
    }
    Value::Object(data)
}

/// `iam-get-group`'s entry: `data` as contents and table (titled `title`), written under
/// [`GROUP_PREFIX`] and, as the reference did, [`REFERENCE_GROUP_PREFIX`].
pub fn group_entry(title: &str, data: Value) -> Result<Entry, MarkdownError> {
    let options = TableOptions {
        remove_null: true,
        ..TableOptions::new()
    };
    let readable = table_to_markdown(title, &data, &options)?;
    Ok(
        command_results(Some(GROUP_PREFIX), &["id"], data.clone(), readable, None)
            .with_context(context_key(REFERENCE_GROUP_PREFIX, &["id"]), data),
    )
}

fn optional(value: Option<String>) -> Value {
    value.map_or(Value::Null, Value::String)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn group_output_keeps_the_reference_order_and_drops_nulls() {
        let data = group_output(
            "Okta IAM",
            "Okta IAM_instance_1",
            vec![
                ("members", json!([])),
                ("displayName", json!("G")),
                ("id", json!("00g1")),
                ("success", json!(true)),
                ("errorCode", Value::Null),
            ],
        );
        let keys: Vec<&String> = data.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            [
                "brand",
                "instanceName",
                "success",
                "id",
                "displayName",
                "members"
            ]
        );
    }

    #[test]
    fn every_output_holds_its_field_of_the_result() {
        let mut result = IamResult::failure(crate::iam::Action::Update, json!(404), "gone");
        result.active = Some(false);
        result.id = Some("00u1".into());
        result.username = Some("u@x".into());
        result.email = Some("e@x".into());
        result.details = Some(json!({"k": "v"}));
        result.reason = "r".into();
        let outputs = iam_outputs(result, "B", "I");
        assert_eq!(
            outputs,
            json!({
                "brand": "B", "instanceName": "I", "action": "update", "success": false,
                "active": false, "id": "00u1", "username": "u@x", "email": "e@x",
                "errorCode": 404, "errorMessage": "gone", "details": {"k": "v"},
                "skipped": false, "reason": "r"
            })
        );
        let empty = iam_outputs(IamResult::new(crate::iam::Action::Get), "B", "I");
        for key in ["active", "id", "username", "email", "errorCode", "details"] {
            assert_eq!(empty[key], Value::Null, "{key}");
        }
        // A lookup by key finds every value (the copied hash table is the keys' own).
        let map = empty.as_object().unwrap();
        for key in RESULT_ORDER {
            assert!(map.get(key.name()).is_some(), "{}", key.name());
        }
    }

    #[test]
    fn the_result_object_has_the_thirteen_keys_in_order() {
        let result = IamResult::skip(crate::iam::Action::Disable, "why");
        let outputs = iam_outputs(result, "B", "I");
        let keys: Vec<&str> = outputs
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let expected: Vec<&str> = RESULT_ORDER.iter().map(|key| key.name()).collect();
        assert_eq!(keys, expected);
        assert_eq!(outputs["reason"], "why");
    }
}
