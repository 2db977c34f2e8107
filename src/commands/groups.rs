//! `iam-get-group`: a group by id or display name, with its members.
//!
//! The output object follows the reference's `OutputContext`: the keys `brand, instanceName,
//! success, active, id, username, email, errorCode, errorMessage, details, displayName,
//! members` in that order, null values left out. It is written under the documented
//! `GetGroup(val.id && val.id == obj.id)` key (contract §5.6) and under the reference's
//! `IamGetGroup(val.id && val.id == obj.id)` beside it (§8.19). Unlike the reference, the
//! members are read over every page.

use serde_json::{Map, Value};

use super::apps::check_path_id;
use super::args::{flag, FromArgs};
use super::{CommandError, CommandResult, Invocation};
use crate::catalogue::{ArgSpec, Args, CommandSpec, OutputSpec};
use crate::okta::{GroupId, OktaError};
use crate::output::markdown::{python_str, table_to_markdown, TableOptions};
use crate::output::{command_results, context_key};
use crate::protocol::message::CallingContext;
use crate::state::LocalBoxFuture;

/// The key order of the reference's `OutputContext.data`.
const OUTPUT_KEYS: &[&str] = &[
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
    "displayName",
    "members",
];

/// The documented context prefix.
pub const PREFIX: &str = "GetGroup";
/// The prefix the reference derived from the command name.
pub const REFERENCE_PREFIX: &str = "IamGetGroup";

const TITLE: &str = "Okta Get Group:";
const NOT_FOUND: &str = "Group Not Found";
const DEPROVISIONED: &str = "DEPROVISIONED";
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

/// The reference's `OutputContext(...).data`: brand and instance from the calling context,
/// then `fields` in [`OUTPUT_KEYS`] order, nulls removed.
fn output_context(context: &CallingContext, fields: Vec<(&'static str, Value)>) -> Value {
    let mut given: Map<String, Value> = fields
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect();
    given.insert("brand".into(), Value::String(context.brand.clone()));
    given.insert(
        "instanceName".into(),
        Value::String(context.instance.clone()),
    );
    let mut data = Map::new();
    for key in OUTPUT_KEYS {
        match given.remove(*key) {
            None | Some(Value::Null) => {}
            Some(value) => {
                data.insert((*key).to_string(), value);
            }
        }
    }
    Value::Object(data)
}

/// `id` and `displayName` of the `scim` argument, each as given (for the outputs) and as text
/// (for the request). Values Python reads as false (`""`, `null`, `0`, `false`) count as absent.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupQuery {
    id: Option<(Value, String)>,
    display_name: Option<(Value, String)>,
}

impl GroupQuery {
    fn id_value(&self) -> Value {
        self.id
            .as_ref()
            .map(|(v, _)| v.clone())
            .unwrap_or(Value::Null)
    }

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

/// An Okta error object's `errorCode` and `errorSummary` (null when absent).
fn error_fields(body: &Value) -> (Value, Value) {
    let get = |key: &str| body.get(key).cloned().unwrap_or(Value::Null);
    (get("errorCode"), get("errorSummary"))
}

fn get_group(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let GetGroupArgs {
            query: scim,
            include_members,
        } = GetGroupArgs::from_args(&inv.args)?;
        let context = inv.context;
        let client = inv.runtime.okta_client(&inv.params)?;

        let group_id = match &scim.id {
            Some((_, id)) => id.clone(),
            None => {
                let Some((_, name)) = scim.display_name.as_ref() else {
                    return Err(CommandError::argument(
                        "You must supply either 'id' or 'displayName' in the scim data",
                    ));
                };
                let found = match client.groups().search(name).await {
                    Ok(found) => found,
                    Err(error) => {
                        // Okta answered with an error object: a result, as in the reference.
                        let body = error_body(error)?;
                        let (code, summary) = error_fields(&body);
                        let data = output_context(
                            context,
                            vec![
                                ("success", Value::Bool(false)),
                                ("displayName", scim.name_value()),
                                ("id", scim.id_value()),
                                ("errorCode", code),
                                ("errorMessage", summary),
                                ("details", body),
                            ],
                        );
                        return entries(data);
                    }
                };
                match found.as_slice() {
                    [] => {
                        let data = output_context(
                            context,
                            vec![
                                ("success", Value::Bool(false)),
                                ("displayName", scim.name_value()),
                                ("errorCode", Value::from(404)),
                                ("errorMessage", Value::String(NOT_FOUND.into())),
                                ("details", Value::Array(Vec::new())),
                            ],
                        );
                        return entries(data);
                    }
                    [only] => match only.get("id") {
                        Some(Value::String(id)) if !id.is_empty() => id.clone(),
                        _ => {
                            return Err(CommandError::connector(format!(
                                "The group Okta found for displayName {name:?} has no id."
                            )))
                        }
                    },
                    _ => {
                        let list = found
                            .iter()
                            .map(|group| {
                                output_context(
                                    context,
                                    vec![
                                        ("success", Value::Bool(true)),
                                        ("id", group.get("id").cloned().unwrap_or(Value::Null)),
                                        ("displayName", profile_name(group)),
                                    ],
                                )
                            })
                            .collect();
                        return entries(Value::Array(list));
                    }
                }
            }
        };

        // The id as the outputs show it: as given in scim, or as Okta's search returned it.
        let id_output = match &scim.id {
            Some((value, _)) => value.clone(),
            None => Value::String(group_id.clone()),
        };
        let id = GroupId::new(group_id.as_str());
        let data = match client.groups().get(&id).await {
            Ok(group) => {
                let mut members = Vec::new();
                if include_members {
                    let mut pager = client.groups().members(&id);
                    while let Some(page) = pager.next_page().await {
                        let page = page?;
                        // The reference stops at an empty page even when a next link is given.
                        if page.items.is_empty() {
                            break;
                        }
                        members.extend(page.items.iter().filter_map(member));
                    }
                }
                output_context(
                    context,
                    vec![
                        ("success", Value::Bool(true)),
                        ("id", group.get("id").cloned().unwrap_or(Value::Null)),
                        ("displayName", profile_name(&group)),
                        ("members", Value::Array(members)),
                    ],
                )
            }
            Err(error) => {
                let not_found = error.status() == Some(404);
                let body = error_body(error)?;
                let (code, summary) = if not_found {
                    (Value::from(404), Value::String(NOT_FOUND.into()))
                } else {
                    error_fields(&body)
                };
                output_context(
                    context,
                    vec![
                        ("success", Value::Bool(false)),
                        ("displayName", scim.name_value()),
                        ("id", id_output),
                        ("errorCode", code),
                        ("errorMessage", summary),
                        ("details", body),
                    ],
                )
            }
        };
        entries(data)
    })
}

/// The Okta error object of a failed call; a failure without one (no answer, a body that is
/// not an Okta error) is the command's error.
fn error_body(error: OktaError) -> Result<Value, CommandError> {
    match error.api() {
        Some(api) => Ok(api.body.clone()),
        None => Err(CommandError::from(error)),
    }
}

/// `profile.name` of a group (null when absent).
fn profile_name(group: &Value) -> Value {
    group
        .get("profile")
        .and_then(|p| p.get("name"))
        .cloned()
        .unwrap_or(Value::Null)
}

/// A member that is not deprovisioned, as `{"value": id, "display": profile.login}`.
fn member(user: &Value) -> Option<Value> {
    if user.get("status").and_then(Value::as_str) == Some(DEPROVISIONED) {
        return None;
    }
    let mut entry = Map::new();
    entry.insert(
        "value".into(),
        user.get("id").cloned().unwrap_or(Value::Null),
    );
    entry.insert(
        "display".into(),
        user.get("profile")
            .and_then(|p| p.get("login"))
            .cloned()
            .unwrap_or(Value::Null),
    );
    Some(Value::Object(entry))
}

/// One entry with `data` as contents and under both context keys.
fn entries(data: Value) -> CommandResult {
    let options = TableOptions {
        remove_null: true,
        ..TableOptions::new()
    };
    let readable = table_to_markdown(TITLE, &data, &options)
        .map_err(|e| CommandError::internal(format!("Could not build the table: {e}")))?;
    let entry = command_results(Some(PREFIX), &["id"], data.clone(), readable, None)
        .with_context(context_key(REFERENCE_PREFIX, &["id"]), data);
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

    fn context() -> CallingContext {
        CallingContext::parse(r#"{"command":"iam-get-group"}"#).unwrap()
    }

    #[test]
    fn output_keys_keep_the_reference_order_and_drop_nulls() {
        let data = output_context(
            &context(),
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
        assert_eq!(data["brand"], "Okta IAM");
        assert_eq!(data["instanceName"], "Okta IAM_instance_1");
    }

    #[test]
    fn scim_parsing() {
        let scim = GroupQuery::parse(Some(&json!(r#"{"displayName": "G"}"#))).unwrap();
        assert!(scim.id.is_none());
        assert_eq!(scim.display_name.unwrap().1, "G");
        let scim = GroupQuery::parse(Some(&json!({"id": "00g1", "displayName": ""}))).unwrap();
        assert_eq!(scim.id.unwrap().1, "00g1");
        assert!(scim.display_name.is_none());
        let cases = [
            (json!("{not json"), "not valid JSON"),
            (json!("[1]"), "must be a JSON object"),
            (json!("\"text\""), "must be a JSON object"),
            (json!("{}"), "You must supply either 'id' or 'displayName'"),
            (
                json!({"id": "", "displayName": null}),
                "You must supply either",
            ),
            (json!({"id": {"x": 1}}), "The scim 'id' must be a string"),
        ];
        for (input, expected) in cases {
            let error = GroupQuery::parse(Some(&input)).err().unwrap().to_string();
            assert!(error.contains(expected), "{input} → {error}");
        }
    }

    #[test]
    fn members_skip_deprovisioned_users() {
        assert_eq!(
            member(&json!({"id": "00u1", "status": "ACTIVE", "profile": {"login": "a@x"}})),
            Some(json!({"value": "00u1", "display": "a@x"}))
        );
        assert_eq!(
            member(&json!({"id": "00u2", "status": "DEPROVISIONED"})),
            None
        );
        assert_eq!(
            member(&json!({"id": "00u3"})),
            Some(json!({"value": "00u3", "display": null}))
        );
    }
}
