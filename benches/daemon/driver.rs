//! Drives an `okta-iam serve` process the way the XSOAR engine does: one calling context per
//! line on its stdin, then its stdout read until `completed` (or `pong`), answering the
//! `executeCommand` state requests on the way (engine mode) from an in-memory host.
//!
//! Output lines are read without keeping them whole (only the first [`HEAD`] bytes), unless
//! `keep_full` is set, so a 100 MB result costs the host a scan, not a copy.

use std::collections::VecDeque;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{json, Map, Value};

/// How much of each output line is kept for inspection.
pub const HEAD: usize = 64 * 1024;

/// What the daemon's stderr said (counted line by line on a thread).
#[derive(Debug, Default, Clone)]
pub struct StderrLog {
    pub lines: usize,
    /// `okta response` debug lines (one per HTTP answer).
    pub responses: usize,
    /// ... of which status 429.
    pub status_429: usize,
    /// `pacing: rate limit nearly spent` debug lines.
    pub pacing_waits: usize,
    pub warnings: usize,
    pub errors: usize,
    pub tail: VecDeque<String>,
}

/// The engine's side of the state: integration context and last run.
#[derive(Debug, Default)]
pub struct Host {
    pub context: Map<String, Value>,
    pub last_run: Option<Value>,
    pub requests: usize,
}

/// What one execution wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct Reply {
    pub results: u32,
    /// A `Type: 4` entry was among the results.
    pub error_entry: bool,
    pub exception: bool,
    pub pong: bool,
    pub state_requests: u32,
    /// Bytes of every line written for this execution.
    pub bytes: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Completed,
    Pong,
    Result,
    Exception,
    ExecuteCommand,
    Other,
}

pub struct Daemon {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    stderr: Arc<Mutex<StderrLog>>,
    stderr_thread: Option<JoinHandle<()>>,
    pub host: Host,
    /// The start of the current line (or all of it with `keep_full`).
    line: Vec<u8>,
    /// The last `result` line (its head, or all of it with `keep_full`).
    last_result: Vec<u8>,
    pub keep_full: bool,
}

impl Daemon {
    /// Spawns `<binary> <args>` with piped stdio; stderr is counted on a thread.
    pub fn spawn(binary: &Path, args: &[&str]) -> Daemon {
        Daemon::spawn_with(binary, args, true, &[])
    }

    /// Spawns with one more variable in the environment.
    pub fn spawn_with_env(binary: &Path, args: &[&str], name: &str, value: &str) -> Daemon {
        Daemon::spawn_with(binary, args, true, &[(name, OsStr::new(value))])
    }

    /// Spawns with `TMPDIR` set to `temp_dir` (where the daemon keeps its pacing file).
    pub fn spawn_in(binary: &Path, args: &[&str], temp_dir: &Path) -> Daemon {
        Daemon::spawn_with(binary, args, true, &[("TMPDIR", temp_dir.as_os_str())])
    }

    /// Spawns with stderr discarded and no thread (for cold starts).
    pub fn spawn_quiet(binary: &Path, args: &[&str]) -> Daemon {
        Daemon::spawn_with(binary, args, false, &[])
    }

    fn spawn_with(
        binary: &Path,
        args: &[&str],
        capture_stderr: bool,
        env: &[(&str, &OsStr)],
    ) -> Daemon {
        let mut command = Command::new(binary);
        command.envs(env.iter().copied());
        let mut child = command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if capture_stderr {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .env_remove("OKTA_API_TOKEN")
            .env_remove("RUST_LOG")
            .spawn()
            .unwrap_or_else(|e| panic!("cannot spawn {}: {e}", binary.display()));
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::with_capacity(HEAD, child.stdout.take().expect("stdout"));
        let stderr = Arc::new(Mutex::new(StderrLog::default()));
        let stderr_thread = child.stderr.take().map(|pipe| {
            let log = stderr.clone();
            std::thread::spawn(move || count_stderr(pipe, &log))
        });
        Daemon {
            child,
            stdin: Some(stdin),
            stdout,
            stderr,
            stderr_thread,
            host: Host::default(),
            line: Vec::with_capacity(HEAD),
            last_result: Vec::with_capacity(HEAD),
            keep_full: false,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one input line (which must end in `\n`) and reads until `completed` or `pong`.
    pub fn execute(&mut self, line: &str) -> Reply {
        debug_assert!(line.ends_with('\n'));
        self.write(line.as_bytes());
        let mut reply = Reply::default();
        loop {
            let (kind, bytes) = self.read_line();
            reply.bytes += bytes;
            match kind {
                Kind::Completed => return reply,
                Kind::Pong => {
                    reply.pong = true;
                    return reply;
                }
                Kind::Result => {
                    reply.results += 1;
                    reply.error_entry |= contains(&self.line, br#"{"Type":4,"#);
                    std::mem::swap(&mut self.last_result, &mut self.line);
                }
                Kind::Exception => reply.exception = true,
                Kind::ExecuteCommand => {
                    reply.state_requests += 1;
                    self.answer_state_request();
                }
                Kind::Other => panic!(
                    "unexpected line from the daemon: {}\nstderr tail:\n{}",
                    String::from_utf8_lossy(&self.line[..self.line.len().min(300)]),
                    self.stderr_tail()
                ),
            }
        }
    }

    /// The last result line (its first [`HEAD`] bytes unless `keep_full`).
    pub fn last_result(&self) -> &[u8] {
        &self.last_result
    }

    /// `(VmRSS, VmHWM)` of the daemon in KiB.
    pub fn rss_kib(&self) -> (u64, u64) {
        rss_kib(self.pid()).unwrap_or((0, 0))
    }

    /// Time the daemon's threads have spent on a CPU so far (`/proc/<pid>/task/*/schedstat`);
    /// `None` where the kernel does not say.
    pub fn cpu_time(&self) -> Option<Duration> {
        cpu_time(self.pid())
    }

    pub fn stderr(&self) -> StderrLog {
        self.stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn stderr_tail(&self) -> String {
        let log = self.stderr();
        log.tail.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Closes stdin (end of input), waits for the exit, and returns the final stderr counts.
    pub fn finish(mut self) -> (ExitStatus, StderrLog) {
        drop(self.stdin.take());
        let status = self.child.wait().expect("wait for the daemon");
        if let Some(thread) = self.stderr_thread.take() {
            let _ = thread.join();
        }
        let log = self.stderr();
        (status, log)
    }

    /// Closes stdin and waits for the exit (a native execution exits by itself).
    pub fn wait(mut self) -> ExitStatus {
        drop(self.stdin.take());
        self.child.wait().expect("wait for the daemon")
    }

    fn write(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        if let Err(e) = stdin.write_all(bytes).and_then(|()| stdin.flush()) {
            panic!(
                "cannot write to the daemon: {e}\nstderr tail:\n{}",
                self.stderr_tail()
            );
        }
    }

    /// Reads one output line into `self.line` (its head) and returns its kind and length.
    fn read_line(&mut self) -> (Kind, usize) {
        self.line.clear();
        let mut total = 0usize;
        loop {
            let available = match self.stdout.fill_buf() {
                Ok(buf) => buf,
                Err(e) => panic!("cannot read from the daemon: {e}"),
            };
            if available.is_empty() {
                panic!(
                    "the daemon closed its stdout (exit {:?})\nstderr tail:\n{}",
                    self.child.try_wait().ok().flatten(),
                    self.stderr_tail()
                );
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            let room = if self.keep_full {
                take
            } else {
                HEAD.saturating_sub(self.line.len()).min(take)
            };
            self.line.extend_from_slice(&available[..room]);
            self.stdout.consume(take);
            total += take;
            if newline.is_some() {
                break;
            }
            if !self.keep_full && self.line.len() >= HEAD {
                // The rest of a long line is only counted (memchr inside).
                total += self.stdout.skip_until(b'\n').expect("read from the daemon");
                break;
            }
        }
        let kind = if self.line.starts_with(br#"{"type":"completed"}"#) {
            Kind::Completed
        } else if self.line.starts_with(br#"{"type":"result""#) {
            Kind::Result
        } else if self.line.starts_with(br#"{"type":"pong"}"#) {
            Kind::Pong
        } else if self.line.starts_with(br#"{"type":"executeCommand""#) {
            Kind::ExecuteCommand
        } else if self.line.starts_with(br#"{"type":"exception""#) {
            Kind::Exception
        } else {
            Kind::Other
        };
        (kind, total)
    }

    /// Answers a state request in `self.line` as the engine would.
    fn answer_state_request(&mut self) {
        self.host.requests += 1;
        let request: Value = serde_json::from_slice(&self.line).expect("executeCommand is JSON");
        let command = request["command"].as_str().unwrap_or_default();
        let reply = match command {
            "getIntegrationContext" => json!({"context": self.host.context}),
            "setIntegrationContext" => {
                if let Some(Value::Object(value)) = request["args"].get("value") {
                    self.host.context = value.clone();
                }
                json!({})
            }
            "getLastRun" => self.host.last_run.clone().unwrap_or_else(|| json!({})),
            "setLastRun" => {
                self.host.last_run = request["args"].get("value").cloned();
                json!({})
            }
            // A server without these (XSOAR 6's public loop) answers with the error marker;
            // the daemon then maps with its built-in engine and skips enrichment.
            "mapObject" | "searchIndicators" => json!(format!(
                "[ERROR-fd5a7750-7182-4b38-90ba-091824478903] {command} is not available"
            )),
            other => panic!("unknown state request {other}"),
        };
        let mut line = reply.to_string();
        line.push('\n');
        self.write(line.as_bytes());
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        drop(self.stdin.take());
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn count_stderr(pipe: impl Read, log: &Mutex<StderrLog>) {
    let reader = BufReader::new(pipe);
    for line in reader.split(b'\n') {
        let Ok(line) = line else { return };
        let text = String::from_utf8_lossy(&line);
        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
        log.lines += 1;
        if text.contains("okta response") {
            log.responses += 1;
            if text.contains("status=429") {
                log.status_429 += 1;
            }
        }
        if text.contains("pacing: rate limit nearly spent") {
            log.pacing_waits += 1;
        }
        if text.contains(" WARN ") {
            log.warnings += 1;
        }
        if text.contains(" ERROR ") {
            log.errors += 1;
        }
        if log.tail.len() == 30 {
            log.tail.pop_front();
        }
        log.tail.push_back(text.chars().take(400).collect());
    }
}

/// `(VmRSS, VmHWM)` of a process in KiB.
pub fn rss_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The sum of the first field of every live thread's `schedstat`: nanoseconds on a CPU. A
/// thread that exits while it is read is left out (the daemons keep theirs for their
/// lifetime); `None` when the process's own thread cannot be read.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    let on_cpu = |stat: String| stat.split_whitespace().next()?.parse::<u64>().ok();
    on_cpu(std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/schedstat")).ok()?)?;
    let total = std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(on_cpu)
        .sum();
    Some(Duration::from_nanos(total))
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    count(haystack, needle, 1) > 0
}

/// Occurrences of `needle` in `haystack`, stopping at `limit`.
pub fn count(haystack: &[u8], needle: &[u8], limit: usize) -> usize {
    let mut found = 0;
    let mut start = 0;
    let first = needle[0];
    while start + needle.len() <= haystack.len() && found < limit {
        match haystack[start..=haystack.len() - needle.len()]
            .iter()
            .position(|&b| b == first)
        {
            None => break,
            Some(i) => {
                let at = start + i;
                if &haystack[at..at + needle.len()] == needle {
                    found += 1;
                    start = at + needle.len();
                } else {
                    start = at + 1;
                }
            }
        }
    }
    found
}
