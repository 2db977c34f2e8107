//! The IAM user commands through the dispatcher, against wiremock: the reference's unit-test
//! vectors (reference-okta-iam.md §9.1, §9.3, §9.4), adapted where the contract deliberately
//! differs (each adaptation is named), and each deliberate difference.

use okta_iam::commands::Execution;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::support::harness;
use crate::support::okta_mock::{answer, answer_times, every, user_read_back, users_found};
use crate::support::wiremock_ext::strict_server;

const E: &str = "testdemisto2@paloaltonetworks.com";
const TOKEN: &str = "iam-test-token-0123456789abcdef";

fn okta_user(status: &str) -> Value {
    json!({"id": "mock_id", "status": status, "profile": {
        "firstName": "mock_first_name", "lastName": "mock_last_name", "login": E, "email": E}})
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn okta_error(status: u16, code: &str, summary: &str, causes: &[&str]) -> ResponseTemplate {
    let causes: Vec<Value> = causes.iter().map(|c| json!({"errorSummary": c})).collect();
    ResponseTemplate::new(status).set_body_json(json!({
        "errorCode": code, "errorSummary": summary, "errorLink": code,
        "errorId": "oae-test", "errorCauses": causes}))
}

/// Runs one command in-process, with short retries so failure paths end quickly.
async fn run(server: &MockServer, command: &str, args: Value, params: Value) -> Execution {
    let mut base = json!({"url": server.uri(), "apitoken": TOKEN});
    if let (Some(base), Some(extra)) = (base.as_object_mut(), params.as_object()) {
        base.extend(extra.clone());
    }
    let mut runtime = harness::runtime(base.as_object().cloned().unwrap_or_default());
    runtime.http.settings = harness::quick_retries();
    let line = json!({"command": command, "args": args,
        "context": {"IntegrationBrand": "Okta IAM", "IntegrationInstance": "Okta IAM_instance_1"}});
    harness::execute_line(&runtime, &line).await
}

/// Runs `command` for the user profile `{"email": E}` with the default params.
async fn run_email(server: &MockServer, command: &str) -> Execution {
    run(server, command, profile(json!({"email": E})), json!({})).await
}

/// The single entry of an execution and its 13 outputs.
fn outputs(execution: &Execution) -> (Value, Value) {
    assert!(execution.exception.is_none(), "{:?}", execution.exception);
    assert_eq!(execution.entries.len(), 1, "{:?}", execution.entries);
    let entry = serde_json::to_value(&execution.entries[0]).unwrap();
    let contents = entry["Contents"].clone();
    (entry, contents)
}

fn profile(v: Value) -> Value {
    json!({ "user-profile": v.to_string() })
}

async fn lookup(server: &MockServer, filter: &str, users: Value) {
    users_found(server, filter, users).await;
}

/// The lookup by `E`'s email answers `users`.
async fn lookup_email(server: &MockServer, users: Value) {
    lookup(server, &format!("profile.email eq \"{E}\""), users).await;
}

// ---- §9.1 #1a-#1c: get existing user by email, login and id ----

#[tokio::test]
async fn get_existing_user_by_email_login_and_id() {
    // #1b adapted: the shipped outgoing mapper maps the User Profile key `username` to Okta's
    // `login` (the reference test used an identity mapper and a raw `login` key).
    let cases = [
        (json!({"email": E}), format!("profile.email eq \"{E}\"")),
        (
            json!({"email": E, "username": E}),
            format!("profile.login eq \"{E}\""),
        ),
        (
            json!({"email": E, "username": E, "id": "mock_id"}),
            "id eq \"mock_id\"".to_string(),
        ),
    ];
    for (user_profile, filter) in cases {
        let server = strict_server().await;
        lookup(&server, &filter, json!([okta_user("PROVISIONED")])).await;
        let execution = run(&server, "iam-get-user", profile(user_profile), json!({})).await;
        let (entry, out) = outputs(&execution);
        assert_eq!(entry["Type"], 1);
        assert_eq!(out["action"], "get");
        assert_eq!(out["success"], true);
        assert_eq!(out["active"], true);
        assert_eq!(out["id"], "mock_id");
        assert_eq!(out["username"], E);
        assert_eq!(out["details"]["profile"]["firstName"], "mock_first_name");
        assert_eq!(out["details"]["profile"]["lastName"], "mock_last_name");
        // Contract §8.6: IAM.UserProfile is the incoming-mapped Okta user and keeps `email`.
        let user_profile =
            &entry["EntryContext"]["IAM.UserProfile(val.email && val.email == obj.email)"];
        assert_eq!(user_profile["Given Name"], "mock_first_name");
        assert_eq!(user_profile["Email"], E);
        assert_eq!(user_profile["email"], E);
    }
}

#[tokio::test]
async fn get_user_sends_the_token_and_the_13_outputs_in_order() {
    let server = strict_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(header("authorization", format!("SSWS {TOKEN}").as_str()))
        .respond_with(ok(json!([okta_user("ACTIVE")])))
        .mount(&server)
        .await;
    let execution = run_email(&server, "iam-get-user").await;
    let (entry, out) = outputs(&execution);
    let keys: Vec<&String> = out.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "brand",
            "instanceName",
            "action",
            "success",
            "active",
            "id",
            "username",
            "email",
            "errorCode",
            "errorMessage",
            "details",
            "skipped",
            "reason"
        ]
    );
    assert_eq!(out["brand"], "Okta IAM");
    assert_eq!(out["instanceName"], "Okta IAM_instance_1");
    let vendor_key = "IAM.Vendor(val.instanceName && val.instanceName == obj.instanceName && val.email && val.email == obj.email)";
    assert_eq!(entry["EntryContext"][vendor_key], out);
    let readable = entry["HumanReadable"].as_str().unwrap();
    assert!(readable.starts_with(
        "### Get User Results (Okta IAM)\n|brand|instanceName|success|active|id|username|email|details|\n|---|---|---|---|---|---|---|---|\n| Okta IAM | Okta IAM_instance_1 | true | true | mock_id | testdemisto2@paloaltonetworks.com | testdemisto2@paloaltonetworks.com | id: mock_id<br>status: ACTIVE<br>profile: {\"firstName\": \"mock_first_name\""
    ), "{readable}");
}

// ---- §9.1 #2: non-existing user ----

#[tokio::test]
async fn get_non_existing_user() {
    let server = strict_server().await;
    lookup_email(&server, json!([])).await;
    let execution = run_email(&server, "iam-get-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["action"], "get");
    assert_eq!(out["success"], false);
    assert_eq!(out["errorCode"], 404);
    assert_eq!(out["errorMessage"], "User does not exist");
}

// ---- §9.1 #3: Okta error body with causes ----

#[tokio::test]
async fn get_user_bad_response() {
    let server = strict_server().await;
    every(
        &server,
        "GET",
        okta_error(
            500,
            "mock_error_code",
            "mock_error_summary",
            &["reason_1", "reason_2"],
        ),
    )
    .await;
    let execution = run_email(&server, "iam-get-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["success"], false);
    assert_eq!(out["errorCode"], "mock_error_code");
    assert_eq!(
        out["errorMessage"],
        "mock_error_summary. Reason:\n1. reason_1\n2. reason_2\n"
    );
}

// ---- §9.1 #4 and §9.4: create ----

#[tokio::test]
async fn create_user_success_stages_then_activates_without_email() {
    let server = strict_server().await;
    lookup_email(&server, json!([])).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .and(query_param("activate", "false"))
        .and(query_param("provider", "true"))
        .and(body_json(
            json!({"profile": {"email": E, "firstName": "Jane"}}),
        ))
        .respond_with(ok(okta_user("STAGED")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/mock_id/lifecycle/activate"))
        .and(query_param("sendEmail", "false"))
        .and(header("content-length", "0"))
        .respond_with(ok(json!({"activationToken": "t", "activationUrl": "u"})))
        .expect(1)
        .mount(&server)
        .await;
    // Contract difference 5: details is the user after the change (read again).
    user_read_back(&server, "mock_id", okta_user("PROVISIONED")).await;
    let args = profile(json!({"email": E, "givenname": "Jane", "surname": null}));
    let execution = run(&server, "iam-create-user", args, json!({})).await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["action"], "create");
    assert_eq!(out["success"], true);
    assert_eq!(out["active"], true);
    assert_eq!(out["id"], "mock_id");
    assert_eq!(out["username"], E);
    assert_eq!(out["details"]["status"], "PROVISIONED");
    assert_eq!(out["details"]["profile"]["firstName"], "mock_first_name");
}

#[tokio::test]
async fn create_whose_activation_fails_reports_the_created_id() {
    let server = strict_server().await;
    lookup_email(&server, json!([])).await;
    answer(&server, "POST", "/api/v1/users", ok(okta_user("STAGED"))).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/mock_id/lifecycle/activate"))
        .respond_with(okta_error(
            403,
            "E0000038",
            "This operation is not allowed in the user's current status.",
            &[],
        ))
        .mount(&server)
        .await;
    let execution = run_email(&server, "iam-create-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["success"], false);
    assert_eq!(out["id"], "mock_id");
    assert_eq!(out["errorCode"], "E0000038");
    assert_eq!(
        out["errorMessage"],
        "The user was created (id mock_id) but a later step failed: This operation is not allowed in the user's current status.. "
    );
}

#[tokio::test]
async fn create_is_never_repeated_after_a_5xx() {
    let server = strict_server().await;
    lookup_email(&server, json!([])).await;
    answer_times(
        &server,
        "POST",
        "/api/v1/users",
        ResponseTemplate::new(503).set_body_string("unavailable"),
        1,
    )
    .await;
    let execution = run_email(&server, "iam-create-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["success"], false);
    assert_eq!(out["errorCode"], 503);
}

// ---- §9.1 #5 and contract differences 4-5: update with allow-enable ----

#[tokio::test]
async fn update_with_allow_enable_enables_and_also_applies_the_profile() {
    let server = strict_server().await;
    lookup_email(&server, json!([okta_user("DEPROVISIONED")])).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/mock_id/lifecycle/activate"))
        .and(query_param("sendEmail", "false"))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    user_read_back(&server, "mock_id", okta_user("PROVISIONED")).await;
    // Difference from the reference (which dropped the update): the profile is applied too.
    Mock::given(method("POST"))
        .and(path("/api/v1/users/mock_id"))
        .and(body_json(
            json!({"profile": {"email": E, "firstName": "mock_first_name"}}),
        ))
        .respond_with(ok(okta_user("PROVISIONED")))
        .expect(1)
        .mount(&server)
        .await;
    let args = json!({"user-profile": json!({"email": E, "givenname": "mock_first_name"}).to_string(), "allow-enable": "true"});
    let params = json!({"update-user-enabled": true, "enable-user-enabled": true, "create-user-enabled": false, "create-if-not-exists": false});
    let execution = run(&server, "iam-update-user", args, params).await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["action"], "enable");
    assert_eq!(out["success"], true);
    assert_eq!(out["active"], true);
    assert_eq!(out["id"], "mock_id");
    assert_eq!(out["username"], E);
    // Contract difference 5: details is the user after the change, not the DEPROVISIONED one.
    assert_eq!(out["details"]["status"], "PROVISIONED");
}

#[tokio::test]
async fn update_with_allow_enable_but_enable_gate_off_only_updates() {
    let server = strict_server().await;
    lookup_email(&server, json!([okta_user("DEPROVISIONED")])).await;
    answer_times(
        &server,
        "POST",
        "/api/v1/users/mock_id",
        ok(okta_user("DEPROVISIONED")),
        1,
    )
    .await;
    let args = json!({"user-profile": json!({"email": E}).to_string(), "allow-enable": "true"});
    let execution = run(
        &server,
        "iam-update-user",
        args,
        json!({"enable-user-enabled": "false"}),
    )
    .await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["action"], "update");
    assert_eq!(out["active"], false);
}

// ---- §9.1 #6: update of a missing user creates it ----

#[tokio::test]
async fn update_non_existing_user_with_create_if_not_exists_creates() {
    let server = strict_server().await;
    lookup_email(&server, json!([])).await;
    answer_times(&server, "POST", "/api/v1/users", ok(okta_user("STAGED")), 1).await;
    answer(
        &server,
        "POST",
        "/api/v1/users/mock_id/lifecycle/activate",
        ok(json!({})),
    )
    .await;
    user_read_back(&server, "mock_id", okta_user("PROVISIONED")).await;
    let params = json!({"update-user-enabled": true, "enable-user-enabled": true, "create-user-enabled": true, "create-if-not-exists": true});
    let args = profile(json!({"email": E, "givenname": "mock_first_name"}));
    let execution = run(&server, "iam-update-user", args, params).await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["action"], "create");
    assert_eq!(out["success"], true);
    assert_eq!(out["active"], true);
    assert_eq!(out["id"], "mock_id");
}

#[tokio::test]
async fn update_non_existing_user_without_create_is_a_skip() {
    let server = strict_server().await;
    lookup_email(&server, json!([])).await;
    let execution = run(
        &server,
        "iam-update-user",
        profile(json!({"email": E})),
        json!({"create-if-not-exists": "false"}),
    )
    .await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["action"], "update");
    assert_eq!(out["skipped"], true);
    assert_eq!(out["reason"], "User does not exist");
}

// ---- §9.1 #7: disabled command ----

#[tokio::test]
async fn update_when_command_is_disabled_makes_no_request() {
    let server = strict_server().await;
    let params = json!({"update-user-enabled": false, "enable-user-enabled": true, "create-user-enabled": false, "create-if-not-exists": false});
    let execution = run(
        &server,
        "iam-update-user",
        profile(json!({"email": E})),
        params,
    )
    .await;
    let (entry, out) = outputs(&execution);
    assert_eq!(out["action"], "update");
    assert_eq!(out["success"], true);
    assert_eq!(out["skipped"], true);
    assert_eq!(out["reason"], "Command is disabled.");
    assert_eq!(
        entry["HumanReadable"],
        "### Update User Results (Okta IAM)\n|brand|instanceName|skipped|reason|\n|---|---|---|---|\n| Okta IAM | Okta IAM_instance_1 | true | Command is disabled. |\n"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

// ---- §9.1 #8: rate limit spent → error entry with the outputs ----

#[tokio::test]
async fn rate_limit_spent_is_an_error_entry() {
    let server = strict_server().await;
    every(
        &server,
        "GET",
        okta_error(
            429,
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
            &[],
        ),
    )
    .await;
    let params = json!({"update-user-enabled": true, "enable-user-enabled": true});
    let execution = run(
        &server,
        "iam-update-user",
        profile(json!({"email": E})),
        params,
    )
    .await;
    let (entry, out) = outputs(&execution);
    assert_eq!(entry["Type"], 4);
    assert!(entry.get("HumanReadable").is_none());
    assert_eq!(out["action"], "update");
    assert_eq!(out["success"], false);
    assert_eq!(out["errorCode"], "E0000047");
    assert_eq!(
        out["errorMessage"],
        "API call exceeded rate limit due to too many requests.. "
    );
    // Retried (difference 2), within the budget: 1 + max_retries requests.
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

// ---- §9.1 #9 adapted: E0000007 everywhere ----

#[tokio::test]
async fn e0000007_means_not_found_not_already_disabled() {
    // Adapted (contract differences: E0000007 is Okta's generic not-found): the reference
    // reported "User is already disabled."; here the lookup's not-found is a missing user.
    let server = strict_server().await;
    every(
        &server,
        "GET",
        okta_error(
            400,
            "E0000007",
            "mock_error_summary",
            &["reason_1", "reason_2"],
        ),
    )
    .await;
    let execution = run_email(&server, "iam-disable-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["action"], "disable");
    assert_eq!(out["success"], true);
    assert_eq!(out["skipped"], true);
    assert_eq!(out["reason"], "User does not exist");
}

// ---- disable ----

#[tokio::test]
async fn disable_deactivates_and_reports_the_user_after_the_change() {
    let server = strict_server().await;
    lookup_email(&server, json!([okta_user("ACTIVE")])).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/mock_id/lifecycle/deactivate"))
        .and(header("content-length", "0"))
        .respond_with(ok(json!({})))
        .expect(1)
        .mount(&server)
        .await;
    user_read_back(&server, "mock_id", okta_user("DEPROVISIONED")).await;
    let execution = run_email(&server, "iam-disable-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["action"], "disable");
    assert_eq!(out["active"], false);
    assert_eq!(out["details"]["status"], "DEPROVISIONED");
}

#[tokio::test]
async fn disable_of_a_deprovisioned_user_is_a_skip_without_a_call() {
    let server = strict_server().await;
    lookup_email(&server, json!([okta_user("DEPROVISIONED")])).await;
    let execution = run_email(&server, "iam-disable-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["skipped"], true);
    assert_eq!(out["reason"], "User is already disabled.");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

// ---- enable (contract §8.1) ----

#[tokio::test]
async fn enable_picks_unsuspend_for_a_suspended_user() {
    let server = strict_server().await;
    lookup_email(&server, json!([okta_user("SUSPENDED")])).await;
    answer_times(
        &server,
        "POST",
        "/api/v1/users/mock_id/lifecycle/unsuspend",
        ok(json!({})),
        1,
    )
    .await;
    user_read_back(&server, "mock_id", okta_user("ACTIVE")).await;
    let execution = run_email(&server, "iam-enable-user").await;
    let (entry, out) = outputs(&execution);
    assert_eq!(out["action"], "enable");
    assert_eq!(out["active"], true);
    assert!(entry["HumanReadable"]
        .as_str()
        .unwrap()
        .starts_with("### Enable User Results (Okta IAM)\n"));
}

#[tokio::test]
async fn enable_skips() {
    let server = strict_server().await;
    lookup_email(&server, json!([okta_user("ACTIVE")])).await;
    let execution = run_email(&server, "iam-enable-user").await;
    assert_eq!(outputs(&execution).1["reason"], "User is already enabled.");
    let execution = run(
        &server,
        "iam-enable-user",
        profile(json!({"email": E})),
        json!({"enable-user-enabled": "false"}),
    )
    .await;
    assert_eq!(outputs(&execution).1["reason"], "Command is disabled.");
    let server = strict_server().await;
    lookup_email(&server, json!([])).await;
    let execution = run_email(&server, "iam-enable-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["reason"], "User does not exist");
    assert_eq!(out["success"], true);
}

// ---- SUSPENDED counts as inactive (difference 4) ----

#[tokio::test]
async fn suspended_user_is_not_active() {
    let server = strict_server().await;
    lookup_email(&server, json!([okta_user("SUSPENDED")])).await;
    let execution = run_email(&server, "iam-get-user").await;
    assert_eq!(outputs(&execution).1["active"], false);
}

// ---- §9.3 #4: create of an existing (disabled) user goes the update path ----

#[tokio::test]
async fn create_of_an_existing_user_updates_it() {
    let server = strict_server().await;
    lookup_email(&server, json!([okta_user("DEPROVISIONED")])).await;
    answer_times(
        &server,
        "POST",
        "/api/v1/users/mock_id",
        ok(okta_user("DEPROVISIONED")),
        1,
    )
    .await;
    let args = json!({"user-profile": json!({"email": E}).to_string(), "allow-enable": "false"});
    let execution = run(&server, "iam-create-user", args, json!({})).await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["action"], "update");
    assert_eq!(out["success"], true);
    assert_eq!(out["active"], false);
}

// ---- §9.4: olduserdata, ambiguity, non-JSON 502, E0000016 ----

#[tokio::test]
async fn update_looks_up_the_old_email() {
    let server = strict_server().await;
    lookup(
        &server,
        "profile.email eq \"old@x\"",
        json!([okta_user("ACTIVE")]),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/mock_id"))
        .and(body_json(json!({"profile": {"email": "new@x"}})))
        .respond_with(ok(okta_user("ACTIVE")))
        .expect(1)
        .mount(&server)
        .await;
    let args = profile(json!({"email": "new@x", "olduserdata": {"email": "old@x"}}));
    let execution = run(&server, "iam-update-user", args, json!({})).await;
    assert_eq!(outputs(&execution).1["action"], "update");
}

#[tokio::test]
async fn ambiguous_lookup_is_an_error_and_never_creates() {
    // Contract difference 3 (the reference treated two matches as "not found" and created).
    let server = strict_server().await;
    let mut second = okta_user("ACTIVE");
    second["id"] = json!("other_id");
    lookup_email(&server, json!([okta_user("ACTIVE"), second])).await;
    let execution = run_email(&server, "iam-update-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["success"], false);
    assert!(out["errorMessage"]
        .as_str()
        .unwrap()
        .starts_with(&format!("2 users match email \"{E}\"")));
    let requests = server.received_requests().await.unwrap();
    assert!(requests
        .iter()
        .all(|r: &Request| r.method.as_str() == "GET"));
}

#[tokio::test]
async fn non_json_502_gives_the_status_as_error_code() {
    let server = strict_server().await;
    every(
        &server,
        "GET",
        ResponseTemplate::new(502).set_body_string("<html>bad gateway</html>"),
    )
    .await;
    let execution = run_email(&server, "iam-get-user").await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["errorCode"], 502);
    assert!(out["errorMessage"]
        .as_str()
        .unwrap()
        .starts_with("Error in API call [502]"));
}

#[tokio::test]
async fn already_active_on_activation_is_a_skip_with_the_okta_reason() {
    let server = strict_server().await;
    lookup_email(&server, json!([okta_user("DEPROVISIONED")])).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/mock_id/lifecycle/activate"))
        .respond_with(okta_error(
            403,
            "E0000016",
            "Activation failed because the user is already active",
            &[],
        ))
        .mount(&server)
        .await;
    answer(
        &server,
        "POST",
        "/api/v1/users/mock_id",
        ok(okta_user("ACTIVE")),
    )
    .await;
    let args = json!({"user-profile": json!({"email": E}).to_string(), "allow-enable": "true"});
    let execution = run(&server, "iam-update-user", args, json!({})).await;
    let (_, out) = outputs(&execution);
    // The user was already active: the profile update still goes through.
    assert_eq!(out["action"], "enable");
    assert_eq!(out["success"], true);
}

#[tokio::test]
async fn filter_values_are_escaped() {
    let server = strict_server().await;
    let hostile = r#"a" or profile.email eq "b\"#;
    lookup(
        &server,
        r#"profile.email eq "a\" or profile.email eq \"b\\""#,
        json!([]),
    )
    .await;
    let execution = run(
        &server,
        "iam-get-user",
        profile(json!({"email": hostile})),
        json!({}),
    )
    .await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["errorCode"], 404);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

// ---- 401 and bad profiles ----

#[tokio::test]
async fn bad_token_is_a_normal_result_with_e0000011() {
    let server = strict_server().await;
    every(
        &server,
        "GET",
        okta_error(401, "E0000011", "Invalid token provided", &[]),
    )
    .await;
    let execution = run_email(&server, "iam-get-user").await;
    let (entry, out) = outputs(&execution);
    assert_eq!(entry["Type"], 1);
    assert_eq!(out["success"], false);
    assert_eq!(out["errorCode"], "E0000011");
    assert_eq!(out["errorMessage"], "Invalid token provided. ");
}

#[tokio::test]
async fn every_bad_user_profile_says_what_to_fix() {
    let server = strict_server().await;
    for (arg, expected) in [
        (json!("{not json"), "is not valid JSON"),
        (json!("[1,2]"), "must be a JSON object"),
        (json!("{}"), "empty object"),
        (json!("\"text\""), "must be a JSON object"),
    ] {
        let execution = run(
            &server,
            "iam-create-user",
            json!({"user-profile": arg}),
            json!({}),
        )
        .await;
        let (entry, _) = outputs(&execution);
        assert_eq!(entry["Type"], 4, "{arg}");
        let text = entry["Contents"].as_str().unwrap();
        assert!(
            text.starts_with("Failed to execute iam-create-user command. Error: "),
            "{text}"
        );
        assert!(text.contains(expected), "{arg}: {text}");
    }
    let execution = run(&server, "iam-get-user", json!({}), json!({})).await;
    assert!(outputs(&execution).0["Contents"]
        .as_str()
        .unwrap()
        .contains("Missing required argument: user-profile"));
    // §9.3 #10: no lookup attribute → a failure result that names the attributes.
    let execution = run(
        &server,
        "iam-disable-user",
        profile(json!({"email": ""})),
        json!({}),
    )
    .await;
    let (_, out) = outputs(&execution);
    assert_eq!(out["success"], false);
    assert_eq!(out["errorCode"], "");
    assert_eq!(
        out["errorMessage"],
        "Your user profile argument must contain at least one attribute that is mapped into one of the following attributes in the outgoing mapper: ['id', 'login', 'email']"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

/// A call with several faults reports the mapper first, then the instance settings, then the
/// user profile (parsed with the arguments, reported where it always was).
#[tokio::test]
async fn a_bad_mapper_or_instance_setting_is_reported_before_a_bad_profile() {
    let server = strict_server().await;
    for (params, expected) in [
        (
            json!({"mapper-out": "No Such Mapper", "url": ""}),
            "mapper-out: ",
        ),
        (json!({"mapper-in": "No Such Mapper"}), "mapper-in: "),
        (
            json!({"url": ""}),
            "The Okta URL parameter (url) is missing.",
        ),
        (json!({}), "The user-profile argument is not valid JSON"),
    ] {
        let execution = run(
            &server,
            "iam-update-user",
            json!({"user-profile": "{not json"}),
            params.clone(),
        )
        .await;
        let (entry, _) = outputs(&execution);
        assert_eq!(entry["Type"], 4, "{params}");
        let text = entry["Contents"].as_str().unwrap();
        let error = text
            .strip_prefix("Failed to execute iam-update-user command. Error: ")
            .unwrap_or(text);
        assert!(error.starts_with(expected), "{params}: {text}");
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn get_mapping_fields_returns_the_schema() {
    // §9.1 #10.
    let server = strict_server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/meta/schemas/user/default"))
        .respond_with(ok(json!({"definitions": {
            "base": {"properties": {"field1": {"title": "description1"}, "login": {"title": "Username"}}},
            "custom": {"properties": {"field2": {"title": "description2"}}}}})))
        .mount(&server)
        .await;
    let execution = run(&server, "get-mapping-fields", json!({}), json!({})).await;
    let (entry, contents) = outputs(&execution);
    assert_eq!(entry["ContentsFormat"], "json");
    let mapping: Value = serde_json::from_str(contents.as_str().unwrap()).unwrap();
    assert_eq!(mapping["User Profile"]["field1"], "description1");
    assert_eq!(mapping["User Profile"]["field2"], "description2");
}
