//! The XSOAR loop protocol: one JSON value per line on stdin/stdout.
//!
//! - [`framing`]: line reading with a size limit, line writing.
//! - [`message`]: the calling context and the outgoing messages.
//! - [`shutdown`]: stopping cleanly on SIGTERM/SIGINT/SIGHUP (never a half line) and when
//!   stdout goes away (non-zero exit); the signals are polled only when one came
//!   (`woken_only`).
//! - [`stdio`]: the process's stdin (read on a thread of its own) and stdout (written
//!   synchronously, one write per message) that `serve` runs on.
//! - [`serve`]: the loop. For each calling context it writes, in order, the state requests the
//!   command needs (engine mode), at most one `result` message, an `exception` message if the
//!   command panicked, and exactly one `completed`. `ping` is answered with `pong`; blank lines
//!   are skipped; every bad line gets an error entry and `completed`; end of input ends the
//!   loop; `native: true` ends it after that execution.
//!
//! In engine mode a state request waits for its reply up to the command deadline
//! (`--command-deadline`). While it waits, a `ping` is answered and a calling context is kept
//! and served right after the current execution (see `state::EngineState::request`). After an
//! execution that sent requests, a line shaped like a reply (the host error marker, or JSON
//! that is not a calling context) can only be a late or duplicate reply: until the next
//! calling context it is dropped with a warning on stderr, not answered (answering it with an
//! error entry and `completed` would pair every later answer with the wrong execution).
//!
//! In local mode the state file is locked for as long as the loop runs (`state::file`).

pub mod framing;
pub mod message;
mod polled_stdin;
pub mod shutdown;
pub mod stdio;
mod woken_only;

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, BufReader};
use tracing::{debug, info, warn};

use crate::commands::{execute_taking, Daemon, Execution};
use crate::output::entry_line::{push_entry, push_result_line};
use crate::output::line_breaks::push_json_line;
use crate::output::Entry;
use crate::state::file::StateFile;
use crate::state::{is_reply_shaped, EngineState, LocalState};
use framing::{write_message, Line, LineReader, MAX_LINE_BYTES};
use message::{CallingContext, ContextError, ExceptionArgs, Outgoing};

/// Where state lives while serving.
#[derive(Debug, Clone)]
pub enum StateMode {
    /// Asked of the host with `executeCommand` requests.
    Engine,
    /// Kept in this file.
    Local(PathBuf),
}

/// Options of the serve loop.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub state: StateMode,
    /// How long engine mode waits for the host's reply to a state request; `None`: the
    /// command deadline (`Daemon.http.settings.command_deadline`).
    pub host_reply_timeout: Option<Duration>,
}

impl ServeConfig {
    pub fn new(state: StateMode) -> Self {
        ServeConfig {
            state,
            host_reply_timeout: None,
        }
    }
}

/// Serves calling contexts from `input` until end of input (or a native execution), writing
/// protocol messages to `output`. Returns an error only when the channel itself fails.
pub async fn serve<R, W>(
    input: R,
    mut output: W,
    daemon: &Daemon,
    config: &ServeConfig,
) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    // Held for the whole loop: one state file serves one daemon at a time.
    let _state_file = match &config.state {
        StateMode::Local(path) => {
            Some(StateFile::open(path).map_err(|error| std::io::Error::other(error.to_string()))?)
        }
        StateMode::Engine => None,
    };
    let reply_timeout = config
        .host_reply_timeout
        .unwrap_or(daemon.http.settings.command_deadline);
    // A calling context that names no brand or instance gets the vendor's.
    let defaults = daemon.vendor.context_defaults();
    let mut reader = LineReader::new(BufReader::new(input));
    // Replies still owed by the host for state requests that timed out.
    let mut late_replies = 0usize;
    // The last execution sent state requests: a stray reply may follow until the next context.
    let mut stray_replies_possible = false;
    // Calling contexts that arrived while a reply was awaited.
    let mut deferred: VecDeque<String> = VecDeque::new();
    loop {
        let line = match deferred.pop_front() {
            Some(text) => Line::Text(text),
            None => reader.next_line().await?,
        };
        if late_replies > 0 && matches!(line, Line::InvalidUtf8 | Line::TooLong { .. }) {
            late_replies -= 1;
            warn!(
                "dropped an input line taken as the late reply to a state request that timed out"
            );
            continue;
        }
        let text = match line {
            Line::Eof => {
                info!("end of input; exiting");
                return Ok(());
            }
            Line::InvalidUtf8 => {
                reject(&mut output, "Invalid input line: not valid UTF-8.").await?;
                continue;
            }
            Line::TooLong { bytes } => {
                let message = format!(
                    "Invalid input line: {bytes} bytes is over the limit of {MAX_LINE_BYTES} bytes."
                );
                reject(&mut output, &message).await?;
                continue;
            }
            Line::Text(text) => text,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed == "ping" {
            write_message(&mut output, &Outgoing::Pong).await?;
            continue;
        }
        // Parsed once: for the reply-shape check and for the context.
        let parsed = serde_json::from_str::<Value>(trimmed);
        if stray_replies_possible && is_reply_shaped(trimmed, parsed.as_ref().ok()) {
            late_replies = late_replies.saturating_sub(1);
            warn!("dropped an input line shaped like a reply to a state request (late or duplicate); nothing is waiting for it");
            continue;
        }
        let parsed = parsed.map_err(|e| ContextError::InvalidJson(e.to_string()));
        let mut context = match parsed
            .and_then(|value| CallingContext::from_value(value, &defaults))
        {
            Ok(context) => {
                late_replies = 0;
                stray_replies_possible = false;
                context
            }
            Err(_) if late_replies > 0 => {
                late_replies -= 1;
                warn!("dropped an input line taken as the late reply to a state request that timed out");
                continue;
            }
            Err(error) => {
                reject(&mut output, &error.to_string()).await?;
                continue;
            }
        };
        debug!(command = %context.command, "calling context");
        let execution = match &config.state {
            StateMode::Engine => {
                let mut state = EngineState::new(&mut reader, &mut output, reply_timeout);
                let execution = execute_taking(daemon, &mut context, &mut state).await;
                late_replies += state.unanswered();
                stray_replies_possible = state.requests_sent() > 0;
                deferred.extend(state.take_deferred());
                execution
            }
            StateMode::Local(path) => {
                let mut state = LocalState::new(path, &context.instance);
                execute_taking(daemon, &mut context, &mut state).await
            }
        };
        write_execution(&mut output, &execution).await?;
        if context.native {
            info!("native execution done; exiting");
            return Ok(());
        }
    }
}

/// Writes the result and exception messages of an execution, then `completed`, with one
/// flush: they reach the output in one write (a spooled result streams before them).
pub async fn write_execution<W: AsyncWrite + Unpin>(
    output: &mut W,
    execution: &Execution,
) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut lines = Vec::new();
    if !execution.entries.is_empty() {
        if execution.entries.iter().any(|e| e.spooled.is_some()) {
            write_spooled_result(output, &execution.entries).await?;
        } else {
            lines.reserve(RESULT_LINE_CAPACITY);
            push_result_line(&execution.entries, &mut lines).map_err(std::io::Error::other)?;
        }
    }
    if let Some(exception) = &execution.exception {
        let exception = Outgoing::Exception {
            args: ExceptionArgs {
                exception: exception.clone(),
            },
        };
        push_json_line(&exception, &mut lines).map_err(std::io::Error::other)?;
    }
    push_json_line(&Outgoing::Completed, &mut lines).map_err(std::io::Error::other)?;
    output.write_all(&lines).await?;
    output.flush().await
}

/// Room for a typical `result` line (an IAM result is about 5 KB), so it is not regrown.
const RESULT_LINE_CAPACITY: usize = 16 * 1024;

/// A `result` message with spooled entries, written piece by piece without building the line
/// in memory.
async fn write_spooled_result<W: AsyncWrite + Unpin>(
    output: &mut W,
    entries: &[Entry],
) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    output.write_all(br#"{"type":"result","results":["#).await?;
    for (index, entry) in entries.iter().enumerate() {
        if index > 0 {
            output.write_all(b",").await?;
        }
        match &entry.spooled {
            Some(spooled) => spooled.write_to(output).await?,
            None => {
                let mut json = Vec::new();
                push_entry(entry, &mut json).map_err(std::io::Error::other)?;
                output.write_all(&json).await?;
            }
        }
    }
    output.write_all(b"]}\n").await
}

/// Answers a bad input line with an error entry and `completed`.
async fn reject<W: AsyncWrite + Unpin>(output: &mut W, message: &str) -> std::io::Result<()> {
    debug!("rejected input line: {message}");
    let execution = Execution {
        entries: vec![Entry::error(message)],
        exception: None,
    };
    write_execution(output, &execution).await
}
