//! `test-module`: the instance check behind XSOAR's Test button. What is checked is the
//! vendor's ([`crate::vendor::VendorService::test_module`]; Okta: `okta::test_module`).

use super::{CommandError, CommandResult, Invocation};
use crate::catalogue::CommandSpec;
use crate::state::LocalBoxFuture;

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "test-module",
    // Worded for Okta, the default vendor: `okta-iam commands` and docs/commands.md show it.
    description: "Checks the instance configuration and that the app (Okta, or the SCIM server) answers with the given credentials.",
    args: &[],
    outputs: &[],
    execution: false,
    internal: true,
    handler: test_module,
}];

fn test_module(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    let service = inv.daemon.service();
    service.test_module(inv)
}

/// The `mapper-in` and `mapper-out` params name mappers the daemon knows (the vendor's
/// embedded defaults when unset): every vendor's check starts with this, so a typo in a
/// mapper name fails the Test button rather than the first `iam-*` command. In engine mode
/// the server may know a mapper the daemon does not (it maps), so nothing is checked there.
pub fn check_mapper_params(inv: &Invocation<'_>) -> Result<(), CommandError> {
    if inv.state.has_host() {
        return Ok(());
    }
    let defaults = inv.daemon.vendor.package().profile_mappers;
    for (param, default) in [
        ("mapper-in", defaults.incoming.id),
        ("mapper-out", defaults.outgoing.id),
    ] {
        let name = inv
            .params
            .string(param)
            .unwrap_or_else(|| default.to_string());
        inv.daemon
            .mappers
            .get(&name)
            .map_err(|e| CommandError::mapping(format!("{param}: {e}")))?;
    }
    Ok(())
}
