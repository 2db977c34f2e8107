//! The in-process harness: one calling context through `okta_iam::commands::execute`, the
//! dispatcher every process uses, with state in memory and no process spawned.

use std::time::Duration;

use okta_iam::commands::{execute, Daemon, Execution};
use okta_iam::http::HttpSettings;
use okta_iam::protocol::message::CallingContext;
use okta_iam::state::MemoryState;
use serde_json::{Map, Value};

/// A dispatcher runtime with the built-in mappers and `base_params` (the `--params` file's
/// part; each calling context's params override them).
pub fn runtime(base_params: Map<String, Value>) -> Daemon {
    Daemon::new(base_params, okta_iam::okta::vendor::default_mappers())
}

/// HTTP settings with two short retries, so failure paths end in milliseconds.
pub fn quick_retries() -> HttpSettings {
    HttpSettings {
        max_retries: 2,
        backoff_base: Duration::from_millis(5),
        backoff_cap: Duration::from_millis(20),
        command_deadline: Duration::from_secs(20),
        ..HttpSettings::default()
    }
}

/// Runs the calling context `line` (a JSON object: `command`, `args`, `params`, `context`)
/// with fresh in-memory state.
pub async fn execute_line(runtime: &Daemon, line: &Value) -> Execution {
    let mut state = MemoryState::default();
    execute_line_in(runtime, line, &mut state).await
}

/// Runs the calling context `line` against the given state.
pub async fn execute_line_in(runtime: &Daemon, line: &Value, state: &mut MemoryState) -> Execution {
    let context = CallingContext::parse(
        &line.to_string(),
        &okta_iam::okta::vendor::context_defaults(),
    )
    .expect("calling context");
    execute(runtime, &context, state).await
}
