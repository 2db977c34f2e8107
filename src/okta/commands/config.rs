//! `okta-iam-get-configuration` and `okta-iam-set-configuration`: the app → instance table of
//! the ILM App Sync flow, kept under `IAMConfiguration` in the integration context.

use serde_json::{Map, Value};
use tracing::warn;

use crate::catalogue::{ArgSpec, Args, CommandSpec, OutputSpec};
use crate::commands::args::FromArgs;
use crate::commands::{CommandError, CommandResult, Invocation};
use crate::output::markdown;
use crate::output::{command_results, Entry};
use crate::state::{json_depth, LocalBoxFuture, StateError, MAX_CONTEXT_BYTES};

/// The integration-context key that holds the configuration rows.
pub const CONFIGURATION_KEY: &str = "IAMConfiguration";

/// The deepest a configuration row may nest (the row object itself is level 1). A real row
/// is flat; the limit keeps every stored copy readable (see `state::MAX_STATE_DEPTH`).
pub const MAX_ROW_DEPTH: usize = 32;

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "okta-iam-get-configuration",
        description: "Gets the IAM configuration: which Okta application is handled by which XSOAR IAM integration instance.",
        args: &[],
        outputs: &[
            OutputSpec::new("Okta.IAMConfiguration.ApplicationID", "String", "Okta application ID."),
            OutputSpec::new("Okta.IAMConfiguration.Instance", "String", "IAM integration instance name."),
            OutputSpec::new("Okta.IAMConfiguration.Label", "String", "Okta application label."),
            OutputSpec::new("Okta.IAMConfiguration.Logo", "String", "Okta application logo."),
            OutputSpec::new("Okta.IAMConfiguration.Name", "String", "Okta application name."),
        ],
        execution: false,
        internal: false,
        handler: get_configuration,
    },
    CommandSpec {
        name: "okta-iam-set-configuration",
        description: "Sets the IAM configuration: a JSON list of rows, each with a string ApplicationID (and usually Name, Label, Logo, Instance). Other keys of the integration context are kept. A row nests at most 32 levels; the whole configuration is at most 1 MiB of JSON.",
        args: &[ArgSpec::required(
            "configuration",
            "The configuration: a JSON list of objects, each with at least a string ApplicationID.",
        )],
        outputs: &[],
        execution: false,
        internal: false,
        handler: set_configuration,
    },
];

/// Reads the configuration rows from an integration context (`[]` when absent).
pub fn configuration_rows(context: &Map<String, Value>) -> Vec<Value> {
    match context.get(CONFIGURATION_KEY) {
        Some(Value::Array(rows)) => rows.clone(),
        _ => Vec::new(),
    }
}

fn get_configuration(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let context = inv.state.integration_context().await?;
        let rows = Value::Array(configuration_rows(&context));
        let readable = markdown::table("Okta IAM Configuration", &rows)
            .map_err(|e| CommandError::internal(e.to_string()))?;
        let entry = command_results(
            Some("Okta.IAMConfiguration"),
            &["ApplicationID"],
            rows,
            readable,
            None,
        );
        Ok(vec![entry])
    })
}

fn set_configuration(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let SetConfigurationArgs { rows } = SetConfigurationArgs::from_args(&inv.args)?;
        let count = rows.len();
        let mut context = match inv.state.integration_context().await {
            Ok(context) => context,
            // The stored configuration itself is unreadable: this command is the repair.
            Err(StateError::DamagedContext(damage))
                if damage.damaged.iter().all(|key| key == CONFIGURATION_KEY) =>
            {
                warn!("the stored IAM configuration cannot be read; replacing it");
                damage.readable
            }
            Err(error) => return Err(error.into()),
        };
        context.insert(CONFIGURATION_KEY.to_string(), Value::Array(rows));
        inv.state.set_integration_context(context).await?;
        Ok(vec![Entry::markdown(format!(
            "Okta IAM Configuration saved: {count} application{}.",
            if count == 1 { "" } else { "s" }
        ))])
    })
}

/// `okta-iam-set-configuration`: the configuration rows, every one checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SetConfigurationArgs {
    pub rows: Vec<Value>,
}

impl FromArgs for SetConfigurationArgs {
    fn from_args(args: &Args) -> Result<Self, CommandError> {
        let raw = args.raw("configuration").cloned().unwrap_or(Value::Null);
        Ok(SetConfigurationArgs {
            rows: parse_configuration(&raw)?,
        })
    }
}

/// Parses and checks the `configuration` argument: a JSON list (given as text or as JSON) of
/// objects that each carry a non-empty string `ApplicationID`, none nested deeper than
/// [`MAX_ROW_DEPTH`], all together at most `state::MAX_CONTEXT_BYTES` of JSON. Nothing is
/// stored if any row is invalid; the message names the first bad row by index.
pub fn parse_configuration(raw: &Value) -> Result<Vec<Value>, CommandError> {
    let value = match raw {
        Value::String(text) => serde_json::from_str::<Value>(text).map_err(|e| {
            CommandError::argument(format!(
                "The configuration argument is not valid JSON: {e}. Expected a JSON list such as [{{\"ApplicationID\": \"0oa...\", \"Instance\": \"...\"}}]."
            ))
        })?,
        other => other.clone(),
    };
    let Value::Array(rows) = value else {
        return Err(CommandError::argument(
            "The configuration argument must be a JSON list of objects, each with an ApplicationID.",
        ));
    };
    // `{"IAMConfiguration":[` and `]}` around the rows, and a comma between two.
    let mut total = 23usize;
    for (index, row) in rows.iter().enumerate() {
        let Value::Object(object) = row else {
            return Err(CommandError::argument(format!(
                "Configuration row {index} is not a JSON object."
            )));
        };
        let depth = json_depth(row);
        if depth > MAX_ROW_DEPTH {
            return Err(CommandError::argument(format!(
                "Configuration row {index} is nested {depth} levels deep; the limit is {MAX_ROW_DEPTH}. Nothing was saved."
            )));
        }
        total += serde_json::to_vec(row).map(|v| v.len()).unwrap_or(0) + 1;
        if total > MAX_CONTEXT_BYTES {
            return Err(CommandError::argument(format!(
                "Configuration row {index} brings the configuration past {MAX_CONTEXT_BYTES} bytes of JSON, the limit of the integration context. Nothing was saved."
            )));
        }
        match object.get("ApplicationID") {
            Some(Value::String(id)) if !id.trim().is_empty() => {}
            Some(Value::String(_)) => {
                return Err(CommandError::argument(format!(
                    "Configuration row {index} has an empty ApplicationID."
                )))
            }
            Some(_) => {
                return Err(CommandError::argument(format!(
                    "Configuration row {index}: ApplicationID must be a string."
                )))
            }
            None => {
                return Err(CommandError::argument(format!(
                    "Configuration row {index} has no ApplicationID."
                )))
            }
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rows_are_validated_by_index() {
        let ok =
            parse_configuration(&json!(r#"[{"ApplicationID":"0oa1","Instance":"i"}]"#)).unwrap();
        assert_eq!(ok.len(), 1);
        let cases = [
            (json!("not json"), "not valid JSON"),
            (json!("{}"), "must be a JSON list"),
            (
                json!([{"ApplicationID": "a"}, 5]),
                "row 1 is not a JSON object",
            ),
            (json!([{"Name": "x"}]), "row 0 has no ApplicationID"),
            (
                json!([{"ApplicationID": 7}]),
                "row 0: ApplicationID must be a string",
            ),
            (
                json!([{"ApplicationID": " "}]),
                "row 0 has an empty ApplicationID",
            ),
        ];
        for (input, expected) in cases {
            let err = parse_configuration(&input).unwrap_err().to_string();
            assert!(err.contains(expected), "{input} → {err}");
        }
        assert!(parse_configuration(&json!([])).unwrap().is_empty());
        let mut deep = json!("x");
        for _ in 0..40 {
            deep = json!([deep]);
        }
        let err = parse_configuration(
            &json!([{"ApplicationID": "a"}, {"ApplicationID": "b", "x": deep}]),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "Configuration row 1 is nested 41 levels deep; the limit is 32. Nothing was saved."
        );
        let big: Vec<Value> = (0..20_000)
            .map(|i| json!({"ApplicationID": format!("0oa{i:08}"), "Name": "a".repeat(40)}))
            .collect();
        let err = parse_configuration(&Value::Array(big))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("Configuration row 1"), "{err}");
        assert!(err.contains("past 1048576 bytes"), "{err}");
    }
}
