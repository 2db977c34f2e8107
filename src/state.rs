//! Integration context and last run, behind one trait so commands never know which mode runs.
//!
//! - Engine mode ([`EngineState`]): each read or write is an `executeCommand` request written
//!   on stdout and answered by one reply line on stdin ([`EngineState::execute_command`], the
//!   one path every host request takes). While it waits, a `ping` is answered, a calling
//!   context is kept to be served after the current one, and blank lines are skipped: only a
//!   line shaped like a reply is taken as the reply. A reply holding the host error marker
//!   fails the command with the text after the marker; a host that does not answer within the
//!   command deadline fails the command, and the daemon goes on.
//! - Local mode ([`LocalState`]): a JSON file keeps, per integration instance, the integration
//!   context and the last run; [`mod@file`] locks it for the process, writes it atomically and per
//!   instance.
//! - [`MemoryState`]: for `okta-iam call` without `--state`; nothing outlives the process.
//!
//! Every mode refuses to store what could not be read back ([`check_storable`]): a value
//! nested deeper than [`MAX_STATE_DEPTH`], an integration context over [`MAX_CONTEXT_BYTES`],
//! a last run over [`MAX_LAST_RUN_BYTES`].
//!
//! The last run is buffered by `set_last_run` and only written by `commit`, which the
//! dispatcher calls when the execution ended without an error.

pub mod file;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Map, Value};
use thiserror::Error;
use tokio::io::{AsyncBufRead, AsyncWrite};
use tracing::warn;

use crate::protocol::framing::{write_message, Line, LineReader};
use crate::protocol::message::Outgoing;
use file::StateFile;

/// A boxed future that need not be `Send`: commands run on the loop's own task.
pub type LocalBoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The marker the host puts in a reply line to report an error.
pub const HOST_ERROR_MARKER: &str = "[ERROR-fd5a7750-7182-4b38-90ba-091824478903]";

/// How long engine mode waits for the host's reply when no command deadline applies (the
/// serve loop uses the command deadline, `--command-deadline`).
pub const HOST_REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// The deepest nesting stored (objects and arrays). serde_json reads at most 128 levels, and
/// a stored value travels inside up to five more (the state file, a request or a reply line).
pub const MAX_STATE_DEPTH: usize = 64;
/// The largest integration context stored, as compact JSON. A host may send it back escaped
/// (nearly twice as long) and a reply line holds at most 16 MiB.
pub const MAX_CONTEXT_BYTES: usize = 1024 * 1024;
/// The largest last run stored, as compact JSON (the fetch keeps it near 20 KB; only a
/// migrated reference backlog makes it larger, and that only shrinks).
pub const MAX_LAST_RUN_BYTES: usize = 4 * 1024 * 1024;

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
    #[error("{request} needs the XSOAR server; it is not available in local mode (--state).")]
    NoHost { request: String },
    #[error("Cannot read the state file {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("Cannot write the state file {path}: {detail}")]
    Write { path: String, detail: String },
    #[error("Cannot open the state file {path}: {detail}")]
    Open { path: String, detail: String },
    #[error("The state file {path} is in use by another okta-iam process ({holder}, holding {lock}). One state file serves one daemon at a time: stop the other process, or give this one its own --state file.")]
    InUse {
        path: String,
        holder: String,
        lock: String,
    },
    #[error("The state file {path} was written by a newer okta-iam (state file format {version}; this one reads format 1). It is left untouched: upgrade okta-iam, or point --state at another file.")]
    NewerFormat { path: String, version: String },
    #[error("The state file {path} is read-only; it is left untouched. Make it writable (chmod u+w) or point --state at another file.")]
    ReadOnly { path: String },
    #[error("The state of instance '{instance}' in {path} is damaged ({field}: {detail}). Other instances are not affected. Fix the entry, or remove it from the file to start this instance afresh.")]
    Damaged {
        path: String,
        instance: String,
        field: String,
        detail: String,
    },
    #[error("The integration context of instance '{}' in {} is damaged: {} cannot be read (nested too deeply, or not JSON). Other instances are not affected. Run okta-iam-set-configuration to replace the configuration, or fix the file.", .0.instance, .0.path, .0.damaged.join(", "))]
    DamagedContext(Box<DamagedContext>),
    #[error("The {what} is nested {depth} levels deep; the limit is {MAX_STATE_DEPTH} levels. Nothing was saved.")]
    TooDeep { what: &'static str, depth: usize },
    #[error("The {what} is {bytes} bytes as JSON; the limit is {limit} bytes. Nothing was saved.")]
    TooLarge {
        what: &'static str,
        bytes: usize,
        limit: usize,
    },
    #[error("I/O error while talking to the XSOAR server: {0}")]
    Io(#[from] std::io::Error),
}

/// An integration context (local mode) of which some keys cannot be read.
#[derive(Debug)]
pub struct DamagedContext {
    pub path: String,
    pub instance: String,
    /// The keys that cannot be read.
    pub damaged: Vec<String>,
    /// The keys that can.
    pub readable: Map<String, Value>,
}

/// Refuses a value that could not be read back: nested deeper than [`MAX_STATE_DEPTH`] or
/// longer than `limit` bytes of compact JSON.
pub fn check_storable(what: &'static str, value: &Value, limit: usize) -> Result<(), StateError> {
    let depth = json_depth(value);
    if depth > MAX_STATE_DEPTH {
        return Err(StateError::TooDeep { what, depth });
    }
    let bytes = serde_json::to_vec(value)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if bytes > limit {
        return Err(StateError::TooLarge { what, bytes, limit });
    }
    Ok(())
}

/// How deeply arrays and objects nest in `value` (a scalar is 0, `{}` is 1). Iterative: a
/// value built in memory may be deeper than any parser accepts.
pub fn json_depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((value, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(depth + 1);
        stack.extend(children.map(|child| (child, depth + 1)));
    }
    deepest
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
    /// The last run as stored (`{}` the first time); the fetch judges its shape.
    fn last_run(&mut self) -> LocalBoxFuture<'_, Result<Value, StateError>>;
    /// Buffers a new last run; it is written by [`StateStore::commit`].
    fn set_last_run(&mut self, value: Value);
    /// Writes the buffered last run, if any. Called only after an execution without error.
    fn commit(&mut self) -> LocalBoxFuture<'_, Result<(), StateError>>;
    /// Whether a server answers [`StateStore::execute_command`] (engine mode).
    fn has_host(&self) -> bool {
        false
    }
    /// Sends any other `executeCommand` request to the host and returns its reply. Only
    /// engine mode has a host; the other modes answer [`StateError::NoHost`].
    fn execute_command<'a>(
        &'a mut self,
        command: &'a str,
        _args: Value,
    ) -> LocalBoxFuture<'a, Result<Value, StateError>> {
        Box::pin(async move {
            Err(StateError::NoHost {
                request: command.to_string(),
            })
        })
    }
}

/// Engine mode: state requests go to the host over the protocol channel.
pub struct EngineState<'a, R, W> {
    reader: &'a mut LineReader<R>,
    writer: &'a mut W,
    reply_timeout: Duration,
    pending_last_run: Option<Value>,
    /// Requests sent in this execution.
    sent: usize,
    /// Requests whose reply did not come in time (it may still come, late).
    unanswered: usize,
    /// Calling contexts that arrived while a reply was awaited, to serve next, in order.
    deferred: Vec<String>,
}

/// What one input line is while a reply is awaited.
enum Incoming {
    Reply(Value),
    HostError(String),
    Ping,
    CallingContext(String),
    Skip,
    Bad(&'static str),
    Eof,
}

impl<'a, R, W> EngineState<'a, R, W>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    /// `reply_timeout`: how long each request waits for its reply (the command deadline).
    pub fn new(reader: &'a mut LineReader<R>, writer: &'a mut W, reply_timeout: Duration) -> Self {
        EngineState {
            reader,
            writer,
            reply_timeout,
            pending_last_run: None,
            sent: 0,
            unanswered: 0,
            deferred: Vec::new(),
        }
    }

    /// How many requests this execution sent. After one, a stray reply (a duplicate, or a
    /// late one) may follow; the serve loop drops reply-shaped lines until the next context.
    pub fn requests_sent(&self) -> usize {
        self.sent
    }

    /// How many requests of this execution timed out.
    pub fn unanswered(&self) -> usize {
        self.unanswered
    }

    /// The calling contexts that arrived while a reply was awaited, oldest first.
    pub fn take_deferred(&mut self) -> Vec<String> {
        std::mem::take(&mut self.deferred)
    }

    /// Sends one `executeCommand` request and waits, up to the reply timeout, for the line
    /// that answers it. Every host request goes through here.
    pub async fn request(&mut self, command: &str, args: Value) -> Result<Value, StateError> {
        write_message(self.writer, &Outgoing::ExecuteCommand { command, args }).await?;
        self.sent += 1;
        let deadline = tokio::time::Instant::now() + self.reply_timeout;
        loop {
            let line = match tokio::time::timeout_at(deadline, self.reader.next_line()).await {
                Err(_) => {
                    self.unanswered += 1;
                    return Err(StateError::HostTimeout {
                        request: command.to_string(),
                        seconds: self.reply_timeout.as_secs(),
                    });
                }
                Ok(result) => result?,
            };
            match classify(line) {
                Incoming::Reply(value) => return Ok(value),
                Incoming::HostError(message) => {
                    return Err(StateError::Host {
                        request: command.to_string(),
                        message,
                    })
                }
                Incoming::Ping => write_message(self.writer, &Outgoing::Pong).await?,
                Incoming::CallingContext(text) => {
                    warn!(
                        request = command,
                        "a calling context arrived while a reply was awaited; it is served after this one"
                    );
                    self.deferred.push(text);
                }
                Incoming::Skip => {}
                Incoming::Bad(detail) => return Err(bad_reply(command, detail)),
                Incoming::Eof => {
                    return Err(StateError::HostGone {
                        request: command.to_string(),
                    })
                }
            }
        }
    }
}

/// Sorts one input line read while a reply is awaited.
fn classify(line: Line) -> Incoming {
    let text = match line {
        Line::Text(text) => text,
        Line::Eof => return Incoming::Eof,
        Line::InvalidUtf8 => return Incoming::Bad("not UTF-8"),
        Line::TooLong { .. } => return Incoming::Bad("longer than the line limit"),
    };
    if let Some(pos) = host_error_at(&text) {
        return Incoming::HostError(text[pos + HOST_ERROR_MARKER.len()..].trim().to_string());
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Incoming::Skip;
    }
    if trimmed == "ping" {
        return Incoming::Ping;
    }
    match serde_json::from_str::<Value>(trimmed) {
        Ok(value) if is_calling_context(&value) => Incoming::CallingContext(text),
        Ok(value) => Incoming::Reply(value),
        Err(_) => Incoming::Bad("not JSON"),
    }
}

/// Where [`HOST_ERROR_MARKER`] starts in `text`, with a searcher built once (`str::find`
/// builds one for every line).
fn host_error_at(text: &str) -> Option<usize> {
    static MARKER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(HOST_ERROR_MARKER));
    MARKER.find(text.as_bytes())
}

/// A calling context is an object with a string `command`; no reply has one.
pub fn is_calling_context(value: &Value) -> bool {
    value.get("command").is_some_and(Value::is_string)
}

/// True for a line that can only be a reply to a state request (a late or duplicate one
/// when no request is waiting): the host error marker, or JSON that is not a calling context.
/// `parsed` is the trimmed line parsed as JSON (`None` when it is not JSON).
pub fn is_reply_shaped(text: &str, parsed: Option<&Value>) -> bool {
    host_error_at(text).is_some() || parsed.is_some_and(|v| !is_calling_context(v))
}

fn bad_reply(request: &str, detail: &str) -> StateError {
    StateError::BadReply {
        request: request.to_string(),
        detail: detail.to_string(),
    }
}

/// The integration context in a `getIntegrationContext` reply. The host answers with the
/// envelope `{"context": {...}, "version": {...}}`; a bare context is accepted too. The two
/// are told apart by their whole shape: an envelope has no key but `context` and `version`,
/// and a version that looks like one; anything else is a bare context, a `version` key
/// included.
fn context_from_reply(reply: Value) -> Result<Map<String, Value>, StateError> {
    let Value::Object(mut object) = reply else {
        return match reply {
            Value::Null => Ok(Map::new()),
            _ => Err(bad_reply("getIntegrationContext", "not a JSON object")),
        };
    };
    if !is_envelope(&object) {
        return Ok(object);
    }
    match object.remove("context") {
        Some(Value::Object(context)) => Ok(context),
        _ => Ok(Map::new()),
    }
}

fn is_envelope(object: &Map<String, Value>) -> bool {
    let envelope_keys = object.keys().all(|k| k == "context" || k == "version");
    let context = match object.get("context") {
        None => false,
        Some(Value::Object(_) | Value::Null) => true,
        Some(_) => return false,
    };
    let version = match object.get("version") {
        None | Some(Value::Null | Value::Number(_)) => true,
        Some(Value::Object(v)) => {
            // An envelope's version: {"version", "sequenceNumber", "primaryTerm"} or empty.
            let looks_like_one = v
                .keys()
                .all(|k| matches!(k.as_str(), "version" | "sequenceNumber" | "primaryTerm"));
            if looks_like_one && !context {
                // `{"version": {...}}` alone: an envelope without a context.
                return envelope_keys;
            }
            looks_like_one
        }
        Some(_) => false,
    };
    envelope_keys && context && version
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
            context_from_reply(reply)
        })
    }

    fn set_integration_context(
        &mut self,
        value: Map<String, Value>,
    ) -> LocalBoxFuture<'_, Result<(), StateError>> {
        Box::pin(async move {
            let value = Value::Object(value);
            check_storable("integration context", &value, MAX_CONTEXT_BYTES)?;
            let args = json!({
                "value": value,
                "version": {"version": -1, "sequenceNumber": -1, "primaryTerm": -1},
                "sync": true,
            });
            self.request("setIntegrationContext", args).await.map(drop)
        })
    }

    fn last_run(&mut self) -> LocalBoxFuture<'_, Result<Value, StateError>> {
        Box::pin(async move { self.request("getLastRun", json!({})).await })
    }

    fn set_last_run(&mut self, value: Value) {
        self.pending_last_run = Some(value);
    }

    fn commit(&mut self) -> LocalBoxFuture<'_, Result<(), StateError>> {
        Box::pin(async move {
            if let Some(value) = self.pending_last_run.take() {
                check_storable("last run", &value, MAX_LAST_RUN_BYTES)?;
                self.request("setLastRun", json!({ "value": value }))
                    .await
                    .map(drop)?;
            }
            Ok(())
        })
    }

    fn has_host(&self) -> bool {
        true
    }

    fn execute_command<'a>(
        &'a mut self,
        command: &'a str,
        args: Value,
    ) -> LocalBoxFuture<'a, Result<Value, StateError>> {
        Box::pin(async move { self.request(command, args).await })
    }
}

/// Local mode: a state file shared by every instance, keyed by instance name.
pub struct LocalState {
    path: PathBuf,
    instance: String,
    file: Option<Arc<StateFile>>,
    pending_last_run: Option<Value>,
}

impl LocalState {
    pub fn new(path: impl Into<PathBuf>, instance: impl Into<String>) -> Self {
        LocalState {
            path: path.into(),
            instance: instance.into(),
            file: None,
            pending_last_run: None,
        }
    }

    /// The state file, locked for this process (shared with every other user in it).
    fn file(&mut self) -> Result<Arc<StateFile>, StateError> {
        if let Some(file) = &self.file {
            return Ok(file.clone());
        }
        let file = StateFile::open(&self.path)?;
        self.file = Some(file.clone());
        Ok(file)
    }

    fn instance_field(&mut self, field: &str) -> Result<Value, StateError> {
        let instance = self.instance.clone();
        Ok(self
            .file()?
            .read_field(&instance, field)?
            .unwrap_or_else(|| json!({})))
    }

    fn write_instance_field(&mut self, field: &str, value: Value) -> Result<(), StateError> {
        let instance = self.instance.clone();
        self.file()?.write_field(&instance, field, &value)
    }

    /// The readable keys of a damaged integration context and the names of the damaged ones
    /// (local mode only: the host's copy is one line, read whole or not at all).
    fn integration_context_keys(
        &mut self,
    ) -> Result<(Map<String, Value>, Vec<String>), StateError> {
        let instance = self.instance.clone();
        self.file()?
            .read_field_keys(&instance, "integrationContext")
    }
}

impl StateStore for LocalState {
    fn integration_context(
        &mut self,
    ) -> LocalBoxFuture<'_, Result<Map<String, Value>, StateError>> {
        Box::pin(async move {
            match self.instance_field("integrationContext") {
                Ok(Value::Object(map)) => Ok(map),
                Ok(_) => Ok(Map::new()),
                Err(error @ StateError::Damaged { .. }) => {
                    // Name the damaged keys, and keep the others for a repair.
                    match self.integration_context_keys() {
                        Ok((readable, damaged)) if !damaged.is_empty() => {
                            Err(StateError::DamagedContext(Box::new(DamagedContext {
                                path: self.path.display().to_string(),
                                instance: self.instance.clone(),
                                damaged,
                                readable,
                            })))
                        }
                        _ => Err(error),
                    }
                }
                Err(error) => Err(error),
            }
        })
    }

    fn set_integration_context(
        &mut self,
        value: Map<String, Value>,
    ) -> LocalBoxFuture<'_, Result<(), StateError>> {
        Box::pin(async move {
            let value = Value::Object(value);
            check_storable("integration context", &value, MAX_CONTEXT_BYTES)?;
            self.write_instance_field("integrationContext", value)
        })
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
                Some(value) => {
                    check_storable("last run", &value, MAX_LAST_RUN_BYTES)?;
                    self.write_instance_field("lastRun", value)
                }
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
            let value = Value::Object(value);
            check_storable("integration context", &value, MAX_CONTEXT_BYTES)?;
            if let Value::Object(map) = value {
                self.context = map;
            }
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
                check_storable("last run", &value, MAX_LAST_RUN_BYTES)?;
                self.last_run = Some(value);
            }
            Ok(())
        })
    }
}

/// Temporary file in the same directory, fsync, rename over the target, fsync the directory.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
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
        // Owner-only (0600): the file may hold an OAuth access token.
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
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
        assert!(err.to_string().contains("not a valid JSON object"));
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

    #[test]
    fn envelope_and_bare_context_are_told_apart_by_shape() {
        let read = |reply: Value| context_from_reply(reply).unwrap();
        let rows = json!([{"ApplicationID": "0oa1"}]);
        assert_eq!(
            read(
                json!({"context": {"IAMConfiguration": rows}, "version": {"version": 1, "sequenceNumber": 2, "primaryTerm": 3}})
            ),
            json!({"IAMConfiguration": rows})
                .as_object()
                .cloned()
                .unwrap()
        );
        assert!(read(json!({"version": {"version": -1}})).is_empty());
        assert!(read(json!({"context": null, "version": 4})).is_empty());
        assert!(read(Value::Null).is_empty());
        for bare in [
            json!({"version": 3, "IAMConfiguration": rows}),
            json!({"version": 3}),
            json!({"context": "a string", "version": {}}),
            json!({"context": {}, "version": {"custom": true}}),
            json!({"context": {}, "other": 1}),
        ] {
            assert_eq!(Value::Object(read(bare.clone())), bare);
        }
        assert!(context_from_reply(json!([1])).is_err());
    }

    #[test]
    fn depth_and_size_limits() {
        assert_eq!(json_depth(&json!(1)), 0);
        assert_eq!(json_depth(&json!({})), 1);
        assert_eq!(json_depth(&json!({"a": [1, {"b": []}]})), 4);
        let mut deep = json!(1);
        for _ in 0..MAX_STATE_DEPTH {
            deep = json!([deep]);
        }
        assert!(check_storable("last run", &deep, MAX_LAST_RUN_BYTES).is_ok());
        let too_deep = json!([deep]);
        assert_eq!(
            check_storable("last run", &too_deep, MAX_LAST_RUN_BYTES)
                .unwrap_err()
                .to_string(),
            "The last run is nested 65 levels deep; the limit is 64 levels. Nothing was saved."
        );
        let big = json!({"k": "x".repeat(MAX_CONTEXT_BYTES)});
        assert!(matches!(
            check_storable("integration context", &big, MAX_CONTEXT_BYTES),
            Err(StateError::TooLarge { .. })
        ));
    }

    #[test]
    fn reply_shapes() {
        let shaped = |text: &str| {
            is_reply_shaped(
                text,
                serde_json::from_str::<Value>(text.trim()).ok().as_ref(),
            )
        };
        assert!(shaped("{}"));
        assert!(shaped("null"));
        assert!(shaped(&format!("x {HOST_ERROR_MARKER} y")));
        assert!(!shaped(r#"{"command":"test-module"}"#));
        assert!(!shaped("ping"));
        assert!(!shaped("{not json"));
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
