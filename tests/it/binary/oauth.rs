//! OAuth 2.0 end to end: the real binary against the fake Okta's token endpoint, which
//! verifies every client assertion and DPoP proof. The whole lifecycle and a fetch run with
//! OAuth; the token is kept in the integration context (local mode: the state file, mode
//! 0600; engine mode: through the host's state requests) and reused by the next process;
//! a revoked token is renewed; a missing scope is named; nothing secret leaks.

use crate::support as common;
use crate::support::oauth_keys;

use std::path::Path;
use std::time::Duration;

use common::*;
use fake_okta::{AppKey, FakeOkta, OAuthApp};
use oauth_keys::*;
use serde_json::{json, Value};

const CLIENT_ID: &str = "0oa-fake-service-app";
const ALL_SCOPES: &[&str] = &[
    "okta.users.read",
    "okta.users.manage",
    "okta.apps.read",
    "okta.groups.read",
    "okta.logs.read",
    "okta.schemas.read",
];
const PUBLISHED: &str = "2025-05-20T16:00:00.000Z";

fn register(fake: &FakeOkta, granted: &[&str], require_dpop: bool) {
    fake.register_oauth_app(OAuthApp {
        client_id: CLIENT_ID.into(),
        key: AppKey::RsaPem(rsa_public_pem()),
        key_id: Some("kid-test-1".into()),
        granted: granted.iter().map(|s| s.to_string()).collect(),
        require_dpop,
    });
}

fn oauth_params(fake: &FakeOkta, dpop: &str) -> Value {
    json!({
        "url": fake.url(),
        "use_oauth": true,
        "client_id": CLIENT_ID,
        "private_key": {"identifier": "", "password": rsa_private_pem()},
        "key_id": "kid-test-1",
        "dpop": dpop,
        "isFetch": true,
        "auto_generate_query_filter": false,
        "fetch_query_filter": "eventType eq \"application.user_membership.add\"",
        "first_fetch": "2025-05-01T00:00:00Z",
        "max_fetch": "40",
    })
}

fn line(command: &str, args: Value) -> String {
    json!({"command": command, "args": args}).to_string()
}

fn profile(email: &str) -> Value {
    json!({"user-profile": {"email": email, "username": email, "givenname": "Robin", "surname": "Park"}})
}

/// The private key's base64 body lines and the secrets issued during a run.
fn secrets_of_a_run(fake: &FakeOkta) -> Vec<String> {
    let mut secrets: Vec<String> = rsa_private_pem()
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 20)
        .map(str::to_owned)
        .collect();
    // The fake's access tokens all start so; assertions and proofs are JWTs (`eyJ`), and
    // the only JWTs a run sends are assertions and proofs.
    secrets.push("fake-okta-access-token-".into());
    for request in fake.requests() {
        if let Some(proof) = request.header("dpop") {
            secrets.push(proof.to_owned());
            secrets.push(proof[..40].to_owned());
        }
        if request.path == "/oauth2/v1/token" {
            let fields = form(&request.body);
            let assertion = field(&fields, "client_assertion").unwrap().to_owned();
            secrets.push(assertion[assertion.len() - 40..].to_owned());
            secrets.push(assertion);
        }
    }
    secrets
}

fn assert_clean(what: &str, bytes: &[u8], secrets: &[String]) {
    for secret in secrets {
        assert_no_secret(secret, &[(what, bytes)]);
    }
    assert!(
        !contains_jwt(&String::from_utf8_lossy(bytes)),
        "a JWT leaked into {what}"
    );
}

/// A JWT's header and payload both open with `eyJ` (base64url of `{"`) and are joined by a
/// dot; the fake's random base-62 ids may contain `eyJ` by chance but never a dot.
fn contains_jwt(text: &str) -> bool {
    text.match_indices("eyJ").any(|(start, _)| {
        let rest = &text[start..];
        let header_end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .unwrap_or(rest.len());
        rest[header_end..].starts_with(".eyJ")
    })
}

#[test]
fn the_jwt_check_finds_jwts_and_not_random_ids() {
    assert!(contains_jwt(
        "Authorization: DPoP eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
    ));
    assert!(!contains_jwt("requestId 5E6uH1VUBVBAWijqIAncVLGqeyJ, next"));
}

#[cfg(unix)]
fn assert_owner_only(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
}

#[cfg(not(unix))]
fn assert_owner_only(_: &Path) {}

#[test]
fn the_lifecycle_and_a_fetch_run_with_oauth_and_dpop() {
    let fake = FakeOkta::start();
    register(&fake, ALL_SCOPES, true);
    let dana = fake.add_user(
        json!({"login": "dana@example.com", "email": "dana@example.com", "firstName": "Dana", "lastName": "Lee"}),
        "ACTIVE",
    );
    let app = fake.add_app("app_one", "App One");
    fake.assign(&app, &dana, json!({"role": "admin"}));
    let group = fake.add_group("Finance");
    fake.add_member(&group, &dana);
    let events = fake.push_events(60, PUBLISHED);

    let dir = temp_dir("oauth-lifecycle");
    let state = dir.join("state.json");
    let cassette = dir.join("cassette.json");
    let params_file = dir.join("params.json");
    std::fs::write(&params_file, oauth_params(&fake, "auto").to_string()).unwrap();
    let script = [
        line("test-module", json!({})),
        line("iam-create-user", profile("robin.park@example.com")),
        line("iam-get-user", profile("robin.park@example.com")),
        line(
            "iam-update-user",
            json!({"user-profile": {"email": "robin.park@example.com", "title": "Analyst"}}),
        ),
        line("iam-disable-user", profile("robin.park@example.com")),
        line("iam-enable-user", profile("robin.park@example.com")),
        line("okta-iam-list-applications", json!({"limit": "5"})),
        line("okta-iam-list-user-applications", json!({"user_id": dana})),
        line(
            "okta-get-app-user-assignment",
            json!({"user_id": dana, "application_id": app}),
        ),
        line("iam-get-group", json!({"scim": {"id": group}})),
        line("get-mapping-fields", json!({})),
        line(
            "okta-get-logs",
            json!({"since": "2025-05-01T00:00:00Z", "limit": "5"}),
        ),
        line("fetch-incidents", json!({})),
        line("fetch-incidents", json!({})),
    ];
    let mut daemon = Daemon::spawn(
        &[
            "serve",
            "--params",
            params_file.to_str().unwrap(),
            "--state",
            state.to_str().unwrap(),
            "--record",
            cassette.to_str().unwrap(),
            "--log-level",
            "trace",
        ],
        &[],
    );
    let mut fetched = Vec::new();
    for (index, command) in script.iter().enumerate() {
        let messages = daemon.execute(command, Duration::from_secs(60));
        for entry in result_entries(&messages) {
            assert_ne!(entry["Type"], 4, "{command}: {entry}");
            if command.contains("fetch-incidents") {
                let batch: Vec<Value> =
                    serde_json::from_str(entry["Contents"].as_str().unwrap()).unwrap();
                fetched.extend(
                    batch
                        .into_iter()
                        .map(|i| i["dbotMirrorId"].as_str().unwrap().to_owned()),
                );
            }
        }
        if index == 0 {
            assert_eq!(only_entry(&messages)["Contents"], "ok");
        }
    }
    let stdout = daemon.stdout();
    let stderr = daemon.finish();
    assert_eq!(fetched, events, "the fetch delivered every event once");
    assert!(fake.user("robin.park@example.com").is_some());

    // One token for the whole run, after one nonce exchange.
    assert_eq!(fake.oauth_tokens_issued(), 1);
    assert_eq!(fake.oauth_outcomes(), ["use_dpop_nonce", "issued"]);
    let resource_requests: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/v1/"))
        .collect();
    assert!(resource_requests.len() > 15);
    assert!(resource_requests.iter().all(|r| r
        .header("authorization")
        .unwrap()
        .starts_with("DPoP ")
        && r.header("dpop").is_some()));

    // The token is kept in the state file, which only its owner may read.
    assert_owner_only(&state);
    let kept: Value = serde_json::from_slice(&std::fs::read(&state).unwrap()).unwrap();
    let instance = kept["instances"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap();
    let token = &instance["integrationContext"]["oktaOAuthToken"];
    assert_eq!(token["token_type"], "DPoP", "{kept}");
    assert_eq!(token["client_id"], CLIENT_ID);

    // Nothing secret on stdout, stderr (trace) or in the cassette; the state file holds the
    // access token (as asked) but no key, assertion or proof.
    let secrets = secrets_of_a_run(&fake);
    assert_clean("stdout", &stdout, &secrets);
    assert_clean("stderr", &stderr, &secrets);
    assert_clean("cassette", &std::fs::read(&cassette).unwrap(), &secrets);
    let without_token: Vec<String> = secrets
        .iter()
        .filter(|s| !s.starts_with("fake-okta-access-token-"))
        .cloned()
        .collect();
    assert_clean(
        "state file",
        &std::fs::read(&state).unwrap(),
        &without_token,
    );

    // The cassette replays without the private key.
    let replay_params = dir.join("replay-params.json");
    let mut params = oauth_params(&fake, "auto");
    params.as_object_mut().unwrap().remove("private_key");
    std::fs::write(&replay_params, params.to_string()).unwrap();
    let mut replay = Daemon::spawn(
        &[
            "serve",
            "--params",
            replay_params.to_str().unwrap(),
            "--state",
            dir.join("replay-state.json").to_str().unwrap(),
            "--replay",
            cassette.to_str().unwrap(),
        ],
        &[],
    );
    for command in &script[..10] {
        let messages = replay.execute(command, Duration::from_secs(60));
        for entry in result_entries(&messages) {
            assert_ne!(entry["Type"], 4, "replay {command}: {entry}");
        }
    }
    let replay_stdout = replay.stdout();
    let replay_stderr = replay.finish();
    assert_clean("replay stdout", &replay_stdout, &secrets);
    assert_clean("replay stderr", &replay_stderr, &secrets);
}

#[test]
fn a_bearer_token_is_reused_by_the_next_process_and_renewed_when_revoked() {
    let fake = FakeOkta::start();
    register(&fake, ALL_SCOPES, false);
    fake.add_user(
        json!({"login": "dana@example.com", "email": "dana@example.com", "firstName": "Dana", "lastName": "Lee"}),
        "ACTIVE",
    );
    let dir = temp_dir("oauth-reuse");
    let state = dir.join("state.json");
    let params_file = dir.join("params.json");
    std::fs::write(&params_file, oauth_params(&fake, "off").to_string()).unwrap();
    let call = |command: &str, argument: &str| {
        let output = run(
            &[
                "call",
                "--params",
                params_file.to_str().unwrap(),
                "--state",
                state.to_str().unwrap(),
                command,
                argument,
            ],
            b"",
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let get_dana = "user-profile={\"email\":\"dana@example.com\"}";
    call("iam-get-user", get_dana);
    assert_eq!(fake.oauth_tokens_issued(), 1);
    assert_owner_only(&state);
    // Another process: the kept token serves it.
    call("iam-get-user", get_dana);
    call("okta-iam-list-applications", "limit=2");
    assert_eq!(fake.oauth_tokens_issued(), 1);
    // Revoked: the 401 renews it once, and the command succeeds.
    fake.reset_requests();
    fake.revoke_oauth_tokens();
    call("iam-get-user", get_dana);
    assert_eq!(fake.oauth_tokens_issued(), 2);
    let requests = fake.requests();
    let paths: Vec<&str> = requests.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths[..3],
        ["/api/v1/users", "/oauth2/v1/token", "/api/v1/users"]
    );
    assert_ne!(
        requests[0].header("authorization"),
        requests[2].header("authorization"),
        "the retry carried the new token"
    );
}

#[test]
fn engine_mode_keeps_the_token_through_the_host() {
    let fake = FakeOkta::start();
    register(&fake, ALL_SCOPES, false);
    let params = oauth_params(&fake, "off");
    let mut daemon = Daemon::spawn(&["serve"], &[]);
    let command =
        json!({"command": "okta-iam-list-applications", "args": {"limit": "1"}, "params": params})
            .to_string();
    let timeout = Duration::from_secs(30);

    daemon.send(&command);
    // No token in memory: the context is read first (the host has none).
    let ask = daemon.next(timeout);
    assert_eq!(ask["command"], "getIntegrationContext", "{ask}");
    daemon.send(r#"{"context": {"IAMConfiguration": []}, "version": {"version": 1}}"#);
    // After the command, the new token is written back, merged into the context.
    let ask = daemon.next(timeout);
    assert_eq!(ask["command"], "getIntegrationContext", "{ask}");
    daemon.send(r#"{"context": {"IAMConfiguration": []}, "version": {"version": 1}}"#);
    let set = daemon.next(timeout);
    assert_eq!(set["command"], "setIntegrationContext", "{set}");
    let value = &set["args"]["value"];
    assert_eq!(value["IAMConfiguration"], json!([]));
    assert_eq!(value["oktaOAuthToken"]["token_type"], "Bearer");
    assert_eq!(value["oktaOAuthToken"]["client_id"], CLIENT_ID);
    daemon.send("{}");
    assert_eq!(daemon.next(timeout)["type"], "result");
    assert_eq!(daemon.next(timeout)["type"], "completed");

    // The next command uses the token in memory: no state request, no token request.
    let messages = daemon.execute(&command, timeout);
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(fake.oauth_tokens_issued(), 1);
    let stderr = daemon.finish();
    let secrets = secrets_of_a_run(&fake);
    assert_clean("stderr", &stderr, &secrets);
}

#[test]
fn missing_scopes_and_bad_settings_are_named() {
    let fake = FakeOkta::start();
    let granted: Vec<&str> = ALL_SCOPES
        .iter()
        .copied()
        .filter(|s| *s != "okta.logs.read")
        .collect();
    register(&fake, &granted, true);
    let test_module = |params: Value| {
        let output = run(
            &["serve"],
            format!("{}\n", json!({"command": "test-module", "params": params})).as_bytes(),
        );
        let messages = protocol_lines(&output.stdout);
        only_entry(&messages)["Contents"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    // The app lacks a requested scope: the token request says which.
    let text = test_module(oauth_params(&fake, "auto"));
    assert!(
        text.contains("The OAuth app was not granted the scope okta.logs.read"),
        "{text}"
    );
    // Not asked for, the token is issued; a command that needs it names the scope.
    let mut params = oauth_params(&fake, "auto");
    params["scopes"] = json!(granted.join(" "));
    fake.reset_requests();
    assert_eq!(test_module(params.clone()), "ok");
    // test-module: the token, then one read per read scope asked for (no logs here).
    let paths: Vec<String> = fake.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        [
            "/oauth2/v1/token",
            "/oauth2/v1/token",
            "/api/v1/users",
            "/api/v1/apps",
            "/api/v1/groups",
            "/api/v1/meta/schemas/user/default"
        ],
        "the first token request is answered use_dpop_nonce"
    );
    let output = run(
        &["serve"],
        format!(
            "{}\n",
            json!({"command": "okta-get-logs", "args": {"since": "2025-05-01T00:00:00Z"}, "params": params})
        )
        .as_bytes(),
    );
    let text = only_entry(&protocol_lines(&output.stdout))["Contents"].to_string();
    assert!(
        text.contains("was not granted the scope okta.logs.read"),
        "{text}"
    );
    // A wrong client id and a missing key, at test-module and at any command.
    let mut params = oauth_params(&fake, "auto");
    params["client_id"] = json!("0oa-unknown");
    let text = test_module(params);
    assert!(text.contains("invalid_client"), "{text}");
    assert!(text.contains("(client_id)"), "{text}");
    let mut params = oauth_params(&fake, "auto");
    params.as_object_mut().unwrap().remove("private_key");
    assert!(test_module(params.clone()).contains("(private_key)"));
    let output = run(
        &["serve"],
        format!(
            "{}\n",
            json!({"command": "okta-iam-get-configuration", "params": params})
        )
        .as_bytes(),
    );
    let text = only_entry(&protocol_lines(&output.stdout))["Contents"].to_string();
    assert!(text.contains("(private_key)"), "{text}");
}
