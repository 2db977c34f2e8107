//! Shared helpers for the integration tests: run the real binary, check that stdout carries
//! only protocol lines, and find secrets where they must not be; the submodules hold the
//! in-process harness, the in-memory protocol connection, wiremock helpers, the Okta client
//! set-up and the OAuth test keys.
#![allow(dead_code)]

pub mod connection;
pub mod harness;
pub mod oauth_keys;
pub mod okta_mock;
pub mod okta_support;
pub mod process;
#[path = "../../scim/server.rs"]
pub mod scim_server;
pub mod scim_support;
pub mod wiremock_ext;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_okta-iam"))
}

/// A fresh temporary directory for one test, removed when the test ends (passed or failed).
pub fn temp_dir(name: &str) -> TestDir {
    TestDir(
        tempfile::Builder::new()
            .prefix(&format!("okta-iam-test-{name}-"))
            .tempdir()
            .expect("temp dir"),
    )
}

/// A temporary directory that reads as a [`Path`](std::path::Path) (`dir.join(..)`).
pub struct TestDir(tempfile::TempDir);

impl std::ops::Deref for TestDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        self.0.path()
    }
}

impl AsRef<std::ffi::OsStr> for TestDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.path().as_os_str()
    }
}

impl AsRef<std::path::Path> for TestDir {
    fn as_ref(&self) -> &std::path::Path {
        self.0.path()
    }
}

/// Runs `okta-iam <args>` with `input` on stdin and returns its output.
pub fn run(args: &[&str], input: &[u8]) -> Output {
    run_with_env(args, input, &[])
}

pub fn run_with_env(args: &[&str], input: &[u8], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(binary());
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("OKTA_API_TOKEN")
        .env_remove("SCIM_API_TOKEN");
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("spawn okta-iam");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // Write from a thread so a large input cannot deadlock against a full stdout pipe.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("wait okta-iam");
    let _ = writer.join();
    assert_no_known_token(&[("stdout", &output.stdout), ("stderr", &output.stderr)]);
    output
}

/// Parses stdout into protocol messages, failing the test if any line is not one.
pub fn protocol_lines(stdout: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(stdout).expect("stdout is UTF-8");
    text.lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"));
            let kind = value["type"].as_str().unwrap_or_default();
            assert!(
                matches!(
                    kind,
                    "pong" | "result" | "completed" | "exception" | "executeCommand"
                ),
                "stdout line is not a protocol message: {line}"
            );
            value
        })
        .collect()
}

/// The entries of every `result` message, in order.
pub fn result_entries(lines: &[Value]) -> Vec<Value> {
    lines
        .iter()
        .filter(|l| l["type"] == "result")
        .flat_map(|l| l["results"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Every API token the test suite hands to the daemon (the fake Okta's and the fake SCIM's, the wiremock suites',
/// the cassette tests', the secrets and fuzz suites'). [`run`], [`run_with_env`] and
/// [`Daemon::finish`] check stdout and stderr for all of them on every run.
pub const KNOWN_TEST_TOKENS: &[&str] = &[
    "fake-okta-token-0123456789",
    "00okta-TEST-token-NEVER-print-me-0123456789",
    "iam-test-token-0123456789abcdef",
    "test-module-token-9f8e7d6c5b4a",
    "replay-token-123456",
    "wrong-token-for-the-secrets-test-42",
    "fuzz-token-5b1d0c6f2e",
    "fake-scim-token-0123456789",
    "scim-basic-pa55word-never-shown",
    scim_server::SCIM_TOKEN,
];

/// Asserts that no token of [`KNOWN_TEST_TOKENS`] appears in the given bytes.
pub fn assert_no_known_token(haystacks: &[(&str, &[u8])]) {
    for token in KNOWN_TEST_TOKENS {
        assert_no_secret(token, haystacks);
    }
}

/// Asserts that `secret` appears nowhere in the given bytes.
pub fn assert_no_secret(secret: &str, haystacks: &[(&str, &[u8])]) {
    for (what, bytes) in haystacks {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains(secret),
            "the secret leaked into {what}: {text}"
        );
    }
}

/// A long-running `okta-iam serve` child driven line by line: stdout and stderr are read on
/// threads, so a missing answer fails the test after a timeout instead of hanging it, and
/// stderr is kept for the secret checks.
pub struct Daemon {
    pub child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: std::sync::mpsc::Receiver<String>,
    stdout_log: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    stderr_log: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    /// Directories the daemon uses, removed after it is stopped.
    dirs: Vec<TestDir>,
}

impl Daemon {
    /// Spawns `okta-iam <args>` (without `OKTA_API_TOKEN` or `SCIM_API_TOKEN` unless `env` sets
    /// it).
    pub fn spawn(args: &[&str], env: &[(&str, &str)]) -> Daemon {
        use std::io::{BufRead, Read};
        let mut command = Command::new(binary());
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env_remove("OKTA_API_TOKEN")
            .env_remove("SCIM_API_TOKEN");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn okta-iam");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let (sender, lines) = std::sync::mpsc::channel();
        let stdout_log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = stdout_log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                {
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    // Keep a bounded tail: the soak writes hundreds of megabytes.
                    if log.len() > 64 * 1024 * 1024 {
                        log.clear();
                    }
                    log.extend_from_slice(line.as_bytes());
                    log.push(b'\n');
                }
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = stderr_log.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match stderr.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => log
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend_from_slice(&buf[..n]),
                }
            }
        });
        Daemon {
            child,
            stdin,
            lines,
            stdout_log,
            stderr_log,
            dirs: Vec::new(),
        }
    }

    /// Keeps `dir` (the daemon's state directory) until the daemon is dropped.
    pub fn keeping(mut self, dir: TestDir) -> Daemon {
        self.dirs.push(dir);
        self
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes one line (a newline is added).
    pub fn send(&mut self, line: &str) {
        self.send_bytes(line.as_bytes());
    }

    pub fn send_bytes(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to the daemon");
        stdin.write_all(b"\n").expect("write to the daemon");
        stdin.flush().expect("flush to the daemon");
    }

    /// The next stdout line as JSON, or a test failure after `timeout`.
    pub fn next(&self, timeout: std::time::Duration) -> Value {
        let line = self
            .lines
            .recv_timeout(timeout)
            .unwrap_or_else(|_| panic!("the daemon wrote no line within {timeout:?}"));
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line}"))
    }

    /// Sends one calling context (or `ping`) and reads its messages up to and including
    /// `completed` (or the `pong`); fails the test if that takes longer than `timeout`.
    pub fn execute(&mut self, line: &str, timeout: std::time::Duration) -> Vec<Value> {
        let started = std::time::Instant::now();
        self.send(line);
        let mut messages = Vec::new();
        loop {
            let left = timeout.saturating_sub(started.elapsed());
            let message = self.lines.recv_timeout(left).unwrap_or_else(|_| {
                panic!("no completed within {timeout:?} for: {line}\nso far: {messages:?}")
            });
            let value: Value = serde_json::from_str(&message)
                .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {message}"));
            let kind = value["type"].as_str().unwrap_or_default().to_string();
            assert!(
                matches!(kind.as_str(), "pong" | "result" | "completed" | "exception"),
                "not a protocol message (local mode): {message}"
            );
            messages.push(value);
            if kind == "completed" || kind == "pong" {
                return messages;
            }
        }
    }

    /// Everything written on stdout so far (a bounded tail for very long runs).
    pub fn stdout(&self) -> Vec<u8> {
        self.stdout_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Everything written on stderr so far.
    pub fn stderr(&self) -> Vec<u8> {
        self.stderr_log
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Closes stdin and waits (at most 10 s) for a clean exit; returns stderr.
    pub fn finish(mut self) -> Vec<u8> {
        drop(self.stdin.take());
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                assert!(status.success(), "the daemon exited with {status}");
                break;
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the daemon did not exit within 10 s of end of input");
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // Let the reader threads drain.
        std::thread::sleep(std::time::Duration::from_millis(50));
        let (stdout, stderr) = (self.stdout(), self.stderr());
        assert_no_known_token(&[("stdout", &stdout), ("stderr", &stderr)]);
        stderr
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The single entry of an execution's `result` message (panics if there is not exactly one).
pub fn only_entry(messages: &[Value]) -> Value {
    let entries = result_entries(messages);
    assert_eq!(entries.len(), 1, "expected one entry: {messages:?}");
    entries[0].clone()
}
