//! The API token never leaves the process except in the `Authorization` header: not on
//! stdout, not on stderr at trace level (text or JSON), not in a recorded cassette, not in
//! the state file, not in a panic or exception message; and `Debug` of params, client
//! configurations and clients shows `***`.
//!
//! The binary runs a broad script (every command, success and failure paths, injected
//! faults, bad lines) against the fake Okta with `--log-level trace --record`, with the
//! token given in the calling context, in `--params`, as `credentials.password` and in
//! `OKTA_API_TOKEN`; then the cassette is replayed at trace level. Every byte is searched.
//! (`tests/it/support` also checks stdout and stderr of every binary run in the suite for every
//! token the suite uses: `KNOWN_TEST_TOKENS`.)

use crate::support as common;

use std::path::Path;
use std::time::Duration;

use common::*;
use fake_okta::{FakeOkta, Fault};
use okta_iam::okta::params::OktaParams;
use okta_iam::okta::{Client, ClientConfig, HttpRequest, Method};
use okta_iam::params::Params;
use okta_iam::secret::Secret;
use serde_json::{json, Value};

const TOKEN: &str = FakeOkta::TOKEN;
/// A wrong token: it must not be printed either (it is somebody's secret too).
const WRONG_TOKEN: &str = "wrong-token-for-the-secrets-test-42";

/// Every way the token could show up: as is, in the header, JSON-escaped, percent-encoded.
fn forms(token: &str) -> Vec<String> {
    vec![
        token.to_string(),
        format!("SSWS {token}"),
        serde_json::to_string(token).unwrap(),
        token.replace('-', "%2D"),
    ]
}

fn assert_clean(what: &str, bytes: &[u8]) {
    for token in [TOKEN, WRONG_TOKEN] {
        for form in forms(token) {
            assert_no_secret(&form, &[(what, bytes)]);
        }
    }
    assert_no_known_token(&[(what, bytes)]);
}

fn assert_clean_file(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_default();
    assert_clean(&path.display().to_string(), &bytes);
}

/// A script over every command, with successes, Okta errors, bad arguments, bad lines and
/// injected faults. `params` carries the instance (or is `{}` when `--params` does).
fn script(fake: &FakeOkta, params: &Value) -> Vec<String> {
    let dana = fake.add_user(
        json!({"login": "dana@example.com", "email": "dana@example.com", "firstName": "Dana", "lastName": "Lee"}),
        "ACTIVE",
    );
    let app = fake.add_app("app_one", "App One");
    fake.assign(&app, &dana, json!({"role": "admin"}));
    let group = fake.add_group("Finance");
    fake.add_member(&group, &dana);
    // Faults consumed along the way: a 500 with an Okta body, a 401, a dropped connection.
    fake.fail_next("GET /api/v1/meta", Fault::Status(500), 1);
    fake.fail_next("GET /api/v1/apps/", Fault::Status(401), 1);
    fake.fail_next("GET /api/v1/groups/", Fault::Drop, 1);
    let c = |command: &str, args: Value| {
        json!({"command": command, "args": args, "params": params}).to_string()
    };
    let profile = |email: &str| json!({"user-profile": {"email": email, "username": email, "givenname": "G", "surname": "S"}});
    vec![
        "ping".into(),
        c("test-module", json!({})),
        c("get-mapping-fields", json!({})),
        c("get-mapping-fields", json!({})),
        c("iam-get-user", profile("dana@example.com")),
        c("iam-get-user", profile("nobody@example.com")),
        c("iam-create-user", profile("new.user@example.com")),
        c("iam-create-user", profile("dana@example.com")),
        c(
            "iam-update-user",
            json!({"user-profile": {"email": "dana@example.com", "title": "Analyst"}}),
        ),
        c("iam-disable-user", profile("dana@example.com")),
        c("iam-disable-user", profile("dana@example.com")),
        c("iam-enable-user", profile("dana@example.com")),
        c("iam-update-user", json!({"user-profile": "not json"})),
        c("okta-iam-list-applications", json!({"limit": "5"})),
        c("okta-iam-list-applications", json!({"limit": "-3"})),
        c("okta-iam-list-user-applications", json!({"user_id": dana})),
        c(
            "okta-get-app-user-assignment",
            json!({"user_id": dana, "application_id": app}),
        ),
        c(
            "okta-get-app-user-assignment",
            json!({"user_id": dana, "application_id": app}),
        ),
        c(
            "okta-get-app-user-assignment",
            json!({"user_id": "..", "application_id": app}),
        ),
        c("iam-get-group", json!({"scim": {"id": group}})),
        c("iam-get-group", json!({"scim": {"id": group}})),
        c("iam-get-group", json!({"scim": {"displayName": "Finance"}})),
        c(
            "okta-iam-set-configuration",
            json!({"configuration": [{"ApplicationID": app, "Instance": "x"}]}),
        ),
        c("okta-iam-get-configuration", json!({})),
        c("no-such-command", json!({})),
        "{not json".into(),
        json!({"args": {}}).to_string(),
    ]
}

fn run_script(args: &[&str], env: &[(&str, &str)], lines: &[String]) -> (Vec<u8>, Vec<u8>) {
    let mut daemon = Daemon::spawn(args, env);
    for line in lines {
        daemon.execute(line, Duration::from_secs(60));
    }
    let stdout = daemon.stdout();
    let stderr = daemon.finish();
    (stdout, stderr)
}

#[test]
fn the_token_is_in_no_output_log_cassette_or_state_file() {
    let dir = temp_dir("secrets");
    let state = dir.join("state.json");
    let cassette = dir.join("cassette.json");
    let fake = FakeOkta::start();
    let trace = ["--log-level", "trace"];

    // 1. Token in each calling context; trace logs as text; recorded to a cassette.
    let params = json!({"url": fake.url(), "apitoken": TOKEN, "isFetch": false});
    let lines = script(&fake, &params);
    let mut args = vec!["serve", "--state", state.to_str().unwrap()];
    args.extend(["--record", cassette.to_str().unwrap()]);
    args.extend(trace);
    let (stdout, stderr) = run_script(&args, &[], &lines);
    let messages = protocol_lines(&stdout);
    let entries = result_entries(&messages);
    assert!(entries.len() >= lines.len() - 1, "{entries:?}");
    assert!(
        entries.iter().any(|e| e["Type"] == 4),
        "the script has failures"
    );
    assert!(
        String::from_utf8_lossy(&stderr).contains("TRACE"),
        "trace logging is on"
    );
    assert_clean("stdout (calling-context token)", &stdout);
    assert_clean("stderr (trace, text)", &stderr);
    assert_clean_file(&cassette);
    assert_clean_file(&state);
    let recorded: Value = serde_json::from_slice(&std::fs::read(&cassette).unwrap()).unwrap();
    assert!(recorded["interactions"].as_array().unwrap().len() > 10);

    // 2. The same script replayed from the cassette at trace level, JSON logs.
    let replay_state = dir.join("replay-state.json");
    let (stdout, stderr) = run_script(
        &[
            "serve",
            "--state",
            replay_state.to_str().unwrap(),
            "--replay",
            cassette.to_str().unwrap(),
            "--log-level",
            "trace",
            "--log-format",
            "json",
        ],
        &[],
        &lines,
    );
    assert_clean("stdout (replay)", &stdout);
    assert_clean("stderr (replay, trace, json)", &stderr);

    // 3. Token in --params as credentials.password, and a wrong token in one context
    //    (the 401 path); JSON logs at trace level.
    let fake = FakeOkta::start();
    let params_file = dir.join("params.json");
    std::fs::write(
        &params_file,
        json!({"url": fake.url(), "credentials": {"identifier": "", "password": TOKEN}})
            .to_string(),
    )
    .unwrap();
    let mut lines = script(&fake, &json!({}));
    lines.push(
        json!({"command": "test-module", "params": {"credentials": {"password": WRONG_TOKEN}}})
            .to_string(),
    );
    lines.push(
        json!({"command": "iam-get-user", "params": {"apitoken": WRONG_TOKEN, "credentials": null},
               "args": {"user-profile": {"email": "dana@example.com"}}})
        .to_string(),
    );
    let state = dir.join("state-params.json");
    let (stdout, stderr) = run_script(
        &[
            "serve",
            "--state",
            state.to_str().unwrap(),
            "--params",
            params_file.to_str().unwrap(),
            "--log-level",
            "trace",
            "--log-format",
            "json",
        ],
        &[],
        &lines,
    );
    let entries = result_entries(&protocol_lines(&stdout));
    let last = entries.last().unwrap();
    assert_eq!(last["Contents"]["errorCode"], "E0000011", "{last}");
    assert_clean("stdout (--params token)", &stdout);
    assert_clean("stderr (--params token)", &stderr);
    assert_clean_file(&state);

    // 4. Token from OKTA_API_TOKEN, through `call` (markdown and --json).
    let fake = FakeOkta::start();
    let url_params = dir.join("url-only.json");
    std::fs::write(&url_params, json!({"url": fake.url()}).to_string()).unwrap();
    for json_flag in [false, true] {
        let mut args = vec!["call", "--params", url_params.to_str().unwrap()];
        args.extend(trace);
        if json_flag {
            args.push("--json");
        }
        for (command, argument) in [
            ("test-module", None),
            ("get-mapping-fields", None),
            (
                "iam-get-user",
                Some("user-profile={\"email\":\"x@example.com\"}"),
            ),
        ] {
            let mut args = args.clone();
            args.push(command);
            args.extend(argument);
            let output = run_with_env(&args, b"", &[("OKTA_API_TOKEN", TOKEN)]);
            assert!(output.status.code().is_some(), "exited normally");
            assert_clean("call stdout (env token)", &output.stdout);
            assert_clean("call stderr (env token)", &output.stderr);
        }
    }
}

#[test]
fn debug_output_redacts_the_token() {
    let params = Params::from_map(
        json!({"url": "https://acme.okta.com", "apitoken": TOKEN,
               "credentials": {"identifier": "me", "password": TOKEN}, "token": TOKEN})
        .as_object()
        .unwrap()
        .clone(),
    );
    let config = ClientConfig::new(
        "https://acme.okta.com/api/v1/".parse().unwrap(),
        Secret::new(TOKEN),
    );
    let client = Client::new(config.clone()).unwrap();
    let request = HttpRequest {
        method: Method::Get,
        url: "https://acme.okta.com/api/v1/users".parse().unwrap(),
        headers: vec![("authorization".into(), format!("SSWS {TOKEN}"))],
        body: None,
    };
    let shown = [
        format!("{params:?}"),
        format!("{params:#?}"),
        format!("{:?}", params.redacted()),
        format!("{:?}", params.token().unwrap()),
        format!("{}", params.token().unwrap()),
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{client:?}"),
        format!("{:?}", client.for_command()),
        format!("{:?}", client.config()),
        format!("{request:?}"),
    ];
    for text in &shown {
        assert_clean("Debug output", text.as_bytes());
    }
    assert!(shown[0].contains("***"), "{}", shown[0]);
    assert!(shown[5].contains("***"), "{}", shown[5]);
}

#[test]
fn a_panic_message_that_formats_the_client_holds_no_token() {
    // A panic inside a command becomes an `exception` message with the panic text; the types
    // a handler could format in one (params, config, client) render the token as `***`.
    let config = ClientConfig::new(
        "https://acme.okta.com/api/v1/".parse().unwrap(),
        Secret::new(TOKEN),
    );
    let client = Client::new(config).unwrap();
    let params = Params::from_map(json!({"apitoken": TOKEN}).as_object().unwrap().clone());
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        panic!("unexpected state: {client:?} {params:?}");
    }))
    .unwrap_err();
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("unexpected state"), "{message}");
    assert_clean("panic message", message.as_bytes());
}

use crate::support::oauth_keys;

#[test]
fn debug_and_panic_output_redact_the_oauth_private_key() {
    let pem = oauth_keys::rsa_private_pem();
    let key_lines: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    for private_key in [json!(pem), json!({"identifier": "", "password": pem})] {
        let params = Params::from_map(
            json!({"url": "https://acme.okta.com", "use_oauth": true, "client_id": "0oa1",
                   "private_key": private_key})
            .as_object()
            .unwrap()
            .clone(),
        );
        let settings = params.oauth().unwrap().unwrap();
        let mut config = ClientConfig::new(
            "https://acme.okta.com/api/v1/".parse().unwrap(),
            Secret::default(),
        );
        config.oauth = Some(settings.clone());
        let client = Client::new(config.clone()).unwrap();
        let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            panic!("unexpected: {client:?} {params:?} {settings:?}");
        }))
        .unwrap_err();
        let shown = [
            format!("{params:?}"),
            format!("{:?}", params.redacted()),
            format!("{settings:?}"),
            format!("{settings:#?}"),
            format!("{config:?}"),
            format!("{client:?}"),
            panic.downcast_ref::<String>().cloned().unwrap_or_default(),
        ];
        for text in &shown {
            for line in &key_lines {
                assert!(!text.contains(line), "the private key in: {text}");
            }
        }
        assert!(shown[0].contains("***"), "{}", shown[0]);
        assert!(shown[2].contains("0oa1"), "{}", shown[2]);
    }
}

/// SCIM's credentials (the bearer token, or the basic password) render as `***` in `Debug`
/// of the settings, and an app that echoes them in an error body has them redacted from the
/// IAM result's message.
#[test]
fn scim_debug_output_and_errors_redact_the_credentials() {
    use okta_iam::scim::params::ScimSettings;
    for credentials in [
        json!({"url": "https://app.example.com/scim/v2", "credentials": {"password": TOKEN}}),
        json!({"url": "https://app.example.com/scim/v2", "auth_type": "basic",
               "credentials": {"identifier": "admin", "password": TOKEN}}),
    ] {
        let params = Params::from_map(credentials.as_object().unwrap().clone());
        let settings = ScimSettings::from_params(&params, None).unwrap();
        for text in [
            format!("{settings:?}"),
            format!("{settings:#?}"),
            format!("{params:?}"),
        ] {
            assert_clean("SCIM Debug output", text.as_bytes());
            assert!(text.contains("***"), "{text}");
        }
    }
    // The error path: an app that echoes the token back in its error detail.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use wiremock::matchers::method;
        use wiremock::{Mock, MockServer, ResponseTemplate};
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(400).set_body_json(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": "400",
                "scimType": "invalidFilter", "detail": format!("bad token {TOKEN} in filter")})))
            .mount(&server)
            .await;
        let params = json!({"url": format!("{}/scim/v2", server.uri()),
            "credentials": {"password": TOKEN}});
        let line = json!({"command": "iam-get-user", "params": params,
            "args": {"user-profile": {"email": "ada@example.com"}}})
        .to_string();
        let dir = temp_dir("scim-echo");
        let state = dir.join("state.json");
        let output = tokio::task::spawn_blocking(move || {
            run(
                &[
                    "serve",
                    "--vendor",
                    "scim",
                    "--state",
                    state.to_str().unwrap(),
                    "--log-level",
                    "trace",
                ],
                format!("{line}\n").as_bytes(),
            )
        })
        .await
        .unwrap();
        let entries = result_entries(&protocol_lines(&output.stdout));
        let message = entries[0]["Contents"]["errorMessage"].as_str().unwrap();
        assert!(message.contains("bad token *** in filter"), "{message}");
        assert_clean("stdout (echoed token)", &output.stdout);
        assert_clean("stderr (echoed token)", &output.stderr);
    });
}
