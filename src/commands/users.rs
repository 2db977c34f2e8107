//! The IAM user commands (`iam-get-user`, `iam-create-user`, `iam-update-user`,
//! `iam-disable-user`, `iam-enable-user`) and `get-mapping-fields`: argument handling and
//! wiring only; the lifecycle logic lives in [`crate::iam`].

use serde_json::{Map, Value};

use super::args::FromArgs;
use super::{CommandError, CommandResult, Invocation};
use crate::catalogue::{ArgSpec, Args, CommandSpec, OutputSpec};
use crate::host::map_object::HostMapping;
use crate::iam::{
    gates_from, BuiltinMapping, Lifecycle, MapperRef, Outcome, ProfileError, ProfileMapping,
};
use crate::output::Entry;
use crate::params::parse_bool;
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
        description: "Enables a disabled user: activates a staged, provisioned or deactivated user, unsuspends a suspended one.",
        args: &[USER_PROFILE],
        outputs: IAM_OUTPUTS,
        execution: true,
        internal: false,
        handler: enable_user,
    },
    CommandSpec {
        name: "get-mapping-fields",
        description: "Returns the Okta user schema fields, for the outgoing mapper.",
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

/// The IAM user commands' arguments. The user profile stays JSON as given: the IAM layer
/// reads and maps it once the mappers and the connector are known, so a bad mapper or
/// instance setting is reported before a bad profile, as before.
#[derive(Debug, Clone, PartialEq)]
pub struct UserArgs {
    pub profile: Option<Value>,
    /// `allow-enable`: the Python integration compares it with the string "true"; any case,
    /// spaces around and booleans are accepted too.
    pub allow_enable: bool,
}

impl FromArgs for UserArgs {
    fn from_args(args: &Args) -> Result<Self, CommandError> {
        Ok(UserArgs {
            profile: args.raw("user-profile").cloned(),
            allow_enable: args
                .raw("allow-enable")
                .and_then(parse_bool)
                .unwrap_or(false),
        })
    }
}

async fn run(inv: Invocation<'_>, op: Op) -> CommandResult {
    let args = UserArgs::from_args(&inv.args)?;
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
    } = &args;
    let profile = profile.as_ref();
    let allow_enable = *allow_enable;
    let outcome: Result<Outcome, ProfileError> = match op {
        Op::Get => iam.get_user(profile).await,
        Op::Create => iam.create_user(profile, allow_enable).await,
        Op::Update => iam.update_user(profile, allow_enable).await,
        Op::Disable => iam.disable_user(profile).await,
        Op::Enable => iam.enable_user(profile).await,
    };
    let outcome = outcome?;
    Ok(vec![crate::output::iam::iam_entry(
        &outcome.result,
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
            spooled: None,
        }])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::args::args_of;
    use serde_json::json;

    #[test]
    fn user_args() {
        let profile = json!({"email": "jane@example.com"});
        let cases = [
            (json!({}), None, false),
            (
                json!({"user-profile": profile}),
                Some(profile.clone()),
                false,
            ),
            (
                json!({"user-profile": "{\"email\": \"a@b\"}", "allow-enable": "true"}),
                Some(json!("{\"email\": \"a@b\"}")),
                true,
            ),
            (json!({"allow-enable": true}), None, true),
            (json!({"allow-enable": " True "}), None, true),
            (json!({"allow-enable": "yes"}), None, false),
            (json!({"allow-enable": "false"}), None, false),
            (json!({"user-profile": "  "}), None, false),
        ];
        for (input, profile, allow_enable) in cases {
            let got = UserArgs::from_args(&args_of(input.clone())).unwrap();
            assert_eq!(
                got,
                UserArgs {
                    profile,
                    allow_enable
                },
                "{input}"
            );
        }
    }
}
