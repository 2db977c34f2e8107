//! Soak: 100,000 commands through one `okta-iam serve` process against the fake Okta: every
//! command family, bad lines (not JSON, not UTF-8, no command, unknown command, a 200 KB
//! line), and injected faults (500, HTML 502, 401 and 404 every 50 commands; 503 bursts,
//! truncated bodies, dropped connections, concurrency 429s and answers slower than the
//! request timeout every 2,000). Asserts that every command
//! is answered within its deadline (a per-command watchdog), that no exception reaches the
//! host, that memory stays flat (the child's VmRSS from /proc, sampled every 1,000 commands:
//! the last sample against the one after the first 1,000), and that the process exits
//! cleanly; prints the figures.
//!
//! Ignored by default (it runs for minutes):
//!
//! ```text
//! cargo test --release --test it binary::soak -- --ignored --nocapture
//! SOAK_COMMANDS=10000 cargo test --release --test it binary::soak -- --ignored --nocapture
//! ```

use crate::support as common;

use std::time::{Duration, Instant};

use common::*;
use fake_okta::{FakeOkta, Fault};
use serde_json::{json, Value};

/// `--command-deadline` of the soaked daemon, and the watchdog on top of it.
const DEADLINE: Duration = Duration::from_secs(5);
const WATCHDOG: Duration = Duration::from_secs(12);
const SAMPLE_EVERY: usize = 1000;

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Fixture {
    params: Value,
    dana: String,
    app: String,
    group: String,
}

fn fixture(fake: &FakeOkta) -> Fixture {
    let dana = fake.add_user(
        json!({"login": "dana@example.com", "email": "dana@example.com", "firstName": "Dana", "lastName": "Lee"}),
        "ACTIVE",
    );
    let app = fake.add_app("app_one", "App One");
    fake.assign(&app, &dana, json!({"role": "admin"}));
    let group = fake.add_group("Finance");
    for i in 0..5 {
        let login = format!("member{i}@example.com");
        let id = fake.add_user(
            json!({"login": login, "email": login, "firstName": "M", "lastName": "N"}),
            "ACTIVE",
        );
        fake.add_member(&group, &id);
    }
    fake.add_member(&group, &dana);
    fake.set_page_limits("group_users", 2, 2);
    fake.set_recording(false);
    Fixture {
        params: json!({"url": fake.url(), "apitoken": FakeOkta::TOKEN}),
        dana,
        app,
        group,
    }
}

/// What the soak sends as command number `n`, and whether a fault is armed for it.
fn step(n: usize, fake: &FakeOkta, f: &Fixture) -> (Vec<u8>, Option<&'static str>) {
    let c = |command: &str, args: Value| {
        json!({"command": command, "args": args, "params": f.params})
            .to_string()
            .into_bytes()
    };
    let profile = json!({"user-profile": {"email": "dana@example.com"}});
    // Faults, armed on the next matching request. Those the daemon answers at once (500,
    // an HTML 502, 401, 404) come every 50 commands; those it retries after a backoff (the
    // binary's backoff starts at 1 s) every 2,000, so the soak stays within minutes.
    let fault = match (n % 50, n % 2000) {
        (_, 100) => Some(("GET /api/v1/users", Fault::Status(503), 2, "503 burst")),
        (_, 600) => Some(("GET /api/v1/users", Fault::Truncated, 1, "truncated body")),
        (_, 1100) => Some(("GET /api/v1/apps", Fault::Drop, 1, "dropped connection")),
        (_, 1600) => Some((
            "GET /api/v1/groups",
            Fault::ConcurrencyLimit,
            1,
            "concurrency 429",
        )),
        (_, 1850) => Some((
            "GET /api/v1/users",
            Fault::Delay(Duration::from_millis(1500)),
            1,
            "answer slower than --request-timeout",
        )),
        (10, _) => Some(("GET /api/v1/users", Fault::Status(500), 1, "500")),
        (20, _) => Some(("GET /api/v1/apps", Fault::NonJson(502), 1, "HTML 502")),
        (30, _) => Some(("GET /api/v1/groups", Fault::Status(404), 1, "404")),
        (40, _) => Some(("GET /api/v1/users", Fault::Status(401), 1, "401")),
        _ => None,
    };
    let fault = fault.map(|(matcher, fault, times, what)| {
        fake.fail_next(matcher, fault, times);
        what
    });
    let line = match n % 25 {
        0 => b"ping".to_vec(),
        1 | 11 | 21 => c("iam-get-user", profile.clone()),
        2 => c(
            "iam-get-user",
            json!({"user-profile": {"email": "nobody@example.com"}}),
        ),
        3 => c("get-mapping-fields", json!({})),
        4 => c("okta-iam-list-applications", json!({"limit": "5"})),
        5 | 15 => c(
            "okta-iam-list-user-applications",
            json!({"user_id": f.dana}),
        ),
        6 => c(
            "okta-get-app-user-assignment",
            json!({"user_id": f.dana, "application_id": f.app}),
        ),
        7 | 17 => c("iam-get-group", json!({"scim": {"id": f.group}})),
        8 => c("okta-iam-get-configuration", json!({})),
        9 => c(
            "iam-update-user",
            json!({"user-profile": {"email": "dana@example.com", "title": format!("T{}", n % 7)}}),
        ),
        10 => c("iam-disable-user", profile.clone()),
        12 => c("iam-enable-user", profile.clone()),
        13 => c("iam-create-user", profile.clone()),
        14 => b"{not json".to_vec(),
        16 => b"\xff\xfe not utf-8".to_vec(),
        18 => json!({"args": {}}).to_string().into_bytes(),
        19 => c("no-such-command", json!({})),
        20 if n % 1000 == 20 => {
            // Rare: the state file is written (fsync) on every set.
            c(
                "okta-iam-set-configuration",
                json!({"configuration": [{"ApplicationID": f.app}]}),
            )
        }
        22 if n % 1000 == 22 => {
            // Rare: a 200 KB line.
            let filler = "x".repeat(200_000);
            c(
                "iam-get-user",
                json!({"user-profile": {"email": "dana@example.com", "note": filler}}),
            )
        }
        23 => c("okta-iam-list-applications", json!({"limit": "0"})),
        _ => c("iam-get-user", json!({"user-profile": {"id": f.dana}})),
    };
    (line, fault)
}

#[test]
#[ignore = "soak: minutes; run with --release --ignored --nocapture"]
fn soak_100k_commands_through_one_serve_process() {
    let total: usize = std::env::var("SOAK_COMMANDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let fake = FakeOkta::start();
    let f = fixture(&fake);
    let dir = temp_dir("soak");
    let state = dir.join("state.json");
    let deadline = DEADLINE.as_secs().to_string();
    let mut daemon = Daemon::spawn(
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
    );
    let pid = daemon.pid();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = Vec::with_capacity(total);
    let mut rss: Vec<(usize, u64)> = Vec::new();
    let (mut ok, mut errors, mut pongs, mut faults) = (0usize, 0usize, 0usize, 0usize);
    for n in 0..total {
        let (line, fault) = step(n, &fake, &f);
        faults += usize::from(fault.is_some());
        let t = Instant::now();
        daemon.send_bytes(&line);
        let mut saw_result = false;
        loop {
            let message = daemon.next(WATCHDOG.saturating_sub(t.elapsed()));
            match message["type"].as_str() {
                Some("pong") => {
                    pongs += 1;
                    break;
                }
                Some("completed") => break,
                Some("result") => {
                    assert!(!saw_result, "two results for command {n}");
                    saw_result = true;
                    for entry in message["results"].as_array().unwrap() {
                        let failed = entry["Type"] == 4 || entry["Contents"]["success"] == false;
                        if failed {
                            errors += 1;
                        } else {
                            ok += 1;
                        }
                    }
                }
                _ => panic!("command {n}: unexpected message {message}"),
            }
        }
        let took = t.elapsed();
        assert!(
            took < DEADLINE + Duration::from_secs(1),
            "command {n} took {took:?} (fault: {fault:?})"
        );
        latencies.push(took);
        if (n + 1) % SAMPLE_EVERY == 0 {
            rss.push((n + 1, vm_rss_kib(pid)));
        }
        if (n + 1) % 10_000 == 0 {
            eprintln!(
                "soak: {} commands, {:.1} s, VmRSS {} KiB",
                n + 1,
                started.elapsed().as_secs_f64(),
                rss.last().map(|r| r.1).unwrap_or(0)
            );
        }
    }
    let wall = started.elapsed();
    // The host closes stdin: a clean exit, and no token anywhere.
    let stderr = daemon.finish();
    assert!(
        !String::from_utf8_lossy(&stderr).contains("panicked"),
        "a panic was logged"
    );

    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let first = rss.first().map(|r| r.1).unwrap_or(0);
    let last = rss.last().map(|r| r.1).unwrap_or(0);
    let max = rss.iter().map(|r| r.1).max().unwrap_or(0);
    println!("soak figures:");
    println!("  commands:        {total} ({pongs} pings, {ok} ok entries, {errors} error entries, {faults} faults armed)");
    println!(
        "  wall time:       {:.1} s ({:.0} commands/s)",
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64()
    );
    println!(
        "  latency:         p50 {:?}, p99 {:?}, p99.9 {:?}, max {:?}",
        pct(0.50),
        pct(0.99),
        pct(0.999),
        latencies.last().unwrap()
    );
    println!("  VmRSS:           after the first {SAMPLE_EVERY}: {first} KiB; after the last: {last} KiB; max {max} KiB");
    let series: Vec<String> = rss
        .iter()
        .filter(|(n, _)| n % 10_000 == 0)
        .map(|(n, kib)| format!("{}k:{kib}", n / 1000))
        .collect();
    println!("  VmRSS every 10k: {}", series.join(" "));
    assert!(ok > 0 && errors > 0 && pongs > 0);
    assert!(
        last <= first + first / 4 + 4096,
        "memory grew: {first} KiB after the first {SAMPLE_EVERY} commands, {last} KiB at the end"
    );
}
