//! Two builds of the daemon, the same System Log: are their outputs the same bytes?
//!
//! `OLD=path/to/okta-iam NEW=target/release/okta-iam EVENTS=3000 cargo run --release --example compare_builds`
//!
//! Stores EVENTS odd events in the local fake Okta (unicode, escapes, line breaks, U+2028,
//! large and float numbers, nested targets, missing fields), then runs `okta-get-logs` (spooled
//! and in memory) and `fetch-incidents` through each binary and compares stdout byte for byte.

use std::io::{Read, Write};
use std::process::{Command, Stdio};

use fake_okta::FakeOkta;
use serde_json::{json, Map, Value};

const TYPE: &str = "application.user_membership.add";

fn odd_value(seed: &mut u64, depth: u32) -> Value {
    let mut next = |n: u64| {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) % n
    };
    const STRINGS: [&str; 9] = [
        "plain",
        "it's",
        "say \"hi\"",
        "line\nbreak\r\nend\r",
        "pipe | tick ` back \\",
        "\u{e9}\u{2028}\u{2029}\u{1F600}\u{85}\u{7f}\u{0}\u{1f}",
        "",
        "'both\"",
        "<b>*md*</b> _x_ # [l](u)",
    ];
    match if depth > 3 { next(5) } else { next(7) } {
        0 => Value::Null,
        1 => Value::Bool(next(2) == 0),
        2 => match next(4) {
            0 => json!(u64::MAX - next(10)),
            1 => json!(i64::MIN + next(10) as i64),
            _ => json!(next(1 << 40) as i64 - (1 << 39)),
        },
        3 => {
            let f = f64::from_bits(next(u64::MAX) | (next(2) << 63));
            if f.is_finite() {
                json!(f)
            } else {
                json!(0.1 * next(1000) as f64)
            }
        }
        4 => json!(STRINGS[next(9) as usize]),
        5 => Value::Array((0..next(4)).map(|_| odd_value(seed, depth + 1)).collect()),
        _ => {
            let mut map = Map::new();
            for i in 0..next(4) {
                map.insert(
                    format!("{}k{i}", STRINGS[i as usize % 9]),
                    odd_value(seed, depth + 1),
                );
            }
            Value::Object(map)
        }
    }
}

fn odd_event(i: usize, seed: &mut u64) -> Value {
    let mut event = Map::new();
    let keys = [
        "actor",
        "client",
        "displayMessage",
        "eventType",
        "outcome",
        "published",
        "severity",
        "target",
        "uuid",
        "version",
        "extra \u{2028}",
        "num",
    ];
    for key in keys {
        *seed = seed.wrapping_add(1);
        if seed.is_multiple_of(7) && !matches!(key, "published" | "eventType" | "uuid") {
            continue; // a missing field
        }
        let value = match key {
            "published" => json!(format!(
                "2025-05-20T16:{:02}:{:02}.{:03}Z",
                i / 3600 % 60,
                i / 60 % 60,
                i % 1000
            )),
            "eventType" => json!(TYPE),
            "uuid" => json!(format!("uuid-{i}")),
            "target" => json!([
                {"id": "0oa1", "type": "AppInstance", "alternateId": "app \u{2028}", "displayName": "App | x", "detailEntry": null},
                {"id": format!("00u{i}"), "type": "User", "alternateId": format!("user{i}@example.com"), "displayName": format!("User \"{i}\"\n\u{e9}"), "detailEntry": odd_value(seed, 2)},
            ]),
            "displayMessage" => json!(format!("Add user {i}\r\nto app | `x` \u{2028} \u{1F600}")),
            _ => odd_value(seed, 0),
        };
        event.insert(key.to_string(), value);
    }
    Value::Object(event)
}

fn run(binary: &str, input: &str, state: &str) -> Vec<u8> {
    let _ = std::fs::remove_file(state);
    let mut child = Command::new(binary)
        .args(["serve", "--state", state])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let mut out = Vec::new();
    child
        .stdout
        .take()
        .expect("stdout")
        .read_to_end(&mut out)
        .expect("read");
    let _ = child.wait();
    let _ = writer.join();
    out
}

fn main() {
    let old = std::env::var("OLD").expect("OLD=path of the old binary");
    let new = std::env::var("NEW").unwrap_or_else(|_| "target/release/okta-iam".into());
    let events: usize = std::env::var("EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let okta = FakeOkta::start();
    okta.set_recording(false);
    let mut seed = 2026;
    for i in 0..events {
        okta.push_event(odd_event(i, &mut seed));
    }
    okta.push_events(events / 2, "2025-05-21T00:00:00.000Z");
    let params = json!({
        "url": okta.url(), "apitoken": FakeOkta::TOKEN, "isFetch": true,
        "auto_generate_query_filter": false,
        "fetch_query_filter": format!("eventType eq \"{TYPE}\""),
        "first_fetch": "2025-05-01T00:00:00Z", "max_fetch": "700"
    });
    let line = |command: &str, args: Value| {
        format!(
            "{}\n",
            json!({"command": command, "args": args, "params": params})
        )
    };
    let total = events + events / 2;
    let mut input = line(
        "okta-get-logs",
        json!({"limit": total.to_string(), "since": "2025-05-01T00:00:00Z"}),
    );
    input += &line(
        "okta-get-logs",
        json!({"limit": "40", "since": "2025-05-01T00:00:00Z"}),
    );
    input += &line(
        "okta-get-logs",
        json!({"limit": "1", "since": "2025-05-01T00:00:00Z"}),
    );
    input += &line("fetch-incidents", json!({})).repeat(total / 700 + 2);
    let state = std::env::temp_dir().join(format!("compare-builds-{}.json", std::process::id()));
    let state = state.to_string_lossy().to_string();
    let a = run(&old, &input, &state);
    let b = run(&new, &input, &state);
    let _ = std::fs::remove_file(&state);
    if let Ok(path) = std::env::var("DUMP") {
        std::fs::write(path, &a).expect("dump");
    }
    let lines = a.split(|&b| b == b'\n').count();
    if a == b {
        println!(
            "identical: {} bytes, {lines} lines, {total} events",
            a.len()
        );
    } else {
        let at = a
            .iter()
            .zip(&b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let from = at.saturating_sub(200);
        println!(
            "DIFFERENT at byte {at} (old {} bytes, new {} bytes)\nold: {}\nnew: {}",
            a.len(),
            b.len(),
            String::from_utf8_lossy(&a[from..(at + 200).min(a.len())]),
            String::from_utf8_lossy(&b[from..(at + 200).min(b.len())])
        );
        std::process::exit(1);
    }
}
