//! `fetch-incidents` and `okta-get-logs` against the local fake Okta System Log, in process
//! through `okta_iam::commands::execute` with a `MemoryState`.
//!
//! Every fetch test drains the log run after run and checks that each matching event became
//! exactly one incident.

use std::collections::HashSet;

use chrono::{Duration, SecondsFormat, Utc};
use fake_okta::{FakeOkta, Fault};
use okta_iam::commands::{execute, Daemon, Execution};
use okta_iam::http::HttpSettings;
use okta_iam::okta::commands::fetch::{auto_filter, FETCH_QUERY_EXCEPTION_MSG, SEEN_CAPACITY};
use okta_iam::protocol::message::CallingContext;
use okta_iam::state::MemoryState;
use serde_json::{json, Map, Value};

const FILTER: &str = r#"eventType eq "application.user_membership.add""#;
const PUBLISHED: &str = "2025-05-20T16:00:00.000Z";
const FIRST_FETCH: &str = "2025-05-01T00:00:00Z";
/// Retries per Okta call in these tests.
const RETRIES: u32 = 2;

struct Harness {
    okta: FakeOkta,
    runtime: Daemon,
    state: MemoryState,
    params: Map<String, Value>,
}

impl Harness {
    fn new() -> Harness {
        let okta = FakeOkta::start();
        let params = json!({
            "url": okta.url(),
            "apitoken": FakeOkta::TOKEN,
            "isFetch": true,
            "auto_generate_query_filter": false,
            "fetch_query_filter": FILTER,
            "first_fetch": FIRST_FETCH,
            "max_fetch": "50"
        });
        let mut runtime = Daemon::new(Map::new(), okta_iam::okta::vendor::default_mappers());
        // Retries as in production, with waits short enough for tests.
        runtime.http.settings = HttpSettings {
            max_retries: RETRIES,
            backoff_base: std::time::Duration::from_millis(2),
            backoff_cap: std::time::Duration::from_millis(10),
            ..HttpSettings::default()
        };
        Harness {
            okta,
            runtime,
            state: MemoryState::default(),
            params: params.as_object().cloned().unwrap(),
        }
    }

    fn set(&mut self, name: &str, value: Value) {
        self.params.insert(name.to_string(), value);
    }

    async fn exec(&mut self, command: &str, args: Value) -> Execution {
        let line = json!({"command": command, "args": args, "params": self.params}).to_string();
        let context = CallingContext::parse(&line, &okta_iam::okta::vendor::context_defaults())
            .expect("calling context");
        execute(&self.runtime, &context, &mut self.state).await
    }

    /// One fetch that must succeed; its incidents.
    async fn fetch(&mut self) -> Vec<Value> {
        let execution = self.exec("fetch-incidents", json!({})).await;
        assert!(!execution.failed(), "fetch failed: {:?}", execution.entries);
        assert_eq!(execution.entries.len(), 1);
        incidents_of(&execution)
    }

    /// Fetches until a run brings nothing; every incident of every run, in order.
    async fn drain(&mut self, max_runs: usize) -> Vec<Value> {
        let mut all = Vec::new();
        for _ in 0..max_runs {
            let batch = self.fetch().await;
            self.check_last_run_size();
            if batch.is_empty() {
                return all;
            }
            all.extend(batch);
        }
        panic!("still fetching after {max_runs} runs");
    }

    fn last_run(&self) -> Value {
        self.state.last_run.clone().unwrap_or(json!({}))
    }

    fn check_last_run_size(&self) {
        let size = serde_json::to_vec(&self.last_run()).unwrap().len();
        assert!(size < 64 * 1024, "last run is {size} bytes");
        if let Some(seen) = self.last_run()["seen"].as_array() {
            assert!(seen.len() <= SEEN_CAPACITY);
        }
    }

    fn log_requests(&self) -> Vec<fake_okta::RecordedRequest> {
        self.okta
            .requests()
            .into_iter()
            .filter(|r| r.path == "/api/v1/logs")
            .collect()
    }
}

fn incidents_of(execution: &Execution) -> Vec<Value> {
    let entry = &execution.entries[0];
    assert_eq!(entry.entry_type, 1);
    assert_eq!(entry.contents_format, "json");
    let text = entry.contents.as_str().expect("Contents is a JSON string");
    serde_json::from_str::<Vec<Value>>(text).expect("an incident array")
}

fn raw_event(incident: &Value) -> Value {
    serde_json::from_str(incident["rawJSON"].as_str().expect("rawJSON string")).unwrap()
}

fn uuid(incident: &Value) -> String {
    incident["dbotMirrorId"].as_str().unwrap().to_string()
}

/// Every incident's uuid, asserting that none repeats.
fn unique_uuids(incidents: &[Value]) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for i in incidents {
        let u = uuid(i);
        assert_eq!(raw_event(i)["uuid"], u.as_str());
        assert!(seen.insert(u.clone()), "duplicate incident {u}");
        out.push(u);
    }
    out
}

fn assert_exactly(incidents: &[Value], expected: &[String]) {
    let got = unique_uuids(incidents);
    let got: HashSet<&String> = got.iter().collect();
    let want: HashSet<&String> = expected.iter().collect();
    let missing: Vec<_> = want.difference(&got).take(5).collect();
    let extra: Vec<_> = got.difference(&want).take(5).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?} extra {extra:?}"
    );
    assert_eq!(incidents.len(), expected.len());
}

/// A membership event for `app` and `user`, in the shape Okta writes.
fn event(uuid: &str, published: &str, app: &str, user: &str) -> Value {
    json!({
        "uuid": uuid,
        "published": published,
        "eventType": "application.user_membership.add",
        "displayMessage": "Add user to application membership",
        "severity": "INFO",
        "target": [
            {"id": format!("0ua{uuid}"), "type": "AppUser", "alternateId": user},
            {"id": app, "type": "AppInstance", "alternateId": app},
            {"id": format!("00u{uuid}"), "type": "User", "alternateId": user, "displayName": user}
        ]
    })
}

fn ago(minutes: i64) -> String {
    (Utc::now() - Duration::minutes(minutes)).to_rfc3339_opts(SecondsFormat::Millis, true)
}

// ---------------------------------------------------------------------------------------------
// fetch-incidents
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_backlog_of_5000_with_max_fetch_50_is_fetched_exactly_once() {
    let mut h = Harness::new();
    let mut expected = h.okta.push_events(5000, PUBLISHED);
    let first = h.fetch().await;
    assert_eq!(first.len(), 50);
    let i = &first[0];
    assert_eq!(
        i.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["name", "occurred", "rawJSON", "dbotMirrorId", "labels"]
    );
    assert_eq!(i["occurred"], PUBLISHED);
    assert_eq!(i["dbotMirrorId"], expected[0].as_str());
    let raw = raw_event(i);
    assert_eq!(raw["eventType"], "application.user_membership.add");
    assert!(raw["client"]["geographicalContext"]["geolocation"]["lat"].is_number());
    let user = raw["target"][2]["alternateId"].as_str().unwrap();
    assert_eq!(
        i["name"],
        format!("Add user to application membership: {user}")
    );
    // The first query is a polling one: since, ascending, no until, the filter, page = max_fetch.
    let q = &h.log_requests()[0];
    assert_eq!(q.param("since"), Some("2025-05-01T00:00:00.000Z"));
    assert_eq!(q.param("sortOrder"), Some("ASCENDING"));
    assert_eq!(q.param("until"), None);
    assert_eq!(q.param("filter"), Some(FILTER));
    assert_eq!(q.param("limit"), Some("50"));

    let mut all = first;
    all.extend(h.drain(200).await);
    // More arrive (some persisted late with an older published) after the backlog drained.
    expected.extend(h.okta.push_events(120, "2025-05-19T00:00:00.000Z"));
    all.extend(h.drain(10).await);
    assert_exactly(&all, &expected);
    // Ascending persistence order is kept.
    assert_eq!(unique_uuids(&all), expected);
    assert_eq!(h.last_run()["version"], 2);
    assert_eq!(h.last_run()["high_water"], PUBLISHED);
}

#[tokio::test]
async fn hundreds_of_events_sharing_one_published_value() {
    let mut h = Harness::new();
    // Okta may answer fewer events than asked: the server caps pages at 30, runs ask for 64,
    // so runs stop in the middle of pages.
    h.okta.set_page_limits("logs", 100, 30);
    h.set("max_fetch", json!(64));
    let expected = h.okta.push_events(700, PUBLISHED);
    let mut all = Vec::new();
    let mut mid_page = 0;
    for _ in 0..40 {
        let batch = h.fetch().await;
        if h.last_run()["cursor"]["skip"].as_u64().unwrap_or(0) > 0 {
            mid_page += 1;
            assert!(h.last_run()["cursor"]["last_uuid"].is_string());
        }
        if batch.is_empty() {
            break;
        }
        assert!(batch.len() <= 64);
        all.extend(batch);
    }
    assert!(mid_page > 0, "no run stopped inside a page");
    assert_exactly(&all, &expected);
    assert_eq!(unique_uuids(&all), expected);
}

#[tokio::test]
async fn late_events_behind_the_cursor_are_fetched_once() {
    let mut h = Harness::new();
    h.set("max_fetch", json!(7));
    let mut expected = h.okta.push_events(20, PUBLISHED);
    let mut all = h.drain(10).await;
    // Persisted now, published before everything fetched so far (and before first_fetch's
    // high-water mark): polling order is persistence order, so they follow the cursor.
    for (n, published) in [
        "2025-05-20T15:59:59.999Z",
        "2025-05-02T00:00:00.000Z",
        PUBLISHED,
        "2025-05-20T16:00:00.001Z",
    ]
    .iter()
    .enumerate()
    {
        let u = format!("late-{n}");
        h.okta
            .push_event(event(&u, published, "0oaLate", "late@example.com"));
        expected.push(u);
    }
    // Some that do not match the filter are never delivered.
    h.okta
        .push_event(json!({"uuid": "other-1", "eventType": "user.session.start"}));
    let late = h.drain(5).await;
    assert_eq!(late.len(), 4);
    all.extend(late);
    // One more late event while a run is mid-way (a page taken partly).
    expected.extend(h.okta.push_events(10, PUBLISHED));
    all.extend(h.fetch().await);
    h.okta.push_event(event(
        "late-x",
        "2025-05-10T00:00:00.000Z",
        "0oa",
        "x@example.com",
    ));
    expected.push("late-x".into());
    all.extend(h.drain(10).await);
    assert_exactly(&all, &expected);
    assert_eq!(h.last_run()["high_water"], "2025-05-20T16:00:00.001Z");
}

#[tokio::test]
async fn a_fetch_that_fails_half_way_loses_and_repeats_nothing() {
    let mut h = Harness::new();
    h.okta.set_page_limits("logs", 100, 10);
    let expected = h.okta.push_events(95, PUBLISHED);

    // The second page fails (every retry too): the run delivers the first page and resumes
    // after it.
    let attempts = 1 + RETRIES as usize;
    h.okta
        .fail_next("/api/v1/logs", Fault::Delay(std::time::Duration::ZERO), 1);
    h.okta
        .fail_next("/api/v1/logs", Fault::Status(500), attempts);
    let mut all = h.fetch().await;
    assert_eq!(all.len(), 10);
    assert_eq!(h.log_requests().len(), 1 + attempts);

    // The first page fails: an error entry, nothing committed, the next run starts there.
    let before = h.last_run();
    h.okta
        .fail_next("/api/v1/logs", Fault::Status(500), attempts);
    let failed = h.exec("fetch-incidents", json!({})).await;
    assert!(failed.failed());
    let message = failed.entries[0].contents.as_str().unwrap().to_string();
    assert!(
        message.starts_with("Failed to execute fetch-incidents command. Error: "),
        "{message}"
    );
    assert_eq!(h.last_run(), before);

    // Later, a proxy answers the third page of a run with a non-JSON 502, every retry too.
    h.okta
        .fail_next("/api/v1/logs", Fault::Delay(std::time::Duration::ZERO), 2);
    h.okta
        .fail_next("/api/v1/logs", Fault::NonJson(502), attempts);
    all.extend(h.fetch().await);
    all.extend(h.drain(20).await);
    assert_exactly(&all, &expected);
    assert_eq!(unique_uuids(&all), expected);
}

#[tokio::test]
async fn a_reference_last_run_is_migrated() {
    let mut h = Harness::new();
    h.set("max_fetch", json!(2));
    let stored: Vec<Value> = (1..=3)
        .map(|n| {
            event(
                &format!("stored-{n}"),
                "2025-05-20T15:30:00.000Z",
                "0oaA",
                "s@example.com",
            )
        })
        .collect();
    // Delivered by the reference before it stopped (published before last_run_time).
    h.okta.push_event(event(
        "old-1",
        "2025-05-20T15:00:00.000Z",
        "0oaA",
        "o@example.com",
    ));
    h.okta.push_event(event(
        "old-2",
        "2025-05-20T15:10:00.000Z",
        "0oaA",
        "o@example.com",
    ));
    for e in &stored {
        h.okta.push_event(e.clone());
    }
    let new: Vec<String> = (1..=4).map(|n| format!("new-{n}")).collect();
    for u in &new {
        h.okta.push_event(event(
            u,
            "2025-05-20T16:10:00.000Z",
            "0oaA",
            "n@example.com",
        ));
    }
    // Python's json.dumps formatting, as the reference stored it.
    let stored_raw: Vec<String> = stored
        .iter()
        .map(|e| {
            serde_json::to_string(e)
                .unwrap()
                .replace("\":", "\": ")
                .replace(",\"", ", \"")
        })
        .collect();
    h.state.last_run = Some(json!({
        "incidents": stored_raw.iter().map(|r| json!({"rawJSON": r})).collect::<Vec<_>>(),
        "last_run_time": "2025-05-20T16:00:00Z",
        "last_run_full_url": null
    }));

    let run1 = h.fetch().await;
    assert_eq!(run1.len(), 2);
    assert_eq!(run1[0]["rawJSON"], stored_raw[0].as_str(), "kept verbatim");
    assert_eq!(run1[1]["rawJSON"], stored_raw[1].as_str());
    assert_eq!(run1[0]["dbotMirrorId"], "stored-1");
    assert_eq!(
        run1[0]["name"],
        "Add user to application membership: s@example.com"
    );
    assert_eq!(run1[0]["occurred"], "2025-05-20T15:30:00.000Z");
    assert_eq!(
        h.last_run()["legacy_incidents"].as_array().unwrap().len(),
        1
    );
    assert!(h.log_requests().is_empty(), "the backlog comes first");
    let run2 = h.fetch().await;
    assert_eq!(
        run2.iter().map(uuid).collect::<Vec<_>>(),
        ["stored-3", "new-1"]
    );
    assert!(h.last_run().get("legacy_incidents").is_none());
    assert_eq!(
        h.log_requests()[0].param("since"),
        Some("2025-05-20T16:00:00.000Z"),
        "resumes from last_run_time"
    );
    let mut all = run1;
    all.extend(run2);
    all.extend(h.drain(10).await);
    let mut expected: Vec<String> = (1..=3).map(|n| format!("stored-{n}")).collect();
    expected.extend(new.iter().cloned());
    assert_eq!(unique_uuids(&all), expected);
}

#[tokio::test]
async fn a_reference_page_walk_cut_short_is_completed_before_polling() {
    let mut h = Harness::new();
    h.set("max_fetch", json!(3));
    let stored = event(
        "stored-1",
        "2025-05-20T15:30:00.000Z",
        "0oaA",
        "s@example.com",
    );
    for (u, p) in [
        ("old-1", "2025-05-20T15:00:00.000Z"),
        ("stored-1", ""),
        ("old-2", "2025-05-20T15:40:00.000Z"),
        ("new-1", "2025-05-20T16:10:00.000Z"),
        ("new-2", "2025-05-20T16:20:00.000Z"),
    ] {
        if p.is_empty() {
            h.okta.push_event(stored.clone());
        } else {
            h.okta.push_event(event(u, p, "0oaA", "x@example.com"));
        }
    }
    // The reference's bounded query that a 429 interrupted: its window ends at last_run_time.
    let tail = url::Url::parse_with_params(
        &format!("{}/api/v1/logs", h.okta.url()),
        &[
            ("filter", FILTER),
            ("since", "2025-05-20T14:00:00Z"),
            ("until", "2025-05-20T16:00:00Z"),
            ("limit", "2"),
        ],
    )
    .unwrap();
    h.state.last_run = Some(json!({
        "incidents": [{"rawJSON": stored.to_string()}],
        "last_run_time": "2025-05-20T16:00:00Z",
        "last_run_full_url": tail.as_str()
    }));
    let all = h.drain(10).await;
    assert_eq!(
        unique_uuids(&all),
        ["stored-1", "old-1", "old-2", "new-1", "new-2"]
    );
    assert!(h.last_run().get("legacy_tail").is_none());
}

#[tokio::test]
async fn the_last_run_stays_small_whatever_the_backlog() {
    let mut h = Harness::new();
    h.set("max_fetch", json!(1000));
    // A long filter (the URL carries it) and a large backlog.
    let apps: Vec<String> = (0..40).map(|i| format!("0oa{i:017}")).collect();
    let filter = auto_filter(&apps).unwrap();
    h.set("fetch_query_filter", json!(filter));
    let expected: Vec<String> = (0..12_000)
        .map(|i| {
            let u = format!("{i:08}-3a6b-11f0-9c1e-3b7d0f6a2e41");
            h.okta
                .push_event(event(&u, PUBLISHED, &apps[i % 40], "u@example.com"));
            u
        })
        .collect();
    let all = h.drain(30).await;
    assert_exactly(&all, &expected);
    let size = serde_json::to_vec(&h.last_run()).unwrap().len();
    assert!(size < 64 * 1024, "{size}");
    assert_eq!(
        h.last_run()["seen"].as_array().unwrap().len(),
        SEEN_CAPACITY
    );
}

#[tokio::test]
async fn the_auto_generated_filter_comes_from_the_iam_configuration() {
    let mut h = Harness::new();
    let a = h.okta.add_app("workday", "Workday");
    let b = h.okta.add_app("slack", "Slack");
    let c = h.okta.add_app("zoom", "Zoom");
    h.okta.add_user(
        json!({"login": "dana.lee@example.com", "email": "dana.lee@example.com", "firstName": "Dana", "lastName": "Lee"}),
        "ACTIVE",
    );
    h.okta.push_events(30, PUBLISHED);
    h.set("auto_generate_query_filter", json!(true));
    h.set("fetch_query_filter", json!("ignored"));
    h.set("max_fetch", json!(100));

    // No configuration yet: the reference's message, nothing committed.
    let failed = h.exec("fetch-incidents", json!({})).await;
    assert_eq!(
        failed.entries[0].contents,
        json!(format!(
            "Failed to execute fetch-incidents command. Error: {FETCH_QUERY_EXCEPTION_MSG}"
        ))
    );
    assert!(h.state.last_run.is_none());
    assert!(h.log_requests().is_empty());

    let config = json!([{"ApplicationID": a, "Instance": "Workday IAM"}, {"ApplicationID": b}]);
    h.state.context.insert("IAMConfiguration".into(), config);
    let all = h.drain(5).await;
    assert_eq!(all.len(), 20);
    for i in &all {
        let app = raw_event(i)["target"][1]["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(app == a || app == b, "{app}");
        assert_ne!(app, c);
        assert_eq!(
            i["name"],
            "Add user to application membership: dana.lee@example.com"
        );
    }
    let expected = format!(
        r#"(eventType eq "application.user_membership.add" or eventType eq "application.user_membership.remove") and(target.id co "{a}" or target.id co "{b}")"#
    );
    assert_eq!(h.log_requests()[0].param("filter"), Some(expected.as_str()));
}

#[tokio::test]
async fn a_changed_filter_restarts_from_the_high_water_mark_minus_the_lag() {
    let mut h = Harness::new();
    h.set("first_fetch", json!("3 hours"));
    h.set("fetch_query_filter", json!(r#"target.id eq "0oaA""#));
    h.set("max_fetch", json!(3));
    for (u, app, minutes_ago) in [
        ("a1", "0oaA", 120),
        ("b1", "0oaB", 119),
        ("a2", "0oaA", 60),
        ("b2", "0oaB", 25),
        ("a3", "0oaA", 22),
        ("a4", "0oaA", 20),
    ] {
        h.okta
            .push_event(event(u, &ago(minutes_ago), app, "u@example.com"));
    }
    let first = h.drain(5).await;
    assert_eq!(unique_uuids(&first), ["a1", "a2", "a3", "a4"]);
    let fingerprint = h.last_run()["filter"].clone();

    h.set(
        "fetch_query_filter",
        json!(r#"target.id eq "0oaA" or target.id eq "0oaB""#),
    );
    h.okta.reset_requests();
    h.okta
        .push_event(event("b3", &ago(1), "0oaB", "u@example.com"));
    let second = h.drain(5).await;
    // From 10 minutes before a4 (30 minutes ago): b1 is older and stays out; b2 is in the
    // window and now matches; a3 and a4 are in it but were delivered; b3 is new.
    assert_eq!(unique_uuids(&second), ["b2", "b3"]);
    assert_ne!(h.last_run()["filter"], fingerprint);
    let since = h.log_requests()[0].param("since").unwrap().to_string();
    let a4 = raw_event(&first[3])["published"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = (chrono::DateTime::parse_from_rfc3339(&a4).unwrap() - Duration::minutes(10))
        .with_timezone(&Utc)
        .to_rfc3339_opts(SecondsFormat::Millis, true);
    assert_eq!(since, expected);
    let mut all = first;
    all.extend(second);
    unique_uuids(&all);
}

#[tokio::test]
async fn a_refused_saved_url_falls_back_to_time_without_duplicates() {
    let mut h = Harness::new();
    h.set("first_fetch", json!("2 hours"));
    h.set("max_fetch", json!(4));
    let mut expected = Vec::new();
    for n in 0..10 {
        let u = format!("e{n}");
        h.okta
            .push_event(event(&u, &ago(60 - n * 5), "0oaA", "u@example.com"));
        expected.push(u);
    }
    let mut all = h.drain(10).await;

    // Okta refuses the saved cursor (400): restart from the high-water mark minus the lag;
    // the events of that window were delivered and are skipped.
    let mut last_run = h.last_run();
    let url = last_run["cursor"]["url"].as_str().unwrap().to_string();
    let (base, _) = url.split_once("&after=").expect("a next link");
    last_run["cursor"]["url"] = json!(format!("{base}&after=garbage"));
    h.state.last_run = Some(last_run);
    h.okta
        .push_event(event("e10", &ago(1), "0oaA", "u@example.com"));
    expected.push("e10".into());
    all.extend(h.drain(5).await);

    // The instance URL changed (the saved URL is on another origin): refused before sending.
    let mut last_run = h.last_run();
    let url = last_run["cursor"]["url"].as_str().unwrap().to_string();
    last_run["cursor"]["url"] = json!(url.replace("127.0.0.1", "127.0.0.2"));
    h.state.last_run = Some(last_run);
    h.okta
        .push_event(event("e11", &ago(0), "0oaA", "u@example.com"));
    expected.push("e11".into());
    all.extend(h.drain(5).await);
    assert_exactly(&all, &expected);
    assert!(h.okta.requests().iter().all(|r| r
        .header("host")
        .is_none_or(|host| host.starts_with("127.0.0.1"))));
}

#[tokio::test]
async fn bad_fetch_settings_fail_only_the_fetch() {
    let mut h = Harness::new();
    h.okta.push_events(3, PUBLISHED);
    for (name, value, text) in [
        (
            "max_fetch",
            json!("0"),
            "max_fetch) must be a whole number from 1 to 1000; got '0'",
        ),
        ("max_fetch", json!("lots"), "got 'lots'"),
        (
            "first_fetch",
            json!("seven days"),
            "First fetch timestamp parameter is not in the correct format: 'seven days'",
        ),
        ("fetch_query_filter", json!(""), FETCH_QUERY_EXCEPTION_MSG),
    ] {
        let mut bad = Harness {
            params: h.params.clone(),
            ..Harness::new()
        };
        bad.set(name, value);
        let failed = bad.exec("fetch-incidents", json!({})).await;
        assert!(failed.failed());
        let message = failed.entries[0].contents.as_str().unwrap();
        assert!(message.contains(text), "{message}");
        assert!(bad.state.last_run.is_none());
        // Other commands still work with the same params.
        let logs = bad.exec("okta-get-logs", json!({})).await;
        assert!(!logs.failed(), "{:?}", logs.entries);
    }
    assert_eq!(h.drain(3).await.len(), 3);
}

#[tokio::test]
async fn test_module_checks_the_fetch_settings_when_fetching() {
    let mut h = Harness::new();
    assert_eq!(
        h.exec("test-module", json!({})).await.entries[0].contents,
        json!("ok")
    );
    let cases = [
        (vec![("fetch_query_filter", json!(null))], FETCH_QUERY_EXCEPTION_MSG.to_string()),
        (
            vec![("first_fetch", json!("seven days"))],
            "First fetch timestamp parameter is not in the correct format: 'seven days'. Use <number> <time unit>, e.g. 12 hours or 7 days, or an ISO-8601 time such as 2026-01-31T00:00:00Z.".to_string(),
        ),
        (
            vec![("max_fetch", json!("5000"))],
            "The Fetch limit parameter (max_fetch) must be a whole number from 1 to 1000; got '5000'.".to_string(),
        ),
        (
            vec![("auto_generate_query_filter", json!("true"))],
            FETCH_QUERY_EXCEPTION_MSG.to_string(),
        ),
    ];
    for (changes, message) in cases {
        let mut params = h.params.clone();
        for (k, v) in changes {
            params.insert(k.to_string(), v);
        }
        let saved = std::mem::replace(&mut h.params, params);
        let execution = h.exec("test-module", json!({})).await;
        h.params = saved;
        assert_eq!(
            execution.entries[0].contents,
            json!(format!(
                "Failed to execute test-module command. Error: {message}"
            ))
        );
    }
    // Not fetching: the fetch settings are not checked.
    h.set("isFetch", json!(false));
    h.set("fetch_query_filter", json!(null));
    h.set("first_fetch", json!("nonsense"));
    assert_eq!(
        h.exec("test-module", json!({})).await.entries[0].contents,
        json!("ok")
    );
}

// ---------------------------------------------------------------------------------------------
// okta-get-logs
// ---------------------------------------------------------------------------------------------

async fn entry_bytes(execution: &Execution) -> Vec<u8> {
    let mut out = Vec::new();
    okta_iam::protocol::write_execution(&mut out, execution)
        .await
        .unwrap();
    out
}

/// The result line's first entry, as the host reads it.
async fn wire_entry(execution: &Execution) -> Value {
    let bytes = entry_bytes(execution).await;
    let first = bytes.split(|b| *b == b'\n').next().unwrap();
    let line: Value = serde_json::from_slice(first).unwrap();
    line["results"][0].clone()
}

#[tokio::test]
async fn get_logs_validates_its_arguments() {
    let mut h = Harness::new();
    let cases = [
        (json!({"limit": "0"}), "The limit argument must be a whole number from 1 to 100000; got '0'."),
        (json!({"limit": "-3"}), "The limit argument must be a whole number from 1 to 100000; got '-3'."),
        (json!({"limit": "ten"}), "The limit argument must be a whole number from 1 to 100000; got 'ten'."),
        (json!({"limit": "100001"}), "The limit argument must be a whole number from 1 to 100000; got '100001'."),
        (json!({"since": "yesterday"}), "The since argument must be an ISO-8601 time such as 2017-05-03T16:22:18Z (or 2017-05-03T16:22:18.000+02:00, or a date such as 2017-05-03); got 'yesterday'."),
        (json!({"until": "2025-02-30"}), "The until argument must be an ISO-8601 time"),
        (json!({"since": "2025-05-20T00:00:00Z", "until": "2025-05-19T00:00:00Z"}), "The since argument (2025-05-20T00:00:00.000Z) must be earlier than the until argument (2025-05-19T00:00:00.000Z)."),
        (json!({"sortOrder": "SIDEWAYS"}), "Invalid value \"SIDEWAYS\" for argument sortOrder. Allowed values: ASCENDING, DESCENDING."),
    ];
    for (args, message) in cases {
        let execution = h.exec("okta-get-logs", args.clone()).await;
        assert!(execution.failed(), "{args}");
        let text = execution.entries[0].contents.as_str().unwrap();
        assert!(
            text.starts_with(&format!(
                "Failed to execute okta-get-logs command. Error: {message}"
            )),
            "{args}: {text}"
        );
    }
    assert!(
        h.log_requests().is_empty(),
        "nothing is sent for bad arguments"
    );
}

#[tokio::test]
async fn get_logs_sends_the_query_and_honours_sort_order() {
    let mut h = Harness::new();
    let uuids = h.okta.push_events(5, PUBLISHED);
    h.okta.push_event(event(
        "later",
        "2025-05-21T00:00:00.000Z",
        "0oaA",
        "l@example.com",
    ));
    let execution = h
        .exec(
            "okta-get-logs",
            json!({"sortOrder": "DESCENDING", "limit": "3", "filter": FILTER,
                   "since": "2025-05-01T00:00:00Z", "until": "2025-06-01T00:00:00+02:00"}),
        )
        .await;
    let entry = wire_entry(&execution).await;
    let events = entry["Contents"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert_eq!(events[0]["uuid"], "later", "newest first");
    let requests = h.log_requests();
    assert_eq!(requests.len(), 1);
    let q = &requests[0];
    assert_eq!(q.param("sortOrder"), Some("DESCENDING"));
    assert_eq!(q.param("limit"), Some("3"));
    assert_eq!(q.param("filter"), Some(FILTER));
    assert_eq!(q.param("since"), Some("2025-05-01T00:00:00.000Z"));
    assert_eq!(q.param("until"), Some("2025-05-31T22:00:00.000Z"));
    let ascending = h.exec("okta-get-logs", json!({"limit": "2"})).await;
    let entry = wire_entry(&ascending).await;
    assert_eq!(entry["Contents"][0]["uuid"], uuids[0].as_str());
    assert_eq!(h.log_requests()[1].param("sortOrder"), Some("ASCENDING"));
    assert_eq!(
        entry["EntryContext"]["Okta.Logs.Events(val.uuid && val.uuid == obj.uuid)"],
        entry["Contents"]
    );
}

#[tokio::test]
async fn get_logs_pages_past_1000() {
    let mut h = Harness::new();
    let uuids = h.okta.push_events(2100, PUBLISHED);
    let execution = h
        .exec(
            "okta-get-logs",
            json!({"limit": "2050", "since": FIRST_FETCH}),
        )
        .await;
    let entry = wire_entry(&execution).await;
    let events = entry["Contents"].as_array().unwrap();
    assert_eq!(events.len(), 2050);
    let got: Vec<&str> = events.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
    assert_eq!(
        got,
        uuids[..2050].iter().map(String::as_str).collect::<Vec<_>>()
    );
    let requests = h.log_requests();
    assert_eq!(requests.len(), 3, "three pages, no extra request");
    assert!(requests.iter().all(|r| r.param("limit") == Some("1000")));
    assert!(requests[1].param("after").is_some());

    // A polling query with less than the limit ends on its empty page.
    let later: Vec<String> = (0..5).map(|n| format!("later-{n}")).collect();
    for u in &later {
        h.okta.push_event(event(
            u,
            "2025-05-21T00:00:00.000Z",
            "0oaA",
            "l@example.com",
        ));
    }
    h.okta.reset_requests();
    let execution = h
        .exec(
            "okta-get-logs",
            json!({"limit": "5000", "since": "2025-05-21T00:00:00Z"}),
        )
        .await;
    let entry = wire_entry(&execution).await;
    let got: Vec<&str> = entry["Contents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["uuid"].as_str().unwrap())
        .collect();
    assert_eq!(got, later.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(h.log_requests().len(), 2);
}

#[tokio::test]
async fn get_logs_with_no_events() {
    let mut h = Harness::new();
    h.okta.push_events(3, PUBLISHED);
    let execution = h
        .exec(
            "okta-get-logs",
            json!({"filter": r#"eventType eq "nothing.like.this""#}),
        )
        .await;
    let bytes = entry_bytes(&execution).await;
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "{\"type\":\"result\",\"results\":[{\"Type\":1,\"ContentsFormat\":\"json\",\"Contents\":null,\"HumanReadable\":\"No logs found.\",\"EntryContext\":{}}]}\n{\"type\":\"completed\"}\n"
    );
}

#[tokio::test]
async fn get_logs_markdown_is_byte_exact() {
    let mut h = Harness::new();
    h.okta.push_event(json!({
        "uuid": "u-2", "published": "2025-05-20T16:00:00.000Z", "eventType": "user.session.start",
        "displayMessage": "User login | to Okta", "severity": "INFO",
        "outcome": {"result": "SUCCESS", "reason": null},
        "target": [{"id": "00u1", "type": "User"}], "count": 2, "flag": true, "gone": null
    }));
    h.okta.push_event(json!({
        "uuid": "u-1", "published": "2025-05-20T16:00:01.000Z", "eventType": "user.session.end",
        "displayMessage": "Line\nbreak", "severity": "WARN", "extra": "not a column"
    }));
    let execution = h.exec("okta-get-logs", json!({})).await;
    let entry = wire_entry(&execution).await;
    let expected = "### Okta Log Events:\n\
|count|displayMessage|eventType|flag|gone|outcome|published|severity|target|uuid|\n\
|---|---|---|---|---|---|---|---|---|---|\n\
| 2 | User login \\| to Okta | user.session.start | true |  | result: SUCCESS<br>reason: null | 2025-05-20T16:00:00.000Z | INFO | {'id': '00u1', 'type': 'User'} | u-2 |\n\
|  | Line<br>break | user.session.end |  |  |  | 2025-05-20T16:00:01.000Z | WARN |  | u-1 |\n";
    assert_eq!(entry["HumanReadable"], expected);
    assert_eq!(entry["Type"], 1);
    assert_eq!(entry["ContentsFormat"], "json");
    assert_eq!(entry["Contents"][1]["extra"], "not a column");
}

#[tokio::test]
async fn large_get_logs_is_spooled_and_byte_identical() {
    let mut h = Harness::new();
    h.okta.push_events(3000, PUBLISHED);
    let execution = h
        .exec(
            "okta-get-logs",
            json!({"limit": "3000", "since": FIRST_FETCH}),
        )
        .await;
    assert!(
        execution.entries[0].spooled.is_some(),
        "large results are spooled"
    );
    let bytes = entry_bytes(&execution).await;
    let prefix = b"{\"type\":\"result\",\"results\":[";
    assert!(bytes.starts_with(prefix));
    let end = bytes.len() - "]}\n{\"type\":\"completed\"}\n".len();
    let spooled = &bytes[prefix.len()..end];
    let parsed: Value = serde_json::from_slice(spooled).expect("the spooled entry is JSON");
    let events = parsed["Contents"].as_array().unwrap().clone();
    assert_eq!(events.len(), 3000);
    let in_memory = okta_iam::okta::commands::logs::in_memory_entry(events).unwrap();
    let expected = serde_json::to_vec(&in_memory).unwrap();
    assert!(
        spooled == expected.as_slice(),
        "spooled and in-memory entries differ"
    );
    let small = h
        .exec(
            "okta-get-logs",
            json!({"limit": "10", "since": FIRST_FETCH}),
        )
        .await;
    assert!(small.entries[0].spooled.is_none());
}

#[tokio::test]
async fn fetch_incidents_wire_entry_is_exactly_the_incidents_shape() {
    let mut h = Harness::new();
    h.okta
        .push_event(event("w-1", PUBLISHED, "0oaA", "dana.lee@example.com"));
    let execution = h.exec("fetch-incidents", json!({})).await;
    let bytes = entry_bytes(&execution).await;
    let text = String::from_utf8(bytes).unwrap();
    let line: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let entry = line["results"][0].as_object().unwrap();
    assert_eq!(
        entry.keys().collect::<Vec<_>>(),
        ["Type", "ContentsFormat", "Contents"]
    );
    assert_eq!(entry["Type"], 1);
    assert_eq!(entry["ContentsFormat"], "json");
    let incidents: Vec<Value> = serde_json::from_str(entry["Contents"].as_str().unwrap()).unwrap();
    assert_eq!(
        incidents[0]["name"],
        "Add user to application membership: dana.lee@example.com"
    );
    // An empty run is `[]`.
    let empty = h.exec("fetch-incidents", json!({})).await;
    let bytes = entry_bytes(&empty).await;
    assert!(String::from_utf8(bytes).unwrap().starts_with(
        r#"{"type":"result","results":[{"Type":1,"ContentsFormat":"json","Contents":"[]"}]}"#
    ));
}

#[tokio::test]
async fn the_reference_fixture_last_run_is_delivered_verbatim_then_polling_resumes() {
    let mut h = Harness::new();
    let path = format!(
        "{}/fixtures/fetch/reference-last-run.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let reference: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    h.state.last_run = Some(reference.clone());
    h.okta.push_event(event(
        "before",
        "2025-05-20T15:59:59.000Z",
        "0oaA",
        "b@example.com",
    ));
    h.okta.push_event(event(
        "after",
        "2025-05-20T16:00:00.000Z",
        "0oaA",
        "a@example.com",
    ));
    let all = h.drain(3).await;
    assert_eq!(unique_uuids(&all), ["ref-1", "ref-2", "after"]);
    for (n, incident) in all[..2].iter().enumerate() {
        assert_eq!(
            incident["rawJSON"], reference["incidents"][n]["rawJSON"],
            "Python's json.dumps text kept as stored"
        );
    }
    assert_eq!(
        all[0]["name"],
        "Add user to application membership: ren\u{e9}e@example.com"
    );
    assert_eq!(
        all[1]["name"],
        "Remove user from application membership: ren\u{e9}e@example.com"
    );
    assert_eq!(all[1]["occurred"], "2025-05-20T15:31:00.000Z");
    assert_eq!(
        all[1]["labels"][0]["value"],
        "application.user_membership.remove"
    );
}
