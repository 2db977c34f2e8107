//! The command line a person meets first, through the real binary: the demo walkthrough,
//! exit codes, unknown input, start-up checks, help, version, colour and completions.

use crate::support as common;

use std::path::PathBuf;

use common::*;
use serde_json::json;

fn demo(name: &str) -> String {
    format!("{}/fixtures/demo/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A cassette file in `dir` holding these interactions (recorded from acme.okta.com).
fn cassette(dir: &std::path::Path, interactions: serde_json::Value) -> PathBuf {
    let path = dir.join("cassette.json");
    std::fs::write(
        &path,
        json!({"version": 1, "origin": "https://acme.okta.com", "interactions": interactions})
            .to_string(),
    )
    .unwrap();
    path
}

fn params_file(dir: &std::path::Path, params: serde_json::Value) -> PathBuf {
    let path = dir.join("params.json");
    std::fs::write(&path, params.to_string()).unwrap();
    path
}

// ---- 1. the demo ----

#[test]
fn the_demo_is_a_readable_walkthrough_with_a_summary() {
    let output = run_with_env(&["demo"], b"", &[("COLUMNS", "100")]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let steps = std::fs::read_to_string(demo("commands.ndjson"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .count();
    assert!(
        stdout.starts_with("okta-iam demo: the Okta IAM lifecycle, answered by the cassette built into the binary\n(recorded from the project's fake Okta; no org, no network).\n"),
        "{stdout}"
    );
    // Every step: its number, command and status; its arguments; its table.
    assert!(
        stdout.contains(&format!("── 1/{steps}  test-module  [ok]\n\nok\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "── 3/{steps}  iam-get-user  [ok]\n   user-profile={{\"email\":\"dana.lee@example.com\"}}\n\nGet User Results (Okta IAM)\nbrand         Okta IAM\n"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("ID                   | Name       | Label               | Logo\n"),
        "{stdout}"
    );
    assert!(stdout.contains("1 incident fetched\n"), "{stdout}");
    assert_eq!(stdout.matches("  [ok]\n").count(), steps, "{stdout}");
    assert!(!stdout.contains("[FAILED]"), "{stdout}");
    // Long cells are trimmed to the width; no raw protocol JSON.
    for line in stdout.lines() {
        assert!(line.chars().count() <= 100, "too wide: {line}");
        assert!(!line.starts_with("{\"type\""), "{line}");
    }
    assert!(stdout.len() < 20_000, "{} bytes", stdout.len());
    let summary = stdout.lines().last().unwrap();
    assert!(
        summary.starts_with(&format!(
            "Summary: {steps} commands, all succeeded. 27 Okta requests, answered from the cassette. "
        )),
        "{summary}"
    );
    assert!(summary.ends_with(" s."), "{summary}");
}

#[test]
fn a_second_demo_on_the_same_state_fails_with_exit_1_and_says_why() {
    let dir = temp_dir("demo-twice");
    let state = dir.join("state.json");
    let state_arg = state.to_str().unwrap();
    let first = run(&["demo", "--state", state_arg], b"");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let second = run(&["demo", "--state", state_arg], b"");
    assert_eq!(second.status.code(), Some(1));
    let stdout = text(&second.stdout);
    assert!(stdout.contains("fetch-incidents  [FAILED]"), "{stdout}");
    assert!(stdout.contains("Error: Failed to execute fetch-incidents command. Error: Cassette miss: the cassette has no recorded answer for GET /api/v1/logs"), "{stdout}");
    assert!(!stdout.contains("Could not reach Okta"), "{stdout}");
    let stderr = text(&second.stderr);
    assert!(stderr.contains("demo steps failed."), "{stderr}");
    assert!(
        stderr.contains("held the state of an earlier run"),
        "{stderr}"
    );
    // The same with --json: the protocol output, and the same exit code.
    let json_run = run(&["demo", "--json", "--state", state_arg], b"");
    assert_eq!(json_run.status.code(), Some(1));
    let entries = result_entries(&protocol_lines(&json_run.stdout));
    assert!(entries.iter().any(|e| e["Type"] == 4));
}

// ---- 2. exit codes of call ----

#[test]
fn call_exits_1_for_an_iam_result_with_success_false() {
    let dir = temp_dir("call-iam-false");
    let cassette = cassette(
        &dir,
        json!([{"request": {"method": "GET", "path": "/api/v1/users", "query": [["filter", "profile.email eq \"dana.lee@example.com\""]]},
                "response": {"status": 401, "headers": [["content-type", "application/json"]],
                             "body": {"errorCode": "E0000011", "errorSummary": "Invalid token provided", "errorId": "oae1", "errorCauses": []}}}]),
    );
    let params = params_file(&dir, json!({"url": "https://acme.okta.com"}));
    let output = run(
        &[
            "call",
            "--params",
            params.to_str().unwrap(),
            "--replay",
            cassette.to_str().unwrap(),
            "iam-get-user",
            r#"user-profile={"email": "dana.lee@example.com"}"#,
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains("| Okta IAM | Okta IAM_instance_1 | false |"),
        "{stdout}"
    );
    // A successful IAM result still exits 0.
    let ok = run(
        &[
            "call",
            "--params",
            &demo("params.json"),
            "--replay",
            &demo("cassette.json"),
            "iam-get-user",
            r#"user-profile={"email": "jordan.rivera@example.com"}"#,
        ],
        b"",
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
}

// ---- 3. unknown input ----

#[test]
fn a_mistyped_command_gets_a_suggestion_and_exit_2() {
    let output = run(&["call", "iam-get-usr"], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert_eq!(
        text(&output.stderr),
        "error: unknown command 'iam-get-usr'. Did you mean 'iam-get-user'? Run `okta-iam commands` to list every command with its arguments.\n"
    );
    let subcommand = run(&["deom"], b"");
    assert_eq!(subcommand.status.code(), Some(2));
    assert!(
        text(&subcommand.stderr).contains("a similar subcommand exists: 'demo'"),
        "{}",
        text(&subcommand.stderr)
    );
}

#[test]
fn commands_and_call_help_list_every_command_with_its_arguments() {
    let listing = run(&["commands"], b"");
    assert_eq!(listing.status.code(), Some(0));
    let help = run(&["call", "--help"], b"");
    assert_eq!(help.status.code(), Some(0));
    for output in [text(&listing.stdout), text(&help.stdout)] {
        for spec in okta_iam::catalogue::all(&okta_iam::okta::vendor::OKTA) {
            assert!(
                output.contains(&format!("\n{}", spec.name)),
                "{}",
                spec.name
            );
            for arg in spec.args {
                assert!(
                    output.contains(&format!("    {}  ", arg.name)),
                    "{} {}",
                    spec.name,
                    arg.name
                );
            }
        }
    }
    assert!(text(&listing.stdout)
        .contains("okta-iam-list-applications\n    Returns a list of Okta applications data.\n"));
}

#[test]
fn commands_lists_the_named_vendors_commands_and_refuses_an_unknown_vendor() {
    let default = run(&["commands"], b"");
    let okta = run(&["commands", "--vendor", "okta"], b"");
    assert_eq!(okta.status.code(), Some(0));
    assert_eq!(text(&okta.stdout), text(&default.stdout));
    let unknown = run(&["commands", "--vendor", "nope"], b"");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("Unknown vendor 'nope'. This binary serves: okta, scim."),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn call_rejects_an_unknown_argument_but_serve_accepts_extra_ones() {
    let output = run(&["call", "okta-iam-list-applications", "limt=3"], b"");
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        text(&output.stderr),
        "okta-iam: unknown argument 'limt' for okta-iam-list-applications. Did you mean 'limit'? Its arguments: query, page, limit.\n"
    );
    let none = run(&["call", "okta-iam-get-configuration", "using=x"], b"");
    assert_eq!(none.status.code(), Some(2));
    assert!(text(&none.stderr).contains("okta-iam-get-configuration takes no arguments."));
    // XSOAR adds arguments of its own (`using`); the loop ignores them.
    let dir = temp_dir("serve-extra-args");
    let served = run(
        &["serve", "--state", dir.join("s.json").to_str().unwrap()],
        b"{\"command\":\"okta-iam-get-configuration\",\"args\":{\"using\":\"Okta IAM_instance_1\"}}\n",
    );
    assert_eq!(served.status.code(), Some(0));
    let entries = result_entries(&protocol_lines(&served.stdout));
    assert_eq!(entries[0]["Type"], 1, "{entries:?}");
}

#[test]
fn an_invalid_log_level_is_a_usage_error() {
    for args in [
        vec!["serve", "--log-level", "warning"],
        vec!["call", "--log-level", "verbose", "test-module"],
    ] {
        let output = run(&args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("[possible values: off, error, warn, info, debug, trace]"),
            "{stderr}"
        );
    }
}

// ---- 4. start-up checks ----

#[test]
fn an_unusable_state_or_record_path_is_refused_at_start_up() {
    let dir = temp_dir("state-path");
    let missing = dir.join("no-such-dir").join("state.json");
    for (args, message) in [
        (
            vec!["serve", "--state", dir.to_str().unwrap()],
            "it is a directory",
        ),
        (
            vec!["serve", "--state", missing.to_str().unwrap()],
            "does not exist",
        ),
        (
            vec!["call", "--state", dir.to_str().unwrap(), "test-module"],
            "it is a directory",
        ),
        (
            vec!["demo", "--state", missing.to_str().unwrap()],
            "does not exist",
        ),
        (
            vec!["serve", "--record", missing.to_str().unwrap()],
            "does not exist",
        ),
        (
            vec!["call", "--record", dir.to_str().unwrap(), "test-module"],
            "it is a directory",
        ),
    ] {
        let output = run(&args, b"ping\n");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        let stderr = text(&output.stderr);
        let what = if args.contains(&"--record") {
            "okta-iam: cannot record to "
        } else {
            "okta-iam: cannot use the state file "
        };
        assert!(
            stderr.starts_with(what) && stderr.contains(message),
            "{stderr}"
        );
    }
}

#[test]
fn replay_needs_no_token() {
    let dir = temp_dir("replay-no-token");
    let params = params_file(&dir, json!({"url": "https://acme.okta.com"}));
    let output = run(
        &[
            "serve",
            "--replay",
            &demo("cassette.json"),
            "--params",
            params.to_str().unwrap(),
            "--state",
            dir.join("s.json").to_str().unwrap(),
        ],
        b"{\"command\":\"test-module\"}\n",
    );
    assert_eq!(output.status.code(), Some(0));
    let entries = result_entries(&protocol_lines(&output.stdout));
    assert_eq!(entries[0]["Contents"], "ok", "{entries:?}");
    // Without --replay the token is still required.
    let live = run(
        &["call", "--params", params.to_str().unwrap(), "test-module"],
        b"",
    );
    assert_eq!(live.status.code(), Some(1));
    assert!(text(&live.stderr).contains("Missing API token."));
}

// ---- 5. cassettes (recording twice: tests/it/client/cassette.rs) ----

#[test]
fn a_replay_miss_is_named_a_cassette_miss_with_the_nearest_request_by_path() {
    let dir = temp_dir("replay-miss");
    let cassette = cassette(
        &dir,
        json!([
            {"request": {"method": "GET", "path": "/api/v1/apps/0oa1/users/00u1"},
             "response": {"status": 200, "headers": [["content-type", "application/json"]], "body": {"id": "00u1"}}},
            {"request": {"method": "GET", "path": "/api/v1/groups/00g1"},
             "response": {"status": 200, "headers": [["content-type", "application/json"]], "body": {"id": "00g1"}}}
        ]),
    );
    let output = run(
        &[
            "call",
            "--params",
            &demo("params.json"),
            "--replay",
            cassette.to_str().unwrap(),
            "okta-get-app-user-assignment",
            "user_id=00u2",
            "application_id=0oa1",
        ],
        b"",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("Error: Cassette miss: the cassette has no recorded answer for GET /api/v1/apps/0oa1/users/00u2 (nearest recorded: GET /api/v1/apps/0oa1/users/00u1)."),
        "{stderr}"
    );
    assert!(!stderr.contains("Could not reach"), "{stderr}");
    assert!(!stderr.contains("network"), "{stderr}");
    // Not retried: one log line at most, no "retry".
    assert!(!stderr.contains("retry"), "{stderr}");
}

// ---- 6. slow failures ----

fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn each_retry_is_said_at_info_and_the_total_is_bounded() {
    let dir = temp_dir("retry-lines");
    let params = params_file(
        &dir,
        json!({"url": format!("http://127.0.0.1:{}", closed_port())}),
    );
    let token = "iam-test-token-0123456789abcdef";
    let output = run_with_env(
        &[
            "call",
            "--params",
            params.to_str().unwrap(),
            "--max-retries",
            "1",
            "test-module",
        ],
        b"",
        &[("OKTA_API_TOKEN", token)],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    let retries: Vec<&str> = stderr.lines().filter(|l| l.contains("retry ")).collect();
    assert_eq!(retries.len(), 1, "{stderr}");
    assert!(retries[0].contains(" INFO "), "{stderr}");
    assert!(
        retries[0].contains("GET /api/v1/users/me failed (nothing listens on 127.0.0.1:"),
        "{stderr}"
    );
    assert!(retries[0].contains("; retry 1 of 1 in "), "{stderr}");
    assert!(
        stderr.contains("Error: Failed to execute test-module command."),
        "{stderr}"
    );
    // The command deadline bounds the whole: a retry that would end after it is not waited for.
    let bounded = run_with_env(
        &[
            "call",
            "--params",
            params.to_str().unwrap(),
            "--command-deadline",
            "0.5",
            "test-module",
        ],
        b"",
        &[("OKTA_API_TOKEN", token)],
    );
    assert_eq!(bounded.status.code(), Some(1));
    let stderr = text(&bounded.stderr);
    assert!(
        stderr.contains("The command's time limit of 0.5 s ran out during GET /api/v1/users/me after 1 attempt."),
        "{stderr}"
    );
    assert!(!stderr.contains("retry "), "{stderr}");
}

// ---- 7. help, version, colour, completions ----

#[test]
fn help_names_the_token_variable_params_exit_codes_and_examples() {
    let output = run(&["--help"], b"");
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    for needle in [
        "OKTA_API_TOKEN",
        "NO_COLOR",
        "Params file (--params FILE): one JSON object of instance params",
        r#"{"url": "https://acme.okta.com""#,
        "Exit codes:\n  0  every result succeeded\n  1  a result was an error entry, or an IAM result with success: false",
        "  2  usage error",
        "Examples:\n  okta-iam demo\n  okta-iam call --params params.json iam-get-user",
        "completions",
        "commands",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
    let call = text(&run(&["call", "--help"], b"").stdout);
    assert!(
        call.contains("on 429 (rate limit), on 500, 502, 503 and 504 and on broken connections"),
        "{call}"
    );
}

#[test]
fn version_prints_the_version_and_the_commit() {
    let output = run(&["--version"], b"");
    assert_eq!(output.status.code(), Some(0));
    let version = text(&output.stdout);
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| text(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    assert_eq!(
        version,
        format!("okta-iam {} (commit {commit})\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn logs_respect_no_color() {
    let args = [
        "call",
        "--log-level",
        "debug",
        "--params",
        &demo("params.json"),
        "--replay",
        &demo("cassette.json"),
        "test-module",
    ];
    let args: Vec<&str> = args.to_vec();
    let forced = run_with_env(&args, b"", &[("CLICOLOR_FORCE", "1")]);
    assert_eq!(forced.status.code(), Some(0));
    assert!(
        text(&forced.stderr).contains("\x1b["),
        "{}",
        text(&forced.stderr)
    );
    let no_color = run_with_env(&args, b"", &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
    assert_eq!(no_color.status.code(), Some(0));
    let stderr = text(&no_color.stderr);
    assert!(stderr.contains("DEBUG"), "{stderr}");
    assert!(!stderr.contains('\x1b'), "{stderr}");
    // Not a terminal and nothing forced: plain.
    let plain = run(&args, b"");
    assert!(!text(&plain.stderr).contains('\x1b'));
}

#[test]
fn completions_come_from_the_command_line_definition() {
    let bash = run(&["completions", "bash"], b"");
    assert_eq!(bash.status.code(), Some(0));
    let script = text(&bash.stdout);
    assert!(script.contains("complete -F _okta__iam"), "{script}");
    for word in [
        "serve",
        "call",
        "demo",
        "commands",
        "--replay",
        "--log-level",
    ] {
        assert!(script.contains(word), "{word}");
    }
    // `call`'s COMMAND completes to the catalogue's names.
    for spec in okta_iam::catalogue::all(&okta_iam::okta::vendor::OKTA) {
        assert!(script.contains(spec.name), "{}", spec.name);
    }
    let zsh = run(&["completions", "zsh"], b"");
    assert!(text(&zsh.stdout).starts_with("#compdef okta-iam"));
    let bad = run(&["completions", "tcsh"], b"");
    assert_eq!(bad.status.code(), Some(2));
}

/// The transport, cassette and vendor options of `serve` and `call` apply to every vendor:
/// their help names no single one (an option that says "Okta" names the SCIM app too).
#[test]
fn serve_and_call_option_help_is_worded_for_every_vendor() {
    let command = okta_iam::cli::command();
    for name in ["serve", "call"] {
        let sub = command
            .get_subcommands()
            .find(|sub| sub.get_name() == name)
            .expect(name);
        let mut checked = 0;
        for arg in sub.get_arguments() {
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            if help.contains("Okta") {
                assert!(help.contains("SCIM"), "{name} --{}: {help}", arg.get_id());
            }
            checked += 1;
        }
        assert!(checked > 10, "{name} has its options");
        for flag in [
            "connect_timeout",
            "answer_timeout",
            "request_timeout",
            "max_retries",
        ] {
            let arg = sub
                .get_arguments()
                .find(|arg| arg.get_id() == flag)
                .expect(flag);
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            assert!(help.contains("vendor"), "{name} --{flag}: {help}");
        }
    }
    let about = command
        .get_about()
        .map(|a| a.to_string())
        .unwrap_or_default();
    assert!(about.contains("SCIM"), "{about}");
}
