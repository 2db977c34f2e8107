//! `okta-iam-get-configuration` and `okta-iam-set-configuration` through the real binary: local
//! mode across restarts (`serve --state FILE`), and engine mode where the test plays the XSOAR
//! host and answers the state requests.

use crate::support as common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

use common::*;
use serde_json::{json, Value};

const CONFIG_KEY: &str =
    "Okta.IAMConfiguration(val.ApplicationID && val.ApplicationID == obj.ApplicationID)";
const INSTANCE: &str = "Okta IAM_instance_1";

fn rows() -> Value {
    json!([
        {
            "ApplicationID": "0oa7vhd1qPZr8xYt80h7",
            "Name": "workday",
            "Label": "Workday (HR portal)",
            "Logo": "![](https://ok12static.oktacdn.com/fs/bcg/4/gfs1abc)",
            "Instance": "Workday IAM_instance_1"
        },
        {
            "ApplicationID": "0oa2",
            "Name": "servicenow",
            "Label": "ServiceNow | ITSM",
            "Logo": "![](None)",
            "Instance": "ServiceNow IAM_instance_1"
        }
    ])
}

/// The markdown of `okta-iam-get-configuration` for [`rows`]: headers are the first row's keys,
/// sorted.
const ROWS_MARKDOWN: &str = "### Okta IAM Configuration\n\
    |ApplicationID|Instance|Label|Logo|Name|\n\
    |---|---|---|---|---|\n\
    | 0oa7vhd1qPZr8xYt80h7 | Workday IAM_instance_1 | Workday (HR portal) | ![](https://ok12static.oktacdn.com/fs/bcg/4/gfs1abc) | workday |\n\
    | 0oa2 | ServiceNow IAM_instance_1 | ServiceNow \\| ITSM | ![](None) | servicenow |\n";

fn set_line(configuration: Value) -> String {
    json!({"command": "okta-iam-set-configuration", "args": {"configuration": configuration}})
        .to_string()
}

fn get_line() -> String {
    json!({"command": "okta-iam-get-configuration", "args": {}}).to_string()
}

/// Runs `serve --state FILE` over `lines` and returns each execution's entries (one list per
/// calling context), checking that each ended with `completed`.
fn serve_local(state: &std::path::Path, lines: &[String]) -> Vec<Vec<Value>> {
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let output = run(
        &["serve", "--state", state.to_str().unwrap()],
        input.as_bytes(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let messages = protocol_lines(&output.stdout);
    let mut executions = Vec::new();
    let mut current = Vec::new();
    for message in messages {
        match message["type"].as_str() {
            Some("result") => current.extend(message["results"].as_array().unwrap().clone()),
            Some("completed") => executions.push(std::mem::take(&mut current)),
            other => panic!("unexpected message in local mode: {other:?} {message}"),
        }
    }
    assert_eq!(executions.len(), lines.len());
    executions
}

fn read_state(state: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(state).expect("state file")).expect("state JSON")
}

fn assert_rows_entry(entry: &Value) {
    assert_eq!(entry["Type"], 1);
    assert_eq!(entry["ContentsFormat"], "json");
    assert_eq!(
        serde_json::to_string(&entry["Contents"]).unwrap(),
        serde_json::to_string(&rows()).unwrap(),
        "rows keep their key order"
    );
    assert_eq!(entry["EntryContext"], json!({ CONFIG_KEY: rows() }));
    assert_eq!(entry["HumanReadable"], ROWS_MARKDOWN);
}

// ---------------------------------------------------------------------------------------------
// local mode
// ---------------------------------------------------------------------------------------------

#[test]
fn set_then_get_across_a_restart() {
    let dir = temp_dir("config-restart");
    let state = dir.join("state.json");

    // The configuration as a JSON string, as XSOAR sends it.
    let first = serve_local(&state, &[set_line(Value::String(rows().to_string()))]);
    assert_eq!(
        first[0],
        vec![json!({
            "Type": 1,
            "ContentsFormat": "json",
            "Contents": null,
            "HumanReadable": "Okta IAM Configuration saved: 2 applications.",
            "EntryContext": {}
        })]
    );

    // A new daemon reads what the first one stored.
    let second = serve_local(&state, &[get_line()]);
    assert_eq!(second[0].len(), 1);
    assert_rows_entry(&second[0][0]);

    // The configuration may also arrive as a JSON value.
    let third = serve_local(
        &state,
        &[set_line(json!([{"ApplicationID": "0oaOnly"}])), get_line()],
    );
    assert_eq!(
        third[0][0]["HumanReadable"],
        "Okta IAM Configuration saved: 1 application."
    );
    assert_eq!(
        third[1][0]["HumanReadable"],
        "### Okta IAM Configuration\n|ApplicationID|\n|---|\n| 0oaOnly |\n"
    );
}

#[test]
fn get_without_a_configuration_renders_no_entries() {
    let dir = temp_dir("config-empty");
    let state = dir.join("state.json");
    let executions = serve_local(&state, &[get_line()]);
    assert_eq!(
        executions[0],
        vec![json!({
            "Type": 1,
            "ContentsFormat": "json",
            "Contents": null,
            "HumanReadable": "### Okta IAM Configuration\n**No entries.**\n",
            "EntryContext": {}
        })]
    );
    // An empty list stored explicitly reads the same.
    let executions = serve_local(&state, &[set_line(json!("[]")), get_line()]);
    assert_eq!(
        executions[0][0]["HumanReadable"],
        "Okta IAM Configuration saved: 0 applications."
    );
    assert_eq!(executions[1][0]["Contents"], Value::Null);
    assert_eq!(
        executions[1][0]["HumanReadable"],
        "### Okta IAM Configuration\n**No entries.**\n"
    );
}

#[test]
fn set_keeps_the_other_context_keys_the_last_run_and_other_instances() {
    let dir = temp_dir("config-keep");
    let state = dir.join("state.json");
    let before = json!({
        "version": 1,
        "instances": {
            INSTANCE: {
                "integrationContext": {
                    "other": {"nested": [1, 2]},
                    "IAMConfiguration": [{"ApplicationID": "old"}],
                    "counter": 3
                },
                "lastRun": {"cursor": "abc"}
            },
            "Okta IAM_instance_2": {
                "integrationContext": {"IAMConfiguration": [{"ApplicationID": "theirs"}]}
            }
        }
    });
    std::fs::write(&state, serde_json::to_vec(&before).unwrap()).unwrap();

    let executions = serve_local(&state, &[set_line(rows())]);
    assert_eq!(executions[0][0]["Type"], 1);

    let after = read_state(&state);
    let mine = &after["instances"][INSTANCE];
    assert_eq!(
        mine["integrationContext"],
        json!({"other": {"nested": [1, 2]}, "IAMConfiguration": rows(), "counter": 3})
    );
    assert_eq!(mine["lastRun"], json!({"cursor": "abc"}));
    assert_eq!(
        after["instances"]["Okta IAM_instance_2"],
        before["instances"]["Okta IAM_instance_2"]
    );
}

#[test]
fn an_invalid_configuration_stores_nothing() {
    let dir = temp_dir("config-invalid");
    let state = dir.join("state.json");
    serve_local(&state, &[set_line(rows())]);
    let stored = std::fs::read(&state).unwrap();

    let prefix = "Failed to execute okta-iam-set-configuration command. Error: ";
    let cases = [
        (
            json!([{"ApplicationID": "0oa1"}, {"Name": "no id"}]),
            "Configuration row 1 has no ApplicationID.".to_string(),
        ),
        (
            json!(r#"[{"ApplicationID": 42}]"#),
            "Configuration row 0: ApplicationID must be a string.".to_string(),
        ),
        (
            json!([{"ApplicationID": "  "}]),
            "Configuration row 0 has an empty ApplicationID.".to_string(),
        ),
        (
            json!([{"ApplicationID": "0oa1"}, "0oa2"]),
            "Configuration row 1 is not a JSON object.".to_string(),
        ),
        (
            json!({"ApplicationID": "0oa1"}),
            "The configuration argument must be a JSON list of objects, each with an ApplicationID.".to_string(),
        ),
        (
            json!("[{\"ApplicationID\": \"0oa1\""),
            "The configuration argument is not valid JSON: EOF while parsing an object at line 1 column 25. Expected a JSON list such as [{\"ApplicationID\": \"0oa...\", \"Instance\": \"...\"}].".to_string(),
        ),
    ];
    let mut lines: Vec<String> = cases.iter().map(|(c, _)| set_line(c.clone())).collect();
    lines.push(get_line());
    let executions = serve_local(&state, &lines);
    for (i, (_, message)) in cases.iter().enumerate() {
        assert_eq!(
            executions[i],
            vec![json!({
                "Type": 4,
                "ContentsFormat": "text",
                "Contents": format!("{prefix}{message}"),
                "EntryContext": null
            })],
            "case {i}"
        );
    }
    assert_eq!(
        std::fs::read(&state).unwrap(),
        stored,
        "the state file is untouched"
    );
    assert_rows_entry(&executions[cases.len()][0]);
}

// ---------------------------------------------------------------------------------------------
// engine mode
// ---------------------------------------------------------------------------------------------

/// The daemon in engine mode, with stdout read on a thread so a missing line fails the test
/// instead of hanging it.
struct Engine {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
}

impl Engine {
    fn start() -> Engine {
        let mut child = Command::new(binary())
            .arg("serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .env_remove("OKTA_API_TOKEN")
            .spawn()
            .expect("spawn okta-iam serve");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Engine {
            child,
            stdin,
            lines,
        }
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    fn next(&self) -> Value {
        let line = self
            .lines
            .recv_timeout(Duration::from_secs(20))
            .expect("the daemon wrote a line");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    }

    fn finish(mut self) {
        drop(self.stdin.take());
        assert!(self.child.wait().unwrap().success());
    }
}

fn get_context_request() -> Value {
    json!({"type": "executeCommand", "command": "getIntegrationContext", "args": {"refresh": false}})
}

fn context_reply(context: Value) -> String {
    json!({"context": context, "version": {"version": 7, "sequenceNumber": 3, "primaryTerm": 1}})
        .to_string()
}

#[test]
fn engine_mode_context_travels_through_the_host() {
    let mut engine = Engine::start();

    // set: read the host's context, write it back with the new rows and the other keys kept.
    engine.send(&set_line(Value::String(rows().to_string())));
    assert_eq!(engine.next(), get_context_request());
    engine.send(&context_reply(json!({
        "other": {"nested": true},
        "IAMConfiguration": [{"ApplicationID": "old"}]
    })));
    let set_request = engine.next();
    assert_eq!(
        set_request,
        json!({
            "type": "executeCommand",
            "command": "setIntegrationContext",
            "args": {
                "value": {"other": {"nested": true}, "IAMConfiguration": rows()},
                "version": {"version": -1, "sequenceNumber": -1, "primaryTerm": -1},
                "sync": true
            }
        })
    );
    engine.send("{}");
    let result = engine.next();
    assert_eq!(
        result["results"][0]["HumanReadable"],
        "Okta IAM Configuration saved: 2 applications."
    );
    assert_eq!(engine.next(), json!({"type": "completed"}));

    // get: the host answers with what it stored; nothing is written back.
    engine.send(&get_line());
    assert_eq!(engine.next(), get_context_request());
    engine.send(&context_reply(set_request["args"]["value"].clone()));
    let result = engine.next();
    assert_eq!(result["type"], "result");
    assert_rows_entry(&result["results"][0]);
    assert_eq!(engine.next(), json!({"type": "completed"}));

    // An invalid configuration fails before any state request: nothing reaches the host.
    engine.send(&set_line(json!([{"Name": "no id"}])));
    let result = engine.next();
    assert_eq!(
        result["results"][0],
        json!({
            "Type": 4,
            "ContentsFormat": "text",
            "Contents": "Failed to execute okta-iam-set-configuration command. Error: Configuration row 0 has no ApplicationID.",
            "EntryContext": null
        })
    );
    assert_eq!(engine.next(), json!({"type": "completed"}));

    // get with an empty context from the host.
    engine.send(&get_line());
    assert_eq!(engine.next(), get_context_request());
    engine.send(&context_reply(json!({})));
    let result = engine.next();
    assert_eq!(
        result["results"][0],
        json!({
            "Type": 1,
            "ContentsFormat": "json",
            "Contents": null,
            "HumanReadable": "### Okta IAM Configuration\n**No entries.**\n",
            "EntryContext": {}
        })
    );
    assert_eq!(engine.next(), json!({"type": "completed"}));

    // The daemon still serves.
    engine.send("ping");
    assert_eq!(engine.next(), json!({"type": "pong"}));
    engine.finish();
}

#[test]
fn engine_mode_a_failed_context_write_is_an_error_entry() {
    let mut engine = Engine::start();
    engine.send(&set_line(rows()));
    assert_eq!(engine.next(), get_context_request());
    engine.send(&context_reply(json!({})));
    assert_eq!(engine.next()["command"], "setIntegrationContext");
    engine.send("[ERROR-fd5a7750-7182-4b38-90ba-091824478903]version conflict");
    let result = engine.next();
    assert_eq!(
        result["results"][0]["Contents"],
        "Failed to execute okta-iam-set-configuration command. Error: The XSOAR server returned an error for setIntegrationContext: version conflict"
    );
    assert_eq!(result["results"][0]["Type"], 4);
    assert_eq!(engine.next(), json!({"type": "completed"}));
    engine.finish();
}
