//! `iam-get-group`: a group by id or display name, with its members.
//!
//! The output object follows the reference's `OutputContext`: the keys `brand, instanceName,
//! success, active, id, username, email, errorCode, errorMessage, details, displayName,
//! members` in that order, null values left out. It is written under the documented
//! `GetGroup(val.id && val.id == obj.id)` key (contract §5.6) and under the reference's
//! `IamGetGroup(val.id && val.id == obj.id)` beside it (§8.19). Unlike the reference, the
//! members are read over every page.

use serde_json::{Map, Value};

use super::args::{check_path_id, flag, FromArgs};
use super::{CommandError, CommandResult, Invocation};
use crate::catalogue::{ArgSpec, Args, CommandSpec, OutputSpec};
use crate::iam::{GroupLookup, GroupSearch};
use crate::output::iam::{group_entry, group_output};
use crate::output::markdown::python_str;
use crate::protocol::message::CallingContext;
use crate::state::LocalBoxFuture;

const NOT_FOUND: &str = "Group Not Found";
const SCIM_EXAMPLE: &str =
    r#"{"displayName": "Finance Analysts"} or {"id": "00g2mz8k1sTQ4Ywp30h7"}"#;

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "iam-get-group",
    description: "Retrieves the group information, including its members. The result is written to GetGroup and, as the reference integration did, to IamGetGroup.",
    args: &[
        ArgSpec::required(
            "scim",
            "Group SCIM Data: a JSON object with the group's id and/or displayName.",
        ),
        ArgSpec::required(
            "includeMembers",
            "Field to indicate if members need to be included in the response.",
        )
        .predefined(&["true", "false"])
        .default_value("true"),
    ],
    outputs: &[
        OutputSpec::new("GetGroup.id", "String", "ID of the group."),
        OutputSpec::new(
            "GetGroup.displayName",
            "String",
            "The display name of the group.",
        ),
        OutputSpec::new(
            "GetGroup.members.display",
            "String",
            "The display name of the group member.",
        ),
        OutputSpec::new(
            "GetGroup.members.value",
            "String",
            "ID of the group member.",
        ),
        OutputSpec::new(
            "GetGroup.success",
            "Boolean",
            "Indicates whether the command succeeded.",
        ),
        OutputSpec::new("GetGroup.errorCode", "Number", "HTTP error response code."),
        OutputSpec::new(
            "GetGroup.errorMessage",
            "String",
            "Reason why the API failed.",
        ),
    ],
    execution: false,
    internal: false,
    handler: get_group,
}];

/// The reference's `OutputContext(...).data` for this calling context.
fn output_context(context: &CallingContext, fields: Vec<(&'static str, Value)>) -> Value {
    group_output(&context.brand, &context.instance, fields)
}

/// `id` and `displayName` of the `scim` argument, each as given (for the outputs) and as text
/// (for the request). Values Python reads as false (`""`, `null`, `0`, `false`) count as absent.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupQuery {
    id: Option<(Value, String)>,
    display_name: Option<(Value, String)>,
}

impl GroupQuery {
    fn name_value(&self) -> Value {
        self.display_name
            .as_ref()
            .map(|(v, _)| v.clone())
            .unwrap_or(Value::Null)
    }
}

/// `iam-get-group`: which group (the `scim` argument) and whether to list its members.
#[derive(Debug, Clone, PartialEq)]
pub struct GetGroupArgs {
    pub query: GroupQuery,
    pub include_members: bool,
}

impl FromArgs for GetGroupArgs {
    fn from_args(args: &Args) -> Result<Self, CommandError> {
        let query = GroupQuery::parse(args.raw("scim"))?;
        let include_members = flag(args, "includeMembers");
        if let Some((_, id)) = &query.id {
            check_path_id("scim id", id)?;
        }
        Ok(GetGroupArgs {
            query,
            include_members,
        })
    }
}

impl GroupQuery {
    /// Reads the `scim` argument: a JSON object (or its text) with `id` and/or `displayName`.
    fn parse(raw: Option<&Value>) -> Result<GroupQuery, CommandError> {
        let value = match raw {
        None => return Err(crate::catalogue::ArgError::Missing("scim").into()),
        Some(Value::String(text)) => serde_json::from_str::<Value>(text).map_err(|e| {
            CommandError::argument(format!(
                "The scim argument is not valid JSON: {e}. Expected a JSON object such as {SCIM_EXAMPLE}."
            ))
        })?,
        Some(other) => other.clone(),
    };
        let Value::Object(scim) = value else {
            return Err(CommandError::argument(format!(
            "The scim argument must be a JSON object with 'id' and/or 'displayName', such as {SCIM_EXAMPLE}."
        )));
        };
        let id = scim_field(&scim, "id")?;
        let display_name = scim_field(&scim, "displayName")?;
        if id.is_none() && display_name.is_none() {
            return Err(CommandError::argument(format!(
            "You must supply either 'id' or 'displayName' in the scim data, such as {SCIM_EXAMPLE}."
        )));
        }
        Ok(GroupQuery { id, display_name })
    }
}

fn scim_field(
    scim: &Map<String, Value>,
    key: &str,
) -> Result<Option<(Value, String)>, CommandError> {
    match scim.get(key) {
        None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::Number(n)) if n.as_f64() == Some(0.0) => Ok(None),
        Some(value @ (Value::String(_) | Value::Number(_))) => {
            Ok(Some((value.clone(), python_str(value))))
        }
        Some(other) => Err(CommandError::argument(format!(
            "The scim '{key}' must be a string; got {other}."
        ))),
    }
}

fn get_group(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let GetGroupArgs {
            query: scim,
            include_members,
        } = GetGroupArgs::from_args(&inv.args)?;
        let context = inv.context;
        let lookup = match (&scim.id, &scim.display_name) {
            (Some((_, id)), _) => GroupLookup::Id(id.clone()),
            (None, Some((_, name))) => GroupLookup::DisplayName(name.clone()),
            (None, None) => {
                return Err(CommandError::argument(
                    "You must supply either 'id' or 'displayName' in the scim data",
                ))
            }
        };
        let connector = inv.connector()?;
        // The id as the outputs show it: as given in scim, or as the vendor's search found it.
        let id_output = |found: Option<String>| match &scim.id {
            Some((value, _)) => value.clone(),
            None => found.map_or(Value::Null, Value::String),
        };
        let data = match connector.find_group(&lookup).await? {
            GroupSearch::Found(group) => {
                let members = match include_members {
                    true => connector.group_members(&group.key).await?,
                    false => Vec::new(),
                };
                let members = members
                    .into_iter()
                    .map(|member| {
                        let mut entry = Map::new();
                        entry.insert("value".into(), member.value);
                        entry.insert("display".into(), member.display);
                        Value::Object(entry)
                    })
                    .collect();
                output_context(
                    context,
                    vec![
                        ("success", Value::Bool(true)),
                        ("id", group.id),
                        ("displayName", group.display_name),
                        ("members", Value::Array(members)),
                    ],
                )
            }
            GroupSearch::NotFound { id, details } => output_context(
                context,
                vec![
                    ("success", Value::Bool(false)),
                    ("displayName", scim.name_value()),
                    ("id", id_output(id)),
                    ("errorCode", Value::from(404)),
                    ("errorMessage", Value::String(NOT_FOUND.into())),
                    ("details", details),
                ],
            ),
            GroupSearch::Refused {
                id,
                code,
                message,
                details,
            } => output_context(
                context,
                vec![
                    ("success", Value::Bool(false)),
                    ("displayName", scim.name_value()),
                    ("id", id_output(id)),
                    ("errorCode", code),
                    ("errorMessage", message),
                    ("details", details),
                ],
            ),
            GroupSearch::Many(groups) => Value::Array(
                groups
                    .into_iter()
                    .map(|group| {
                        output_context(
                            context,
                            vec![
                                ("success", Value::Bool(true)),
                                ("id", group.id),
                                ("displayName", group.display_name),
                            ],
                        )
                    })
                    .collect(),
            ),
        };
        entries(&format!("{} Get Group:", connector.vendor_label()), data)
    })
}

/// One entry with `data` as contents and under both context keys.
fn entries(title: &str, data: Value) -> CommandResult {
    let entry = group_entry(title, data)
        .map_err(|e| CommandError::internal(format!("Could not build the table: {e}")))?;
    Ok(vec![entry])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::args::args_of;
    use serde_json::json;

    #[test]
    fn get_group_args() {
        let query = |id: Option<&str>, name: Option<&str>| GroupQuery {
            id: id.map(|id| (json!(id), id.to_string())),
            display_name: name.map(|name| (json!(name), name.to_string())),
        };
        let cases = [
            (
                json!({"scim": r#"{"id": "00g1"}"#}),
                Ok((query(Some("00g1"), None), false)),
            ),
            (
                json!({"scim": {"displayName": "Sales"}, "includeMembers": "true"}),
                Ok((query(None, Some("Sales")), true)),
            ),
            (
                json!({"scim": {"id": "00g1", "displayName": "Sales"}, "includeMembers": "false"}),
                Ok((query(Some("00g1"), Some("Sales")), false)),
            ),
            (json!({}), Err("Missing required argument: scim.")),
            (
                json!({"scim": "{}"}),
                Err("You must supply either 'id' or 'displayName'"),
            ),
            (
                json!({"scim": "[1]"}),
                Err("The scim argument must be a JSON object"),
            ),
            (
                json!({"scim": "{"}),
                Err("The scim argument is not valid JSON"),
            ),
            (json!({"scim": {"id": ".."}}), Err("Invalid scim id: ")),
        ];
        for (input, expected) in cases {
            let got = GetGroupArgs::from_args(&args_of(input.clone()));
            match (got, expected) {
                (Ok(args), Ok((query, include_members))) => {
                    assert_eq!(
                        args,
                        GetGroupArgs {
                            query,
                            include_members
                        },
                        "{input}"
                    );
                }
                (Err(error), Err(start)) => {
                    assert!(error.to_string().starts_with(start), "{input} → {error}");
                    assert_eq!(error.kind_name(), "usage");
                }
                (got, expected) => panic!("{input}: {got:?} ≠ {expected:?}"),
            }
        }
    }
}
