//! `test-module`: the instance check behind XSOAR's Test button. What is checked is the
//! vendor's ([`crate::vendor::VendorService::test_module`]; Okta: `okta::test_module`).

use super::{CommandResult, Invocation};
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
