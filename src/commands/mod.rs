//! The dispatcher that runs one execution for the vendor the [`Daemon`] serves, and the
//! command families every IAM vendor shares (a vendor's own families live in its module:
//! Okta's in [`crate::okta::commands`]).
//!
//! - [`test_module`]: the `test-module` command (the check is the vendor's).
//! - [`users`]: the IAM user commands and `get-mapping-fields`, through the connector.
//! - [`groups`]: the group command (`iam-get-group`), through the connector.
//! - [`args`]: typed arguments; [`error`]: command errors by kind.
//!
//! [`execute`] is the single path every execution takes, from the loop and from `call`:
//! look the command up among the vendor's, check its arguments, merge params, let the vendor
//! prepare ([`VendorService::before_command`]), run the handler
//! with panics caught, and commit state only when the execution ended without error.

pub mod args;
mod error;
pub mod groups;
pub mod test_module;
pub mod users;

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use chrono::{DateTime, Utc};

use serde_json::{Map, Value};
use tracing::{debug, warn, Instrument};

use crate::catalogue::{Args, CommandSpec};
use crate::http::{HttpEnv, Transport};
use crate::iam::Connector;
use crate::mapper::MapperRegistry;
use crate::output::Entry;
use crate::params::Params;
use crate::protocol::message::CallingContext;
use crate::state::{LocalBoxFuture, StateStore};
use crate::vendor::{Vendor, VendorService};
pub use error::{
    CommandError, ConnectorFailure, InternalError, MappingError, StateFailure, UsageError,
};

/// What outlives one execution: the vendor served, start-up options and shared resources.
pub struct Daemon {
    /// The vendor this daemon serves (`--vendor`).
    pub vendor: &'static dyn Vendor,
    /// Params from `--params FILE`; each calling context's params override them.
    pub base_params: Map<String, Value>,
    pub mappers: MapperRegistry,
    /// How the vendor's client reaches the network: settings, transport override,
    /// recording, offline.
    pub http: HttpEnv,
    /// When set, the daemon's clock is frozen at this time (record and replay), so relative
    /// times give the same requests in both.
    pub frozen_now: Option<DateTime<Utc>>,
    /// `--user-profiles FILE`: the User Profiles `fetch-incidents` enriches events with in
    /// local mode (engine mode asks the server).
    pub user_profiles: Option<PathBuf>,
    /// What the vendor keeps for the daemon's lifetime (its clients).
    service: Box<dyn VendorService>,
}

impl Daemon {
    /// A daemon serving the default vendor ([`crate::vendors::DEFAULT`]).
    pub fn new(base_params: Map<String, Value>, mappers: MapperRegistry) -> Self {
        Daemon::with_vendor(crate::vendors::default_vendor(), base_params, mappers)
    }

    /// A daemon serving `vendor`.
    pub fn with_vendor(
        vendor: &'static dyn Vendor,
        base_params: Map<String, Value>,
        mappers: MapperRegistry,
    ) -> Self {
        Daemon {
            vendor,
            base_params,
            mappers,
            http: HttpEnv::default(),
            frozen_now: None,
            user_profiles: None,
            service: vendor.start(),
        }
    }

    /// Sends the vendor's requests through `transport` instead of the network.
    pub fn with_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.http.transport = Some(transport);
        self
    }

    /// The current time, or the frozen time of a recording or replay.
    pub fn now(&self) -> DateTime<Utc> {
        self.frozen_now.unwrap_or_else(Utc::now)
    }

    /// What the vendor keeps for this daemon.
    pub fn service(&self) -> &dyn VendorService {
        self.service.as_ref()
    }

    /// The command of that name, if this daemon's vendor serves it.
    pub fn find(&self, command: &str) -> Option<&'static CommandSpec> {
        self.vendor.find(command)
    }
}

/// Everything a handler gets for one execution.
pub struct Invocation<'a> {
    pub daemon: &'a Daemon,
    pub context: &'a CallingContext,
    pub args: Args,
    pub params: Params,
    pub state: &'a mut dyn StateStore,
}

impl Invocation<'_> {
    /// The vendor behind the IAM layer, built from this execution's params.
    pub fn connector(&self) -> Result<Box<dyn Connector>, CommandError> {
        self.daemon.service().connector(self.daemon, &self.params)
    }
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

/// The error entry's text for a command `vendor` does not serve; a command of another
/// vendor is named as that vendor's integration's.
fn unknown_command(vendor: &dyn Vendor, command: &str) -> String {
    let served = vendor.package().integration_id;
    let owner = crate::vendors::registry()
        .vendors()
        .find(|other| other.name() != vendor.name() && other.find(command).is_some());
    let listing = if vendor.name() == crate::vendors::DEFAULT {
        "`okta-iam commands`".to_string()
    } else {
        format!("`okta-iam commands --vendor {}`", vendor.name())
    };
    match owner {
        Some(owner) => format!(
            "{command} is a command of the {} integration, not of {served}. Run {listing} to list the commands this integration serves, with their arguments.",
            owner.package().integration_id
        ),
        None => format!(
            "Unknown command: {command}. Run {listing} to list the commands this integration serves, with their arguments."
        ),
    }
}

/// Runs one calling context to completion. Never panics; never returns an error: every
/// failure becomes an error entry or an exception.
pub async fn execute(
    daemon: &Daemon,
    context: &CallingContext,
    state: &mut dyn StateStore,
) -> Execution {
    let given = Given {
        args: context.args.clone(),
        params: context.params.clone(),
    };
    execute_given(daemon, context, given, state).await
}

/// [`execute`] with the context's args and params moved into the execution (they are left
/// empty in `context`): the loop's way, nothing copied.
pub async fn execute_taking(
    daemon: &Daemon,
    context: &mut CallingContext,
    state: &mut dyn StateStore,
) -> Execution {
    let given = Given {
        args: std::mem::take(&mut context.args),
        params: std::mem::take(&mut context.params),
    };
    execute_given(daemon, context, given, state).await
}

/// A calling context's args and params, owned by the execution.
struct Given {
    args: Map<String, Value>,
    params: Map<String, Value>,
}

async fn execute_given(
    daemon: &Daemon,
    context: &CallingContext,
    given: Given,
    state: &mut dyn StateStore,
) -> Execution {
    let Some(spec) = daemon.find(&context.command) else {
        return Execution {
            entries: vec![Entry::error(unknown_command(
                daemon.vendor,
                &context.command,
            ))],
            exception: None,
        };
    };
    run_spec(spec, daemon, context, given, state).await
}

/// Runs one execution of a known command (see [`execute`]).
pub async fn execute_spec(
    spec: &CommandSpec,
    daemon: &Daemon,
    context: &CallingContext,
    state: &mut dyn StateStore,
) -> Execution {
    let given = Given {
        args: context.args.clone(),
        params: context.params.clone(),
    };
    run_spec(spec, daemon, context, given, state).await
}

async fn run_spec(
    spec: &CommandSpec,
    daemon: &Daemon,
    context: &CallingContext,
    given: Given,
    state: &mut dyn StateStore,
) -> Execution {
    let args = match spec.validate(given.args) {
        Ok(args) => args,
        Err(e) => return failure(spec.name, e.into()),
    };
    let params = Params::merged(&daemon.base_params, given.params);
    // What the vendor keeps between executions (Okta: its OAuth token) is offered here.
    let after_commit = match daemon
        .service()
        .before_command(daemon, &params, state)
        .await
    {
        Ok(hook) => hook,
        Err(e) => return failure(spec.name, e),
    };
    let span = tracing::info_span!("command", name = spec.name, instance = %context.instance);
    let invocation = Invocation {
        daemon,
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
        if let Some(hook) = &after_commit {
            hook.after_commit(state).await;
        }
    }
    execution
}

async fn commit(spec: &CommandSpec, state: &mut dyn StateStore, execution: Execution) -> Execution {
    match state.commit().await {
        Ok(()) => execution,
        Err(error) => failure(spec.name, error.into()),
    }
}

fn failure(command: &str, error: CommandError) -> Execution {
    debug!(kind = error.kind_name(), "command failed");
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
        CallingContext::parse(
            r#"{"command":"test-command"}"#,
            &crate::okta::vendor::context_defaults(),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn a_panic_becomes_an_exception() {
        let daemon = Daemon::new(Map::new(), crate::okta::vendor::default_mappers());
        for handler in [panicking as Handler, panicking_before_future] {
            let mut state = MemoryState::default();
            let execution = execute_spec(&spec(handler), &daemon, &context(), &mut state).await;
            assert!(execution.entries.is_empty());
            let exception = execution.exception.expect("exception");
            assert!(exception.contains("test-command"), "{exception}");
            assert!(exception.contains("panic"), "{exception}");
        }
    }

    #[tokio::test]
    async fn last_run_is_committed_only_without_error() {
        let daemon = Daemon::new(Map::new(), crate::okta::vendor::default_mappers());
        let mut state = MemoryState::default();
        let failed = execute_spec(
            &spec(sets_last_run_then_fails),
            &daemon,
            &context(),
            &mut state,
        )
        .await;
        assert!(failed.failed());
        assert_eq!(state.last_run, None);
        let ok = execute_spec(&spec(sets_last_run_ok), &daemon, &context(), &mut state).await;
        assert!(!ok.failed());
        assert_eq!(state.last_run, Some(json!({"cursor": "new"})));
    }

    #[tokio::test]
    async fn unknown_command_and_missing_argument_are_error_entries() {
        let daemon = Daemon::new(Map::new(), crate::okta::vendor::default_mappers());
        let mut state = MemoryState::default();
        let unknown = CallingContext::parse(
            r#"{"command":"no-such-command"}"#,
            &crate::okta::vendor::context_defaults(),
        )
        .unwrap();
        let execution = execute(&daemon, &unknown, &mut state).await;
        assert_eq!(
            execution.entries[0].contents,
            json!("Unknown command: no-such-command. Run `okta-iam commands` to list the commands this integration serves, with their arguments.")
        );
        let missing = CallingContext::parse(
            r#"{"command":"okta-iam-set-configuration"}"#,
            &crate::okta::vendor::context_defaults(),
        )
        .unwrap();
        let execution = execute(&daemon, &missing, &mut state).await;
        assert_eq!(
            execution.entries[0].contents,
            json!("Failed to execute okta-iam-set-configuration command. Error: Missing required argument: configuration.")
        );
    }
}
