//! The IAM result: what one IAM command did, as data. How it is shown (the 13 outputs, the
//! entry, the `<Action> User Results (<brand>)` table) is [`crate::output::iam`]'s.

use serde_json::Value;

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
}
