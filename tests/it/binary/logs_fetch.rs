//! `fetch-incidents` through the real binary against the local fake Okta: local mode
//! (`serve --state FILE`) across process restarts and a kill -9 in the middle of a fetch, and
//! engine mode (`getLastRun`/`setLastRun` answered by a scripted host).

use crate::support as common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{binary, protocol_lines, result_entries, run, temp_dir};
use fake_okta::{FakeOkta, Fault};
use serde_json::{json, Value};

const FILTER: &str = r#"eventType eq "application.user_membership.add""#;
const PUBLISHED: &str = "2025-05-20T16:00:00.000Z";

fn params(okta: &FakeOkta, max_fetch: u32) -> Value {
    json!({
        "url": okta.url(),
        "apitoken": FakeOkta::TOKEN,
        "isFetch": true,
        "auto_generate_query_filter": false,
        "fetch_query_filter": FILTER,
        "first_fetch": "2025-05-01T00:00:00Z",
        "max_fetch": max_fetch.to_string()
    })
}

fn fetch_line(okta: &FakeOkta, max_fetch: u32) -> String {
    json!({"command": "fetch-incidents", "args": {}, "params": params(okta, max_fetch)}).to_string()
}

/// The incidents of every fetch entry in a transcript, batch by batch.
fn batches(stdout: &[u8]) -> Vec<Vec<Value>> {
    result_entries(&protocol_lines(stdout))
        .iter()
        .map(|entry| {
            assert_eq!(entry["Type"], 1, "{entry}");
            assert_eq!(
                entry.as_object().unwrap().keys().collect::<Vec<_>>(),
                ["Type", "ContentsFormat", "Contents"]
            );
            serde_json::from_str(entry["Contents"].as_str().unwrap()).unwrap()
        })
        .collect()
}

fn uuids(batches: &[Vec<Value>]) -> Vec<String> {
    batches
        .iter()
        .flatten()
        .map(|i| i["dbotMirrorId"].as_str().unwrap().to_string())
        .collect()
}

fn assert_once(got: &[String], expected: &[String]) {
    let mut seen = HashSet::new();
    for u in got {
        assert!(seen.insert(u), "duplicate {u}");
    }
    assert_eq!(got, expected);
}

#[test]
fn restarts_and_a_kill_between_and_during_runs_lose_and_repeat_nothing() {
    let okta = FakeOkta::start();
    let expected = okta.push_events(300, PUBLISHED);
    let dir = temp_dir("fetch-crash");
    let state = dir.join("state.json");
    let state_arg = state.to_str().unwrap().to_string();
    let line = fetch_line(&okta, 40);

    // Process 1: three runs, then it ends (a restart of the integration process).
    let out = run(
        &["serve", "--state", &state_arg],
        format!("{line}\n").repeat(3).as_bytes(),
    );
    assert!(out.status.success());
    let mut got = uuids(&batches(&out.stdout));
    assert_eq!(got.len(), 120);
    let saved: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let last_run = &saved["instances"]["Okta IAM_instance_1"]["lastRun"];
    assert_eq!(last_run["version"], 2);
    assert!(!serde_json::to_string(&saved)
        .unwrap()
        .contains(FakeOkta::TOKEN));

    // Process 2: killed (SIGKILL) while its fetch waits for Okta: nothing is committed.
    let before = std::fs::read(&state).unwrap();
    okta.reset_requests();
    okta.fail_next("/api/v1/logs", Fault::Delay(Duration::from_secs(5)), 1);
    let mut child = Command::new(binary())
        .args(["serve", "--state", &state_arg])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
    stdin.flush().unwrap();
    let started = Instant::now();
    while okta.request_count() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no request came"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    let killed = child.wait_with_output().unwrap();
    assert!(killed.stdout.is_empty(), "the killed run wrote nothing");
    assert_eq!(std::fs::read(&state).unwrap(), before, "state untouched");

    // Process 3: starts from the committed state and drains.
    let out = run(
        &["serve", "--state", &state_arg],
        format!("{line}\n").repeat(8).as_bytes(),
    );
    assert!(out.status.success());
    let rest = batches(&out.stdout);
    assert!(rest.last().unwrap().is_empty(), "drained");
    got.extend(uuids(&rest));
    assert_once(&got, &expected);

    // `okta-iam call` with the same state file sees nothing new either.
    let params_file = dir.join("params.json");
    std::fs::write(&params_file, params(&okta, 40).to_string()).unwrap();
    let call = run(
        &[
            "call",
            "--params",
            params_file.to_str().unwrap(),
            "--state",
            &state_arg,
            "--json",
            "fetch-incidents",
        ],
        b"",
    );
    assert!(
        call.status.success(),
        "{}",
        String::from_utf8_lossy(&call.stderr)
    );
    assert_eq!(batches(&call.stdout), vec![Vec::<Value>::new()]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Engine mode: the last run comes from `getLastRun` and goes back with `setLastRun`, sent
/// before the result of the same execution (the User Profile search in between is declined).
#[test]
fn engine_mode_round_trips_the_last_run_through_the_host() {
    let okta = FakeOkta::start();
    let expected = okta.push_events(25, PUBLISHED);
    let mut child = Command::new(binary())
        .args(["serve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut read = || {
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        serde_json::from_str::<Value>(&line).unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    let mut host_last_run = json!({});
    let mut got = Vec::new();
    for run in 0..4 {
        writeln!(stdin, "{}", fetch_line(&okta, 10)).unwrap();
        let request = read();
        assert_eq!(request["command"], "getLastRun", "{request}");
        writeln!(stdin, "{host_last_run}").unwrap();
        let mut set = read();
        if set["command"] == "searchIndicators" {
            // A server without User Profile search: events are delivered as they are.
            writeln!(
                stdin,
                "[ERROR-fd5a7750-7182-4b38-90ba-091824478903] searchIndicators is not supported"
            )
            .unwrap();
            set = read();
        }
        assert_eq!(set["command"], "setLastRun", "run {run}: {set}");
        host_last_run = set["args"]["value"].clone();
        assert_eq!(host_last_run["version"], 2);
        writeln!(stdin, "{{}}").unwrap();
        let result = read();
        assert_eq!(result["type"], "result");
        let incidents: Vec<Value> =
            serde_json::from_str(result["results"][0]["Contents"].as_str().unwrap()).unwrap();
        got.push(incidents);
        assert_eq!(read(), json!({"type": "completed"}));
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    assert_eq!(got.iter().map(Vec::len).collect::<Vec<_>>(), [10, 10, 5, 0]);
    assert_once(&uuids(&got), &expected);
}
