//! Typed command arguments.
//!
//! The dispatcher has checked the arguments against the command's spec (required, predefined,
//! unknown); a handler's first step turns them into its own struct with [`FromArgs`], and
//! nothing after that reads the raw arguments. Each struct lives beside its handler and says
//! in its fields what the command needs; its parsing has table-driven unit tests there.

use serde_json::Value;

use super::CommandError;
use crate::catalogue::{value_text, ArgError, Args};
use crate::okta::path::segment;

/// Arguments parsed into a struct, with an error that names the argument and the fix.
pub trait FromArgs: Sized {
    fn from_args(args: &Args) -> Result<Self, CommandError>;
}

/// A command without arguments of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoArgs;

impl FromArgs for NoArgs {
    fn from_args(_: &Args) -> Result<Self, CommandError> {
        Ok(NoArgs)
    }
}

/// Checks that an argument can be one path segment, so the error names the argument (the
/// client would refuse it too, with a less specific message). Nothing is sent either way.
pub fn check_path_id(argument: &str, value: &str) -> Result<(), CommandError> {
    segment(value).map(|_| ()).map_err(|error| {
        CommandError::argument(format!(
            "Invalid {argument}: {}. Give the Okta id itself.",
            error.message_for_people()
        ))
    })
}

/// A required argument: its value as given (for the outputs) and as text (for the request).
pub fn required(args: &Args, name: &'static str) -> Result<(Value, String), CommandError> {
    let value = args.raw(name).cloned().ok_or(ArgError::Missing(name))?;
    let text = value_text(&value);
    Ok((value, text))
}

/// An argument XSOAR sends as `"true"`/`"false"` text: true only for `true` (any case).
pub fn flag(args: &Args, name: &str) -> bool {
    args.string(name)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Arguments as the dispatcher hands them over, for the parsing tests.
#[cfg(test)]
pub fn args_of(value: Value) -> Args {
    match value {
        Value::Object(map) => Args::from_map(map),
        other => panic!("arguments are a JSON object, not {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn required_keeps_the_value_and_its_text() {
        let cases = [
            (json!({"id": "00u1"}), Ok((json!("00u1"), "00u1"))),
            (json!({"id": 7}), Ok((json!(7), "7"))),
            (json!({"id": "  "}), Err("Missing required argument: id.")),
            (json!({}), Err("Missing required argument: id.")),
        ];
        for (input, expected) in cases {
            let got = required(&args_of(input.clone()), "id").map_err(|e| e.to_string());
            let expected = expected
                .map(|(value, text)| (value, text.to_string()))
                .map_err(str::to_string);
            assert_eq!(got, expected, "{input}");
        }
    }

    #[test]
    fn flags_are_true_only_for_true() {
        let cases = [
            (json!({"f": "true"}), true),
            (json!({"f": "TRUE"}), true),
            (json!({"f": true}), true),
            (json!({"f": "false"}), false),
            (json!({"f": "yes"}), false),
            (json!({}), false),
        ];
        for (input, expected) in cases {
            assert_eq!(flag(&args_of(input.clone()), "f"), expected, "{input}");
        }
    }
}
