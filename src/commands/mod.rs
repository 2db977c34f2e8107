//! Command handlers, one file per family, and the dispatcher that runs one execution.
//!
//! - [`apps`]: the application commands (`okta-get-app-user-assignment`,
//!   `okta-iam-list-applications`, `okta-iam-list-user-applications`).
//! - [`config`]: the configuration commands (`okta-iam-get-configuration`, `okta-iam-set-configuration`).
//! - [`fetch`]: `fetch-incidents` (System Log cursor, exactly-once delivery) and its settings.
//! - [`groups`]: the group command (`iam-get-group`).
//! - [`logs`]: `okta-get-logs` (System Log pages streamed, spooled when large).
//! - [`test_module`]: the `test-module` check.
//! - [`users`]: the IAM user commands and `get-mapping-fields`.
//! - `token_cache`: the OAuth access token in the integration context (read before a
//!   command when the process holds none, written after one that got a new token).
//!
//! [`execute`] is the single path every execution takes, from the loop and from `call`:
//! look the command up in the catalogue, check its arguments, merge params, run the handler
//! with panics caught, and commit state only when the execution ended without error.

pub mod apps;
pub mod client_cache;
pub mod config;
pub mod fetch;
pub mod groups;
pub mod logs;
pub mod test_module;
mod token_cache;
pub mod users;

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use chrono::{DateTime, Utc};

use serde_json::{Map, Value};
use thiserror::Error;
use tracing::{debug, warn, Instrument};

use crate::cassette::RecordingTransport;
use crate::catalogue::{self, ArgError, Args, CommandSpec};
use crate::mapper::MapperRegistry;
use crate::okta::{Client, ClientConfig, OktaError, Transport};
use crate::output::Entry;
use crate::params::{Params, ParamsError};
use crate::protocol::message::CallingContext;
use crate::secret::Secret;
use crate::state::{LocalBoxFuture, StateError, StateStore};
use client_cache::{ClientCache, CLIENT_CACHE_CAPACITY};

/// Every command family, in manifest order.
pub const FAMILIES: &[&[CommandSpec]] = &[
    test_module::COMMANDS,
    users::COMMANDS,
    apps::COMMANDS,
    groups::COMMANDS,
    config::COMMANDS,
    logs::COMMANDS,
    fetch::COMMANDS,
];

/// What outlives one execution: start-up options and shared resources.
pub struct Runtime {
    /// Params from `--params FILE`; each calling context's params override them.
    pub base_params: Map<String, Value>,
    pub mappers: MapperRegistry,
    /// Replaces the network (replay and record); `None` sends requests to Okta.
    pub transport: Option<Arc<dyn Transport>>,
    /// Timeouts and retries of the Okta client (`--connect-timeout`, ...).
    pub tuning: ClientTuning,
    /// When set, the daemon's clock is frozen at this time (record and replay), so relative
    /// times give the same requests in both.
    pub frozen_now: Option<DateTime<Utc>>,
    /// `--record FILE`: the cassette to record Okta traffic to.
    pub record_to: Option<PathBuf>,
    /// `--user-profiles FILE`: the User Profiles `fetch-incidents` enriches events with in
    /// local mode (engine mode asks the server).
    pub user_profiles: Option<PathBuf>,
    /// No request reaches the network (replay, the demo): a missing API token is no error,
    /// and OAuth needs no private key (the cassette holds no assertion).
    pub offline: bool,
    recorder: Mutex<Option<Arc<RecordingTransport>>>,
    /// One Okta client per instance configuration, so `serve` reuses connections (bounded).
    clients: Mutex<ClientCache<ClientKey>>,
    /// Checked OAuth settings by a digest of their params, so the key is read and checked
    /// once per configuration, not at every command.
    oauth_settings: Mutex<Vec<(String, crate::okta::auth::OAuthSettings)>>,
}

/// The Okta client's timeouts and retry budget; defaults are the client's (see `okta`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClientTuning {
    pub connect_timeout: Duration,
    pub answer_timeout: Duration,
    pub request_timeout: Duration,
    pub max_response_bytes: u64,
    pub command_deadline: Duration,
    pub max_retries: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
}

impl Default for ClientTuning {
    fn default() -> Self {
        ClientTuning {
            connect_timeout: crate::okta::DEFAULT_CONNECT_TIMEOUT,
            answer_timeout: crate::okta::DEFAULT_ANSWER_TIMEOUT,
            request_timeout: crate::okta::DEFAULT_REQUEST_TIMEOUT,
            max_response_bytes: crate::okta::DEFAULT_MAX_RESPONSE_BYTES,
            command_deadline: crate::okta::DEFAULT_COMMAND_DEADLINE,
            max_retries: crate::okta::DEFAULT_MAX_RETRIES,
            backoff_base: crate::okta::DEFAULT_BACKOFF_BASE,
            backoff_cap: crate::okta::DEFAULT_BACKOFF_CAP,
        }
    }
}

/// What makes two instance configurations need different clients.
#[derive(PartialEq, Eq)]
struct ClientKey {
    base_url: String,
    /// The API token, or (OAuth) the settings' identity.
    credentials: Secret,
    insecure: bool,
    proxy: bool,
}

impl Runtime {
    pub fn new(base_params: Map<String, Value>, mappers: MapperRegistry) -> Self {
        Runtime {
            base_params,
            mappers,
            transport: None,
            tuning: ClientTuning::default(),
            frozen_now: None,
            record_to: None,
            user_profiles: None,
            offline: false,
            recorder: Mutex::new(None),
            clients: Mutex::new(ClientCache::new(CLIENT_CACHE_CAPACITY)),
            oauth_settings: Mutex::new(Vec::new()),
        }
    }

    /// Sends Okta requests through `transport` instead of the network.
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The current time, or the frozen time of a recording or replay.
    pub fn now(&self) -> DateTime<Utc> {
        self.frozen_now.unwrap_or_else(Utc::now)
    }

    /// The API token of these params; offline, a missing one is replaced by a placeholder
    /// that goes nowhere.
    pub fn token(&self, params: &Params) -> Result<Secret, ParamsError> {
        match params.token() {
            Err(ParamsError::MissingToken) if self.offline => Ok(Secret::new("offline")),
            other => other,
        }
    }

    /// The OAuth settings of these params (`None` without `use_oauth`).
    pub fn oauth_settings(
        &self,
        params: &Params,
    ) -> Result<Option<crate::okta::auth::OAuthSettings>, ParamsError> {
        if !params.use_oauth()? {
            return Ok(None);
        }
        let digest = params.oauth_digest();
        let mut known = self
            .oauth_settings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((_, settings)) = known.iter().find(|(d, _)| *d == digest) {
            return Ok(Some(settings.clone()));
        }
        let settings = params.oauth_settings(self.offline)?;
        if let Some(settings) = &settings {
            if known.len() >= 16 {
                known.remove(0);
            }
            known.push((digest, settings.clone()));
        }
        Ok(settings)
    }

    /// The Okta client for these params (cached per configuration), with a fresh command
    /// deadline.
    pub fn okta_client(&self, params: &Params) -> Result<Client, CommandError> {
        let oauth = self.oauth_settings(params)?;
        let key = ClientKey {
            base_url: params.base_url()?.to_string(),
            credentials: match &oauth {
                Some(settings) => Secret::new(format!("oauth|{}", settings.identity())),
                None => self.token(params)?,
            },
            insecure: params.boolean("insecure", false)?,
            proxy: params.boolean("proxy", false)?,
        };
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(client) = clients.get(&key) {
            return Ok(client.for_command());
        }
        let base_url = params.base_url()?;
        let token = match oauth {
            Some(_) => Secret::default(),
            None => key.credentials.clone(),
        };
        let mut config = ClientConfig::new(base_url, token);
        config.oauth = oauth;
        config.insecure = key.insecure;
        config.proxy = key.proxy;
        config.connect_timeout = self.tuning.connect_timeout;
        config.answer_timeout = self.tuning.answer_timeout;
        config.request_timeout = self.tuning.request_timeout;
        config.max_response_bytes = self.tuning.max_response_bytes;
        config.command_deadline = self.tuning.command_deadline;
        config.max_retries = self.tuning.max_retries;
        config.backoff_base = self.tuning.backoff_base;
        config.backoff_cap = self.tuning.backoff_cap;
        let client = match (&self.transport, &self.record_to) {
            (Some(transport), _) => Client::with_transport(config, transport.clone()),
            (None, Some(path)) => {
                let mut recorder = self
                    .recorder
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                let transport = match recorder.as_ref() {
                    Some(transport) => transport.clone(),
                    None => {
                        let transport =
                            Arc::new(RecordingTransport::new(&config, path.clone(), self.now())?);
                        *recorder = Some(transport.clone());
                        transport
                    }
                };
                Client::with_transport(config, transport)
            }
            (None, None) => Client::new(config)?,
        };
        let command_client = client.for_command();
        clients.insert(key, client);
        Ok(command_client)
    }
}

/// Everything a handler gets for one execution.
pub struct Invocation<'a> {
    pub runtime: &'a Runtime,
    pub context: &'a CallingContext,
    pub args: Args,
    pub params: Params,
    pub state: &'a mut dyn StateStore,
}

/// A handler failure. The dispatcher turns it into an error entry:
/// `Failed to execute <command> command. Error: <message>`.
#[derive(Debug, Error)]
pub enum CommandError {
    #[error("{0}")]
    Params(#[from] ParamsError),
    #[error("{0}")]
    Args(#[from] ArgError),
    #[error("{0}")]
    State(#[from] StateError),
    /// A bad argument value, with a message that says what to fix.
    #[error("{0}")]
    Invalid(String),
    #[error("{}", .0.message_for_people())]
    Okta(#[from] OktaError),
    /// The vendor failed (its message for people).
    #[error("{0}")]
    Connector(#[from] crate::iam::ConnectorError),
}

pub type CommandResult = Result<Vec<Entry>, CommandError>;

/// A command handler.
pub type Handler = for<'a> fn(Invocation<'a>) -> LocalBoxFuture<'a, CommandResult>;

/// The outcome of one execution, ready to be written.
#[derive(Debug, Default)]
pub struct Execution {
    pub entries: Vec<Entry>,
    /// An unexpected internal failure (a panic), sent as an `exception` message.
    pub exception: Option<String>,
}

impl Execution {
    pub fn failed(&self) -> bool {
        self.exception.is_some() || self.entries.iter().any(Entry::is_error)
    }
}

/// Runs one calling context to completion. Never panics; never returns an error: every
/// failure becomes an error entry or an exception.
pub async fn execute(
    runtime: &Runtime,
    context: &CallingContext,
    state: &mut dyn StateStore,
) -> Execution {
    let Some(spec) = catalogue::find(&context.command) else {
        return Execution {
            entries: vec![Entry::error(format!(
                "Unknown command: {}. Run `okta-iam commands` to list the commands this integration serves, with their arguments.",
                context.command
            ))],
            exception: None,
        };
    };
    execute_spec(spec, runtime, context, state).await
}

/// Runs one execution of a known command (see [`execute`]).
pub async fn execute_spec(
    spec: &CommandSpec,
    runtime: &Runtime,
    context: &CallingContext,
    state: &mut dyn StateStore,
) -> Execution {
    let args = match spec.validate(&context.args) {
        Ok(args) => args,
        Err(e) => return failure(spec.name, CommandError::Args(e)),
    };
    let params = Params::merged(&runtime.base_params, &context.params);
    // OAuth: settings checked for every command; a token kept by an earlier process offered.
    let oauth_client = match token_cache::load(runtime, &params, state).await {
        Ok(client) => client,
        Err(e) => return failure(spec.name, e),
    };
    let span = tracing::info_span!("command", name = spec.name, instance = %context.instance);
    let invocation = Invocation {
        runtime,
        context,
        args,
        params,
        state: &mut *state,
    };
    let outcome = async {
        debug!("start");
        // The handler call itself may panic before it returns a future.
        let future = match std::panic::catch_unwind(AssertUnwindSafe(|| (spec.handler)(invocation)))
        {
            Ok(future) => future,
            Err(panic) => return Err(panic),
        };
        CatchUnwind(future).await
    }
    .instrument(span.clone())
    .await;
    let mut execution = match outcome {
        Ok(Ok(entries)) => Execution {
            entries,
            exception: None,
        },
        Ok(Err(error)) => failure(spec.name, error),
        Err(panic) => {
            let message = panic_message(&panic);
            warn!(parent: &span, "command panicked: {message}");
            return Execution {
                entries: Vec::new(),
                exception: Some(format!(
                    "Internal error in {}: {message}. This is a bug in okta-iam; the daemon goes on.",
                    spec.name
                )),
            };
        }
    };
    if !execution.failed() {
        // The state borrow moved into the invocation; it is back now that the handler ended.
        execution = commit(spec, state, execution).await;
        if let Some(client) = &oauth_client {
            token_cache::save(client, state).await;
        }
    }
    execution
}

async fn commit(spec: &CommandSpec, state: &mut dyn StateStore, execution: Execution) -> Execution {
    match state.commit().await {
        Ok(()) => execution,
        Err(error) => failure(spec.name, CommandError::State(error)),
    }
}

fn failure(command: &str, error: CommandError) -> Execution {
    Execution {
        entries: vec![Entry::error(format!(
            "Failed to execute {command} command. Error: {error}"
        ))],
        exception: None,
    }
}

fn panic_message(panic: &Box<dyn Any + Send>) -> String {
    if let Some(s) = panic.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = panic.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Polls a boxed future with panics caught, so one command cannot take the daemon down.
struct CatchUnwind<F>(F);

impl<F> Future for CatchUnwind<F>
where
    F: Future + Unpin,
{
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.0;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::MemoryState;
    use serde_json::json;

    fn panicking(_inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
        Box::pin(async move {
            tokio::task::yield_now().await;
            panic!("deliberate test panic")
        })
    }

    fn panicking_before_future(_inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
        panic!("panic while building the future")
    }

    fn sets_last_run_then_fails(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
        Box::pin(async move {
            inv.state.set_last_run(json!({"cursor": "new"}));
            Ok(vec![Entry::error("half way")])
        })
    }

    fn sets_last_run_ok(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
        Box::pin(async move {
            inv.state.set_last_run(json!({"cursor": "new"}));
            Ok(vec![Entry::text("done")])
        })
    }

    fn spec(handler: Handler) -> CommandSpec {
        CommandSpec {
            name: "test-command",
            description: "",
            args: &[],
            outputs: &[],
            execution: false,
            internal: true,
            handler,
        }
    }

    fn context() -> CallingContext {
        CallingContext::parse(r#"{"command":"test-command"}"#).unwrap()
    }

    #[tokio::test]
    async fn a_panic_becomes_an_exception() {
        let runtime = Runtime::new(Map::new(), MapperRegistry::builtin());
        for handler in [panicking as Handler, panicking_before_future] {
            let mut state = MemoryState::default();
            let execution = execute_spec(&spec(handler), &runtime, &context(), &mut state).await;
            assert!(execution.entries.is_empty());
            let exception = execution.exception.expect("exception");
            assert!(exception.contains("test-command"), "{exception}");
            assert!(exception.contains("panic"), "{exception}");
        }
    }

    #[tokio::test]
    async fn last_run_is_committed_only_without_error() {
        let runtime = Runtime::new(Map::new(), MapperRegistry::builtin());
        let mut state = MemoryState::default();
        let failed = execute_spec(
            &spec(sets_last_run_then_fails),
            &runtime,
            &context(),
            &mut state,
        )
        .await;
        assert!(failed.failed());
        assert_eq!(state.last_run, None);
        let ok = execute_spec(&spec(sets_last_run_ok), &runtime, &context(), &mut state).await;
        assert!(!ok.failed());
        assert_eq!(state.last_run, Some(json!({"cursor": "new"})));
    }

    #[tokio::test]
    async fn unknown_command_and_missing_argument_are_error_entries() {
        let runtime = Runtime::new(Map::new(), MapperRegistry::builtin());
        let mut state = MemoryState::default();
        let unknown = CallingContext::parse(r#"{"command":"no-such-command"}"#).unwrap();
        let execution = execute(&runtime, &unknown, &mut state).await;
        assert_eq!(
            execution.entries[0].contents,
            json!("Unknown command: no-such-command. Run `okta-iam commands` to list the commands this integration serves, with their arguments.")
        );
        let missing = CallingContext::parse(r#"{"command":"okta-iam-set-configuration"}"#).unwrap();
        let execution = execute(&runtime, &missing, &mut state).await;
        assert_eq!(
            execution.entries[0].contents,
            json!("Failed to execute okta-iam-set-configuration command. Error: Missing required argument: configuration.")
        );
    }
}
