//! The OAuth access token in the integration context, so executions of other processes
//! (engine restarts, `okta-iam call` with `--state`) reuse it while it is valid.
//!
//! Before a command: when the instance uses OAuth and its client holds no usable token, the
//! token under [`CONTEXT_KEY`] is offered to it (taken only when it was issued to the same
//! client id and scopes, expires more than a minute later, and a DPoP-bound one is bound to
//! this process's key). After a command without error: a token issued since the last save
//! is written back. Engine mode asks the host (`getIntegrationContext` /
//! `setIntegrationContext`); local mode writes the state file (created with mode 0600).
//! A failure to read or write is logged and the command goes on: a token can always be
//! asked for again.

use tracing::warn;

use crate::commands::{CommandError, Daemon};
use crate::okta::params::OktaParams;
use crate::okta::vendor::OktaService;
use crate::okta::Client;
use crate::params::Params;
use crate::state::StateStore;

/// Where the token is kept in the integration context.
pub const CONTEXT_KEY: &str = "oktaOAuthToken";

/// The instance's OAuth client with a kept token offered to it; `None` without OAuth. An
/// OAuth setting that is missing or wrong is the error (every command reports it).
pub(super) async fn load(
    service: &OktaService,
    daemon: &Daemon,
    params: &Params,
    state: &mut dyn StateStore,
) -> Result<Option<Client>, CommandError> {
    if !params.use_oauth()? {
        return Ok(None);
    }
    let client = service.client(daemon, params)?;
    let Some(oauth) = client.auth().oauth() else {
        return Ok(None);
    };
    if oauth.wants_token() {
        match state.integration_context().await {
            Ok(context) => {
                if let Some(kept) = context.get(CONTEXT_KEY) {
                    oauth.restore(kept);
                }
            }
            Err(error) => {
                warn!("cannot read the OAuth token from the integration context: {error}")
            }
        }
    }
    Ok(Some(client))
}

/// Writes a token issued since the last save into the integration context.
pub(super) async fn save(client: &Client, state: &mut dyn StateStore) {
    let Some(oauth) = client.auth().oauth() else {
        return;
    };
    if !oauth.unsaved() {
        return;
    }
    let Some((generation, value)) = oauth.export() else {
        return;
    };
    let written = async {
        let mut context = state.integration_context().await?;
        context.insert(CONTEXT_KEY.to_owned(), value);
        state.set_integration_context(context).await
    }
    .await;
    match written {
        Ok(()) => oauth.mark_saved(generation),
        Err(error) => warn!("cannot keep the OAuth token in the integration context: {error}"),
    }
}
