//! `fetch-incidents` in local mode with `--user-profiles FILE`: events of known users are
//! enriched, the others dropped; without the flag nothing is enriched or dropped, and a
//! warning says so once per process.

use crate::support as common;

use common::{protocol_lines, result_entries, run, temp_dir};
use fake_okta::FakeOkta;
use serde_json::{json, Value};

fn fetch_line(okta: &FakeOkta) -> String {
    json!({"command": "fetch-incidents", "params": {
        "url": okta.url(), "apitoken": FakeOkta::TOKEN,
        "auto_generate_query_filter": false,
        "fetch_query_filter": "eventType eq \"application.user_membership.add\"",
        "first_fetch": "2025-05-01T00:00:00Z", "max_fetch": "100"}})
    .to_string()
}

fn events(stdout: &[u8]) -> Vec<Value> {
    result_entries(&protocol_lines(stdout))
        .iter()
        .flat_map(|entry| {
            let incidents: Vec<Value> =
                serde_json::from_str(entry["Contents"].as_str().unwrap()).unwrap();
            incidents
                .into_iter()
                .map(|i| serde_json::from_str::<Value>(i["rawJSON"].as_str().unwrap()).unwrap())
        })
        .collect()
}

fn seed(okta: &FakeOkta) {
    for login in ["ada@example.com", "cy@example.com"] {
        okta.add_user(json!({"login": login, "email": login}), "ACTIVE");
    }
    okta.add_app("salesforce", "Salesforce");
    okta.push_events(10, "2025-05-20T16:00:00.000Z");
}

#[test]
fn a_user_profiles_file_enriches_and_drops() {
    let okta = FakeOkta::start();
    seed(&okta);
    let dir = temp_dir("user-profiles");
    let profiles = dir.join("profiles.json");
    std::fs::write(
        &profiles,
        json!([{"indicator_type": "User Profile", "CustomFields": {"email": "ada@example.com", "displayname": "Ada Lovelace"}}]).to_string(),
    )
    .unwrap();
    let state = dir.join("state.json");
    let out = run(
        &[
            "serve",
            "--state",
            state.to_str().unwrap(),
            "--user-profiles",
            profiles.to_str().unwrap(),
            "--log-level",
            "info",
        ],
        format!("{}\n", fetch_line(&okta)).as_bytes(),
    );
    assert!(out.status.success());
    let events = events(&out.stdout);
    assert_eq!(events.len(), 5, "Cy's five events are dropped");
    for event in &events {
        assert_eq!(event["displayname"], "Ada Lovelace");
        assert_eq!(event["UserProfile"]["email"], "ada@example.com");
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr
            .matches("Dropping incident for user with username cy@example.com - User Profile does not exist in XSOAR.")
            .count(),
        5,
        "{stderr}"
    );
}

#[test]
fn without_the_file_nothing_is_enriched_and_a_warning_says_so_once() {
    let okta = FakeOkta::start();
    seed(&okta);
    let dir = temp_dir("no-user-profiles");
    let state = dir.join("state.json");
    let line = fetch_line(&okta);
    let out = run(
        &["serve", "--state", state.to_str().unwrap()],
        format!("{line}\n{line}\n").as_bytes(),
    );
    assert!(out.status.success());
    let events = events(&out.stdout);
    assert_eq!(events.len(), 10);
    assert!(events.iter().all(|e| e.get("UserProfile").is_none()));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("without --user-profiles FILE").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn an_unreadable_user_profiles_file_fails_the_fetch_and_names_the_file() {
    let okta = FakeOkta::start();
    seed(&okta);
    let dir = temp_dir("bad-user-profiles");
    let profiles = dir.join("profiles.json");
    std::fs::write(&profiles, "{not json").unwrap();
    let out = run(
        &[
            "serve",
            "--state",
            dir.join("state.json").to_str().unwrap(),
            "--user-profiles",
            profiles.to_str().unwrap(),
        ],
        format!("{}\n", fetch_line(&okta)).as_bytes(),
    );
    let entries = result_entries(&protocol_lines(&out.stdout));
    let text = entries[0]["Contents"].as_str().unwrap();
    assert!(
        text.starts_with(
            "Failed to execute fetch-incidents command. Error: The User Profiles file "
        ) && text.contains("is not valid JSON"),
        "{text}"
    );
    // The failed fetch committed nothing: the state file holds no last run.
    let state = std::fs::read_to_string(dir.join("state.json")).unwrap_or_default();
    assert!(!state.contains("lastRun"), "{state}");
}
