//! The IAM result: the 13 outputs, the entry, the `<Action> User Results (<brand>)` table.

use serde_json::{Map, Value};

use crate::output::markdown::{table_to_markdown, TableOptions};
use crate::output::{Entry, EntryType};

/// The action a result reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Get,
    Create,
    Update,
    Disable,
    Enable,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Get => "get",
            Action::Create => "create",
            Action::Update => "update",
            Action::Disable => "disable",
            Action::Enable => "enable",
        }
    }

    /// Python's `str.title()` of the action, as in the table title.
    pub fn title(self) -> &'static str {
        match self {
            Action::Get => "Get",
            Action::Create => "Create",
            Action::Update => "Update",
            Action::Disable => "Disable",
            Action::Enable => "Enable",
        }
    }
}

/// One vendor result, as IAMApiModule's `IAMVendorActionResult`.
#[derive(Debug, Clone, PartialEq)]
pub struct IamResult {
    pub action: Action,
    pub success: bool,
    pub active: Option<bool>,
    pub id: Option<String>,
    pub username: Option<String>,
    pub email: Option<String>,
    /// `errorCode`: a vendor code string, an HTTP status number, or null.
    pub error_code: Value,
    pub error_message: String,
    pub details: Option<Value>,
    pub skipped: bool,
    pub reason: String,
    /// Emit a Type 4 entry (rate limit spent) instead of a note.
    pub return_error: bool,
}

impl IamResult {
    pub fn new(action: Action) -> Self {
        IamResult {
            action,
            success: true,
            active: None,
            id: None,
            username: None,
            email: None,
            error_code: Value::Null,
            error_message: String::new(),
            details: None,
            skipped: false,
            reason: String::new(),
            return_error: false,
        }
    }

    /// A skip with a reason (success stays true, as in the reference).
    pub fn skip(action: Action, reason: impl Into<String>) -> Self {
        IamResult {
            skipped: true,
            reason: reason.into(),
            ..IamResult::new(action)
        }
    }

    /// A failure with a code and a message.
    pub fn failure(action: Action, code: Value, message: impl Into<String>) -> Self {
        IamResult {
            success: false,
            error_code: code,
            error_message: message.into(),
            ..IamResult::new(action)
        }
    }

    /// The 13 outputs, in the reference's key order.
    pub fn outputs(&self, brand: &str, instance: &str) -> Value {
        let mut o = Map::new();
        o.insert("brand".into(), Value::String(brand.to_string()));
        o.insert("instanceName".into(), Value::String(instance.to_string()));
        o.insert("action".into(), Value::String(self.action.as_str().into()));
        o.insert("success".into(), Value::Bool(self.success));
        o.insert(
            "active".into(),
            self.active.map_or(Value::Null, Value::Bool),
        );
        o.insert("id".into(), opt_string(&self.id));
        o.insert("username".into(), opt_string(&self.username));
        o.insert("email".into(), opt_string(&self.email));
        o.insert("errorCode".into(), self.error_code.clone());
        o.insert(
            "errorMessage".into(),
            Value::String(self.error_message.clone()),
        );
        o.insert(
            "details".into(),
            self.details.clone().unwrap_or(Value::Null),
        );
        o.insert("skipped".into(), Value::Bool(self.skipped));
        o.insert("reason".into(), Value::String(self.reason.clone()));
        Value::Object(o)
    }

    /// The entry: Type 1 with the table, or Type 4 (no table) when `return_error` is set.
    pub fn to_entry(&self, brand: &str, instance: &str, user_profile: Value) -> Entry {
        let outputs = self.outputs(brand, instance);
        let headers: &[&str] = if self.skipped {
            &["brand", "instanceName", "skipped", "reason"]
        } else {
            &[
                "brand",
                "instanceName",
                "success",
                "active",
                "id",
                "username",
                "email",
                "errorCode",
                "errorMessage",
                "details",
            ]
        };
        let title = format!("{} User Results ({brand})", self.action.title());
        let options = TableOptions {
            headers: Some(headers.iter().map(|h| h.to_string()).collect()),
            remove_null: true,
            ..TableOptions::new()
        };
        // Rendering a dict with explicit headers cannot fail.
        let readable = table_to_markdown(&title, &outputs, &options).unwrap_or_default();
        let mut entry = Entry::json(outputs.clone(), readable)
            .with_context(
                "IAM.UserProfile(val.email && val.email == obj.email)",
                user_profile,
            )
            .with_context(
                "IAM.Vendor(val.instanceName && val.instanceName == obj.instanceName && val.email && val.email == obj.email)",
                outputs,
            );
        if self.return_error {
            entry = entry.with_type(EntryType::Error);
            entry.human_readable = None;
        }
        entry
    }
}

fn opt_string(value: &Option<String>) -> Value {
    value.clone().map_or(Value::Null, Value::String)
}
