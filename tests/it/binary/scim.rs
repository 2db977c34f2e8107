//! `--vendor scim` through the real binary against the fake SCIM server
//! (`crates/fake_scim`): the lifecycle over `serve`, `test-module` and its `/Users`
//! fallback, `call` with the token from `SCIM_API_TOKEN`, params errors naming the param,
//! record then replay giving the same results, and the bearer token or basic password in
//! no output, log or cassette. (The client's and connector's request shapes per preset:
//! `tests/it/client/scim_*.rs`.)

use crate::support as common;

use std::time::Duration;

use common::*;
use fake_scim::{FakeScim, Fault};
use serde_json::{json, Value};

const TOKEN: &str = fake_scim::TOKEN;
const BASIC_PASSWORD: &str = "scim-basic-pa55word-never-shown";
const IAM_KEY: &str = "IAM.Vendor(val.instanceName && val.instanceName == obj.instanceName && val.email && val.email == obj.email)";

fn seeded() -> (FakeScim, String) {
    let fake = FakeScim::start();
    let ada = fake.add_user(
        json!({"userName": "ada@example.com", "displayName": "Ada Lovelace",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada@example.com", "type": "work", "primary": true}]}),
    );
    let group = fake.add_group("Finance", &[&ada]);
    (fake, group)
}

fn params(fake: &FakeScim) -> Value {
    json!({"url": fake.base_url(), "credentials": {"identifier": "", "password": TOKEN}})
}

fn line(command: &str, args: Value, params: &Value) -> String {
    json!({"command": command, "args": args, "params": params}).to_string()
}

/// `base` with the keys of `extra` set on it.
fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

fn profile(email: &str, extra: Value) -> Value {
    let profile = json!({"email": email, "username": email, "givenname": "Grace",
        "surname": "Hopper", "displayname": "Grace Hopper"});
    json!({"user-profile": with(profile, extra)})
}

/// One `iam-*` user command on the user with this email.
fn user_line(command: &str, email: &str, params: &Value) -> String {
    line(command, profile(email, json!({})), params)
}

/// The lifecycle script over one `serve`.
fn lifecycle(params: &Value, group: &str) -> Vec<String> {
    vec![
        line("test-module", json!({}), params),
        line("get-mapping-fields", json!({}), params),
        user_line("iam-get-user", "ada@example.com", params),
        user_line("iam-get-user", "nobody@example.com", params),
        user_line("iam-create-user", "grace@example.com", params),
        user_line("iam-create-user", "ada@example.com", params),
        line(
            "iam-update-user",
            profile("grace@example.com", json!({"title": "Rear Admiral"})),
            params,
        ),
        user_line("iam-disable-user", "grace@example.com", params),
        user_line("iam-enable-user", "grace@example.com", params),
        line("iam-get-group", json!({"scim": {"id": group}}), params),
        line(
            "iam-get-group",
            json!({"scim": {"displayName": "Finance"}}),
            params,
        ),
        line("okta-get-logs", json!({}), params),
    ]
}

/// `okta-iam <args> --state <temporary file>` (local mode: the daemon maps), each line
/// executed in turn: the result entries of each, stdout and stderr.
fn run_lines(
    args: &[&str],
    env: &[(&str, &str)],
    lines: &[String],
) -> (Vec<Vec<Value>>, Vec<u8>, Vec<u8>) {
    let dir = temp_dir("scim-state");
    let state = dir.join("state.json");
    let mut args = args.to_vec();
    args.extend(["--state", state.to_str().unwrap()]);
    let mut daemon = Daemon::spawn(&args, env).keeping(dir);
    let results = lines
        .iter()
        .map(|l| result_entries(&daemon.execute(l, Duration::from_secs(60))))
        .collect();
    let stdout = daemon.stdout();
    let stderr = daemon.finish();
    (results, stdout, stderr)
}

/// The IAM result of an entry (its `Contents`; the same object is written to `IAM.Vendor`).
fn iam(entry: &Value) -> &Value {
    assert!(entry["EntryContext"].get(IAM_KEY).is_some(), "{entry}");
    &entry["Contents"]
}

fn assert_clean(what: &str, bytes: &[u8]) {
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("admin:{BASIC_PASSWORD}"));
    for secret in [TOKEN, BASIC_PASSWORD, basic.as_str()] {
        assert_no_secret(secret, &[(what, bytes)]);
    }
}

#[test]
fn the_lifecycle_through_serve() {
    let (fake, group) = seeded();
    let params = params(&fake);
    let (results, stdout, stderr) = run_lines(
        &["serve", "--vendor", "scim"],
        &[],
        &lifecycle(&params, &group),
    );
    assert_clean("stdout", &stdout);
    assert_clean("stderr", &stderr);
    let only = |i: usize| -> &Value {
        assert_eq!(results[i].len(), 1, "{i}: {:?}", results[i]);
        &results[i][0]
    };
    assert_eq!(only(0)["Contents"], "ok");
    let fields = only(1)["Contents"].to_string();
    assert!(
        fields.contains("userName") && fields.contains("name.givenName"),
        "{fields}"
    );

    let ada = iam(only(2));
    assert_eq!(ada["brand"], "SCIM IAM");
    assert_eq!(ada["instanceName"], "SCIM IAM_instance_1");
    assert_eq!(
        (&ada["success"], &ada["active"]),
        (&json!(true), &json!(true))
    );
    assert_eq!(ada["username"], "ada@example.com");
    assert_eq!(ada["email"], "ada@example.com");

    let nobody = iam(only(3));
    assert_eq!(nobody["success"], false, "{nobody}");

    let grace = iam(only(4));
    assert_eq!(grace["success"], true, "{grace}");
    let grace_id = grace["id"].as_str().unwrap().to_string();
    let stored = fake.user(&grace_id).unwrap();
    assert_eq!(stored["name"]["familyName"], "Hopper");
    assert_eq!(stored["emails"][0]["value"], "grace@example.com");

    // Creating a user that exists updates it, as every IAM integration does.
    let twice = iam(only(5));
    assert_eq!(
        (&twice["action"], &twice["success"], &twice["id"]),
        (&json!("update"), &json!(true), &json!("u0001")),
        "{twice}"
    );

    assert_eq!(iam(only(6))["success"], true);
    assert_eq!(fake.user(&grace_id).unwrap()["title"], "Rear Admiral");
    assert_eq!(iam(only(7))["active"], false);
    assert_eq!(iam(only(8))["active"], true);
    assert_eq!(fake.user(&grace_id).unwrap()["active"], true);

    for i in [9, 10] {
        let text = only(i)["Contents"].to_string();
        assert!(
            text.contains("Ada Lovelace") || text.contains(&grace_id) || text.contains("u0001"),
            "{i}: {text}"
        );
        assert!(text.contains("Finance"), "{text}");
    }
    assert_eq!(only(11)["Type"], 4);
    assert!(only(11)["Contents"]
        .as_str()
        .unwrap()
        .starts_with("okta-get-logs is a command of the Okta IAM integration, not of SCIM IAM. Run `okta-iam commands --vendor scim`"));
}

#[test]
fn test_module_falls_back_to_users_when_the_app_has_no_service_provider_config() {
    let (fake, _) = seeded();
    fake.push_fault("GET /scim/v2/ServiceProviderConfig", Fault::Status(404), 1);
    let (results, _, _) = run_lines(
        &["serve", "--vendor", "scim"],
        &[],
        &[line("test-module", json!({}), &params(&fake))],
    );
    assert_eq!(results[0][0]["Contents"], "ok", "{:?}", results[0]);
    let asked: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {} {:?}", r.method, r.path, r.query))
        .collect();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(
        asked[1].starts_with("GET /scim/v2/Users [(\"count\", \"1\")]"),
        "{asked:?}"
    );
}

#[test]
fn call_takes_the_token_from_the_environment_and_names_a_refused_one() {
    let (fake, _) = seeded();
    let dir = temp_dir("scim-call");
    let url_only = dir.join("params.json");
    std::fs::write(&url_only, json!({"url": fake.base_url()}).to_string()).unwrap();
    let url_only = url_only.to_str().unwrap();
    let ok = run_with_env(
        &[
            "call",
            "--vendor",
            "scim",
            "--params",
            url_only,
            "iam-get-user",
            "user-profile={\"email\":\"ada@example.com\"}",
        ],
        b"",
        &[("SCIM_API_TOKEN", TOKEN)],
    );
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("ada@example.com"));

    let test_module = [
        "call",
        "--vendor",
        "scim",
        "--params",
        url_only,
        "test-module",
    ];
    let refused = run_with_env(&test_module, b"", &[("SCIM_API_TOKEN", BASIC_PASSWORD)]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("refused the credentials (401): check the credentials param"),
        "{stderr}"
    );
    assert_clean("stderr", &refused.stderr);

    let missing = run(&test_module, b"");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("SCIM_API_TOKEN"));
}

#[test]
fn a_bad_param_is_an_error_naming_it() {
    let (fake, _) = seeded();
    let mut lines = Vec::new();
    for (extra, name) in [
        (json!({"preset": "okta"}), "preset"),
        (json!({"update_method": "post"}), "update_method"),
        (
            json!({"preset": "aws", "lookup_attributes": "emails.value"}),
            "lookup_attributes",
        ),
        (json!({"auth_type": "basic"}), "auth_type"),
        (json!({"url": "http://scim.example.com/scim/v2"}), "url"),
    ] {
        let params = with(params(&fake), extra);
        lines.push((user_line("iam-get-user", "ada@example.com", &params), name));
    }
    let script: Vec<String> = lines.iter().map(|(l, _)| l.clone()).collect();
    let (results, _, _) = run_lines(&["serve", "--vendor", "scim"], &[], &script);
    for ((_, name), entries) in lines.iter().zip(&results) {
        let text = entries[0].to_string();
        assert!(
            text.contains(&format!("{name} param")) || text.contains(&format!("({name})")),
            "{name}: {text}"
        );
    }
    assert!(
        fake.requests().is_empty(),
        "nothing is sent with a bad param"
    );
}

#[test]
fn record_then_replay_gives_the_same_results_and_keeps_no_secret() {
    let dir = temp_dir("scim-cassette");
    let cassette = dir.join("cassette.json");
    let (fake, group) = seeded();
    let mut script = lifecycle(&params(&fake), &group);
    // A basic-auth instance: refused by the fake, its password nowhere.
    let basic = json!({"url": fake.base_url(), "auth_type": "basic",
        "credentials": {"identifier": "admin", "password": BASIC_PASSWORD}});
    script.push(user_line("iam-get-user", "ada@example.com", &basic));
    let cassette = cassette.to_str().unwrap();
    let serve_with = |mode| {
        [
            "serve",
            "--vendor",
            "scim",
            mode,
            cassette,
            "--log-level",
            "trace",
        ]
    };
    let (recorded, stdout, stderr) = run_lines(&serve_with("--record"), &[], &script);
    assert_clean("stdout (record)", &stdout);
    assert_clean("stderr (record)", &stderr);
    assert_clean("cassette", &std::fs::read(cassette).unwrap());
    assert!(iam(&recorded.last().unwrap()[0])["errorMessage"]
        .to_string()
        .contains("401"));

    let (replayed, stdout, stderr) = run_lines(&serve_with("--replay"), &[], &script);
    assert_clean("stdout (replay)", &stdout);
    assert_clean("stderr (replay)", &stderr);
    assert_eq!(replayed, recorded);
}

/// Through the binary: a 429 with `Retry-After` is waited out and the lookup answers; a create
/// answered 503 is sent once (the user may exist) and is the command's failure.
#[test]
fn a_429_is_waited_out_and_a_create_answered_503_is_not_sent_again() {
    let (fake, _) = seeded();
    let params = params(&fake);
    fake.push_fault("GET /scim/v2/Users", Fault::RateLimit, 1);
    fake.push_fault("POST /scim/v2/Users", Fault::Status(503), 1);
    let (results, _, _) = run_lines(
        &["serve", "--vendor", "scim"],
        &[],
        &[
            user_line("iam-get-user", "ada@example.com", &params),
            user_line("iam-create-user", "grace@example.com", &params),
        ],
    );
    assert_eq!(iam(&results[0][0])["success"], true, "{:?}", results[0]);
    let created = iam(&results[1][0]);
    assert_eq!(created["success"], false, "{created}");
    assert_eq!(created["errorCode"], 503, "{created}");
    let requests = fake.requests();
    let count = |method: &str| {
        requests
            .iter()
            .filter(|r| r.method == method && r.path == "/scim/v2/Users")
            .count()
    };
    assert_eq!(count("POST"), 1, "the create is not repeated");
    // The get's first lookup was answered 429 and sent again, the same.
    let first = |i: usize| {
        format!(
            "{} {} {:?}",
            requests[i].method, requests[i].path, requests[i].query
        )
    };
    assert!(first(0).starts_with("GET /scim/v2/Users"), "{}", first(0));
    assert_eq!(first(0), first(1));
    assert!(fake
        .users()
        .iter()
        .all(|u| u["userName"] != "grace@example.com"));
}

/// `test-module` checks the mapper params before anything is sent (the check every vendor
/// shares): a SCIM instance naming an unknown mapper, or Okta's, fails the Test button.
#[test]
fn test_module_names_a_mapper_param_the_daemon_does_not_know() {
    let (fake, _) = seeded();
    let cases = [
        ("mapper-in", "No Such Mapper"),
        ("mapper-out", "User Profile - Okta (Outgoing)"),
    ];
    let script: Vec<String> = cases
        .iter()
        .map(|(param, mapper)| {
            let params = with(params(&fake), json!({ *param: mapper }));
            line("test-module", json!({}), &params)
        })
        .collect();
    let (results, _, _) = run_lines(&["serve", "--vendor", "scim"], &[], &script);
    for ((param, mapper), entries) in cases.iter().zip(&results) {
        assert_eq!(entries[0]["Type"], 4, "{entries:?}");
        let text = entries[0]["Contents"].as_str().unwrap();
        assert!(
            text.contains(&format!("{param}: ")) && text.contains(mapper),
            "{text}"
        );
    }
    assert!(fake.requests().is_empty(), "nothing is sent");
}
