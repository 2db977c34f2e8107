//! The integration as XSOAR runs it: the relay taken from the printed manifest, executed by
//! an XSOAR-style Python loop (`tests/xsoar/loop.py`, both the public loop's `demisto` object
//! and a newer server's), against the real binary and the local fake Okta. The test plays the
//! server (`tests/xsoar/server.rs`): it keeps the integration context and the last run,
//! answers `log` requests, and fails requests in both error styles.
//!
//! Needs Python 3 (`python3`, or `OKTA_IAM_PYTHON`); without it each test says why it skips,
//! unless `OKTA_IAM_REQUIRE_PYTHON` is set (CI sets it), which makes that a failure.

use crate::support as common;
#[path = "../../xsoar/server.rs"]
mod server;

use std::collections::HashSet;
use std::path::PathBuf;

use common::{binary, temp_dir};
use fake_okta::FakeOkta;
use serde_json::{json, Value};
use server::{children_of, Flavour, LoopServer};

const PUBLISHED: &str = "2025-05-20T16:00:00.000Z";

fn params(okta: &FakeOkta) -> Value {
    json!({
        "url": okta.url(),
        "credentials": {"identifier": "", "password": FakeOkta::TOKEN},
        "isFetch": true,
        "auto_generate_query_filter": false,
        "fetch_query_filter": "eventType eq \"application.user_membership.add\"",
        "first_fetch": "2025-05-01T00:00:00Z",
        "max_fetch": "40",
    })
}

/// The relay as the printed manifest carries it.
fn relay() -> String {
    server::relay_from_manifest(&binary())
}

fn start(flavour: Flavour) -> Option<LoopServer> {
    LoopServer::start(flavour, relay(), &binary(), &[])
}

fn contents(entry: &Value) -> Value {
    match &entry["Contents"] {
        Value::String(text) => serde_json::from_str(text).unwrap_or(Value::String(text.clone())),
        other => other.clone(),
    }
}

/// No loop line and nothing the loop wrote on stderr holds the token.
fn assert_token_in_no_message(server: &LoopServer) {
    for line in &server.transcript {
        assert!(!line.contains(FakeOkta::TOKEN), "the token leaked: {line}");
    }
    assert!(!server.stderr().contains(FakeOkta::TOKEN));
}

/// After an execution the relay has reaped its daemon: the loop has no child left.
fn assert_no_child(server: &LoopServer) {
    let children = children_of(server.pid());
    assert!(
        children.is_empty(),
        "the loop still has children {children:?}"
    );
}

#[test]
fn every_command_runs_through_the_relay_and_the_loop_stays_reusable() {
    let Some(mut server) = start(Flavour::Modern) else {
        return;
    };
    let okta = FakeOkta::start();
    let params = params(&okta);
    let dana = okta.add_user(
        json!({"login": "dana.lee@example.com", "email": "dana.lee@example.com", "firstName": "Dana", "lastName": "Lee"}),
        "ACTIVE",
    );
    let app = okta.add_app("salesforce", "Salesforce");
    okta.assign(&app, &dana, json!({}));
    let group = okta.add_group("Finance");
    okta.add_member(&group, &dana);
    okta.push_events(3, PUBLISHED);

    server.ping();
    let test = server.execute("test-module", json!({}), &params);
    assert_eq!(test.entry()["Contents"], "ok", "{test:?}");
    assert_no_child(&server);

    let profile = json!({"email": "robin.kim@example.com", "username": "robin.kim@example.com", "givenname": "Robin", "surname": "Kim"});
    let created = server.execute(
        "iam-create-user",
        json!({"user-profile": profile.to_string()}),
        &params,
    );
    let vendor = &created.entry()["EntryContext"];
    let vendor = vendor
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.starts_with("IAM.Vendor")))
        .map(|(_, v)| v.clone())
        .expect("IAM.Vendor");
    assert_eq!(vendor["success"], true, "{created:?}");
    assert_eq!(vendor["action"], "create");

    for (command, args) in [
        (
            "iam-get-user",
            json!({"user-profile": "{\"email\": \"dana.lee@example.com\"}"}),
        ),
        (
            "iam-update-user",
            json!({"user-profile": "{\"email\": \"dana.lee@example.com\", \"title\": \"Lead\"}"}),
        ),
        (
            "iam-disable-user",
            json!({"user-profile": "{\"email\": \"dana.lee@example.com\"}"}),
        ),
        (
            "iam-enable-user",
            json!({"user-profile": "{\"email\": \"dana.lee@example.com\"}"}),
        ),
    ] {
        let execution = server.execute(command, args, &params);
        let entry = execution.entry();
        assert_eq!(entry["Type"], 1, "{command}: {entry}");
        let text = entry.to_string();
        assert!(text.contains("\"success\":true"), "{command}: {text}");
        server.ping();
    }

    let apps = server.execute("okta-iam-list-applications", json!({}), &params);
    assert!(apps.entry()["HumanReadable"]
        .as_str()
        .unwrap()
        .contains("Salesforce"));
    let user_apps = server.execute(
        "okta-iam-list-user-applications",
        json!({"user_id": dana}),
        &params,
    );
    assert!(user_apps.entry().to_string().contains(&app));
    let assignment = server.execute(
        "okta-get-app-user-assignment",
        json!({"user_id": dana, "application_id": app}),
        &params,
    );
    assert!(assignment
        .entry()
        .to_string()
        .contains("\"IsAssigned\":true"));
    let group_entry = server.execute(
        "iam-get-group",
        json!({"scim": json!({"id": group}).to_string(), "includeMembers": "true"}),
        &params,
    );
    assert!(group_entry.entry().to_string().contains("Finance"));
    let logs = server.execute("okta-get-logs", json!({"limit": "10"}), &params);
    assert_eq!(logs.entries.len(), 1, "{logs:?}");
    let fields = server.execute("get-mapping-fields", json!({}), &params);
    assert!(contents(fields.entry())["User Profile"]
        .get("login")
        .is_some());

    // The configuration is kept by the server, between executions and daemon processes.
    let configuration = json!([{"ApplicationID": app, "Instance": "Salesforce IAM_instance_1"}]);
    let set = server.execute(
        "okta-iam-set-configuration",
        json!({"configuration": configuration.to_string()}),
        &params,
    );
    assert_eq!(set.entry()["Type"], 1, "{set:?}");
    assert_eq!(
        server.integration_context["IAMConfiguration"],
        configuration
    );
    let got = server.execute("okta-iam-get-configuration", json!({}), &params);
    assert!(got.entry().to_string().contains(&app));

    server.ping();
    assert_no_child(&server);
    assert_token_in_no_message(&server);
    assert!(server.finish().success());
}

#[test]
fn the_public_loops_demisto_object_and_its_error_prefix() {
    let Some(mut server) = start(Flavour::Legacy) else {
        return;
    };
    let okta = FakeOkta::start();
    let params = params(&okta);
    let configuration = json!([{"ApplicationID": "0oa1", "Instance": "x"}]);
    let set = server.execute(
        "okta-iam-set-configuration",
        json!({"configuration": configuration.to_string()}),
        &params,
    );
    assert_eq!(set.entry()["Type"], 1, "{set:?}");
    assert_eq!(
        server.integration_context["IAMConfiguration"],
        configuration
    );
    // The public loop's getIntegrationContext hands back the server's envelope as it is.
    let got = server.execute("okta-iam-get-configuration", json!({}), &params);
    assert!(got.entry().to_string().contains("0oa1"), "{got:?}");

    // A failed state request (`$$##` prefix) reaches the daemon as a host error.
    server.fail_next("getIntegrationContext", "the database is read-only");
    let failed = server.execute("okta-iam-get-configuration", json!({}), &params);
    assert_eq!(failed.entry()["Type"], 4);
    assert_eq!(
        failed.entry()["Contents"],
        "Failed to execute okta-iam-get-configuration command. Error: The XSOAR server returned an error for getIntegrationContext: the database is read-only"
    );
    assert!(failed.exception.is_none());
    server.ping();
    assert_no_child(&server);
    assert_token_in_no_message(&server);
}

/// The events behind a fetch execution's incidents.
fn fetched_events(execution: &server::Execution) -> Vec<Value> {
    assert!(execution.exception.is_none(), "{execution:?}");
    let incidents = contents(execution.entry());
    incidents
        .as_array()
        .expect("a list of incidents")
        .iter()
        .map(|i| serde_json::from_str(i["rawJSON"].as_str().unwrap()).unwrap())
        .collect()
}

fn uuid(event: &Value) -> String {
    event["uuid"].as_str().unwrap().to_string()
}

/// The users the daemon dropped events for, from its log (sent with `demisto.debug`).
fn dropped_in(execution: &server::Execution) -> usize {
    execution
        .logs
        .iter()
        .map(|l| {
            l.to_string()
                .matches("Dropping incident for user with username")
                .count()
        })
        .sum()
}

fn user_profile(email: &str, name: &str) -> Value {
    json!({
        "id": format!("ioc-{email}"),
        "indicator_type": "User Profile",
        "value": email,
        "CustomFields": {"email": email, "displayname": name, "employeeid": format!("E-{name}"), "username": email},
    })
}

#[test]
fn fetch_enriches_drops_and_delivers_every_event_once_with_the_last_run_kept_by_the_server() {
    let Some(mut server) = start(Flavour::Modern) else {
        return;
    };
    let okta = FakeOkta::start();
    let params = params(&okta);
    for (login, first) in [
        ("ada@example.com", "Ada"),
        ("bo@example.com", "Bo"),
        ("cy@example.com", "Cy"),
    ] {
        okta.add_user(
            json!({"login": login, "email": login, "firstName": first, "lastName": "X"}),
            "ACTIVE",
        );
    }
    okta.add_app("salesforce", "Salesforce");
    // XSOAR knows Ada and Bo, not Cy: Cy's events are dropped.
    server.indicators = vec![
        user_profile("ada@example.com", "Ada X"),
        user_profile("bo@example.com", "Bo X"),
    ];
    let mut pushed = okta.push_events(100, PUBLISHED);
    let mut delivered = Vec::new();
    let mut dropped = 0;
    for run in 0..3 {
        let execution = server.execute("fetch-incidents", json!({}), &params);
        dropped += dropped_in(&execution);
        let events = fetched_events(&execution);
        assert!(!events.is_empty(), "run {run}");
        for event in &events {
            let user = event["target"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["type"] == "User")
                .unwrap()["alternateId"]
                .as_str()
                .unwrap()
                .to_string();
            assert_ne!(user, "cy@example.com");
            assert_eq!(event["UserProfile"]["email"], user.as_str());
            assert_eq!(event["email"], user.as_str(), "profile fields merged in");
            assert!(event["displayname"].as_str().unwrap().ends_with(" X"));
        }
        delivered.extend(events.iter().map(uuid));
        assert!(server.last_run.is_object() && server.last_run != json!({}));
        assert!(
            execution
                .requests
                .iter()
                .any(|r| r["command"] == "searchIndicators"
                    && r["args"]["query"] == "type:\"User Profile\""),
            "{:?}",
            execution.requests
        );
    }
    // A fetch whose setLastRun the server fails ([ERROR-…] marker): its incidents are not
    // counted as delivered, and the last run stays where it was.
    pushed.extend(okta.push_events(6, "2025-05-20T16:00:01.000Z"));
    let before = server.last_run.clone();
    server.fail_next("setLastRun", "version conflict");
    let failed = server.execute("fetch-incidents", json!({}), &params);
    assert_eq!(server.last_run, before);
    assert!(
        failed.entries.iter().any(|e| e["Type"] == 4
            && e["Contents"]
                .as_str()
                .is_some_and(|c| c.contains("version conflict"))),
        "{failed:?}"
    );
    // The next fetches bring them, then nothing.
    loop {
        let execution = server.execute("fetch-incidents", json!({}), &params);
        dropped += dropped_in(&execution);
        let events = fetched_events(&execution);
        if events.is_empty() && dropped_in(&execution) == 0 {
            break;
        }
        delivered.extend(events.iter().map(uuid));
    }
    let unique: HashSet<&String> = delivered.iter().collect();
    assert_eq!(unique.len(), delivered.len(), "a duplicate");
    assert!(dropped > 0, "Cy's events are dropped");
    assert_eq!(
        delivered.len() + dropped,
        106,
        "every event delivered or dropped once"
    );
    assert!(delivered.iter().all(|u| pushed.contains(u)));
    assert_no_child(&server);
    assert_token_in_no_message(&server);
}

#[test]
fn the_public_loop_has_no_searchindicators_so_events_are_not_enriched_nor_dropped() {
    let Some(mut server) = start(Flavour::Legacy) else {
        return;
    };
    let okta = FakeOkta::start();
    let params = params(&okta);
    okta.push_events(5, PUBLISHED);
    let execution = server.execute("fetch-incidents", json!({}), &params);
    let events = fetched_events(&execution);
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e.get("UserProfile").is_none()));
    assert!(execution.logs.iter().any(|l| l
        .to_string()
        .contains("cannot search User Profile indicators")));
}

/// The server's own mapping of an Okta user, standing in for a mapper customised in XSOAR.
fn server_mapper(source: &Value, mapper: &str, mapper_type: &str) -> Value {
    json!({
        "email": source["profile"]["email"].as_str().or(source["email"].as_str()),
        "mappedBy": format!("server:{mapper}:{mapper_type}"),
    })
}

#[test]
fn map_object_lets_the_servers_mappers_apply_and_the_builtin_engine_is_the_fallback() {
    let Some(mut server) = start(Flavour::Modern) else {
        return;
    };
    let okta = FakeOkta::start();
    let mut params = params(&okta);
    okta.add_user(
        json!({"login": "dana.lee@example.com", "email": "dana.lee@example.com", "firstName": "Dana", "lastName": "Lee"}),
        "ACTIVE",
    );
    let args = json!({"user-profile": "{\"email\": \"dana.lee@example.com\"}"});
    let profile_of = |execution: &server::Execution| -> Value {
        let context = execution.entry()["EntryContext"]
            .as_object()
            .unwrap()
            .clone();
        context
            .iter()
            .find(|(k, _)| k.starts_with("IAM.UserProfile"))
            .map(|(_, v)| v.clone())
            .expect("IAM.UserProfile")
    };

    // The server maps: a mapper only the server knows is fine.
    server.map_object = Some(server_mapper);
    params["mapper-in"] = json!("User Profile - Okta (Incoming)_copy");
    let mapped = server.execute("iam-get-user", args.clone(), &params);
    assert_eq!(
        profile_of(&mapped)["mappedBy"],
        "server:User Profile - Okta (Incoming)_copy:User Profile",
        "{mapped:?}"
    );
    let map_requests: Vec<&Value> = mapped
        .requests
        .iter()
        .filter(|r| r["command"] == "mapObject")
        .collect();
    assert_eq!(
        map_requests.len(),
        2,
        "the outgoing and the incoming mapping"
    );
    assert_eq!(
        map_requests[0]["args"]["mapper"],
        "User Profile - Okta (Outgoing)"
    );
    assert_eq!(
        map_requests[0]["args"]["mapperType"],
        "User Profile - Update"
    );
    assert!(mapped
        .logs
        .iter()
        .any(|l| l.to_string().contains("mapped by the XSOAR server")));

    // The server cannot map: the built-in engine does, and says so.
    server.map_object = None;
    params["mapper-in"] = json!("User Profile - Okta (Incoming)");
    let fallback = server.execute("iam-get-user", args.clone(), &params);
    let profile = profile_of(&fallback);
    assert_eq!(profile["Given Name"], "Dana", "{fallback:?}");
    assert!(profile.get("mappedBy").is_none());
    assert!(fallback.logs.iter().any(|l| l
        .to_string()
        .contains("mapped by the built-in mapper engine")));

    // A mapper only the server knows, and the server cannot map: a clear error.
    params["mapper-in"] = json!("Only On The Server");
    let failed = server.execute("iam-get-user", args, &params);
    assert!(
        failed.entry().to_string().contains("Only On The Server"),
        "{failed:?}"
    );
    assert_no_child(&server);
}

/// A stand-in for the binary: records its argv and environment, then runs the real one.
fn recording_binary(dir: &std::path::Path, then: &str) -> PathBuf {
    let path = dir.join("okta-iam-recorder");
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{dir}/argv'\nenv > '{dir}/env'\n{then}\n",
        dir = dir.display()
    );
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path
}

#[cfg(unix)]
#[test]
fn no_secret_in_the_daemons_argv_or_environment_and_proxies_only_when_asked() {
    let dir = temp_dir("relay-env");
    let real = binary();
    let recorder = recording_binary(&dir, &format!("exec '{}' \"$@\"", real.display()));
    let Some(mut server) = LoopServer::start(
        Flavour::Modern,
        relay(),
        &recorder,
        &[
            ("OKTA_API_TOKEN", FakeOkta::TOKEN),
            ("HTTPS_PROXY", "http://proxy.example:3128"),
            ("http_proxy", "http://proxy.example:3128"),
        ],
    ) else {
        return;
    };
    let okta = FakeOkta::start();
    let mut params = params(&okta);
    let test = server.execute("test-module", json!({}), &params);
    assert_eq!(test.entry()["Contents"], "ok", "{test:?}");
    let argv = std::fs::read_to_string(dir.join("argv")).unwrap();
    let env = std::fs::read_to_string(dir.join("env")).unwrap();
    assert_eq!(argv.lines().next(), Some("serve"));
    assert!(!argv.contains(FakeOkta::TOKEN) && !env.contains(FakeOkta::TOKEN));
    assert!(!env.contains("OKTA_API_TOKEN"));
    assert!(!env.to_ascii_lowercase().contains("proxy.example"), "{env}");

    // With `proxy` set they are kept (a command that does not call Okta: the proxy is fake).
    params["proxy"] = json!(true);
    let got = server.execute("okta-iam-get-configuration", json!({}), &params);
    assert_eq!(got.entry()["Type"], 1, "{got:?}");
    let env = std::fs::read_to_string(dir.join("env")).unwrap();
    assert!(
        env.contains("HTTPS_PROXY=http://proxy.example:3128"),
        "{env}"
    );
    assert!(
        env.contains("http_proxy=http://proxy.example:3128"),
        "{env}"
    );
    assert!(!env.contains(FakeOkta::TOKEN));
    assert_no_child(&server);
}

#[cfg(unix)]
#[test]
fn a_daemon_that_overruns_is_killed_reaped_and_reported() {
    let dir = temp_dir("relay-timeout");
    let sleeper = recording_binary(&dir, "echo 'okta-iam: stuck on purpose' >&2\nexec sleep 60");
    let Some(mut server) = LoopServer::start(Flavour::Modern, relay(), &sleeper, &[]) else {
        return;
    };
    let okta = FakeOkta::start();
    let params = params(&okta);
    let timed_out = server.execute_with(
        "test-module",
        json!({}),
        &params,
        json!({"TimeoutDuration": 1}),
    );
    let exception = timed_out.exception.expect("an exception");
    assert!(
        exception.contains("okta-iam did not complete test-module within 1 seconds"),
        "{exception}"
    );
    assert!(exception.contains("stuck on purpose"), "{exception}");
    assert!(timed_out.entries.is_empty());
    server.ping();
    assert_no_child(&server);
}

#[test]
fn a_missing_binary_and_an_early_exit_are_exceptions_with_the_reason() {
    let missing = PathBuf::from("/nonexistent/okta-iam");
    let Some(mut server) = LoopServer::start(Flavour::Modern, relay(), &missing, &[]) else {
        return;
    };
    let okta = FakeOkta::start();
    let failed = server.execute("test-module", json!({}), &params(&okta));
    let exception = failed.exception.expect("an exception");
    assert!(
        exception.contains(
            "okta-iam binary not found: OKTA_IAM_BIN is /nonexistent/okta-iam, which does not exist"
        ),
        "{exception}"
    );
    server.ping();

    #[cfg(unix)]
    {
        let dir = temp_dir("relay-early-exit");
        let quitter = recording_binary(&dir, "echo 'okta-iam: cannot start' >&2\nexit 3");
        let Some(mut server) = LoopServer::start(Flavour::Modern, relay(), &quitter, &[]) else {
            return;
        };
        let failed = server.execute("test-module", json!({}), &params(&okta));
        let exception = failed.exception.expect("an exception");
        assert!(
            exception.contains("okta-iam exited (code 3) before completing test-module"),
            "{exception}"
        );
        assert!(exception.contains("cannot start"), "{exception}");
        assert_no_child(&server);
    }
}

#[test]
fn only_what_the_daemon_reads_of_a_large_calling_context_reaches_it() {
    let Some(mut server) = start(Flavour::Modern) else {
        return;
    };
    let okta = FakeOkta::start();
    // Over the daemon's 16 MiB line limit: the relay must not pass the incident context on.
    let big = "x".repeat(17 * 1024 * 1024);
    let execution = server.execute_with(
        "test-module",
        json!({}),
        &params(&okta),
        json!({"ExecutionContext": {"blob": big}, "IntegrationInstance": "Okta IAM_big"}),
    );
    assert_eq!(
        execution.entry()["Contents"],
        "ok",
        "{:?}",
        execution.exception
    );
    assert_no_child(&server);
}

/// The SCIM manifest's relay serves SCIM: the lifecycle through the loop against the fake
/// SCIM server, brand `SCIM IAM`, the token in no loop line.
#[test]
fn the_scim_manifest_s_relay_serves_scim_through_the_loop() {
    let Some(mut server) = LoopServer::start(
        Flavour::Modern,
        server::relay_of_vendor(&binary(), "scim"),
        &binary(),
        &[],
    ) else {
        return;
    };
    let scim = fake_scim::FakeScim::start();
    scim.add_user(
        json!({"userName": "dana.lee@example.com", "displayName": "Dana Lee",
        "emails": [{"value": "dana.lee@example.com", "type": "work", "primary": true}]}),
    );
    let params = json!({"url": scim.base_url(),
        "credentials": {"identifier": "", "password": fake_scim::TOKEN}});
    // The server names the SCIM instance, as XSOAR does for an instance of SCIM IAM.
    let scim_context = json!({"IntegrationBrand": "SCIM IAM",
        "IntegrationInstance": "SCIM IAM_instance_1"});
    let test = server.execute_with("test-module", json!({}), &params, scim_context.clone());
    assert_eq!(test.entry()["Contents"], "ok", "{test:?}");
    assert_no_child(&server);
    for (command, email) in [
        ("iam-get-user", "dana.lee@example.com"),
        ("iam-create-user", "robin.kim@example.com"),
        ("iam-disable-user", "robin.kim@example.com"),
        ("iam-enable-user", "robin.kim@example.com"),
    ] {
        let profile = json!({"email": email, "username": email, "givenname": "R", "surname": "K"});
        let execution = server.execute_with(
            command,
            json!({"user-profile": profile.to_string()}),
            &params,
            scim_context.clone(),
        );
        let entry = execution.entry();
        let text = entry.to_string();
        assert!(text.contains("\"success\":true"), "{command}: {text}");
        assert!(text.contains("\"brand\":\"SCIM IAM\""), "{command}: {text}");
    }
    assert_eq!(scim.users().len(), 2);
    let okta_only = server.execute_with("okta-get-logs", json!({}), &params, scim_context);
    assert!(okta_only
        .entry()
        .to_string()
        .contains("is a command of the Okta IAM integration"));
    for line in &server.transcript {
        assert!(!line.contains(fake_scim::TOKEN), "the token leaked: {line}");
    }
    assert!(!server.stderr().contains(fake_scim::TOKEN));
}
