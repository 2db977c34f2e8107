//! Record against the local fake Okta, then replay offline: byte-identical protocol output,
//! no secret in the cassette, and a clear error for a request the cassette cannot answer.

use crate::support as common;

use common::*;
use fake_okta::FakeOkta;
use serde_json::{json, Value};

/// A lifecycle script: every line is one calling context.
fn script(url: &str) -> String {
    let params = json!({"url": url, "apitoken": FakeOkta::TOKEN});
    let profile = json!({"email": "dana.lee@example.com", "username": "dana.lee@example.com",
                         "givenname": "Dana", "surname": "Lee", "department": "Finance"});
    let lines = [
        json!({"command": "test-module", "params": params}),
        json!({"command": "iam-create-user", "params": params, "args": {"user-profile": profile.to_string()}}),
        json!({"command": "iam-get-user", "params": params, "args": {"user-profile": {"email": "dana.lee@example.com"}}}),
        json!({"command": "iam-update-user", "params": params, "args": {"user-profile": {"email": "dana.lee@example.com", "title": "Analyst"}}}),
        json!({"command": "iam-disable-user", "params": params, "args": {"user-profile": {"email": "dana.lee@example.com"}}}),
        json!({"command": "iam-enable-user", "params": params, "args": {"user-profile": {"email": "dana.lee@example.com"}}}),
        json!({"command": "get-mapping-fields", "params": params}),
    ];
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn serve(args: &[&str], input: &str) -> std::process::Output {
    let output = run(args, input.as_bytes());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

#[test]
fn record_then_replay_gives_identical_output_and_no_secrets() {
    let dir = temp_dir("cassette");
    let cassette = dir.join("cassette.json");
    let cassette_arg = cassette.to_str().unwrap();
    let fake = FakeOkta::start();
    let recorded = serve(
        &[
            "serve",
            "--state",
            dir.join("s1.json").to_str().unwrap(),
            "--record",
            cassette_arg,
        ],
        &script(&fake.url()),
    );
    let lines = protocol_lines(&recorded.stdout);
    let entries = result_entries(&lines);
    assert_eq!(entries[0]["Contents"], "ok");
    assert_eq!(entries[1]["Contents"]["action"], "create");
    assert_eq!(entries[1]["Contents"]["success"], true);
    assert_eq!(entries[4]["Contents"]["action"], "disable");
    assert_eq!(entries[5]["Contents"]["action"], "enable");
    let requests_recorded = fake.request_count();
    assert!(requests_recorded >= 10);
    drop(fake);

    // The cassette holds no secret.
    let text = std::fs::read_to_string(&cassette).unwrap();
    assert!(!text.contains(FakeOkta::TOKEN));
    assert!(!text.to_ascii_lowercase().contains("ssws"));
    let parsed: Value = serde_json::from_str(&text).unwrap();
    let activation = parsed["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| {
            i["request"]["path"]
                .as_str()
                .unwrap()
                .ends_with("/lifecycle/activate")
        })
        .expect("an activation was recorded");
    if let Some(token) = activation["response"]["body"].get("activationToken") {
        assert_eq!(token, "***REDACTED***");
    }

    // Replay offline under another URL: the same bytes.
    let replayed = serve(
        &[
            "serve",
            "--state",
            dir.join("s2.json").to_str().unwrap(),
            "--replay",
            cassette_arg,
        ],
        &script("https://replay.okta.invalid"),
    );
    assert_eq!(
        String::from_utf8_lossy(&recorded.stdout),
        String::from_utf8_lossy(&replayed.stdout)
    );
    assert_no_secret(
        FakeOkta::TOKEN,
        &[
            ("record stderr", &recorded.stderr),
            ("replay stderr", &replayed.stderr),
        ],
    );
}

#[test]
fn a_request_the_cassette_cannot_answer_fails_that_command_only() {
    let dir = temp_dir("cassette-miss");
    let cassette = dir.join("c.json");
    std::fs::write(
        &cassette,
        json!({"version": 1, "origin": "https://acme.okta.com", "interactions": [
            {"request": {"method": "GET", "path": "/api/v1/users", "query": [["filter", "profile.email eq \"a@example.com\""]]},
             "response": {"status": 200, "headers": [["content-type", "application/json"]], "body": []}}]})
        .to_string(),
    )
    .unwrap();
    let params = json!({"url": "https://acme.okta.com", "apitoken": "replay-token-123456"});
    let input = format!(
        "{}\n{}\nping\n",
        json!({"command": "iam-get-user", "params": params, "args": {"user-profile": {"email": "b@example.com"}}}),
        json!({"command": "iam-get-user", "params": params, "args": {"user-profile": {"email": "a@example.com"}}}),
    );
    let output = serve(
        &[
            "serve",
            "--state",
            dir.join("s.json").to_str().unwrap(),
            "--replay",
            cassette.to_str().unwrap(),
        ],
        &input,
    );
    let lines = protocol_lines(&output.stdout);
    let entries = result_entries(&lines);
    let miss = entries[0]["Contents"]["errorMessage"].as_str().unwrap();
    assert!(
        miss.contains(
            "no recorded answer for GET /api/v1/users?filter=profile.email eq \"b@example.com\""
        ),
        "{miss}"
    );
    assert!(
        miss.contains(
            "nearest recorded: GET /api/v1/users?filter=profile.email eq \"a@example.com\""
        ),
        "{miss}"
    );
    assert_eq!(entries[1]["Contents"]["errorCode"], 404);
    assert_eq!(lines.last().unwrap(), &json!({"type": "pong"}));
}

#[test]
fn a_broken_cassette_is_a_startup_error() {
    let dir = temp_dir("cassette-bad");
    let cassette = dir.join("c.json");
    std::fs::write(&cassette, "{\"version\": 7, \"interactions\": []}").unwrap();
    let output = run(
        &["serve", "--replay", cassette.to_str().unwrap()],
        b"ping\n",
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("version 7 is not supported"), "{stderr}");
}

#[test]
fn a_second_recording_into_the_same_file_appends() {
    let dir = temp_dir("cassette-append");
    let cassette = dir.join("cassette.json");
    let cassette_arg = cassette.to_str().unwrap();
    let fake = FakeOkta::start();
    let lines: Vec<String> = script(&fake.url()).lines().map(str::to_string).collect();
    let (first, second) = (lines[..2].join("\n") + "\n", lines[2..].join("\n") + "\n");
    let state = dir.join("s1.json");
    let record = |input: &str| {
        serve(
            &[
                "serve",
                "--state",
                state.to_str().unwrap(),
                "--record",
                cassette_arg,
            ],
            input,
        )
    };
    let recorded_first = record(&first);
    let after_first: Value =
        serde_json::from_str(&std::fs::read_to_string(&cassette).unwrap()).unwrap();
    let first_count = after_first["interactions"].as_array().unwrap().len();
    assert!(first_count >= 3);
    let recorded_second = record(&second);
    let after_second: Value =
        serde_json::from_str(&std::fs::read_to_string(&cassette).unwrap()).unwrap();
    let interactions = after_second["interactions"].as_array().unwrap();
    assert!(interactions.len() > first_count);
    assert_eq!(
        &interactions[..first_count],
        after_first["interactions"].as_array().unwrap().as_slice(),
        "the first recording was kept as it was"
    );
    assert_eq!(after_second["recorded_at"], after_first["recorded_at"]);
    drop(fake);

    // Both recordings replay, in one run, as they were recorded.
    let replay_lines: Vec<String> = script("https://replay.okta.invalid")
        .lines()
        .map(str::to_string)
        .collect();
    let replayed = serve(
        &[
            "serve",
            "--state",
            dir.join("s2.json").to_str().unwrap(),
            "--replay",
            cassette_arg,
        ],
        &(replay_lines.join("\n") + "\n"),
    );
    let mut recorded = recorded_first.stdout.clone();
    recorded.extend_from_slice(&recorded_second.stdout);
    assert_eq!(
        String::from_utf8_lossy(&replayed.stdout),
        String::from_utf8_lossy(&recorded)
    );

    // A file that is not a cassette is not overwritten: a start-up error.
    let not_a_cassette = dir.join("notes.json");
    std::fs::write(&not_a_cassette, "my notes").unwrap();
    let output = run(
        &["serve", "--record", not_a_cassette.to_str().unwrap()],
        b"ping\n",
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&not_a_cassette).unwrap(),
        "my notes"
    );
}
