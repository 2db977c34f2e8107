//! Shared helpers for the integration tests: run the real binary, check that stdout carries
//! only protocol lines, and find secrets where they must not be.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// The binary under test.
pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_okta-iam"))
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "okta-iam-test-{}-{}-{}",
        name,
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
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
        .env_remove("OKTA_API_TOKEN");
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
