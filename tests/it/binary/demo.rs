//! The demo (`fixtures/demo/`, built into `okta-iam demo`) and the README's commands, so they
//! cannot rot. `cargo test --test it binary::demo::regenerate -- --ignored` re-records the demo cassette
//! against the local fake Okta, seeded to look like a real org.

use crate::support as common;

use std::path::PathBuf;

use common::connection::MemoryConnection;
use common::*;
use fake_okta::FakeOkta;
use serde_json::{json, Value};

/// The demo org's URL, as the committed cassette and params name it.
const DEMO_URL: &str = "https://acme.okta.com";

fn demo_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo"))
}

#[test]
fn the_demo_walks_the_whole_lifecycle_offline() {
    let output = run(&["demo", "--json"], b"");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = protocol_lines(&output.stdout);
    let completed = lines.iter().filter(|l| l["type"] == "completed").count();
    let script_lines = std::fs::read_to_string(demo_dir().join("commands.ndjson"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert_eq!(completed, script_lines);
    assert!(lines.iter().all(|l| l["type"] != "exception"));
    let entries = result_entries(&lines);
    let errors: Vec<&Value> = entries.iter().filter(|e| e["Type"] == 4).collect();
    assert!(errors.is_empty(), "the demo has error entries: {errors:?}");
    assert_eq!(entries[0]["Contents"], "ok");
    // The same script through `serve --replay` gives the same output.
    let dir = temp_dir("demo-serve");
    let script = std::fs::read(demo_dir().join("commands.ndjson")).unwrap();
    let served = run(
        &[
            "serve",
            "--replay",
            demo_dir().join("cassette.json").to_str().unwrap(),
            "--params",
            demo_dir().join("params.json").to_str().unwrap(),
            "--state",
            dir.join("state.json").to_str().unwrap(),
        ],
        &script,
    );
    assert_eq!(
        String::from_utf8_lossy(&served.stdout),
        String::from_utf8_lossy(&output.stdout)
    );
}

/// The demo's protocol output, byte for byte, as it was before the vendor seam was cut
/// (`tests/golden/demo.protocol.ndjson`): `demo --json`, the same script through
/// `serve --replay`, and the serve loop in process over the in-memory connection must all
/// print exactly these bytes. After a deliberate change of output
/// (or a re-recorded cassette), regenerate it by hand:
/// `cargo run -- demo --json > tests/golden/demo.protocol.ndjson`.
#[test]
fn the_demo_protocol_output_matches_the_golden_file() {
    let golden: &[u8] = include_bytes!("../../golden/demo.protocol.ndjson");
    let output = run(&["demo", "--json"], b"");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_same_bytes("demo --json", &output.stdout, golden);
    let dir = temp_dir("demo-golden");
    let script = std::fs::read(demo_dir().join("commands.ndjson")).unwrap();
    let served = run(
        &[
            "serve",
            "--replay",
            demo_dir().join("cassette.json").to_str().unwrap(),
            "--params",
            demo_dir().join("params.json").to_str().unwrap(),
            "--state",
            dir.join("state.json").to_str().unwrap(),
        ],
        &script,
    );
    assert!(served.status.success());
    assert_same_bytes("serve --replay", &served.stdout, golden);
    // And the serve loop in this process, over the in-memory connection.
    let in_memory = demo_through_the_memory_connection(&dir.join("memory-state.json"));
    assert_same_bytes("the in-memory serve loop", &in_memory, golden);
}

/// The demo script through `okta_iam::protocol::serve` in this process: the demo params,
/// the demo cassette replayed at its recording time, local state in `state`.
fn demo_through_the_memory_connection(state: &std::path::Path) -> Vec<u8> {
    use okta_iam::http::cassette::ReplayTransport;
    let params: serde_json::Map<String, Value> =
        serde_json::from_slice(&std::fs::read(demo_dir().join("params.json")).unwrap()).unwrap();
    let replay = ReplayTransport::load(&demo_dir().join("cassette.json")).unwrap();
    let mut runtime = crate::support::harness::runtime(params);
    runtime.frozen_now = replay.recorded_at();
    runtime.http.offline = true;
    let runtime = runtime.with_transport(std::sync::Arc::new(replay));
    let script = std::fs::read_to_string(demo_dir().join("commands.ndjson")).unwrap();
    let connection = MemoryConnection::local(state).send_script(&script);
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(connection.serve_bytes(&runtime))
}

/// Fails with the first line that differs, framed, instead of two 60 kB strings.
fn assert_same_bytes(what: &str, actual: &[u8], golden: &[u8]) {
    if actual == golden {
        return;
    }
    let actual_lines: Vec<&[u8]> = actual.split(|b| *b == b'\n').collect();
    let golden_lines: Vec<&[u8]> = golden.split(|b| *b == b'\n').collect();
    let at = actual_lines
        .iter()
        .zip(&golden_lines)
        .position(|(a, g)| a != g)
        .unwrap_or(actual_lines.len().min(golden_lines.len()));
    let line = |lines: &[&[u8]]| {
        lines
            .get(at)
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_else(|| "<no line>".to_string())
    };
    panic!(
        "{what} differs from tests/golden/demo.protocol.ndjson at line {} \
         ({} bytes against {}):\n--- golden\n{}\n--- {what}\n{}\n---",
        at + 1,
        actual.len(),
        golden.len(),
        line(&golden_lines),
        line(&actual_lines),
    );
}

/// The README shows a few lines of the walkthrough: they are the demo's real output (the
/// time in the summary aside), in the width a pipe gets.
#[test]
fn the_readme_shows_lines_of_the_real_demo_walkthrough() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let after_command = readme
        .split_once("cargo run --release -- demo\n```\n")
        .expect("the README shows the demo command")
        .1;
    let block = after_command
        .split_once("```text\n")
        .and_then(|(_, rest)| rest.split_once("```"))
        .expect("the README shows the demo's output after its command")
        .0;
    let output = run_with_env(&["demo"], b"", &[("COLUMNS", "100")]);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let chunks: Vec<&str> = block.split("...\n").collect();
    assert!(chunks.len() >= 2, "{block}");
    for chunk in chunks {
        match chunk.strip_prefix("Summary: ") {
            Some(summary) => {
                // Everything but the time it took.
                let (fixed, time) = summary.trim_end().rsplit_once(". ").unwrap();
                assert!(time.ends_with(" s."), "{summary}");
                assert!(stdout.contains(&format!("\nSummary: {fixed}. ")), "{fixed}");
            }
            None => assert!(stdout.contains(chunk), "not in the demo output:\n{chunk}"),
        }
    }
}

#[test]
fn the_readme_call_example_prints_the_markdown_table() {
    let output = run(
        &[
            "call",
            "--params",
            demo_dir().join("params.json").to_str().unwrap(),
            "--replay",
            demo_dir().join("cassette.json").to_str().unwrap(),
            "iam-get-user",
            r#"user-profile={"email": "jordan.rivera@example.com"}"#,
        ],
        b"",
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("### Get User Results (Okta IAM)\n|brand|instanceName|success|active|id|username|email|details|\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| Okta IAM | Okta IAM_instance_1 | true | true |"),
        "{stdout}"
    );
}

#[test]
fn the_readme_ping_and_test_module_example_works() {
    let dir = temp_dir("readme-serve");
    let output = run(
        &[
            "serve",
            "--replay",
            demo_dir().join("cassette.json").to_str().unwrap(),
            "--params",
            demo_dir().join("params.json").to_str().unwrap(),
            "--state",
            dir.join("state.json").to_str().unwrap(),
        ],
        b"ping\n{\"command\":\"test-module\"}\n",
    );
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "{\"type\":\"pong\"}\n{\"type\":\"result\",\"results\":[{\"Type\":1,\"ContentsFormat\":\"text\",\"Contents\":\"ok\",\"EntryContext\":{}}]}\n{\"type\":\"completed\"}\n"
    );
}

#[test]
fn the_readme_names_the_commands_these_tests_run() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for command in [
        "cargo run --release -- demo",
        "cargo test",
        "printf 'ping\\n{\"command\":\"test-module\"}\\n' | ./target/release/okta-iam serve --replay fixtures/demo/cassette.json --params fixtures/demo/params.json --state /tmp/okta-iam-state.json",
        "okta-iam call --params fixtures/demo/params.json --replay fixtures/demo/cassette.json iam-get-user user-profile='{\"email\": \"jordan.rivera@example.com\"}'",
    ] {
        assert!(readme.contains(command), "README.md does not show: {command}");
    }
    // Where the demo cassette comes from (`regenerate` below): the fake Okta, not an org.
    assert!(readme.contains("The cassette was recorded from the project's own fake Okta"));
    assert!(!readme.contains("demo org"));
}

/// Seeds the fake like a small real org, records the demo script against it, and writes
/// `fixtures/demo/` (cassette with the fake's address replaced by the demo org URL).
#[test]
#[ignore]
fn regenerate() {
    let fake = FakeOkta::start();
    let person = |first: &str, last: &str, dept: &str, title: &str, number: &str| {
        let login = format!(
            "{}.{}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        );
        json!({"login": login, "email": login, "firstName": first, "lastName": last,
               "displayName": format!("{first} {last}"), "department": dept, "title": title,
               "employeeNumber": number, "organization": "Acme Corp"})
    };
    let jordan = fake.add_user(
        person("Jordan", "Rivera", "Engineering", "Staff Engineer", "1024"),
        "ACTIVE",
    );
    let sam = fake.add_user(
        person("Sam", "Patel", "Finance", "Controller", "2048"),
        "ACTIVE",
    );
    let alex = fake.add_user(
        person("Alex", "Kim", "Sales", "Account Executive", "3072"),
        "SUSPENDED",
    );
    let workday = fake.add_app("workday", "Workday (HR portal)");
    let salesforce = fake.add_app("salesforce", "Salesforce");
    let _slack = fake.add_app("slack", "Slack");
    fake.assign(
        &workday,
        &jordan,
        json!({"employeeId": "1024", "costCenter": "ENG-01"}),
    );
    fake.assign(&salesforce, &alex, json!({"role": "AE"}));
    let finance = fake.add_group("Finance Analysts");
    fake.add_member(&finance, &sam);
    fake.add_member(&finance, &jordan);
    let now = chrono::Utc::now();
    let published = |hours_ago: i64| {
        (now - chrono::Duration::hours(hours_ago))
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    };
    fake.push_events(3, &published(30));
    fake.push_events(3, &published(6));

    let profile = |v: Value| v.to_string();
    let script = [
        json!({"command": "test-module"}),
        json!({"command": "iam-create-user", "args": {"user-profile": profile(json!({
            "email": "dana.lee@example.com", "username": "dana.lee@example.com", "givenname": "Dana",
            "surname": "Lee", "displayname": "Dana Lee", "department": "Finance", "title": "Analyst",
            "employeeid": "4417", "organization": "Acme Corp"}))}}),
        json!({"command": "iam-get-user", "args": {"user-profile": profile(json!({"email": "dana.lee@example.com"}))}}),
        json!({"command": "iam-get-user", "args": {"user-profile": profile(json!({"email": "jordan.rivera@example.com"}))}}),
        json!({"command": "iam-update-user", "args": {"user-profile": profile(json!({"email": "dana.lee@example.com", "title": "Senior Analyst"}))}}),
        json!({"command": "iam-disable-user", "args": {"user-profile": profile(json!({"email": "dana.lee@example.com"}))}}),
        json!({"command": "iam-enable-user", "args": {"user-profile": profile(json!({"email": "dana.lee@example.com"}))}}),
        json!({"command": "iam-enable-user", "args": {"user-profile": profile(json!({"email": "alex.kim@example.com"}))}}),
        json!({"command": "okta-iam-list-applications", "args": {"limit": "10"}}),
        json!({"command": "okta-iam-list-user-applications", "args": {"user_id": jordan}}),
        json!({"command": "okta-get-app-user-assignment", "args": {"user_id": jordan, "application_id": workday}}),
        json!({"command": "okta-iam-set-configuration", "args": {"configuration": json!([
            {"ApplicationID": workday, "Name": "workday", "Label": "Workday (HR portal)", "Instance": "Workday IAM_instance_1"}]).to_string()}}),
        json!({"command": "okta-iam-get-configuration"}),
        json!({"command": "iam-get-group", "args": {"scim": profile(json!({"displayName": "Finance Analysts"})), "includeMembers": "true"}}),
        json!({"command": "okta-get-logs", "args": {"since": published(48), "limit": "3"}}),
        json!({"command": "fetch-incidents"}),
        json!({"command": "fetch-incidents"}),
    ];
    // Only commands this build serves (the script is the whole lifecycle once all exist).
    let script_text: String = script
        .iter()
        .filter(|l| {
            okta_iam::catalogue::find(
                &okta_iam::okta::vendor::OKTA,
                l["command"].as_str().unwrap_or_default(),
            )
            .is_some()
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let params = json!({"url": DEMO_URL, "apitoken": "demo-token-not-a-secret",
                        "auto_generate_query_filter": true, "first_fetch": "7 days", "max_fetch": "1"});

    let dir = temp_dir("demo-record");
    let record_params = dir.join("params.json");
    let mut live = params.clone();
    live["url"] = json!(fake.url());
    live["apitoken"] = json!(FakeOkta::TOKEN);
    std::fs::write(&record_params, live.to_string()).unwrap();
    let cassette = dir.join("cassette.json");
    let output = run(
        &[
            "serve",
            "--params",
            record_params.to_str().unwrap(),
            "--state",
            dir.join("state.json").to_str().unwrap(),
            "--record",
            cassette.to_str().unwrap(),
        ],
        script_text.as_bytes(),
    );
    assert!(output.status.success());
    let entries = result_entries(&protocol_lines(&output.stdout));
    let errors: Vec<&Value> = entries.iter().filter(|e| e["Type"] == 4).collect();
    assert!(
        errors.is_empty(),
        "recording produced error entries: {errors:?}"
    );
    let recorded = std::fs::read_to_string(&cassette)
        .unwrap()
        .replace(&fake.url(), DEMO_URL)
        .replace("fake.admin@example.com", "it.admin@example.com")
        .replace("Fake Admin", "IT Admin")
        .replace("Fake", "Admin")
        .replace("00o1fake0org", "00o1acme0org");
    std::fs::write(demo_dir().join("cassette.json"), recorded).unwrap();
    std::fs::write(demo_dir().join("commands.ndjson"), script_text).unwrap();
    std::fs::write(
        demo_dir().join("params.json"),
        serde_json::to_string_pretty(&params).unwrap() + "\n",
    )
    .unwrap();
}
