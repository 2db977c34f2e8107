//! The loop protocol, driven through the real binary over pipes.

use crate::support as common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::*;
use serde_json::{json, Value};

const MARKER: &str = "[ERROR-fd5a7750-7182-4b38-90ba-091824478903]";

fn serve_local(input: &[u8]) -> (Vec<Value>, std::process::Output) {
    let dir = temp_dir("proto");
    let state = dir.join("state.json");
    let output = run(&["serve", "--state", state.to_str().unwrap()], input);
    (protocol_lines(&output.stdout), output)
}

#[test]
fn ping_gets_pong_and_eof_exits_zero() {
    let (lines, output) = serve_local(b"ping\n\n   \nping\n");
    assert!(output.status.success());
    assert_eq!(
        lines,
        vec![json!({"type": "pong"}), json!({"type": "pong"})]
    );
}

#[test]
fn every_bad_line_gets_an_error_entry_then_the_next_line_is_served() {
    let mut input: Vec<u8> = Vec::new();
    let bad_lines: Vec<(Vec<u8>, &str)> = vec![
        (b"\xff\xfe not utf8".to_vec(), "not valid UTF-8"),
        (b"{not json".to_vec(), "not valid JSON"),
        (b"[1,2]".to_vec(), "expected a JSON object"),
        (b"\"ping\"".to_vec(), "expected a JSON object"),
        (b"{\"args\":{}}".to_vec(), "'command' key is missing"),
        (b"{\"command\":7}".to_vec(), "'command' must be a string"),
        (
            b"{\"command\":\"no-such-command\"}".to_vec(),
            "Unknown command: no-such-command",
        ),
        (
            b"{\"command\":\"okta-iam-set-configuration\"}".to_vec(),
            "Missing required argument: configuration",
        ),
        (vec![b'x'; 16 * 1024 * 1024 + 10], "over the limit"),
    ];
    for (line, _) in &bad_lines {
        input.extend_from_slice(line);
        input.push(b'\n');
        input.extend_from_slice(b"ping\n");
    }
    let (lines, output) = serve_local(&input);
    assert!(output.status.success());
    assert_eq!(lines.len(), bad_lines.len() * 3);
    for (i, (_, expected)) in bad_lines.iter().enumerate() {
        let result = &lines[i * 3];
        assert_eq!(result["type"], "result");
        let entry = &result["results"][0];
        assert_eq!(entry["Type"], 4, "line {i}");
        assert_eq!(entry["ContentsFormat"], "text");
        let text = entry["Contents"].as_str().unwrap();
        assert!(text.contains(expected), "line {i}: {text}");
        assert_eq!(lines[i * 3 + 1], json!({"type": "completed"}));
        assert_eq!(lines[i * 3 + 2], json!({"type": "pong"}));
    }
}

#[test]
fn a_valid_command_gets_result_and_completed() {
    let input = concat!(
        r#"{"command":"okta-iam-set-configuration","args":{"configuration":[{"ApplicationID":"0oa1","Instance":"HR"}]},"script":"ignored","integration":true}"#,
        "\n",
        r#"{"command":"okta-iam-get-configuration","args":{},"params":{},"context":{"IntegrationInstance":"Okta IAM_instance_1"}}"#,
        "\n"
    );
    let (lines, output) = serve_local(input.as_bytes());
    assert!(output.status.success());
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[1], json!({"type": "completed"}));
    assert_eq!(lines[3], json!({"type": "completed"}));
    let entry = &lines[2]["results"][0];
    assert_eq!(entry["Type"], 1);
    assert_eq!(
        entry["Contents"],
        json!([{"ApplicationID": "0oa1", "Instance": "HR"}])
    );
    assert_eq!(
        entry["EntryContext"]
            ["Okta.IAMConfiguration(val.ApplicationID && val.ApplicationID == obj.ApplicationID)"],
        json!([{"ApplicationID": "0oa1", "Instance": "HR"}])
    );
}

#[test]
fn native_exits_after_that_execution() {
    let input = concat!(
        r#"{"command":"okta-iam-get-configuration","native":true}"#,
        "\n",
        "ping\n"
    );
    let (lines, output) = serve_local(input.as_bytes());
    assert!(output.status.success());
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1], json!({"type": "completed"}));
}

#[test]
fn local_state_survives_a_restart() {
    let dir = temp_dir("restart");
    let state = dir.join("state.json");
    let state_arg = state.to_str().unwrap();
    let set = r#"{"command":"okta-iam-set-configuration","args":{"configuration":"[{\"ApplicationID\":\"0oaX\"}]"}}"#;
    let first = run(
        &["serve", "--state", state_arg],
        format!("{set}\n").as_bytes(),
    );
    assert!(first.status.success());
    let get = r#"{"command":"okta-iam-get-configuration"}"#;
    let second = run(
        &["serve", "--state", state_arg],
        format!("{get}\n").as_bytes(),
    );
    let entries = result_entries(&protocol_lines(&second.stdout));
    assert_eq!(entries[0]["Contents"], json!([{"ApplicationID": "0oaX"}]));
    // Another instance does not see it.
    let other =
        r#"{"command":"okta-iam-get-configuration","context":{"IntegrationInstance":"other"}}"#;
    let third = run(
        &["serve", "--state", state_arg],
        format!("{other}\n").as_bytes(),
    );
    let entries = result_entries(&protocol_lines(&third.stdout));
    assert_eq!(entries[0]["Contents"], Value::Null);
    assert_eq!(
        entries[0]["HumanReadable"],
        "### Okta IAM Configuration\n**No entries.**\n"
    );
}

/// The test plays the XSOAR host: it reads each request and writes one reply line.
#[test]
fn engine_mode_asks_the_host_for_state() {
    let mut child = Command::new(binary())
        .arg("serve")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut next = || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let value: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        value
    };

    // set-configuration: reads the context, then writes it back with the new rows.
    writeln!(
        stdin,
        r#"{{"command":"okta-iam-set-configuration","args":{{"configuration":"[{{\"ApplicationID\":\"0oa9\"}}]"}}}}"#
    )
    .unwrap();
    assert_eq!(
        next(),
        json!({"type":"executeCommand","command":"getIntegrationContext","args":{"refresh":false}})
    );
    writeln!(stdin, r#"{{"context":{{"other":"kept"}},"version":{{"version":4,"sequenceNumber":1,"primaryTerm":1}}}}"#).unwrap();
    assert_eq!(
        next(),
        json!({"type":"executeCommand","command":"setIntegrationContext","args":{
            "value":{"other":"kept","IAMConfiguration":[{"ApplicationID":"0oa9"}]},
            "version":{"version":-1,"sequenceNumber":-1,"primaryTerm":-1},"sync":true}})
    );
    writeln!(stdin, "{{}}").unwrap();
    assert_eq!(next()["type"], "result");
    assert_eq!(next(), json!({"type":"completed"}));

    // A host error on the state request fails the command with the host's text.
    writeln!(stdin, r#"{{"command":"okta-iam-get-configuration"}}"#).unwrap();
    assert_eq!(next()["command"], "getIntegrationContext");
    writeln!(stdin, "{MARKER}context store unavailable").unwrap();
    let result = next();
    let entry = &result["results"][0];
    assert_eq!(entry["Type"], 4);
    assert_eq!(
        entry["Contents"],
        "Failed to execute okta-iam-get-configuration command. Error: The XSOAR server returned an error for getIntegrationContext: context store unavailable"
    );
    assert_eq!(next(), json!({"type":"completed"}));

    // The daemon still serves.
    writeln!(stdin, "ping").unwrap();
    assert_eq!(next(), json!({"type":"pong"}));
    drop(stdin);
    assert!(child.wait().unwrap().success());
}

/// kill -9 while the daemon rewrites a large state file: the file is always the old or a new
/// complete state, never torn.
#[test]
fn kill_during_state_write_never_tears_the_file() {
    let dir = temp_dir("kill");
    let state = dir.join("state.json");
    let state_arg = state.to_str().unwrap().to_string();
    // A large configuration (under the 1 MiB integration-context limit) so each write takes
    // a while.
    let rows: Vec<Value> = (0..12_000)
        .map(|i| json!({"ApplicationID": format!("0oa{i:08}"), "Name": "app", "Instance": "HR"}))
        .collect();
    let config_text = serde_json::to_string(&rows).unwrap();
    let line = serde_json::to_string(&json!({
        "command": "okta-iam-set-configuration",
        "args": {"configuration": config_text}
    }))
    .unwrap();
    // One complete write first, so every round checks a file that exists.
    let first = run(
        &["serve", "--state", &state_arg],
        format!("{line}\n").as_bytes(),
    );
    assert!(first.status.success());
    for round in 0..6u64 {
        let mut child = Command::new(binary())
            .args(["serve", "--state", &state_arg])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let mut stdin = child.stdin.take().unwrap();
        let payload = format!("{line}\n").repeat(50);
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(payload.as_bytes());
        });
        std::thread::sleep(std::time::Duration::from_millis(60 + round * 90));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let _ = writer.join();
        if let Ok(bytes) = std::fs::read(&state) {
            let value: Value = serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("round {round}: torn state file ({e})"));
            let stored = &value["instances"]["Okta IAM_instance_1"]["integrationContext"]
                ["IAMConfiguration"];
            assert_eq!(
                stored.as_array().map(Vec::len),
                Some(12_000),
                "round {round}"
            );
        }
    }
    assert!(
        state.exists(),
        "no write completed in any round; raise the sleep"
    );
}
