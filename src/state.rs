//! Integration context and last run, behind one trait so commands never know which mode runs.
//!
//! - Engine mode ([`EngineState`]): each read or write is an `executeCommand` request written
//!   on stdout, answered by exactly one line on stdin. A reply holding the host error marker
//!   fails the command with the text after the marker; a host that does not answer within
//!   [`HOST_REPLY_TIMEOUT`] fails the command, and the daemon goes on.
//! - Local mode ([`LocalState`]): a JSON file keeps, per integration instance, the integration
//!   context and the last run. Every write goes to a temporary file in the same directory,
//!   is fsynced, then renamed over the old file, so a crash leaves the old or the new state,
//!   never a torn one.
//! - [`MemoryState`]: for `okta-iam call` without `--state`; nothing outlives the process.
//!
//! The last run is buffered by `set_last_run` and only written by `commit`, which the
//! dispatcher calls when the execution ended without an error.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::Duration;

use serde_json::{json, Map, Value};
use thiserror::Error;
use tokio::io::{AsyncBufRead, AsyncWrite};

use crate::protocol::framing::{write_line, Line, LineReader};
use crate::protocol::message::Outgoing;

/// A boxed future that need not be `Send`: commands run on the loop's own task.
pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The marker the host puts in a reply line to report an error.
pub const HOST_ERROR_MARKER: &str = "[ERROR-fd5a7750-7182-4b38-90ba-091824478903]";

/// How long engine mode waits for the host's reply to a state request.
pub const HOST_REPLY_TIMEOUT: Duration = Duration::from_secs(60);

/// The version of the local state file format.
const STATE_FILE_VERSION: u64 = 1;

#[derive(Debug, Error)]
pub enum StateError {
    #[error("The XSOAR server returned an error for {request}: {message}")]
    Host { request: String, message: String },
    #[error("The XSOAR server did not answer {request} within {seconds} seconds.")]
    HostTimeout { request: String, seconds: u64 },
    #[error("The XSOAR server closed the input before answering {request}.")]
    HostGone { request: String },
    #[error("The XSOAR server's reply to {request} is not valid: {detail}")]
    BadReply { request: String, detail: String },
    #[error("Cannot read the state file {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("Cannot write the state file {path}: {detail}")]
    Write { path: String, detail: String },
    #[error("I/O error while talking to the XSOAR server: {0}")]
    Io(#[from] std::io::Error),
}

/// Where commands read and write state.
pub trait StateStore {
    /// The integration context (an object; `{}` when never set).
    fn integration_context(&mut self)
        -> LocalBoxFuture<'_, Result<Map<String, Value>, StateError>>;
    /// Replaces the integration context. Written at once.
    fn set_integration_context(
        &mut self,
        value: Map<String, Value>,
    ) -> LocalBoxFuture<'_, Result<(), StateError>>;
    /// The last run (`{}` the first time).
    fn last_run(&mut self) -> LocalBoxFuture<'_, Result<Value, StateError>>;
    /// Buffers a new last run; it is written by [`StateStore::commit`].
    fn set_last_run(&mut self, value: Value);
    /// Writes the buffered last run, if any. Called only after an execution without error.
    fn commit(&mut self) -> LocalBoxFuture<'_, Result<(), StateError>>;
    /// The server, for requests other than state (`mapObject`, `searchIndicators`): engine
    /// mode only; `None` where no server listens (local mode, `call`).
    fn host(&mut self) -> Option<&mut dyn HostChannel> {
        None
    }
}

/// Requests to the server over the protocol channel (see `crate::host`).
pub trait HostChannel {
    /// Sends `{"type":"executeCommand","command":...,"args":...}` and returns the reply; a
    /// reply with the host error marker is [`StateError::Host`].
    fn request<'a>(
        &'a mut self,
        command: &'a str,
        args: Value,
    ) -> LocalBoxFuture<'a, Result<Value, StateError>>;
}

/// Engine mode: state requests go to the host over the protocol channel.
pub struct EngineState<'a, R, W> {
    reader: &'a mut LineReader<R>,
    writer: &'a mut W,
    reply_timeout: Duration,
    pending_last_run: Option<Value>,
    /// Requests whose reply did not come in time (it may still come, late).
    unanswered: usize,
}

impl<'a, R, W> EngineState<'a, R, W>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    pub fn new(reader: &'a mut LineReader<R>, writer: &'a mut W, reply_timeout: Duration) -> Self {
        EngineState {
            reader,
            writer,
            reply_timeout,
            pending_last_run: None,
            unanswered: 0,
        }
    }

    /// How many requests of this execution timed out. Their replies may still arrive; the
    /// serve loop then takes them for what they are instead of for calling contexts.
    pub fn unanswered(&self) -> usize {
        self.unanswered
    }

    /// Sends one request and returns the host's reply as JSON.
    async fn request(&mut self, command: &str, args: Value) -> Result<Value, StateError> {
        let line = Outgoing::ExecuteCommand { command, args }.to_line();
        write_line(self.writer, &line).await?;
        let reply = match tokio::time::timeout(self.reply_timeout, self.reader.next_line()).await {
            Err(_) => {
                self.unanswered += 1;
                return Err(StateError::HostTimeout {
                    request: command.to_string(),
                    seconds: self.reply_timeout.as_secs(),
                });
            }
            Ok(result) => result?,
        };
        let text = match reply {
            Line::Text(text) => text,
            Line::Eof => {
                return Err(StateError::HostGone {
                    request: command.to_string(),
                })
            }
            Line::InvalidUtf8 => return Err(bad_reply(command, "not UTF-8")),
            Line::TooLong { .. } => return Err(bad_reply(command, "too long")),
        };
        if let Some(pos) = text.find(HOST_ERROR_MARKER) {
            let message = text[pos + HOST_ERROR_MARKER.len()..].trim().to_string();
            return Err(StateError::Host {
                request: command.to_string(),
                message,
            });
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|e| bad_reply(command, &e.to_string()))
    }
}

fn bad_reply(request: &str, detail: &str) -> StateError {
    StateError::BadReply {
        request: request.to_string(),
        detail: detail.to_string(),
    }
}

impl<R, W> StateStore for EngineState<'_, R, W>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    fn integration_context(
        &mut self,
    ) -> LocalBoxFuture<'_, Result<Map<String, Value>, StateError>> {
        Box::pin(async move {
            let reply = self
                .request("getIntegrationContext", json!({"refresh": false}))
                .await?;
            match reply {
                Value::Null => Ok(Map::new()),
                Value::Object(mut object) => match object.remove("context") {
                    Some(Value::Object(context)) => Ok(context),
                    Some(Value::Null) => Ok(Map::new()),
                    Some(_) => Err(bad_reply(
                        "getIntegrationContext",
                        "'context' is not an object",
                    )),
                    // A bare object without the envelope: take it as the context itself.
                    None if !object.contains_key("version") => Ok(object),
                    None => Ok(Map::new()),
                },
                _ => Err(bad_reply("getIntegrationContext", "not a JSON object")),
            }
        })
    }

    fn set_integration_context(
        &mut self,
        value: Map<String, Value>,
    ) -> LocalBoxFuture<'_, Result<(), StateError>> {
        Box::pin(async move {
            let args = json!({
                "value": value,
                "version": {"version": -1, "sequenceNumber": -1, "primaryTerm": -1},
                "sync": true,
            });
            self.request("setIntegrationContext", args).await.map(drop)
        })
    }

    fn last_run(&mut self) -> LocalBoxFuture<'_, Result<Value, StateError>> {
        Box::pin(async move {
            match self.request("getLastRun", json!({})).await? {
                Value::Null => Ok(json!({})),
                value @ Value::Object(_) => Ok(value),
                _ => Err(bad_reply("getLastRun", "not a JSON object")),
            }
        })
    }

    fn set_last_run(&mut self, value: Value) {
        self.pending_last_run = Some(value);
    }

    fn commit(&mut self) -> LocalBoxFuture<'_, Result<(), StateError>> {
        Box::pin(async move {
            if let Some(value) = self.pending_last_run.take() {
                self.request("setLastRun", json!({ "value": value }))
                    .await
                    .map(drop)?;
            }
            Ok(())
        })
    }

    fn host(&mut self) -> Option<&mut dyn HostChannel> {
        Some(self)
    }
}

impl<R, W> HostChannel for EngineState<'_, R, W>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    fn request<'a>(
        &'a mut self,
        command: &'a str,
        args: Value,
    ) -> LocalBoxFuture<'a, Result<Value, StateError>> {
        Box::pin(EngineState::request(self, command, args))
    }
}

/// Local mode: a state file shared by every instance, keyed by instance name.
pub struct LocalState {
    path: PathBuf,
    instance: String,
    pending_last_run: Option<Value>,
}

impl LocalState {
    pub fn new(path: impl Into<PathBuf>, instance: impl Into<String>) -> Self {
        LocalState {
            path: path.into(),
            instance: instance.into(),
            pending_last_run: None,
        }
    }

    fn instance_field(&self, field: &str) -> Result<Value, StateError> {
        let file = read_state_file(&self.path)?;
        Ok(file
            .get("instances")
            .and_then(|i| i.get(&self.instance))
            .and_then(|i| i.get(field))
            .cloned()
            .unwrap_or_else(|| json!({})))
    }

    fn write_instance_field(&self, field: &str, value: Value) -> Result<(), StateError> {
        let mut file = read_state_file(&self.path)?;
        let root = file
            .as_object_mut()
            .ok_or_else(|| self.read_error("not an object"))?;
        root.insert("version".into(), json!(STATE_FILE_VERSION));
        let instances = root
            .entry("instances")
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| self.read_error("'instances' is not an object"))?;
        let entry = instances
            .entry(self.instance.clone())
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .ok_or_else(|| self.read_error("an instance entry is not an object"))?;
        entry.insert(field.to_string(), value);
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| StateError::Write {
            path: self.path.display().to_string(),
            detail: e.to_string(),
        })?;
        write_atomically(&self.path, &bytes).map_err(|e| StateError::Write {
            path: self.path.display().to_string(),
            detail: e.to_string(),
        })
    }

    fn read_error(&self, detail: &str) -> StateError {
        StateError::Read {
            path: self.path.display().to_string(),
            detail: detail.to_string(),
        }
    }
}

impl StateStore for LocalState {
    fn integration_context(
        &mut self,
    ) -> LocalBoxFuture<'_, Result<Map<String, Value>, StateError>> {
        Box::pin(async move {
            match self.instance_field("integrationContext")? {
                Value::Object(map) => Ok(map),
                _ => Ok(Map::new()),
            }
        })
    }

    fn set_integration_context(
        &mut self,
        value: Map<String, Value>,
    ) -> LocalBoxFuture<'_, Result<(), StateError>> {
        Box::pin(
            async move { self.write_instance_field("integrationContext", Value::Object(value)) },
        )
    }

    fn last_run(&mut self) -> LocalBoxFuture<'_, Result<Value, StateError>> {
        Box::pin(async move { self.instance_field("lastRun") })
    }

    fn set_last_run(&mut self, value: Value) {
        self.pending_last_run = Some(value);
    }

    fn commit(&mut self) -> LocalBoxFuture<'_, Result<(), StateError>> {
        Box::pin(async move {
            match self.pending_last_run.take() {
                Some(value) => self.write_instance_field("lastRun", value),
                None => Ok(()),
            }
        })
    }
}

/// State that lives only as long as the process (`okta-iam call` without `--state`).
#[derive(Default)]
pub struct MemoryState {
    pub context: Map<String, Value>,
    pub last_run: Option<Value>,
    pending_last_run: Option<Value>,
}

impl StateStore for MemoryState {
    fn integration_context(
        &mut self,
    ) -> LocalBoxFuture<'_, Result<Map<String, Value>, StateError>> {
        Box::pin(async move { Ok(self.context.clone()) })
    }

    fn set_integration_context(
        &mut self,
        value: Map<String, Value>,
    ) -> LocalBoxFuture<'_, Result<(), StateError>> {
        Box::pin(async move {
            self.context = value;
            Ok(())
        })
    }

    fn last_run(&mut self) -> LocalBoxFuture<'_, Result<Value, StateError>> {
        Box::pin(async move { Ok(self.last_run.clone().unwrap_or_else(|| json!({}))) })
    }

    fn set_last_run(&mut self, value: Value) {
        self.pending_last_run = Some(value);
    }

    fn commit(&mut self) -> LocalBoxFuture<'_, Result<(), StateError>> {
        Box::pin(async move {
            if let Some(value) = self.pending_last_run.take() {
                self.last_run = Some(value);
            }
            Ok(())
        })
    }
}

/// Reads the state file; a missing or empty file is an empty state. A corrupt file is an
/// error (never silently replaced: it may hold the only copy of a fetch checkpoint).
fn read_state_file(path: &Path) -> Result<Value, StateError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(empty_state()),
        Err(e) => {
            return Err(StateError::Read {
                path: path.display().to_string(),
                detail: e.to_string(),
            })
        }
    };
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(empty_state());
    }
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(StateError::Read {
            path: path.display().to_string(),
            detail: "not a JSON object".into(),
        }),
        Err(e) => Err(StateError::Read {
            path: path.display().to_string(),
            detail: format!("not valid JSON ({e}); fix or remove the file"),
        }),
    }
}

fn empty_state() -> Value {
    json!({"version": STATE_FILE_VERSION, "instances": {}})
}

/// Temporary file in the same directory, fsync, rename over the target, fsync the directory.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into());
    let tmp = dir.join(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            // Directory fsync makes the rename durable; not every platform allows it.
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    fn temp_path(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("okta-iam-state-{}-{}", std::process::id(), name));
        let _ = std::fs::create_dir_all(&dir);
        dir.join("state.json")
    }

    #[tokio::test]
    async fn local_state_round_trip_and_commit_rule() {
        let path = temp_path("roundtrip");
        let _ = std::fs::remove_file(&path);
        let mut a = LocalState::new(&path, "inst-a");
        assert_eq!(a.last_run().await.unwrap(), json!({}));
        let mut ctx = Map::new();
        ctx.insert(
            "IAMConfiguration".into(),
            json!([{"ApplicationID": "0oa1"}]),
        );
        a.set_integration_context(ctx.clone()).await.unwrap();
        a.set_last_run(json!({"cursor": 1}));
        // Not committed yet: a reader sees the old value.
        let mut b = LocalState::new(&path, "inst-a");
        assert_eq!(b.last_run().await.unwrap(), json!({}));
        a.commit().await.unwrap();
        assert_eq!(b.last_run().await.unwrap(), json!({"cursor": 1}));
        assert_eq!(b.integration_context().await.unwrap(), ctx);
        // Another instance is separate.
        let mut other = LocalState::new(&path, "inst-b");
        assert!(other.integration_context().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn corrupt_state_file_is_an_error_not_a_reset() {
        let path = temp_path("corrupt");
        std::fs::write(&path, b"{half").unwrap();
        let mut s = LocalState::new(&path, "i");
        let err = s.last_run().await.unwrap_err();
        assert!(err.to_string().contains("not valid JSON"));
        assert_eq!(std::fs::read(&path).unwrap(), b"{half");
    }

    #[tokio::test]
    async fn engine_state_requests_and_error_marker() {
        let replies = format!(
            "{{\"context\":{{\"k\":1}},\"version\":{{\"version\":3}}}}\n{{}}\nboom {HOST_ERROR_MARKER} version conflict\n"
        );
        let mut reader = LineReader::new(BufReader::new(replies.as_bytes()));
        let mut out: Vec<u8> = Vec::new();
        {
            let mut state = EngineState::new(&mut reader, &mut out, Duration::from_secs(5));
            let ctx = state.integration_context().await.unwrap();
            assert_eq!(ctx.get("k"), Some(&json!(1)));
            assert_eq!(state.last_run().await.unwrap(), json!({}));
            state.set_last_run(json!({"a": 1}));
            let err = state.commit().await.unwrap_err();
            assert_eq!(
                err.to_string(),
                "The XSOAR server returned an error for setLastRun: version conflict"
            );
            let err = state.last_run().await.unwrap_err();
            assert!(matches!(err, StateError::HostGone { .. }));
        }
        let written = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(
            lines,
            vec![
                r#"{"type":"executeCommand","command":"getIntegrationContext","args":{"refresh":false}}"#,
                r#"{"type":"executeCommand","command":"getLastRun","args":{}}"#,
                r#"{"type":"executeCommand","command":"setLastRun","args":{"value":{"a":1}}}"#,
                r#"{"type":"executeCommand","command":"getLastRun","args":{}}"#,
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn engine_state_times_out_when_host_is_silent() {
        let (client, _server) = tokio::io::duplex(64);
        let mut reader = LineReader::new(BufReader::new(client));
        let mut out: Vec<u8> = Vec::new();
        let mut state = EngineState::new(&mut reader, &mut out, Duration::from_secs(60));
        let err = state.last_run().await.unwrap_err();
        assert!(matches!(err, StateError::HostTimeout { seconds: 60, .. }));
    }
}
