//! The IAM user commands (`iam-get-user`, `iam-create-user`, `iam-update-user`,
//! `iam-disable-user`, `iam-enable-user`) and `get-mapping-fields`: argument handling and
//! wiring only; the lifecycle logic lives in [`crate::iam`].

use serde_json::{Map, Value};

use super::args::FromArgs;
use super::{CommandError, CommandResult, Invocation};
use crate::catalogue::{ArgSpec, Args, CommandSpec, OutputSpec};
use crate::host::map_object::HostMapping;
use crate::iam::{
    gates_from, BuiltinMapping, GivenProfile, Lifecycle, MapperRef, Outcome, ProfileError,
    ProfileMapping,
};
use crate::output::Entry;
use crate::params::parse_bool;
use crate::protocol::message::json_kind;
use crate::state::LocalBoxFuture;

const USER_PROFILE: ArgSpec = ArgSpec::required(
    "user-profile",
    "A User Profile indicator (JSON object), e.g. {\"email\": \"jane@example.com\"}.",
);
const ALLOW_ENABLE: ArgSpec = ArgSpec::optional(
    "allow-enable",
    "When set to true, after the command execution the status of the user in the 3rd-party integration will be active.",
)
.predefined(&["true", "false"])
.default_value("true");

/// The `IAM.Vendor.*` outputs, from the one definition of the IAM keys.
const IAM_OUTPUTS: &[OutputSpec] = crate::output::iam_keys::VENDOR_OUTPUTS;

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "iam-create-user",
        description: "Creates a user.",
        args: &[USER_PROFILE, ALLOW_ENABLE],
        outputs: IAM_OUTPUTS,
        execution: true,
        internal: false,
        handler: create_user,
    },
    CommandSpec {
        name: "iam-update-user",
        description: "Updates an existing user with the data passed in the user-profile argument.",
        args: &[USER_PROFILE, ALLOW_ENABLE],
        outputs: IAM_OUTPUTS,
        execution: true,
        internal: false,
        handler: update_user,
    },
    CommandSpec {
        name: "iam-get-user",
        description: "Retrieves a single user resource.",
        args: &[USER_PROFILE],
        outputs: IAM_OUTPUTS,
        execution: false,
        internal: false,
        handler: get_user,
    },
    CommandSpec {
        name: "iam-disable-user",
        description: "Disable an active user.",
        args: &[USER_PROFILE],
        outputs: IAM_OUTPUTS,
        execution: true,
        internal: false,
        handler: disable_user,
    },
    CommandSpec {
        name: "iam-enable-user",
        description: "Enables a disabled user (Okta: activates a staged, provisioned or deactivated user, unsuspends a suspended one; SCIM: sets active to true).",
        args: &[USER_PROFILE],
        outputs: IAM_OUTPUTS,
        execution: true,
        internal: false,
        handler: enable_user,
    },
    CommandSpec {
        name: "get-mapping-fields",
        description: "Returns the app's user schema fields (Okta: the user schema; SCIM: /Schemas, core User and the extensions), for the outgoing mapper.",
        args: &[],
        outputs: &[],
        execution: false,
        internal: true,
        handler: get_mapping_fields,
    },
];

#[derive(Clone, Copy)]
enum Op {
    Get,
    Create,
    Update,
    Disable,
    Enable,
}

fn get_user(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(run(inv, Op::Get))
}
fn create_user(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(run(inv, Op::Create))
}
fn update_user(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(run(inv, Op::Update))
}
fn disable_user(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(run(inv, Op::Disable))
}
fn enable_user(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(run(inv, Op::Enable))
}

/// The IAM user commands' arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct UserArgs {
    /// `user-profile`, parsed here. A bad profile is carried, not returned: the handler reports
    /// it after the mappers and the connector are known, so a bad mapper or instance setting
    /// is reported before a bad profile, as it always was.
    pub profile: Result<GivenProfile, ProfileError>,
    /// `allow-enable`: the Python integration compares it with the string "true"; any case,
    /// spaces around and booleans are accepted too.
    pub allow_enable: bool,
}

impl FromArgs for UserArgs {
    fn from_args(args: &Args) -> Result<Self, CommandError> {
        Ok(UserArgs {
            profile: parse_user_profile(args.raw("user-profile").cloned()),
            allow_enable: allow_enable(args),
        })
    }
}

impl UserArgs {
    /// [`UserArgs::from_args`] with the `user-profile` argument moved out of `args`, not
    /// copied.
    pub fn take_from(args: &mut Args) -> Self {
        UserArgs {
            allow_enable: allow_enable(args),
            profile: parse_user_profile(args.take("user-profile")),
        }
    }
}

fn allow_enable(args: &Args) -> bool {
    args.raw("allow-enable")
        .and_then(parse_bool)
        .unwrap_or(false)
}

/// Parses the `user-profile` argument: a JSON object, or a string holding one (what XSOAR
/// sends). It must not be empty; `olduserdata`, when given, must be an object.
pub fn parse_user_profile(argument: Option<Value>) -> Result<GivenProfile, ProfileError> {
    let raw = match argument {
        None | Some(Value::Null) => return Err(ProfileError::Missing),
        Some(Value::String(text)) if text.trim().is_empty() => return Err(ProfileError::Missing),
        Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            Ok(other) => return Err(ProfileError::NotAnObject(json_kind(&other))),
            Err(e) => return Err(ProfileError::NotJson(e.to_string())),
        },
        Some(Value::Object(map)) => map,
        Some(other) => return Err(ProfileError::NotAnObject(json_kind(&other))),
    };
    GivenProfile::new(raw)
}

async fn run(mut inv: Invocation<'_>, op: Op) -> CommandResult {
    let args = UserArgs::take_from(&mut inv.args);
    // Absent params name the vendor's own mappers.
    let defaults = inv.daemon.vendor.package().profile_mappers;
    let mapper_in_name = inv
        .params
        .string("mapper-in")
        .unwrap_or_else(|| defaults.incoming.id.to_string());
    let mapper_out_name = inv
        .params
        .string("mapper-out")
        .unwrap_or_else(|| defaults.outgoing.id.to_string());
    // In engine mode the server maps (mapObject) and may know mappers the daemon does not.
    let engine = inv.state.has_host();
    let mappers = &inv.daemon.mappers;
    let mapper_in = mapper_ref(mappers, "mapper-in", &mapper_in_name, engine)?;
    let mapper_out = mapper_ref(mappers, "mapper-out", &mapper_out_name, engine)?;
    let connector = inv.connector()?;
    let builtin = BuiltinMapping;
    let host_mapping = engine.then(|| HostMapping::new(&mut *inv.state));
    let mapping: &dyn ProfileMapping = match &host_mapping {
        Some(host) => host,
        None => &builtin,
    };
    let iam = Lifecycle {
        connector: connector.as_ref(),
        mapper_out,
        mapper_in,
        mapping,
        gates: gates_from(&inv.params),
    };
    let UserArgs {
        profile,
        allow_enable,
    } = args;
    // The profile's parse error, at the point where it was always reported.
    let profile = &profile?;
    let outcome: Result<Outcome, ProfileError> = match op {
        Op::Get => iam.get_user(profile).await,
        Op::Create => iam.create_user(profile, allow_enable).await,
        Op::Update => iam.update_user(profile, allow_enable).await,
        Op::Disable => iam.disable_user(profile).await,
        Op::Enable => iam.enable_user(profile).await,
    };
    let outcome = outcome?;
    Ok(vec![crate::output::iam::iam_entry(
        outcome.result,
        &inv.context.brand,
        &inv.context.instance,
        outcome.user_profile,
    )])
}

/// The mapper a param names: built in (or from `--mappers`); in engine mode a name only the
/// server knows is fine too (the server maps with it).
fn mapper_ref<'a>(
    mappers: &'a crate::mapper::MapperRegistry,
    param: &str,
    name: &'a str,
    engine: bool,
) -> Result<MapperRef<'a>, CommandError> {
    match mappers.get(name) {
        Ok(mapper) => Ok(MapperRef {
            name,
            builtin: Some(mapper),
        }),
        Err(_) if engine => Ok(MapperRef {
            name,
            builtin: None,
        }),
        Err(e) => Err(CommandError::mapping(format!("{param}: {e}"))),
    }
}

/// `get-mapping-fields`: `{"User Profile": {field: title}}`, as a JSON string in `Contents`
/// (what XSOAR's `GetMappingFieldsResponse` sends).
fn get_mapping_fields(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let fields = inv.connector()?.schema_fields().await?;
        let mut scheme = Map::new();
        for (name, title) in fields {
            scheme.insert(name, Value::String(title));
        }
        let mut mapping = Map::new();
        mapping.insert(crate::iam::INCOMING_TYPE.to_string(), Value::Object(scheme));
        let text = serde_json::to_string(&Value::Object(mapping)).unwrap_or_default();
        Ok(vec![Entry {
            entry_type: 1,
            contents_format: "json",
            contents: Value::String(text),
            human_readable: None,
            entry_context: Value::Object(Map::new()),
            contents_also_under: None,
            spooled: None,
        }])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::args::args_of;
    use serde_json::json;

    /// The parsed profile of `raw`, checked to split into `source` and `old`.
    fn given(raw: Value, source: Value, old: Option<Value>) -> GivenProfile {
        let parsed = GivenProfile::new(raw.as_object().cloned().unwrap()).unwrap();
        assert_eq!(parsed.raw(), raw.as_object().unwrap());
        assert_eq!(parsed.source(), &source);
        assert_eq!(parsed.old(), old.as_ref());
        parsed
    }

    #[test]
    fn user_args() {
        let jane = json!({"email": "jane@example.com"});
        let cases = [
            (json!({}), Err(ProfileError::Missing), false),
            (
                json!({"user-profile": jane}),
                Ok(given(jane.clone(), jane.clone(), None)),
                false,
            ),
            (
                json!({"user-profile": "{\"email\": \"a@b\"}", "allow-enable": "true"}),
                Ok(given(
                    json!({"email": "a@b"}),
                    json!({"email": "a@b"}),
                    None,
                )),
                true,
            ),
            (
                json!({"allow-enable": true}),
                Err(ProfileError::Missing),
                true,
            ),
            (
                json!({"allow-enable": " True "}),
                Err(ProfileError::Missing),
                true,
            ),
            (
                json!({"allow-enable": "yes"}),
                Err(ProfileError::Missing),
                false,
            ),
            (
                json!({"allow-enable": "false"}),
                Err(ProfileError::Missing),
                false,
            ),
            (
                json!({"user-profile": "  "}),
                Err(ProfileError::Missing),
                false,
            ),
            (
                json!({"user-profile": "[1]", "allow-enable": "true"}),
                Err(ProfileError::NotAnObject("an array")),
                true,
            ),
        ];
        for (input, profile, allow_enable) in cases {
            let expected = UserArgs {
                profile,
                allow_enable,
            };
            let got = UserArgs::from_args(&args_of(input.clone())).unwrap();
            assert_eq!(got, expected, "{input}");
            // Moving the profile out reads the same arguments.
            let mut args = args_of(input.clone());
            assert_eq!(UserArgs::take_from(&mut args), expected, "{input}");
            assert_eq!(args.take("user-profile"), None, "{input}");
            assert_eq!(
                args.raw("allow-enable"),
                input.get("allow-enable"),
                "{input}"
            );
        }
    }

    /// Every shape of the argument, with the exact message the user sees.
    #[test]
    fn user_profile_parsing() {
        let with_old = json!({"email": "new@b", "olduserdata": {"email": "old@b"}});
        let cases: Vec<(Option<Value>, Result<GivenProfile, &str>)> = vec![
            (
                Some(json!({"email": "a@b"})),
                Ok(given(json!({"email": "a@b"}), json!({"email": "a@b"}), None)),
            ),
            (
                Some(json!("{\"email\": \"a@b\", \"id\": 7}")),
                Ok(given(
                    json!({"email": "a@b", "id": 7}),
                    json!({"email": "a@b", "id": 7}),
                    None,
                )),
            ),
            (
                Some(with_old.clone()),
                Ok(given(
                    with_old.clone(),
                    json!({"email": "new@b"}),
                    Some(json!({"email": "old@b"})),
                )),
            ),
            (
                Some(Value::String(with_old.to_string())),
                Ok(given(
                    with_old.clone(),
                    json!({"email": "new@b"}),
                    Some(json!({"email": "old@b"})),
                )),
            ),
            (
                Some(json!({"email": "a@b", "olduserdata": null})),
                Ok(given(
                    json!({"email": "a@b", "olduserdata": null}),
                    json!({"email": "a@b"}),
                    None,
                )),
            ),
            (
                None,
                Err("The user-profile argument is missing. Give a JSON object such as {\"email\": \"jane@example.com\"}."),
            ),
            (
                Some(Value::Null),
                Err("The user-profile argument is missing. Give a JSON object such as {\"email\": \"jane@example.com\"}."),
            ),
            (
                Some(json!(" \t ")),
                Err("The user-profile argument is missing. Give a JSON object such as {\"email\": \"jane@example.com\"}."),
            ),
            (
                Some(json!("not json")),
                Err("The user-profile argument is not valid JSON (expected ident at line 1 column 2). Give a JSON object such as {\"email\": \"jane@example.com\"}."),
            ),
            (
                Some(json!("[1]")),
                Err("The user-profile argument must be a JSON object such as {\"email\": \"jane@example.com\"}; got an array."),
            ),
            (
                Some(json!(5)),
                Err("The user-profile argument must be a JSON object such as {\"email\": \"jane@example.com\"}; got a number."),
            ),
            (
                Some(json!("{}")),
                Err("You must provide the user profile data: the user-profile argument is an empty object."),
            ),
            (
                Some(json!({})),
                Err("You must provide the user profile data: the user-profile argument is an empty object."),
            ),
            (
                Some(json!({"email": "a@b", "olduserdata": "old@b"})),
                Err("The user-profile field olduserdata must be a JSON object."),
            ),
        ];
        for (argument, expected) in cases {
            let got = parse_user_profile(argument.clone()).map_err(|e| e.to_string());
            assert_eq!(got, expected.map_err(str::to_string), "{argument:?}");
        }
    }
}
