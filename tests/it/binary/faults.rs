//! Fault injection against the local fake Okta and a misbehaving host.
//!
//! Faults: bodies cut short (by the connection, or as broken JSON in a whole exchange),
//! dropped connections, answers slower than the request timeout, 500/502/503/504 bursts, HTML
//! error pages, 429 storms (concurrency and ordinary) and a real rate-limit window, faults on
//! page two of a paged list, and a host that answers a state request with the error marker,
//! late, or not at all. Each test asserts the same four things:
//! 1. the command ends within its deadline (plus a little slack for process start-up),
//! 2. with an entry that says what happened (or a success, when a retry could fix it),
//! 3. nothing already fetched is lost or repeated (paged results hold every item once; a
//!    create is never sent twice by the daemon after a 5xx or a lost answer),
//! 4. and the next command works.
//!
//! Connection-level faults (truncated bodies, dropped connections, slow answers) go through
//! the real binary (`okta-iam serve --state FILE` with small `--request-timeout`,
//! `--command-deadline` and `--max-retries`). Status bursts and 429 storms run in-process
//! through `okta_iam::commands::execute` with a short backoff (`Daemon.http.settings`), so that
//! retries cost milliseconds. The silent host drives `okta_iam::protocol::serve` in-process
//! with a short `ServeConfig.host_reply_timeout`.

use crate::support as common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use fake_okta::{FakeOkta, Fault};
use okta_iam::commands::{execute, Daemon as InProcess};
use okta_iam::http::HttpSettings;
use okta_iam::okta::{
    BoxFuture, ClientConfig, HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError,
};
use okta_iam::protocol::message::CallingContext;
use okta_iam::secret::Secret;
use okta_iam::state::MemoryState;
use serde_json::{json, Map, Value};

const DANA: &str = "dana.lee@example.com";

fn params(fake: &FakeOkta) -> Value {
    json!({"url": fake.url(), "apitoken": FakeOkta::TOKEN})
}

fn seed_dana(fake: &FakeOkta) -> String {
    fake.add_user(
        json!({"login": DANA, "email": DANA, "firstName": "Dana", "lastName": "Lee"}),
        "ACTIVE",
    )
}

fn line(command: &str, args: Value, params: &Value) -> String {
    json!({"command": command, "args": args, "params": params}).to_string()
}

fn get_user_line(fake: &FakeOkta, email: &str) -> String {
    line(
        "iam-get-user",
        json!({"user-profile": {"email": email}}),
        &params(fake),
    )
}

fn create_user_line(fake: &FakeOkta, email: &str) -> String {
    let profile = json!({"email": email, "username": email, "givenname": "Lee", "surname": "Park"});
    line(
        "iam-create-user",
        json!({"user-profile": profile.to_string()}),
        &params(fake),
    )
}

/// Requests the fake saw with this method and exact path.
fn count(fake: &FakeOkta, method: &str, path: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| r.method == method && r.path == path)
        .count()
}

// ---------------------------------------------------------------------------------------------
// Through the binary: connection-level faults
// ---------------------------------------------------------------------------------------------

/// `--command-deadline` of the daemon (the binary's backoff starts at 1 s, so two retries
/// cannot both fit), and how long a command may take before the watchdog fails the test.
const DEADLINE: Duration = Duration::from_millis(2500);
const WATCHDOG: Duration = Duration::from_secs(6);

fn daemon(name: &str) -> Daemon {
    let dir = temp_dir(name);
    let state = dir.join("state.json");
    let deadline = DEADLINE.as_secs_f64().to_string();
    Daemon::spawn(
        &[
            "serve",
            "--state",
            state.to_str().unwrap(),
            "--request-timeout",
            "1",
            "--command-deadline",
            &deadline,
            "--max-retries",
            "2",
        ],
        &[],
    )
    .keeping(dir)
}

/// Runs one line and returns its only entry and how long it took.
fn timed(daemon: &mut Daemon, line: &str) -> (Value, Duration) {
    let started = Instant::now();
    let messages = daemon.execute(line, WATCHDOG);
    let elapsed = started.elapsed();
    assert!(
        elapsed < DEADLINE + Duration::from_millis(800),
        "the command took {elapsed:?}, past its {DEADLINE:?} deadline"
    );
    (only_entry(&messages), elapsed)
}

fn assert_pong(daemon: &mut Daemon) {
    assert_eq!(
        daemon.execute("ping", WATCHDOG),
        vec![json!({"type": "pong"})]
    );
}

#[test]
fn truncated_bodies_are_retried_for_reads_and_a_create_is_never_sent_twice() {
    let fake = FakeOkta::start();
    let dana = seed_dana(&fake);
    let mut daemon = daemon("faults-truncated");

    // A read whose answer is cut short is read again.
    fake.fail_next("GET /api/v1/users", Fault::Truncated, 1);
    let (entry, _) = timed(&mut daemon, &get_user_line(&fake, DANA));
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
    assert_eq!(entry["Contents"]["id"], dana.as_str());
    assert_eq!(count(&fake, "GET", "/api/v1/users"), 2);

    // A create whose answer is cut short: Okta made the user, the daemon cannot know, so it
    // reports the failure and does not send the create again.
    fake.reset_requests();
    let lee = "lee.park@example.com";
    fake.fail_next("POST /api/v1/users", Fault::Truncated, 1);
    let (entry, _) = timed(&mut daemon, &create_user_line(&fake, lee));
    let contents = &entry["Contents"];
    assert_eq!(contents["success"], false, "{entry}");
    assert_eq!(contents["action"], "create");
    let message = contents["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("Could not reach Okta for POST /api/v1/users"),
        "{message}"
    );
    assert_eq!(count(&fake, "POST", "/api/v1/users"), 1);

    // Running the create again finds the user and updates it: still one user, one create.
    let (entry, _) = timed(&mut daemon, &create_user_line(&fake, lee));
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
    assert_eq!(entry["Contents"]["action"], "update");
    assert_eq!(count(&fake, "POST", "/api/v1/users"), 1);
    let lees = fake
        .users()
        .iter()
        .filter(|u| u["profile"]["login"] == lee)
        .count();
    assert_eq!(lees, 1);

    assert_pong(&mut daemon);
    daemon.finish();
}

#[test]
fn dropped_connections_are_retried_then_reported() {
    let fake = FakeOkta::start();
    let dana = seed_dana(&fake);
    let app = fake.add_app("app_one", "App One");
    fake.assign(&app, &dana, json!({}));
    let mut daemon = daemon("faults-drop");
    let list_apps = line(
        "okta-iam-list-user-applications",
        json!({"user_id": dana}),
        &params(&fake),
    );

    // One dropped connection: retried, and the answer is complete.
    fake.fail_next("GET /api/v1/apps", Fault::Drop, 1);
    let (entry, _) = timed(&mut daemon, &list_apps);
    assert_eq!(entry["Type"], 1, "{entry}");
    assert_eq!(entry["Contents"].as_array().unwrap().len(), 1, "{entry}");

    // Every attempt dropped: an error entry that names the request and the failure.
    fake.fail_next("GET /api/v1/apps", Fault::Drop, 100);
    let (entry, _) = timed(&mut daemon, &list_apps);
    assert_eq!(entry["Type"], 4, "{entry}");
    let message = entry["Contents"].as_str().unwrap();
    assert!(
        message.starts_with("Failed to execute okta-iam-list-user-applications command."),
        "{message}"
    );
    assert!(
        message.contains("Could not reach Okta for GET /api/v1/apps"),
        "{message}"
    );
    fake.clear_faults();

    // The next command works.
    assert_pong(&mut daemon);
    let (entry, _) = timed(&mut daemon, &list_apps);
    assert_eq!(entry["Contents"].as_array().unwrap().len(), 1, "{entry}");
    daemon.finish();
}

#[test]
fn slow_answers_time_out_and_the_command_deadline_holds() {
    let fake = FakeOkta::start();
    seed_dana(&fake);
    let mut daemon = daemon("faults-slow");

    // (One slow answer, abandoned and asked again: `a_fault_on_page_two_...` below.)
    // Every answer slow: the command stops at its deadline and says so.
    fake.fail_next(
        "GET /api/v1/users",
        Fault::Delay(Duration::from_secs(30)),
        100,
    );
    let (entry, elapsed) = timed(&mut daemon, &get_user_line(&fake, DANA));
    assert!(
        elapsed >= Duration::from_secs(2),
        "it used its time: {elapsed:?}"
    );
    let contents = &entry["Contents"];
    assert_eq!(contents["success"], false, "{entry}");
    let message = contents["errorMessage"].as_str().unwrap();
    assert!(
        message.contains("The command's time limit of 2.5 s ran out during GET /api/v1/users"),
        "{message}"
    );
    assert!(message.contains("timed out"), "{message}");
    fake.clear_faults();

    assert_pong(&mut daemon);
    let (entry, _) = timed(&mut daemon, &get_user_line(&fake, DANA));
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
    daemon.finish();
}

#[test]
fn non_json_error_pages_are_reported_with_their_status() {
    let fake = FakeOkta::start();
    seed_dana(&fake);
    let mut daemon = daemon("faults-html");
    // Every attempt gets the HTML page (502 is retried like 503), until the deadline.
    fake.fail_next("GET /api/v1/users", Fault::NonJson(502), 10);
    let (entry, _) = timed(&mut daemon, &get_user_line(&fake, DANA));
    let contents = &entry["Contents"];
    assert_eq!(contents["success"], false, "{entry}");
    assert_eq!(contents["errorCode"], 502);
    assert!(
        contents["errorMessage"]
            .as_str()
            .unwrap()
            .contains("Error in API call [502]"),
        "{entry}"
    );
    fake.clear_faults();
    let (entry, _) = timed(&mut daemon, &get_user_line(&fake, DANA));
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
    daemon.finish();
}

// ---------------------------------------------------------------------------------------------
// In-process: status bursts and 429 storms, with a short backoff
// ---------------------------------------------------------------------------------------------

const TUNING: HttpSettings = HttpSettings {
    connect_timeout: Duration::from_secs(1),
    answer_timeout: Duration::from_secs(1),
    request_timeout: Duration::from_secs(1),
    max_response_bytes: okta_iam::okta::DEFAULT_MAX_RESPONSE_BYTES,
    command_deadline: Duration::from_secs(3),
    max_retries: 3,
    backoff_base: Duration::from_millis(20),
    backoff_cap: Duration::from_millis(100),
};

fn runtime() -> InProcess {
    let mut runtime = InProcess::new(Map::new(), okta_iam::okta::vendor::default_mappers());
    runtime.http.settings = TUNING;
    runtime
}

/// Runs one calling context in-process; returns its entries as JSON and the time it took.
async fn run(runtime: &InProcess, line: &str) -> (Vec<Value>, Duration) {
    let context = CallingContext::parse(line, &okta_iam::okta::vendor::context_defaults())
        .expect("a calling context");
    let mut state = MemoryState::default();
    let started = Instant::now();
    let execution = execute(runtime, &context, &mut state).await;
    let elapsed = started.elapsed();
    assert!(
        execution.exception.is_none(),
        "exception: {:?}",
        execution.exception
    );
    assert!(
        elapsed < TUNING.command_deadline + Duration::from_millis(500),
        "took {elapsed:?}, past the deadline"
    );
    let entries = execution
        .entries
        .iter()
        .map(|e| serde_json::to_value(e).expect("entry JSON"))
        .collect();
    (entries, elapsed)
}

async fn run_one(runtime: &InProcess, line: &str) -> Value {
    let (entries, _) = run(runtime, line).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    entries[0].clone()
}

#[tokio::test]
async fn unavailable_bursts_are_retried_with_backoff() {
    let fake = FakeOkta::start();
    let dana = seed_dana(&fake);
    let runtime = runtime();

    for status in [503, 504] {
        fake.reset_requests();
        fake.fail_next("GET /api/v1/users", Fault::Status(status), 3);
        let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
        assert_eq!(entry["Contents"]["success"], true, "{status}: {entry}");
        assert_eq!(entry["Contents"]["id"], dana.as_str());
        let attempts: Vec<Option<String>> = fake
            .requests()
            .iter()
            .map(|r| r.header("x-okta-retry-count").map(str::to_string))
            .collect();
        assert_eq!(
            attempts,
            vec![None, Some("1".into()), Some("2".into()), Some("3".into())]
        );
    }

    // A burst longer than the retry budget: reported with the status, not hidden.
    fake.reset_requests();
    fake.fail_next("GET /api/v1/users", Fault::Status(503), 100);
    let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
    let contents = &entry["Contents"];
    assert_eq!(contents["success"], false, "{entry}");
    assert_eq!(contents["errorCode"], "E0000009");
    assert!(!contents["errorMessage"].as_str().unwrap().is_empty());
    assert_eq!(
        count(&fake, "GET", "/api/v1/users"),
        1 + TUNING.max_retries as usize
    );
    fake.clear_faults();

    let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
}

#[tokio::test]
async fn internal_errors_and_bad_gateways_are_retried_then_reported() {
    // 500 and 502 are retried like 503/504 for requests safe to repeat (contract §5.2).
    let fake = FakeOkta::start();
    seed_dana(&fake);
    let runtime = runtime();
    for status in [500, 502] {
        fake.reset_requests();
        fake.fail_next("GET /api/v1/users", Fault::Status(status), 5);
        let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
        let contents = &entry["Contents"];
        assert_eq!(contents["success"], false, "{entry}");
        assert!(!contents["errorMessage"].as_str().unwrap().is_empty());
        assert_eq!(
            count(&fake, "GET", "/api/v1/users"),
            1 + TUNING.max_retries as usize
        );
        fake.clear_faults();
        let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
        assert_eq!(entry["Contents"]["success"], true, "{entry}");
    }
}

#[tokio::test]
async fn a_create_is_never_repeated_after_a_server_error() {
    let fake = FakeOkta::start();
    let runtime = runtime();
    let lee = "lee.park@example.com";
    for status in [500, 502, 503, 504] {
        fake.reset_requests();
        fake.fail_next("POST /api/v1/users", Fault::Status(status), 1);
        let entry = run_one(&runtime, &create_user_line(&fake, lee)).await;
        let contents = &entry["Contents"];
        assert_eq!(contents["success"], false, "{status}: {entry}");
        assert_eq!(contents["action"], "create");
        assert_eq!(count(&fake, "POST", "/api/v1/users"), 1, "{status}");
        assert!(fake.users().iter().all(|u| u["profile"]["login"] != lee));
    }
    // The caller runs it again: one create, one user.
    fake.reset_requests();
    let entry = run_one(&runtime, &create_user_line(&fake, lee)).await;
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
    assert_eq!(entry["Contents"]["action"], "create");
    assert_eq!(count(&fake, "POST", "/api/v1/users"), 1);
}

#[tokio::test]
async fn a_rate_limited_create_is_retried_once_okta_allows_it() {
    // A 429 means Okta did not process the request, so a create may be sent again.
    let fake = FakeOkta::start();
    let runtime = runtime();
    let lee = "lee.park@example.com";
    fake.fail_next("POST /api/v1/users", Fault::ConcurrencyLimit, 2);
    let entry = run_one(&runtime, &create_user_line(&fake, lee)).await;
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
    assert_eq!(count(&fake, "POST", "/api/v1/users"), 3);
    let lees = fake
        .users()
        .iter()
        .filter(|u| u["profile"]["login"] == lee)
        .count();
    assert_eq!(lees, 1);
}

#[tokio::test]
async fn a_429_storm_ends_in_e0000047_within_the_deadline() {
    let fake = FakeOkta::start();
    seed_dana(&fake);
    let runtime = runtime();

    // Concurrency 429s (exponential backoff) until the retries are spent.
    fake.fail_next("GET /api/v1/users", Fault::ConcurrencyLimit, 100);
    let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
    assert_eq!(entry["Type"], 4, "contract §8.4: {entry}");
    let contents = entry["Contents"].as_object().unwrap();
    assert_eq!(contents.len(), 13, "the 13 IAM outputs: {entry}");
    assert_eq!(contents["errorCode"], "E0000047");
    assert_eq!(contents["success"], false);
    assert_eq!(
        count(&fake, "GET", "/api/v1/users"),
        1 + TUNING.max_retries as usize
    );
    fake.clear_faults();
    let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
    assert_eq!(entry["Contents"]["success"], true, "{entry}");

    // Ordinary 429s wait for X-Rate-Limit-Reset (a second ahead, +1 s): the second wait
    // would pass the 3 s deadline, so the command stops there and says so.
    fake.reset_requests();
    fake.fail_next("GET /api/v1/users", Fault::RateLimit, 100);
    let (entries, elapsed) = run(&runtime, &get_user_line(&fake, DANA)).await;
    let contents = &entries[0]["Contents"];
    assert_eq!(entries[0]["Type"], 4, "{entries:?}");
    assert_eq!(contents["errorCode"], "E0000047");
    assert!(
        elapsed >= Duration::from_secs(1),
        "it waited once: {elapsed:?}"
    );
    assert!(count(&fake, "GET", "/api/v1/users") >= 2);
    fake.clear_faults();

    // The client learnt that the window is spent; the next command paces itself into the
    // next window and works.
    let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
}

#[tokio::test]
async fn a_real_rate_limit_window_is_respected_and_recovers() {
    let fake = FakeOkta::start();
    seed_dana(&fake);
    // Five requests per two-second window, for every request.
    fake.set_rate_limit(5, Duration::from_secs(2));
    let runtime = runtime();
    let mut ok = 0;
    for _ in 0..8 {
        let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
        match entry["Contents"]["success"].as_bool() {
            Some(true) => ok += 1,
            _ => assert_eq!(entry["Contents"]["errorCode"], "E0000047", "{entry}"),
        }
    }
    assert!(ok >= 5, "{ok} of 8 succeeded");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
}

// ---------------------------------------------------------------------------------------------
// Faults in the middle of a paged list: nothing lost, nothing repeated
// ---------------------------------------------------------------------------------------------

/// The reqwest transport, arming a fault on the fake the first time a later page (a URL
/// with `after=`) is requested, so the fault hits page 2 and not page 1.
struct FaultOnPageTwo {
    inner: ReqwestTransport,
    fake: Arc<FakeOkta>,
    fault: Mutex<Option<(Fault, usize)>>,
}

impl FaultOnPageTwo {
    fn new(fake: Arc<FakeOkta>, fault: Fault, times: usize) -> Self {
        let config = ClientConfig::new(
            format!("{}/api/v1/", fake.url()).parse().unwrap(),
            Secret::new(FakeOkta::TOKEN),
        );
        FaultOnPageTwo {
            inner: ReqwestTransport::new(&config).unwrap(),
            fake,
            fault: Mutex::new(Some((fault, times))),
        }
    }
}

impl Transport for FaultOnPageTwo {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        if request.url.query().unwrap_or_default().contains("after=") {
            if let Some((fault, times)) = self.fault.lock().unwrap().take() {
                self.fake.fail_next(request.url.path(), fault, times);
            }
        }
        self.inner.send(request)
    }
}

fn group_with_members(fake: &FakeOkta, members: usize) -> (String, Vec<String>) {
    let group = fake.add_group("Finance Analysts");
    let ids: Vec<String> = (0..members)
        .map(|i| {
            let login = format!("member{i}@example.com");
            let id = fake.add_user(
                json!({"login": login, "email": login, "firstName": "M", "lastName": format!("{i}")}),
                "ACTIVE",
            );
            fake.add_member(&group, &id);
            id
        })
        .collect();
    fake.set_page_limits("group_users", 2, 2);
    (group, ids)
}

fn member_ids(entry: &Value) -> Vec<String> {
    let members = entry["Contents"]["members"]
        .as_array()
        .unwrap_or_else(|| panic!("no members: {entry}"));
    let mut ids: Vec<String> = members
        .iter()
        .map(|m| m["value"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_fault_on_page_two_loses_and_repeats_no_member() {
    for fault in [
        Fault::Status(503),
        Fault::Truncated,
        Fault::Drop,
        Fault::ConcurrencyLimit,
        Fault::Delay(Duration::from_millis(1500)),
    ] {
        let fake = Arc::new(FakeOkta::start());
        let (group, mut ids) = group_with_members(&fake, 5);
        ids.sort();
        let runtime = runtime().with_transport(Arc::new(FaultOnPageTwo::new(
            fake.clone(),
            fault.clone(),
            1,
        )));
        let entry = run_one(
            &runtime,
            &line(
                "iam-get-group",
                json!({"scim": {"id": group}}),
                &params(&fake),
            ),
        )
        .await;
        assert_eq!(entry["Contents"]["success"], true, "{fault:?}: {entry}");
        assert_eq!(member_ids(&entry), ids, "{fault:?}: every member once");
        let member_path = format!("/api/v1/groups/{group}/users");
        // Three pages, page two asked twice.
        assert_eq!(count(&fake, "GET", &member_path), 4, "{fault:?}");
    }
}

#[tokio::test]
async fn a_page_that_keeps_failing_fails_the_command_without_a_partial_result() {
    let fake = Arc::new(FakeOkta::start());
    let (group, _) = group_with_members(&fake, 5);
    let runtime = runtime().with_transport(Arc::new(FaultOnPageTwo::new(
        fake.clone(),
        Fault::Status(500),
        100,
    )));
    let get_group = line(
        "iam-get-group",
        json!({"scim": {"id": group}}),
        &params(&fake),
    );
    let entry = run_one(&runtime, &get_group).await;
    assert_eq!(entry["Type"], 4, "{entry}");
    let message = entry["Contents"].as_str().unwrap();
    assert!(
        message.starts_with("Failed to execute iam-get-group command. Error:"),
        "{message}"
    );
    fake.clear_faults();
    let entry = run_one(&runtime, &get_group).await;
    assert_eq!(member_ids(&entry).len(), 5, "{entry}");
}

// ---------------------------------------------------------------------------------------------
// The host: an error marker, or no answer at all
// ---------------------------------------------------------------------------------------------

const MARKER: &str = "[ERROR-fd5a7750-7182-4b38-90ba-091824478903]";

fn get_context_request() -> Value {
    json!({"type": "executeCommand", "command": "getIntegrationContext", "args": {"refresh": false}})
}

#[test]
fn a_host_error_on_a_state_read_fails_that_command_only() {
    let fake = FakeOkta::start();
    let mut host = Daemon::spawn(&["serve"], &[]);
    let wait = Duration::from_secs(10);
    let test_module = line(
        "test-module",
        json!({}),
        &json!({"url": fake.url(), "apitoken": FakeOkta::TOKEN, "isFetch": true}),
    );
    for command in [
        json!({"command": "okta-iam-get-configuration"}).to_string(),
        test_module,
    ] {
        host.send(&command);
        assert_eq!(host.next(wait), get_context_request());
        host.send(&format!("{MARKER}Integration context is locked"));
        let result = host.next(wait);
        let entry = &result["results"][0];
        assert_eq!(entry["Type"], 4, "{result}");
        let message = entry["Contents"].as_str().unwrap();
        assert!(
            message.ends_with(
                "The XSOAR server returned an error for getIntegrationContext: Integration context is locked"
            ),
            "{message}"
        );
        assert_eq!(host.next(wait), json!({"type": "completed"}));
    }
    // The next command works.
    host.send("ping");
    assert_eq!(host.next(wait), json!({"type": "pong"}));
    host.send(&json!({"command": "okta-iam-get-configuration"}).to_string());
    assert_eq!(host.next(wait), get_context_request());
    host.send(r#"{"context":{"IAMConfiguration":[{"ApplicationID":"0oa1"}]},"version":{}}"#);
    let result = host.next(wait);
    assert_eq!(result["results"][0]["Type"], 1, "{result}");
    assert_eq!(host.next(wait), json!({"type": "completed"}));
    let stderr = host.finish();
    assert_no_secret(FakeOkta::TOKEN, &[("stderr", &stderr)]);
}

/// The serve loop in engine mode over an in-memory duplex: the test plays the host.
struct Host {
    to_daemon: tokio::io::DuplexStream,
    from_daemon: tokio::io::Lines<tokio::io::BufReader<tokio::io::DuplexStream>>,
    served: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Host {
    fn start(reply_timeout: Duration) -> Host {
        use tokio::io::AsyncBufReadExt;
        // One pipe each way, so that dropping the host's writer is end of input.
        let (host_out, daemon_in) = tokio::io::duplex(1 << 16);
        let (daemon_out, host_in) = tokio::io::duplex(1 << 16);
        let served = tokio::task::spawn_local(async move {
            let runtime = runtime();
            let mut config =
                okta_iam::protocol::ServeConfig::new(okta_iam::protocol::StateMode::Engine);
            config.host_reply_timeout = Some(reply_timeout);
            okta_iam::protocol::serve(daemon_in, daemon_out, &runtime, &config).await
        });
        Host {
            to_daemon: host_out,
            from_daemon: tokio::io::BufReader::new(host_in).lines(),
            served,
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        self.to_daemon.write_all(bytes).await.unwrap();
        self.to_daemon.flush().await.unwrap();
    }

    async fn next(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(5), self.from_daemon.next_line())
            .await
            .expect("the daemon answered")
            .unwrap()
            .expect("a line");
        serde_json::from_str(&line).unwrap()
    }
}

#[tokio::test]
async fn a_silent_host_times_out_and_the_loop_goes_on() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let mut host = Host::start(Duration::from_secs(1));
            let started = Instant::now();
            host.send(b"{\"command\":\"okta-iam-get-configuration\"}\n")
                .await;
            assert_eq!(host.next().await, get_context_request());
            // No answer.
            let result = host.next().await;
            let elapsed = started.elapsed();
            assert!(
                elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(3),
                "{elapsed:?}"
            );
            assert_eq!(
                result["results"][0]["Contents"],
                "Failed to execute okta-iam-get-configuration command. Error: The XSOAR server did not answer getIntegrationContext within 1 seconds."
            );
            assert_eq!(host.next().await, json!({"type": "completed"}));

            // The next command works.
            host.send(b"ping\n").await;
            assert_eq!(host.next().await, json!({"type": "pong"}));
            host.send(b"{\"command\":\"okta-iam-get-configuration\"}\n")
                .await;
            assert_eq!(host.next().await, get_context_request());
            host.send(b"{\"context\":{},\"version\":{}}\n").await;
            assert_eq!(host.next().await["results"][0]["Type"], 1);
            assert_eq!(host.next().await, json!({"type": "completed"}));
            drop(host.to_daemon);
            host.served.await.unwrap().unwrap();
        })
        .await;
}

#[tokio::test]
async fn a_late_host_reply_is_not_taken_for_the_next_command() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let get_configuration = b"{\"command\":\"okta-iam-get-configuration\"}\n";
            let mut host = Host::start(Duration::from_secs(1));

            // The reply comes after the timeout, in two pieces.
            host.send(get_configuration).await;
            assert_eq!(host.next().await, get_context_request());
            host.send(b"{\"context\":{\"IAMConfig").await;
            let result = host.next().await;
            assert_eq!(result["results"][0]["Type"], 4, "{result}");
            assert_eq!(host.next().await, json!({"type": "completed"}));
            host.send(b"uration\":[]},\"version\":{}}\n").await;
            // Dropped: the next answer is the pong, not an error entry for the late reply.
            host.send(b"ping\n").await;
            assert_eq!(host.next().await, json!({"type": "pong"}));

            // A late error-marker reply likewise.
            host.send(get_configuration).await;
            assert_eq!(host.next().await, get_context_request());
            assert_eq!(host.next().await["results"][0]["Type"], 4);
            assert_eq!(host.next().await, json!({"type": "completed"}));
            host.send(format!("{MARKER}too late\n").as_bytes()).await;
            host.send(get_configuration).await;
            assert_eq!(host.next().await, get_context_request());
            host.send(b"{\"context\":{},\"version\":{}}\n").await;
            assert_eq!(host.next().await["results"][0]["Type"], 1);
            assert_eq!(host.next().await, json!({"type": "completed"}));

            // A host that moved on without replying: its next command is served, and a bad
            // line after that is answered as usual.
            host.send(get_configuration).await;
            assert_eq!(host.next().await, get_context_request());
            assert_eq!(host.next().await["results"][0]["Type"], 4);
            assert_eq!(host.next().await, json!({"type": "completed"}));
            host.send(b"ping\n").await;
            assert_eq!(host.next().await, json!({"type": "pong"}));
            host.send(b"{\"command\":\"no-such-command\"}\n").await;
            assert_eq!(host.next().await["results"][0]["Type"], 4);
            assert_eq!(host.next().await, json!({"type": "completed"}));
            host.send(b"{not json\n").await;
            let result = host.next().await;
            assert!(
                result["results"][0]["Contents"]
                    .as_str()
                    .unwrap()
                    .starts_with("Invalid input line: not valid JSON"),
                "{result}"
            );
            assert_eq!(host.next().await, json!({"type": "completed"}));
            drop(host.to_daemon);
            host.served.await.unwrap().unwrap();
        })
        .await;
}

/// The reqwest transport, cutting the JSON body of the next answer to a path in half while
/// keeping the HTTP exchange whole (a server that sends broken JSON with a correct length).
struct HalfJson {
    inner: ReqwestTransport,
    path: &'static str,
    armed: Mutex<usize>,
}

impl Transport for HalfJson {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let cut = request.url.path() == self.path && {
            let mut armed = self.armed.lock().unwrap();
            let cut = *armed > 0;
            *armed = armed.saturating_sub(1);
            cut
        };
        Box::pin(async move {
            let mut response = self.inner.send(request).await?;
            if cut {
                let half = response.body.len() / 2;
                response.body.truncate(half);
            }
            Ok(response)
        })
    }
}

#[tokio::test]
async fn a_truncated_json_body_is_reported_where_it_breaks() {
    let fake = FakeOkta::start();
    seed_dana(&fake);
    let config = ClientConfig::new(
        format!("{}/api/v1/", fake.url()).parse().unwrap(),
        Secret::new(FakeOkta::TOKEN),
    );
    let transport = Arc::new(HalfJson {
        inner: ReqwestTransport::new(&config).unwrap(),
        path: "/api/v1/users",
        armed: Mutex::new(1),
    });
    let runtime = runtime().with_transport(transport);
    let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
    let contents = &entry["Contents"];
    assert_eq!(contents["success"], false, "{entry}");
    let message = contents["errorMessage"].as_str().unwrap();
    assert!(
        message
            .starts_with("Okta's answer to GET /api/v1/users could not be read at line 1 column"),
        "{message}"
    );
    // Not retried (the exchange itself was whole), and the next command works.
    assert_eq!(count(&fake, "GET", "/api/v1/users"), 1);
    let entry = run_one(&runtime, &get_user_line(&fake, DANA)).await;
    assert_eq!(entry["Contents"]["success"], true, "{entry}");
}
