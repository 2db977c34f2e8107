//! `okta-iam call` for people: markdown on stdout, errors on stderr, exit codes 0 / 1 / 2.
//! (More of the command line: `tests/it/binary/cli.rs`.)

use crate::support as common;

use common::*;

fn demo(name: &str) -> String {
    format!("{}/fixtures/demo/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn an_error_entry_goes_to_stderr_with_exit_1() {
    let output = run(
        &[
            "call",
            "--params",
            &demo("params.json"),
            "--replay",
            &demo("cassette.json"),
            "okta-iam-set-configuration",
            "configuration=[{\"Name\": \"no id\"}]",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("Error: Failed to execute okta-iam-set-configuration command. Error: Configuration row 0 has no ApplicationID."),
        "{stderr}"
    );
}

#[test]
fn json_prints_the_protocol_messages() {
    let output = run(&["call", "--json", "okta-iam-get-configuration"], b"");
    assert_eq!(output.status.code(), Some(0));
    let lines = protocol_lines(&output.stdout);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1], serde_json::json!({"type": "completed"}));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["call"],
        vec!["call", "--no-such-option", "test-module"],
        vec!["call", "okta-iam-get-configuration", "not-a-pair"],
        vec![
            "call",
            "--params",
            "/nonexistent/params.json",
            "test-module",
        ],
        vec!["serve", "--request-timeout", "-1"],
        vec!["serve", "--replay", "/nonexistent/cassette.json"],
    ] {
        let output = run(&args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
    }
}

#[test]
fn unknown_command_is_a_usage_error_not_a_crash() {
    let output = run(&["call", "no-such-command"], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr)
        .contains("error: unknown command 'no-such-command'."));
}

#[test]
fn json_logs_go_to_stderr_only() {
    let output = run(
        &[
            "serve",
            "--log-level",
            "debug",
            "--log-format",
            "json",
            "--replay",
            &demo("cassette.json"),
            "--params",
            &demo("params.json"),
            "--state",
            temp_dir("jsonlog").join("s.json").to_str().unwrap(),
        ],
        b"ping\n{\"command\":\"test-module\"}\n",
    );
    assert!(output.status.success());
    assert_eq!(protocol_lines(&output.stdout).len(), 3);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.is_empty());
    for line in stderr.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(value.get("level").is_some(), "{line}");
    }
}
