//! The local state file (`--state FILE`) through the real binary: one daemon per file, what
//! the writer refuses (too deep, too large, read-only, a newer format), one damaged instance
//! never breaking another, symlinks and modes kept, stale temporary files removed.

use crate::support as common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use common::{protocol_lines, result_entries, run, temp_dir, Daemon};
use serde_json::{json, Value};

const INSTANCE: &str = "Okta IAM_instance_1";

fn set_configuration(instance: &str, configuration: &Value) -> String {
    json!({
        "command": "okta-iam-set-configuration",
        "args": {"configuration": configuration.to_string()},
        "context": {"IntegrationInstance": instance}
    })
    .to_string()
        + "\n"
}

fn get_configuration(instance: &str) -> String {
    json!({"command": "okta-iam-get-configuration", "context": {"IntegrationInstance": instance}})
        .to_string()
        + "\n"
}

/// Serves the lines with `--state FILE` and returns the entries.
fn serve(state: &Path, input: &str) -> Vec<Value> {
    let out = run(
        &["serve", "--state", state.to_str().unwrap()],
        input.as_bytes(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    result_entries(&protocol_lines(&out.stdout))
}

fn error_text(entry: &Value) -> String {
    assert_eq!(entry["Type"], 4, "{entry}");
    entry["Contents"].as_str().unwrap().to_string()
}

fn row(id: &str) -> Value {
    json!({"ApplicationID": id, "Instance": "Workday IAM_instance_1"})
}

fn nested(levels: usize) -> String {
    format!("{}1{}", "[".repeat(levels), "]".repeat(levels))
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_row_too_deep_or_a_configuration_too_large_is_refused_naming_the_row() {
    let dir = temp_dir("state-limits");
    let state = dir.join("state.json");
    serve(&state, &set_configuration(INSTANCE, &json!([row("0oa1")])));
    let before = std::fs::read(&state).unwrap();

    // A row nested 124 levels deep (readable alone, unreadable once stored).
    let deep: Value = serde_json::from_str(&format!(
        r#"[{{"ApplicationID":"0oa1"}},{{"ApplicationID":"0oa2","x":{}}}]"#,
        nested(123)
    ))
    .unwrap();
    // 13 MB of rows.
    let huge = Value::Array(
        (0..100_000)
            .map(|i| json!({"ApplicationID": format!("0oa{i:08}"), "Label": "l".repeat(100)}))
            .collect(),
    );
    let entries = serve(
        &state,
        &(set_configuration(INSTANCE, &deep)
            + &set_configuration(INSTANCE, &huge)
            + &get_configuration(INSTANCE)),
    );
    assert_eq!(
        error_text(&entries[0]),
        "Failed to execute okta-iam-set-configuration command. Error: Configuration row 1 is nested 124 levels deep; the limit is 32. Nothing was saved."
    );
    let text = error_text(&entries[1]);
    assert!(
        text.contains("Configuration row ")
            && text.contains("past 1048576 bytes of JSON, the limit of the integration context"),
        "{text}"
    );
    assert_eq!(entries[2]["Type"], 1, "still readable: {}", entries[2]);
    assert_eq!(
        std::fs::read(&state).unwrap(),
        before,
        "nothing was written"
    );

    // Engine mode: refused before any request goes to the host.
    let out = run(&["serve"], set_configuration(INSTANCE, &huge).as_bytes());
    let lines = protocol_lines(&out.stdout);
    assert!(
        lines.iter().all(|l| l["type"] != "executeCommand"),
        "{lines:?}"
    );
    assert!(error_text(&result_entries(&lines)[0]).contains("past 1048576 bytes"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn one_damaged_instance_never_breaks_another_and_set_configuration_repairs_it() {
    let dir = temp_dir("state-isolation");
    let state = dir.join("state.json");
    // Written by an older okta-iam: instance A's configuration is 130 levels deep.
    let text = format!(
        r#"{{"version": 1, "instances": {{
  "A": {{"integrationContext": {{"IAMConfiguration": {}, "other": "kept"}}, "lastRun": {{}}}},
  "B": {{"integrationContext": {{"IAMConfiguration": [{{"ApplicationID": "0oaB"}}]}}, "lastRun": {{"x": 1}}}}
}}}}"#,
        nested(130)
    );
    std::fs::write(&state, &text).unwrap();
    let entries = serve(
        &state,
        &(get_configuration("B")
            + &get_configuration("A")
            + &set_configuration("B", &json!([row("0oaB2")]))),
    );
    assert_eq!(entries[0]["Contents"], json!([{"ApplicationID": "0oaB"}]));
    let damaged = error_text(&entries[1]);
    assert!(
        damaged.contains("The integration context of instance 'A'")
            && damaged.contains("IAMConfiguration cannot be read")
            && damaged.contains("Other instances are not affected")
            && damaged.contains("Run okta-iam-set-configuration"),
        "{damaged}"
    );
    assert_eq!(entries[2]["Type"], 1, "{}", entries[2]);
    // B's write kept A's entry byte for byte.
    let after = std::fs::read_to_string(&state).unwrap();
    assert!(after.contains(&nested(130)), "A's entry was rewritten");

    // The corrective set-configuration replaces the damaged key and keeps the others.
    let entries = serve(
        &state,
        &(set_configuration("A", &json!([row("0oaA")])) + &get_configuration("A")),
    );
    assert_eq!(entries[0]["Type"], 1, "{}", entries[0]);
    assert_eq!(
        entries[1]["Contents"],
        json!([{"ApplicationID": "0oaA", "Instance": "Workday IAM_instance_1"}])
    );
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(
        file["instances"]["A"]["integrationContext"]["other"],
        "kept"
    );
    assert_eq!(file["instances"]["B"]["lastRun"], json!({"x": 1}));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_second_daemon_on_the_same_state_file_exits_2_naming_the_holder() {
    let dir = temp_dir("state-lock");
    let state = dir.join("state.json");
    let link = dir.join("link.json");
    std::os::unix::fs::symlink(&state, &link).unwrap();
    let state_arg = state.to_str().unwrap();
    let mut first = Daemon::spawn(&["serve", "--state", state_arg], &[]);
    let wait = Duration::from_secs(20);
    first.execute(&set_configuration(INSTANCE, &json!([row("0oa1")])), wait);
    let holder = format!("pid {}", first.pid());

    for args in [
        vec!["serve", "--state", state_arg],
        vec!["serve", "--state", link.to_str().unwrap()],
        vec!["call", "--state", state_arg, "okta-iam-get-configuration"],
    ] {
        let out = run(
            &args,
            set_configuration(INSTANCE, &json!([row("0oa2")])).as_bytes(),
        );
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is in use by another okta-iam process")
                && stderr.contains(&holder)
                && stderr.contains("One state file serves one daemon at a time"),
            "{args:?}: {stderr}"
        );
    }
    // The first daemon still owns the file and its writes are the only ones.
    let entries = result_entries(&first.execute(&get_configuration(INSTANCE), wait));
    assert_eq!(entries[0]["Contents"][0]["ApplicationID"], "0oa1");
    first.finish();
    assert!(
        !dir.join("state.json.lock").exists(),
        "the lock file is removed"
    );
    // Once it is gone, the next daemon starts.
    let entries = serve(&state, &get_configuration(INSTANCE));
    assert_eq!(entries[0]["Contents"][0]["ApplicationID"], "0oa1");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn symlinks_modes_read_only_files_and_stale_temp_files() {
    let dir = temp_dir("state-file");
    let real_dir = dir.join("real");
    std::fs::create_dir_all(&real_dir).unwrap();
    let target = real_dir.join("state.json");
    let link = dir.join("state.json");
    std::os::unix::fs::symlink("real/state.json", &link).unwrap();

    // A new file is created owner-only, through the symlink.
    serve(&link, &set_configuration(INSTANCE, &json!([row("0oa1")])));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(mode(&target), 0o600);
    assert!(std::fs::read_to_string(&target).unwrap().contains("0oa1"));

    // An existing file keeps its mode.
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    serve(&link, &set_configuration(INSTANCE, &json!([row("0oa2")])));
    assert_eq!(mode(&target), 0o640);
    assert!(std::fs::read_to_string(&target).unwrap().contains("0oa2"));

    // A read-only file is refused, not replaced.
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&target).unwrap();
    let entries = serve(&link, &set_configuration(INSTANCE, &json!([row("0oa3")])));
    let text = error_text(&entries[0]);
    assert!(
        text.contains("is read-only; it is left untouched"),
        "{text}"
    );
    assert_eq!(std::fs::read(&target).unwrap(), before);
    assert_eq!(mode(&target), 0o444);
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Temporary files of writers that died are removed at start-up; a live writer's is kept.
    let stale = [
        real_dir.join(".state.json.tmp-4194000"),
        real_dir.join(".state.json.tmp-4194001-Xa9b"),
    ];
    let live = real_dir.join(format!(".state.json.tmp-{}-live", std::process::id()));
    for path in stale.iter().chain([&live]) {
        std::fs::write(path, b"{\"version\": 1, \"instan").unwrap();
    }
    serve(&link, &get_configuration(INSTANCE));
    for path in &stale {
        assert!(!path.exists(), "{path:?} is left behind");
    }
    assert!(live.exists());
    let _ = std::fs::remove_file(&live);

    // A newer format is refused with a clear error and never rewritten.
    let newer = r#"{"version": 99, "instances": {}, "future": true}"#;
    std::fs::write(&target, newer).unwrap();
    let entries = serve(
        &link,
        &(set_configuration(INSTANCE, &json!([row("0oa4")])) + &get_configuration(INSTANCE)),
    );
    for entry in &entries {
        let text = error_text(entry);
        assert!(
            text.contains(
                "was written by a newer okta-iam (state file format 99; this one reads format 1)"
            ),
            "{text}"
        );
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), newer);
    let _ = std::fs::remove_dir_all(&dir);
}
