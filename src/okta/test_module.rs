//! Okta's `test-module` check: the instance check behind XSOAR's Test button.
//!
//! In order: the URL and token params, the mapper names, the fetch settings when `isFetch` is
//! set, then `GET /api/v1/users/me`. Each failure says what to fix. The whole check answers
//! within [`TEST_MODULE_DEADLINE`] whatever the network does (a Test button that spins for
//! two minutes is a bug).
//!
//! With OAuth (`use_oauth`): the OAuth params, then a token request, then one read per
//! granted read scope (users, apps, groups, System Log, schemas), since a service app has
//! no `users/me`. A missing scope is named.

use crate::commands::{CommandError, CommandResult, Invocation};
use crate::okta::params::OktaParams;
use crate::okta::vendor::OktaService;
use crate::okta::{Client, Filter, LogQuery, OktaError};
use crate::output::Entry;

/// The most `test-module` spends on Okta, retries included (less when `--command-deadline`
/// is shorter).
pub const TEST_MODULE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

/// Okta's check (see the module doc), run by the `test-module` command through
/// [`crate::vendor::VendorService::test_module`].
pub(crate) async fn check(service: &OktaService, inv: Invocation<'_>) -> CommandResult {
    let base_url = inv.params.base_url()?;
    let oauth = service.oauth_settings(inv.daemon, &inv.params)?;
    if oauth.is_none() {
        service.token(inv.daemon, &inv.params)?;
    }
    crate::commands::test_module::check_mapper_params(&inv)?;
    // The fetch settings on purpose: as in the Python integration, a bad fetch param fails
    // the instance test rather than the first fetch.
    crate::okta::commands::fetch::settings::check_fetch_settings(
        &inv.params,
        inv.state,
        inv.daemon.now(),
    )
    .await?;
    let client = service
        .client(inv.daemon, &inv.params)?
        .within(TEST_MODULE_DEADLINE);
    if let Some(settings) = &oauth {
        return check_oauth(&client, &settings.scopes, base_url.as_str()).await;
    }
    if let Err(error) = client.users().me().await {
        return Err(CommandError::connector(explain(&error, base_url.as_str())));
    }
    Ok(vec![Entry::text("ok")])
}

/// OAuth: one read per read scope asked for (the first request gets the token).
async fn check_oauth(client: &Client, scopes: &[String], base_url: &str) -> CommandResult {
    let has = |scope: &str| scopes.iter().any(|s| s == scope);
    let fail = |error: OktaError| {
        CommandError::connector(match error.status() {
            Some(401) if error.api().is_some() => format!(
                "Okta rejected the OAuth access token even after issuing a new one ({}). Check that the app is an API Services app of this org.",
                error.message_for_people().trim()
            ),
            Some(403) if error.api().is_some() => format!(
                "The OAuth app may not read this ({}). Give the app an admin role with read access (the app's Admin roles tab in the Okta admin console).",
                error.message_for_people().trim()
            ),
            _ => explain(&error, base_url),
        })
    };
    let probe = "okta-iam-test-module@example.invalid";
    if has("okta.users.read") {
        let filter = Filter::eq("profile.login", probe);
        client.users().list_by_filter(&filter).await.map_err(fail)?;
    }
    if has("okta.apps.read") {
        if let Some(Err(error)) = client.apps().list(None, Some(1)).next_page().await {
            return Err(fail(error));
        }
    }
    if has("okta.groups.read") {
        client.groups().search(probe).await.map_err(fail)?;
    }
    if has("okta.logs.read") {
        let query = LogQuery {
            limit: Some(1),
            ..LogQuery::default()
        };
        if let Some(Err(error)) = client.logs().list(&query).next_page().await {
            return Err(fail(error));
        }
    }
    if has("okta.schemas.read") {
        client.schemas().user_default().await.map_err(fail)?;
    }
    if ![
        "okta.users.read",
        "okta.apps.read",
        "okta.groups.read",
        "okta.logs.read",
        "okta.schemas.read",
    ]
    .iter()
    .any(|s| has(s))
    {
        // No read scope asked for: the token request alone is the check.
        if let Some(oauth) = client.auth().oauth() {
            oauth.ensure_token(client.deadline()).await.map_err(fail)?;
        }
    }
    Ok(vec![Entry::text("ok")])
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
    if let OktaError::Auth { message, .. } = error {
        return message.clone();
    }
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
            OktaError::Transport { source, .. }
                if source.kind == crate::okta::TransportErrorKind::NotRecorded =>
            {
                detail
            }
            // The named network causes already say what to fix.
            OktaError::Transport { source, .. } if source.kind.is_named() => {
                format!("Cannot reach Okta at {base_url}: {}.", source.message)
            }
            OktaError::Transport { .. } => format!(
                "Cannot reach Okta at {base_url}: {detail}. Check the URL parameter, the network, and the proxy and certificate settings."
            ),
            _ => detail,
        },
    }
}
