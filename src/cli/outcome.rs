//! Exit codes from results, for `call` and `demo`: 0 when every result succeeded; 1 when a
//! result is an error entry (or an `exception`), or an IAM result with `success: false`.
//!
//! An IAM result is recognised by its context key (`IAM.Vendor(...)`): an unreachable Okta or
//! a rejected token is a normal (Type 1) entry there, as in XSOAR, but it is no success.

use serde_json::Value;

use super::exit;
use super::walkthrough::Step;
use crate::commands::Execution;
use crate::output::{Entry, EntryType};

/// Whether an entry's `Contents` and `EntryContext` are an IAM result that failed.
pub fn iam_result_failed(contents: &Value, entry_context: &Value) -> bool {
    let keys = entry_context.as_object().into_iter().flatten();
    iam_failure(contents, keys.map(|(key, _)| key.as_str()))
}

/// Whether `contents` are an IAM result that failed, given the context's keys.
fn iam_failure<'a>(contents: &Value, mut context_keys: impl Iterator<Item = &'a str>) -> bool {
    let is_iam = context_keys.any(|key| key.starts_with("IAM.Vendor"));
    is_iam && contents.get("success") == Some(&Value::Bool(false))
}

/// Whether one entry of an execution failed.
pub fn entry_failed(entry: &Entry) -> bool {
    entry.is_error() || iam_failure(&entry.contents, entry.context_keys())
}

/// Whether one entry, as written on the protocol (`{"Type": ..., "Contents": ...}`), failed.
pub fn protocol_entry_failed(entry: &Value) -> bool {
    entry.get("Type").and_then(Value::as_u64) == Some(EntryType::Error as u64)
        || iam_result_failed(
            entry.get("Contents").unwrap_or(&Value::Null),
            entry.get("EntryContext").unwrap_or(&Value::Null),
        )
}

/// The exit code of `call`.
pub fn exit_code(execution: &Execution) -> u8 {
    if execution.exception.is_some() || execution.entries.iter().any(entry_failed) {
        exit::COMMAND_FAILED
    } else {
        exit::OK
    }
}

/// The exit code of `demo`.
pub fn steps_exit_code(steps: &[Step]) -> u8 {
    if steps.iter().any(Step::failed) {
        exit::COMMAND_FAILED
    } else {
        exit::OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const KEY: &str = "IAM.Vendor(val.instanceName && val.instanceName == obj.instanceName && val.email && val.email == obj.email)";

    #[test]
    fn a_failed_iam_result_is_a_failure_and_other_success_keys_are_not() {
        let failed = json!({"success": false, "errorCode": "E0000011"});
        assert!(iam_result_failed(&failed, &json!({KEY: failed.clone()})));
        let ok = json!({"success": true});
        assert!(!iam_result_failed(&ok, &json!({KEY: ok.clone()})));
        // `iam-get-group` has its own `success` field, outside IAM.Vendor.
        assert!(!iam_result_failed(
            &failed,
            &json!({"GetGroup": failed.clone()})
        ));
        let entry = json!({"Type": 1, "Contents": failed.clone(), "EntryContext": {KEY: failed}});
        assert!(protocol_entry_failed(&entry));
        assert!(protocol_entry_failed(
            &json!({"Type": 4, "Contents": "boom", "EntryContext": {}})
        ));
        assert!(!protocol_entry_failed(
            &json!({"Type": 1, "Contents": "ok", "EntryContext": {}})
        ));
    }

    #[test]
    fn exit_code_of_an_execution() {
        let ok = Execution {
            entries: vec![Entry::text("ok")],
            exception: None,
        };
        assert_eq!(exit_code(&ok), exit::OK);
        let error = Execution {
            entries: vec![Entry::text("ok"), Entry::error("no")],
            exception: None,
        };
        assert_eq!(exit_code(&error), exit::COMMAND_FAILED);
        let exception = Execution {
            entries: Vec::new(),
            exception: Some("panic".into()),
        };
        assert_eq!(exit_code(&exception), exit::COMMAND_FAILED);
    }
}
