//! The messages of the XSOAR loop protocol: the calling context that comes in, and the
//! `pong`, `result`, `completed`, `exception` and `executeCommand` messages that go out.

use serde::Serialize;
use serde_json::{Map, Value};
use thiserror::Error;

use crate::output::Entry;
use crate::params::parse_bool;

/// The brand and instance name a calling context gets when it names none; the vendor's
/// (see [`crate::vendor::Vendor::context_defaults`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContextDefaults {
    pub brand: &'static str,
    pub instance: &'static str,
}

/// One execution request, parsed leniently: unknown keys are ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct CallingContext {
    pub command: String,
    /// Arguments as given: strings or any JSON value.
    pub args: Map<String, Value>,
    pub params: Map<String, Value>,
    pub brand: String,
    pub instance: String,
    pub is_debug: bool,
    /// Exit after this execution.
    pub native: bool,
}

/// Why an input line is not a usable calling context. The text goes into an error entry.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ContextError {
    #[error("Invalid input line: not valid JSON ({0}).")]
    InvalidJson(String),
    #[error("Invalid input line: expected a JSON object (a calling context), got {0}.")]
    NotAnObject(&'static str),
    #[error("Invalid calling context: the 'command' key is missing.")]
    MissingCommand,
    #[error("Invalid calling context: 'command' must be a string, got {0}.")]
    CommandNotString(&'static str),
    #[error("Invalid calling context: '{0}' must be a JSON object.")]
    NotAnObjectField(&'static str),
}

impl CallingContext {
    /// Parses one input line; `defaults` (the served vendor's) fill in a missing brand or
    /// instance name.
    pub fn parse(line: &str, defaults: &ContextDefaults) -> Result<CallingContext, ContextError> {
        let value: Value =
            serde_json::from_str(line).map_err(|e| ContextError::InvalidJson(e.to_string()))?;
        CallingContext::from_value(value, defaults)
    }

    /// [`CallingContext::parse`] of a line already parsed into `value`.
    pub fn from_value(
        value: Value,
        defaults: &ContextDefaults,
    ) -> Result<CallingContext, ContextError> {
        let Value::Object(object) = value else {
            return Err(ContextError::NotAnObject(json_kind(&value)));
        };
        // One pass over the keys (no key is hashed); unknown keys are ignored.
        let (mut command, mut args, mut params, mut context, mut native) =
            (None, None, None, None, None);
        for (key, value) in object {
            let slot = match key.as_str() {
                "command" => &mut command,
                "args" => &mut args,
                "params" => &mut params,
                "context" => &mut context,
                "native" => &mut native,
                _ => continue,
            };
            *slot = Some(value);
        }
        let command = match command {
            None | Some(Value::Null) => return Err(ContextError::MissingCommand),
            Some(Value::String(s)) => s,
            Some(other) => return Err(ContextError::CommandNotString(json_kind(&other))),
        };
        let mut args = object_field(args, "args")?;
        let params = object_field(params, "params")?;
        let context = object_field(context, "context")?;
        let field = |key: &str| crate::json_object::get(&context, key);
        let brand = non_empty_string(field("IntegrationBrand"))
            .unwrap_or_else(|| defaults.brand.to_string());
        let instance = non_empty_string(field("IntegrationInstance"))
            .unwrap_or_else(|| defaults.instance.to_string());
        let is_debug = field("IsDebug").and_then(parse_bool).unwrap_or(false);
        if is_debug {
            // The loop removes `debug-mode` from the args of a debug run.
            args.remove("debug-mode");
        }
        let native = native.as_ref().and_then(parse_bool).unwrap_or(false);
        Ok(CallingContext {
            command,
            args,
            params,
            brand,
            instance,
            is_debug,
            native,
        })
    }
}

/// The object under `key` (absent or null: empty).
fn object_field(
    value: Option<Value>,
    key: &'static str,
) -> Result<Map<String, Value>, ContextError> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(map)) => Ok(map),
        // Some hosts send args as a JSON string of an object.
        Some(Value::String(s)) => match serde_json::from_str::<Value>(&s) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(ContextError::NotAnObjectField(key)),
        },
        Some(_) => Err(ContextError::NotAnObjectField(key)),
    }
}

fn non_empty_string(value: Option<&Value>) -> Option<String> {
    value
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A short name of a JSON value's kind, for error messages.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Every message the daemon writes on stdout.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Outgoing<'a> {
    Pong,
    Result { results: &'a [Entry] },
    Completed,
    Exception { args: ExceptionArgs },
    ExecuteCommand { command: &'a str, args: Value },
}

#[derive(Debug, Serialize)]
pub struct ExceptionArgs {
    pub exception: String,
}

impl Outgoing<'_> {
    /// One compact JSON line (without the newline).
    pub fn to_line(&self) -> String {
        // Serialising these types cannot fail: keys are strings and values are JSON.
        serde_json::to_string(self).unwrap_or_else(|_| r#"{"type":"completed"}"#.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const DEFAULTS: ContextDefaults = ContextDefaults {
        brand: "Okta IAM",
        instance: "Okta IAM_instance_1",
    };

    #[test]
    fn parses_a_full_context_and_ignores_unknown_keys() {
        let line = r#"{"script":"x","integration":true,"linecount":3,"command":"iam-get-user","args":{"user-profile":"{}","n":3},"params":{"url":"https://a"},"context":{"IntegrationBrand":"B","IntegrationInstance":"I","IsDebug":"true"},"native":"true"}"#;
        let ctx = CallingContext::parse(line, &DEFAULTS).unwrap();
        assert_eq!(ctx.command, "iam-get-user");
        assert_eq!(ctx.args["n"], json!(3));
        assert_eq!(ctx.brand, "B");
        assert_eq!(ctx.instance, "I");
        assert!(ctx.is_debug);
        assert!(ctx.native);
    }

    #[test]
    fn defaults_brand_and_instance() {
        let ctx = CallingContext::parse(r#"{"command":"test-module"}"#, &DEFAULTS).unwrap();
        assert_eq!(ctx.brand, "Okta IAM");
        assert_eq!(ctx.instance, "Okta IAM_instance_1");
        let defaults = ContextDefaults {
            brand: "Other IAM",
            instance: "Other IAM_instance_1",
        };
        let ctx = CallingContext::parse(r#"{"command":"x"}"#, &defaults).unwrap();
        assert_eq!(ctx.brand, "Other IAM");
        assert_eq!(ctx.instance, "Other IAM_instance_1");
        assert!(!ctx.native);
    }

    #[test]
    fn bad_lines_are_named() {
        assert!(matches!(
            CallingContext::parse("{nope", &DEFAULTS),
            Err(ContextError::InvalidJson(_))
        ));
        assert_eq!(
            CallingContext::parse("[1]", &DEFAULTS),
            Err(ContextError::NotAnObject("an array"))
        );
        assert_eq!(
            CallingContext::parse("{}", &DEFAULTS),
            Err(ContextError::MissingCommand)
        );
        assert_eq!(
            CallingContext::parse(r#"{"command":5}"#, &DEFAULTS),
            Err(ContextError::CommandNotString("a number"))
        );
        assert_eq!(
            CallingContext::parse(r#"{"command":"x","args":[1]}"#, &DEFAULTS),
            Err(ContextError::NotAnObjectField("args"))
        );
    }

    #[test]
    fn outgoing_lines() {
        assert_eq!(Outgoing::Pong.to_line(), r#"{"type":"pong"}"#);
        assert_eq!(Outgoing::Completed.to_line(), r#"{"type":"completed"}"#);
        let e = Outgoing::Exception {
            args: ExceptionArgs {
                exception: "boom".into(),
            },
        };
        assert_eq!(
            e.to_line(),
            r#"{"type":"exception","args":{"exception":"boom"}}"#
        );
        let r = Outgoing::ExecuteCommand {
            command: "getLastRun",
            args: json!({}),
        };
        assert_eq!(
            r.to_line(),
            r#"{"type":"executeCommand","command":"getLastRun","args":{}}"#
        );
    }
}
