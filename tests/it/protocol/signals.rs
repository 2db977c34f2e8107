//! Stopping the daemon: SIGTERM, SIGINT and SIGHUP finish or abandon the current line
//! cleanly (never half a line on stdout), commit nothing of the command in flight, log why,
//! and exit with 128 + the signal; a closed stdout exits non-zero with a log line.
#![cfg(unix)]

use crate::support as common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use common::{binary, temp_dir};
use fake_okta::{FakeOkta, Fault};
use serde_json::json;

struct Serve {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    stderr: std::sync::mpsc::Receiver<Vec<u8>>,
}

impl Serve {
    fn start(state: &std::path::Path) -> Serve {
        let mut child = Command::new(binary())
            .args(["serve", "--state", state.to_str().unwrap()])
            .env_remove("OKTA_API_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn okta-iam");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut stderr = child.stderr.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = stderr.read_to_end(&mut all);
            let _ = sender.send(all);
        });
        let mut serve = Serve {
            child,
            stdin,
            stdout,
            stderr: receiver,
        };
        // The handlers are installed before the first line is read: after the pong a signal
        // is always handled.
        serve.send("ping");
        let mut pong = String::new();
        serve.stdout.read_line(&mut pong).unwrap();
        assert_eq!(pong, "{\"type\":\"pong\"}\n");
        serve
    }

    fn send(&mut self, line: &str) {
        self.stdin.write_all(line.as_bytes()).unwrap();
        self.stdin.write_all(b"\n").unwrap();
        self.stdin.flush().unwrap();
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits (at most 20 s) for the exit; returns the exit code and stderr.
    fn wait(mut self) -> (Option<i32>, String) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                let stderr = self
                    .stderr
                    .recv_timeout(Duration::from_secs(5))
                    .unwrap_or_default();
                return (status.code(), String::from_utf8_lossy(&stderr).into_owned());
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the daemon did not exit"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn each_stop_signal_exits_with_128_plus_its_number_and_says_why() {
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let dir = temp_dir("signal-idle");
        let serve = Serve::start(&dir.join("state.json"));
        serve.signal(signal);
        let (status, stderr) = serve.wait();
        assert_eq!(status, Some(code), "SIG{signal}: {stderr}");
        assert!(
            stderr.contains(&format!("received SIG{signal}")),
            "{stderr}"
        );
    }
}

#[test]
fn a_signal_during_a_large_result_finishes_the_line_and_starts_no_other() {
    let okta = FakeOkta::start();
    okta.push_events(4000, "2025-05-20T16:00:00.000Z");
    let dir = temp_dir("signal-large");
    let mut serve = Serve::start(&dir.join("state.json"));
    let line = json!({"command": "okta-get-logs",
        "args": {"since": "2025-05-01T00:00:00Z", "limit": "4000"},
        "params": {"url": okta.url(), "apitoken": FakeOkta::TOKEN}})
    .to_string();
    serve.send(&line);
    // The start of the result line: the daemon is now writing a line of megabytes, and
    // blocks once the pipe is full.
    let mut start = vec![0u8; 1000];
    serve.stdout.read_exact(&mut start).unwrap();
    assert!(start.starts_with(b"{\"type\":\"result\""));
    serve.signal("TERM");
    let mut rest = Vec::new();
    serve.stdout.read_to_end(&mut rest).unwrap();
    let (status, stderr) = serve.wait();
    let mut stdout = start;
    stdout.extend_from_slice(&rest);
    assert!(stdout.len() > 1_000_000, "{} bytes", stdout.len());
    assert_eq!(
        stdout.last(),
        Some(&b'\n'),
        "a half line was left on stdout"
    );
    let lines: Vec<&[u8]> = stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    // The whole result, and no `completed` after the stop.
    assert_eq!(lines.len(), 1);
    let result: serde_json::Value = serde_json::from_slice(lines[0]).expect("a whole JSON line");
    assert_eq!(result["type"], "result");
    assert_eq!(status, Some(143), "{stderr}");
    assert!(stderr.contains("received SIGTERM"), "{stderr}");
}

#[test]
fn a_signal_during_a_fetch_commits_nothing() {
    let okta = FakeOkta::start();
    okta.push_events(5, "2025-05-20T16:00:00.000Z");
    okta.fail_next("GET /api/v1/logs", Fault::Delay(Duration::from_secs(30)), 1);
    let dir = temp_dir("signal-fetch");
    let state = dir.join("state.json");
    let mut serve = Serve::start(&state);
    let line = json!({"command": "fetch-incidents", "params": {
        "url": okta.url(), "apitoken": FakeOkta::TOKEN, "isFetch": true,
        "auto_generate_query_filter": false,
        "fetch_query_filter": "eventType eq \"application.user_membership.add\"",
        "first_fetch": "2025-05-01T00:00:00Z"}})
    .to_string();
    serve.send(&line);
    let started = Instant::now();
    while okta.request_count() == 0 {
        assert!(started.elapsed() < Duration::from_secs(10), "no request");
        std::thread::sleep(Duration::from_millis(10));
    }
    serve.signal("TERM");
    let mut rest = Vec::new();
    serve.stdout.read_to_end(&mut rest).unwrap();
    let (status, stderr) = serve.wait();
    assert_eq!(status, Some(143), "{stderr}");
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    let saved = std::fs::read_to_string(&state).unwrap_or_default();
    assert!(
        !saved.contains("lastRun\":{\""),
        "a last run was committed: {saved}"
    );
}

#[test]
fn a_closed_stdout_exits_non_zero_with_a_log_line() {
    let dir = temp_dir("signal-pipe");
    let state = dir.join("state.json");
    let mut child = Command::new(binary())
        .args(["serve", "--state", state.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    // The daemon may exit before all of these are written.
    for _ in 0..100 {
        if stdin.write_all(b"ping\n").is_err() {
            break;
        }
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the protocol channel failed"), "{stderr}");
}
