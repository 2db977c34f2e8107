//! The SCIM demo (`fixtures/demo/scim/`, built into `okta-iam demo --vendor scim`): it
//! replays the whole lifecycle offline, the same through `serve --vendor scim --replay`.
//! `cargo test --test it binary::scim_demo::regenerate -- --ignored` re-records its cassette
//! against the local fake SCIM server (`crates/fake_scim`), seeded like a small directory.

use crate::support as common;

use std::path::PathBuf;

use common::*;
use fake_scim::FakeScim;
use serde_json::{json, Value};

/// The demo app's SCIM base URL, as the committed cassette and params name it.
const DEMO_URL: &str = "https://scim.example.com/scim/v2";
const DEMO_ORIGIN: &str = "https://scim.example.com";

fn demo_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/scim"))
}

#[test]
fn the_scim_demo_walks_the_lifecycle_offline_and_serve_replays_it_the_same() {
    let output = run(&["demo", "--vendor", "scim", "--json"], b"");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines = protocol_lines(&output.stdout);
    let script = std::fs::read_to_string(demo_dir().join("commands.ndjson")).unwrap();
    let script_lines = script.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(script_lines >= 8, "the demo script walks the lifecycle");
    assert_eq!(
        lines.iter().filter(|l| l["type"] == "completed").count(),
        script_lines
    );
    let entries = result_entries(&lines);
    let errors: Vec<&Value> = entries.iter().filter(|e| e["Type"] == 4).collect();
    assert!(errors.is_empty(), "the demo has error entries: {errors:?}");
    assert_eq!(entries[0]["Contents"], "ok");
    let brands: Vec<&Value> = entries
        .iter()
        .filter_map(|e| e["Contents"].get("brand"))
        .collect();
    assert!(!brands.is_empty() && brands.iter().all(|b| *b == "SCIM IAM"));
    for entry in &entries {
        if let Some(success) = entry["Contents"].get("success") {
            assert_eq!(success, true, "{entry}");
        }
    }

    let dir = temp_dir("scim-demo-serve");
    let served = run(
        &[
            "serve",
            "--vendor",
            "scim",
            "--replay",
            demo_dir().join("cassette.json").to_str().unwrap(),
            "--params",
            demo_dir().join("params.json").to_str().unwrap(),
            "--state",
            dir.join("state.json").to_str().unwrap(),
        ],
        script.as_bytes(),
    );
    assert_eq!(
        String::from_utf8_lossy(&served.stdout),
        String::from_utf8_lossy(&output.stdout)
    );

    let walkthrough = run(&["demo", "--vendor", "scim"], b"");
    let text = String::from_utf8_lossy(&walkthrough.stdout);
    assert!(text.starts_with("okta-iam demo --vendor scim: the SCIM IAM lifecycle"));
    assert!(
        text.contains(" SCIM requests, answered from the cassette."),
        "{text}"
    );
}

/// Re-records `fixtures/demo/scim/` against the fake SCIM server (its address replaced by
/// the demo app's URL in the cassette).
#[test]
#[ignore]
fn regenerate() {
    let fake = FakeScim::start();
    let person = |first: &str, last: &str, title: &str, department: &str, number: &str| {
        let email = format!(
            "{}.{}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        );
        json!({"userName": email, "displayName": format!("{first} {last}"), "title": title,
            "name": {"givenName": first, "familyName": last},
            "emails": [{"value": email, "type": "work", "primary": true}],
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "department": department, "employeeNumber": number, "organization": "Acme Corp"}})
    };
    let jordan = fake.add_user(person(
        "Jordan",
        "Rivera",
        "Staff Engineer",
        "Engineering",
        "1024",
    ));
    let sam = fake.add_user(person("Sam", "Patel", "Controller", "Finance", "2048"));
    let mut alex = person("Alex", "Kim", "Account Executive", "Sales", "3072");
    alex["active"] = json!(false);
    fake.add_user(alex);
    fake.add_group("Finance Analysts", &[&sam, &jordan]);

    let profile = |v: Value| v.to_string();
    let script = [
        json!({"command": "test-module"}),
        json!({"command": "get-mapping-fields"}),
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
        json!({"command": "iam-get-group", "args": {"scim": profile(json!({"displayName": "Finance Analysts"})), "includeMembers": "true"}}),
    ];
    let script_text: String = script.iter().map(|l| format!("{l}\n")).collect();
    let params = json!({"url": DEMO_URL, "credentials": {"identifier": "", "password": "demo-token-not-a-secret"}});

    let dir = temp_dir("scim-demo-record");
    let record_params = dir.join("params.json");
    let mut live = params.clone();
    live["url"] = json!(fake.base_url());
    live["credentials"]["password"] = json!(fake_scim::TOKEN);
    std::fs::write(&record_params, live.to_string()).unwrap();
    let cassette = dir.join("cassette.json");
    let output = run(
        &[
            "serve",
            "--vendor",
            "scim",
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
        .replace(&fake.url(), DEMO_ORIGIN);
    std::fs::write(demo_dir().join("cassette.json"), recorded).unwrap();
    std::fs::write(demo_dir().join("commands.ndjson"), script_text).unwrap();
    std::fs::write(
        demo_dir().join("params.json"),
        serde_json::to_string_pretty(&params).unwrap() + "\n",
    )
    .unwrap();
}
