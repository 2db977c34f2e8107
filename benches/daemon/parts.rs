//! Section 7, "where the time goes": the pieces of one `iam-get-user` and of one System Log
//! page, timed in this process through the library, one at a time (warm caches), so the
//! figures of sections 1 and 4 can be split into their parts.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use okta_iam::iam::result::{Action, IamResult};
use okta_iam::okta::{Client, ClientConfig, Filter};
use okta_iam::output::iam::{iam_entry, iam_outputs};
use okta_iam::output::markdown::{table_to_markdown, TableOptions};
use okta_iam::protocol::message::{CallingContext, Outgoing};
use okta_iam::secret::Secret;

use crate::floor::{RawHttp, Target};
use crate::stats::{micros, millis, Summary};
use fake_okta::FakeOkta;

/// Median of `n` runs of `work` after a warm-up of `n / 10`.
fn median(n: usize, mut work: impl FnMut()) -> Summary {
    for _ in 0..n / 10 {
        work();
    }
    let samples: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    Summary::of(&samples)
}

fn row(label: &str, s: &Summary) {
    println!(
        "  {label:<58} median {:>8.1} µs   p99 {:>8.1} µs",
        micros(s.median),
        micros(s.p99)
    );
}

pub fn run(quick: bool) {
    let n = if quick { 500 } else { 3_000 };
    println!();
    println!("7. Where the time goes: parts of one command, in this process, one at a time");
    println!("----------------------------------------------------------------------------");
    let fake = FakeOkta::start();
    fake.set_recording(false);
    let email = "dana.lee@example.com";
    let id = fake.add_user(
        json!({"login": email, "email": email, "firstName": "Dana", "lastName": "Lee",
               "department": "Finance"}),
        "ACTIVE",
    );
    let user = fake.user(&id).expect("the user");
    let params = json!({"url": fake.url(), "apitoken": FakeOkta::TOKEN});
    let text = json!({"command": "iam-get-user", "params": params,
                      "args": {"user-profile": {"email": email}}})
    .to_string();

    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let runtime = okta_iam::commands::Daemon::new(
        serde_json::Map::new(),
        okta_iam::okta::vendor::default_mappers(),
    );
    let client = Client::new(ClientConfig::new(
        format!("{}/api/v1/", fake.url()).parse().expect("url"),
        Secret::new(FakeOkta::TOKEN),
    ))
    .expect("client");
    let target = Target {
        method: "GET".into(),
        path_and_query: crate::floor::path_and_query(
            "/api/v1/users",
            &[("filter".into(), format!("profile.email eq \"{email}\""))],
        ),
        headers: vec![
            ("authorization".into(), format!("SSWS {}", FakeOkta::TOKEN)),
            ("accept".into(), "application/json".into()),
        ],
    };
    let mut raw = RawHttp::new(&fake.url(), true);
    let bare = crate::floor::BareReqwest::new(&fake.url());

    println!(
        "  iam-get-user ({} bytes of user JSON):",
        user.to_string().len()
    );
    row(
        "the request, raw HTTP/1.1 client, JSON parsed",
        &median(n, || assert_eq!(raw.send(&target).status, 200)),
    );
    row(
        "the request, bare reqwest, JSON parsed",
        &median(n, || assert_eq!(bare.send(&target).status, 200)),
    );
    row(
        "the request, okta::Client (users().list_by_filter)",
        &median(n, || {
            tokio.block_on(async {
                let users = client
                    .for_command()
                    .users()
                    .list_by_filter(&Filter::eq("profile.email", email))
                    .await
                    .expect("list");
                assert_eq!(users.len(), 1);
            })
        }),
    );
    let execute = median(n, || {
        tokio.block_on(async {
            let context = CallingContext::parse(&text, &okta_iam::okta::vendor::context_defaults())
                .expect("context");
            let mut state = okta_iam::state::MemoryState::default();
            let execution = okta_iam::commands::execute(&runtime, &context, &mut state).await;
            assert!(!execution.failed());
        })
    });
    row("execute(iam-get-user), request included", &execute);
    row(
        "  CallingContext::parse of the input line",
        &median(n, || {
            drop(
                CallingContext::parse(&text, &okta_iam::okta::vendor::context_defaults())
                    .expect("context"),
            )
        }),
    );
    let mut result = IamResult::new(Action::Get);
    result.active = Some(true);
    result.id = Some(id.clone());
    result.username = Some(email.into());
    result.email = Some(email.into());
    result.details = Some(user.clone());
    let profile = json!({"email": email, "givenname": "Dana", "surname": "Lee"});
    row(
        "  IamResult::to_entry (entry, context and markdown; a copy of the result included)",
        &median(n, || {
            drop(iam_entry(
                result.clone(),
                "Okta IAM",
                "Okta IAM_instance_1",
                profile.clone(),
            ))
        }),
    );
    let outputs = iam_outputs(result.clone(), "Okta IAM", "Okta IAM_instance_1");
    let options = TableOptions {
        headers: Some(okta_iam::output::iam_keys::names(
            okta_iam::output::iam_keys::TABLE_HEADERS,
        )),
        remove_null: true,
        ..TableOptions::new()
    };
    row(
        "    table_to_markdown of the result row",
        &median(n, || {
            drop(table_to_markdown(
                "Get User Results (Okta IAM)",
                &outputs,
                &options,
            ))
        }),
    );
    let mut without_details = outputs.clone();
    if let Some(map) = without_details.as_object_mut() {
        map.remove("details");
    }
    row(
        "    table_to_markdown of the same row without `details`",
        &median(n, || {
            drop(table_to_markdown(
                "Get User Results (Okta IAM)",
                &without_details,
                &options,
            ))
        }),
    );
    let entries = vec![iam_entry(
        result,
        "Okta IAM",
        "Okta IAM_instance_1",
        profile.clone(),
    )];
    let line = Outgoing::Result { results: &entries }.to_line();
    row(
        &format!("  the result message serialised ({} bytes)", line.len()),
        &median(n, || drop(Outgoing::Result { results: &entries }.to_line())),
    );

    // One System Log page of 1,000 generated events.
    fake.set_page_limits("logs", 1_000, 1_000);
    fake.push_events(1_000, "2026-01-15T12:00:00.000Z");
    let page_target = Target {
        method: "GET".into(),
        path_and_query: crate::floor::path_and_query(
            "/api/v1/logs",
            &[
                ("since".into(), "2026-01-15T00:00:00.000Z".into()),
                ("until".into(), "2026-01-16T00:00:00.000Z".into()),
                ("limit".into(), "1000".into()),
            ],
        ),
        headers: vec![("authorization".into(), format!("SSWS {}", FakeOkta::TOKEN))],
    };
    let (status, _) = raw.send_unparsed(&page_target);
    assert_eq!(status, 200);
    let body = raw.last_body().to_vec();
    let pages = if quick { 5 } else { 20 };
    println!(
        "  one System Log page: 1,000 events, {:.2} MB of JSON (on a fresh thread):",
        body.len() as f64 / 1e6
    );
    // A fresh thread has its own malloc arena, as a daemon process has its own heap.
    std::thread::scope(|scope| {
        scope
            .spawn(|| page_parts(&body, pages))
            .join()
            .expect("page thread")
    });
}

fn page_parts(body: &[u8], pages: usize) {
    let page = |label: &str, samples: &[Duration]| {
        let s = Summary::of(samples);
        println!(
            "  {label:<58} median {:>8.2} ms   → {:>7.0} events/s",
            millis(s.median),
            1_000.0 / s.median.as_secs_f64()
        );
    };
    let mut parse = Vec::new();
    let mut drops = Vec::new();
    let mut again = Vec::new();
    let mut validate = Vec::new();
    let mut fields = Vec::new();
    for round in 0..pages + 2 {
        let start = Instant::now();
        let value: Value = serde_json::from_slice(body).expect("json");
        let parsed = start.elapsed();
        let start = Instant::now();
        let bytes = serde_json::to_vec(&value).expect("serialise");
        let serialised = start.elapsed();
        let start = Instant::now();
        drop(value);
        let dropped = start.elapsed();
        assert_eq!(bytes.len(), body.len());
        let start = Instant::now();
        let v: Vec<serde::de::IgnoredAny> = serde_json::from_slice(body).expect("json");
        let validated = start.elapsed();
        assert_eq!(v.len(), 1_000);
        let start = Instant::now();
        let v: Vec<IncidentFields> = serde_json::from_slice(body).expect("json");
        let typed = start.elapsed();
        assert_eq!(v.len(), 1_000);
        if round >= 2 {
            parse.push(parsed);
            again.push(serialised);
            drops.push(dropped);
            validate.push(validated);
            fields.push(typed);
        }
    }
    page("serde_json::Value (preserve_order): parse", &parse);
    page("serde_json::Value: serialise again", &again);
    page("serde_json::Value: drop", &drops);
    page("validate only (Vec<serde::de::IgnoredAny>)", &validate);
    page("only the fields an incident needs (typed struct)", &fields);
    let before = crate::driver::rss_kib(std::process::id()).map_or(0, |r| r.0);
    let kept: Vec<Value> = (0..4)
        .map(|_| serde_json::from_slice(body).expect("json"))
        .collect();
    let after = crate::driver::rss_kib(std::process::id()).map_or(0, |r| r.0);
    let per_page = after.saturating_sub(before) as f64 / 4.0;
    println!(
        "  one page held as serde_json::Value: {:.1} MiB of RSS ({:.1}x its JSON)",
        per_page / 1024.0,
        per_page * 1024.0 / body.len() as f64
    );
    drop(kept);
}

/// What an incident takes from an event: its id, time, message and target names.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct IncidentFields {
    uuid: String,
    published: String,
    #[serde(rename = "displayMessage")]
    display_message: Option<String>,
    #[serde(default)]
    target: Vec<TargetFields>,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct TargetFields {
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "alternateId")]
    alternate_id: Option<String>,
}
