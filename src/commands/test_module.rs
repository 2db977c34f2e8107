//! `test-module`: the instance check behind XSOAR's Test button.
//!
//! In order: the URL and token params, the mapper names, the fetch settings when `isFetch` is
//! set, then `GET /api/v1/users/me`. Each failure says what to fix.

use super::{CommandError, CommandResult, Invocation};
use crate::catalogue::CommandSpec;
use crate::mapper::{INCOMING_DEFAULT, OUTGOING_DEFAULT};
use crate::okta::OktaError;
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
        let base_url = inv.params.base_url()?;
        inv.params.token()?;
        for (param, default) in [
            ("mapper-in", INCOMING_DEFAULT),
            ("mapper-out", OUTGOING_DEFAULT),
        ] {
            let name = inv
                .params
                .string(param)
                .unwrap_or_else(|| default.to_string());
            // In engine mode the server may know a mapper the daemon does not (it maps).
            if !inv.state.has_host() {
                inv.runtime
                    .mappers
                    .get(&name)
                    .map_err(|e| CommandError::Invalid(format!("{param}: {e}")))?;
            }
        }
        super::fetch::check_fetch_settings(&inv.params, inv.state, inv.runtime.now()).await?;
        let client = inv.runtime.okta_client(&inv.params)?;
        if let Err(error) = client.users().me().await {
            return Err(CommandError::Invalid(explain(&error, base_url.as_str())));
        }
        Ok(vec![Entry::text("ok")])
    })
}

/// The connectivity failure in words a person can act on.
fn explain(error: &OktaError, base_url: &str) -> String {
    // Okta's own words plus its code (`Invalid token provided, E0000011`), else the full text.
    let detail = match error.api() {
        Some(api) => {
            let summary = api.error_summary.clone().unwrap_or_default();
            let code = api
                .error_code
                .clone()
                .unwrap_or_else(|| api.status.to_string());
            let mut text = format!("{code}: {summary}");
            if let Some(id) = &api.request_id {
                text.push_str(&format!("; X-Okta-Request-Id {id}"));
            }
            text
        }
        None => error.message_for_people(),
    };
    match error.status() {
        Some(401) => format!(
            "Okta rejected the API token ({detail}). Check the API Token parameter: the token may be wrong, revoked, or expired after 30 days without use."
        ),
        Some(403) => format!(
            "The API token is valid but its admin may not read users ({detail}). Use a token of an admin with user read permissions."
        ),
        Some(404) => format!(
            "{base_url}users/me was not found ({detail}). Check that the URL parameter is your Okta org URL, such as https://acme.okta.com."
        ),
        Some(_) => detail,
        None => match error {
            OktaError::Transport { .. } => format!(
                "Cannot reach Okta at {base_url}: {detail}. Check the URL parameter, the network, and the proxy and certificate settings."
            ),
            _ => detail,
        },
    }
}
