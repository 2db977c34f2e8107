//! `fetch-incidents` with a bad `first_fetch` or a damaged saved position, through the real
//! binary (`serve --state FILE`) against the local fake Okta: nothing is delivered twice,
//! nothing is skipped for ever, and every refusal says what to fix.

use crate::support as common;

use std::path::Path;

use common::{protocol_lines, result_entries, run, temp_dir};
use fake_okta::FakeOkta;
use okta_iam::okta::commands::fetch::filter_fingerprint;
use serde_json::{json, Value};

/// A `published` time `hours` before now (restarts never reach past Okta's 90-day retention).
fn hours_ago(hours: f64) -> String {
    let at = chrono::Utc::now() - chrono::Duration::milliseconds((hours * 3_600_000.0) as i64);
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

const FILTER: &str = r#"eventType eq "application.user_membership.add""#;
const INSTANCE: &str = "Okta IAM_instance_1";

fn params(okta: &FakeOkta, first_fetch: &str, max_fetch: u32) -> Value {
    json!({
        "url": okta.url(),
        "apitoken": FakeOkta::TOKEN,
        "isFetch": true,
        "auto_generate_query_filter": false,
        "fetch_query_filter": FILTER,
        "first_fetch": first_fetch,
        "max_fetch": max_fetch.to_string()
    })
}

fn line(command: &str, params: &Value) -> String {
    json!({"command": command, "args": {}, "params": params}).to_string() + "\n"
}

/// Runs the lines through `serve --state` and returns the entries and stderr.
fn serve(state: &Path, input: &str) -> (Vec<Value>, String) {
    let out = run(
        &[
            "serve",
            "--state",
            state.to_str().unwrap(),
            "--log-level",
            "warn",
        ],
        input.as_bytes(),
    );
    assert!(out.status.success());
    (
        result_entries(&protocol_lines(&out.stdout)),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn incidents(entry: &Value) -> Vec<String> {
    assert_eq!(entry["Type"], 1, "{entry}");
    let list: Vec<Value> = serde_json::from_str(entry["Contents"].as_str().unwrap()).unwrap();
    list.iter()
        .map(|i| i["dbotMirrorId"].as_str().unwrap().to_string())
        .collect()
}

fn error_text(entry: &Value) -> String {
    assert_eq!(entry["Type"], 4, "{entry}");
    entry["Contents"].as_str().unwrap().to_string()
}

fn write_last_run(state: &Path, last_run: Value) {
    let file = json!({"version": 1, "instances": {INSTANCE: {"lastRun": last_run}}});
    std::fs::write(state, serde_json::to_vec_pretty(&file).unwrap()).unwrap();
}

fn saved_last_run(state: &Path) -> Value {
    let file: Value = serde_json::from_slice(&std::fs::read(state).unwrap()).unwrap();
    file["instances"][INSTANCE]["lastRun"].clone()
}

/// A last run saved by an older okta-iam that accepted a first fetch time in 2062.
fn future_last_run(okta: &FakeOkta, high_water: Option<&str>, seen: &[String]) -> Value {
    let since = "2062-01-01T00:00:00.000Z";
    json!({
        "version": 2,
        "filter": filter_fingerprint(FILTER),
        "since": since,
        "cursor": {
            "url": format!(
                "{}/api/v1/logs?filter={}&since={}&limit=50&sortOrder=ASCENDING",
                okta.url(),
                url_encode(FILTER),
                url_encode(since)
            ),
            "skip": 0,
            "last_uuid": null
        },
        "high_water": high_water,
        "seen": seen
    })
}

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn a_first_fetch_time_in_the_future_is_an_error_naming_the_param() {
    let okta = FakeOkta::start();
    okta.push_events(5, "2025-05-20T16:00:00.000Z");
    let dir = temp_dir("future-first-fetch");
    let state = dir.join("state.json");
    let typo = params(&okta, "2062-01-01T00:00:00Z", 50);
    let (entries, _) = serve(
        &state,
        &(line("test-module", &typo) + &line("fetch-incidents", &typo)),
    );
    assert_eq!(entries.len(), 2);
    for entry in &entries {
        let text = error_text(entry);
        assert!(
            text.contains("First fetch timestamp parameter (first_fetch) is in the future: '2062-01-01T00:00:00Z'"),
            "{text}"
        );
    }
    assert!(!state.exists(), "no position was saved");
    // Fixed: the first fetch starts where the param says.
    let fixed = params(&okta, "2025-05-01T00:00:00Z", 50);
    let (entries, _) = serve(&state, &line("fetch-incidents", &fixed));
    assert_eq!(incidents(&entries[0]).len(), 5);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_saved_position_in_the_future_is_repaired_not_trusted() {
    let okta = FakeOkta::start();
    let dir = temp_dir("future-position");
    let state = dir.join("state.json");
    let fixed = params(&okta, "2025-05-01T00:00:00Z", 50);

    // No high-water mark: nothing was ever delivered, so it restarts from first_fetch.
    let published = hours_ago(48.0);
    let expected = okta.push_events(4, &published);
    write_last_run(&state, future_last_run(&okta, None, &[]));
    let (entries, stderr) = serve(&state, &line("fetch-incidents", &fixed));
    assert_eq!(incidents(&entries[0]), expected);
    assert!(stderr.contains("in the future"), "{stderr}");
    let repaired = saved_last_run(&state);
    assert!(repaired["since"].as_str().unwrap() < "2030", "{repaired}");

    // With a high-water mark: from the mark minus the lag, the delivered uuids skipped.
    write_last_run(&state, future_last_run(&okta, Some(&published), &expected));
    let later = okta.push_events(3, &hours_ago(47.5));
    let (entries, _) = serve(&state, &line("fetch-incidents", &fixed));
    assert_eq!(incidents(&entries[0]), later);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_last_run_that_is_not_an_object_is_an_error_never_a_silent_refetch() {
    let okta = FakeOkta::start();
    okta.push_events(10, "2025-05-20T16:00:00.000Z");
    let dir = temp_dir("damaged-last-run");
    let state = dir.join("state.json");
    let fetch = params(&okta, "2025-05-01T00:00:00Z", 50);
    for (damaged, kind) in [
        (json!("garbage"), "a string"),
        (json!(42), "a number"),
        (json!([]), "an array"),
        (json!(null), "null"),
        (json!({"cursor_was_here": 1}), "no known format"),
    ] {
        write_last_run(&state, damaged.clone());
        let before = std::fs::read(&state).unwrap();
        let (entries, stderr) = serve(&state, &line("fetch-incidents", &fetch));
        assert!(
            stderr.contains("the last run is damaged"),
            "{damaged}: {stderr}"
        );
        let text = error_text(&entries[0]);
        assert!(
            text.starts_with(
                "Failed to execute fetch-incidents command. Error: The last run of this instance is damaged: "
            ) && text.contains(kind)
                && text.contains("reset the last run of this instance"),
            "{damaged}: {text}"
        );
        assert_eq!(
            std::fs::read(&state).unwrap(),
            before,
            "{damaged}: untouched"
        );
    }
    // `{}` is a reset: it starts from first_fetch.
    write_last_run(&state, json!({}));
    let (entries, _) = serve(&state, &line("fetch-incidents", &fetch));
    assert_eq!(incidents(&entries[0]).len(), 10);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_last_run_that_lost_its_cursor_is_repaired_from_what_survives() {
    let okta = FakeOkta::start();
    let first = okta.push_events(10, &hours_ago(48.0));
    let dir = temp_dir("lost-cursor");
    let state = dir.join("state.json");
    let fetch = params(&okta, "2025-05-01T00:00:00Z", 50);
    let (entries, _) = serve(&state, &line("fetch-incidents", &fetch));
    assert_eq!(incidents(&entries[0]), first);

    let mut damaged = saved_last_run(&state);
    damaged.as_object_mut().unwrap().remove("cursor");
    write_last_run(&state, damaged);
    let later = okta.push_events(3, &hours_ago(47.9));
    let (entries, stderr) = serve(&state, &line("fetch-incidents", &fetch));
    assert_eq!(incidents(&entries[0]), later, "nothing repeated: {stderr}");
    assert!(stderr.contains("the last run is damaged"), "{stderr}");
    assert!(saved_last_run(&state)["cursor"]["url"].is_string());

    // Nothing left to resume from: an error, not a re-delivery.
    write_last_run(&state, json!({"version": 2, "seen": first}));
    let (entries, _) = serve(&state, &line("fetch-incidents", &fetch));
    let text = error_text(&entries[0]);
    assert!(text.contains("no high-water mark"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
