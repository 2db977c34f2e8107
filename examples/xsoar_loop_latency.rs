//! The time of one `iam-get-user` through XSOAR's loop and the relay, against the local fake
//! Okta (loopback only), next to the same command sent straight to `okta-iam serve`.
//!
//! `cargo build --release && cargo run --release --example xsoar_loop_latency`
//!
//! Runs `tests/xsoar/loop.py` (an XSOAR-style Python loop; needs `python3`) with the relay
//! taken from the printed manifest, as the server would: each execution starts a daemon, which
//! asks the loop for nothing (iam-get-user needs no state) and calls the fake Okta twice (the
//! lookup by login, then the user). Prints the median, p90 and best of `RUNS` (default 50)
//! executions after 5 warm-up ones, and the same for a long-running `okta-iam serve`.

#[path = "../tests/xsoar/server.rs"]
mod server;
#[path = "support/timing.rs"]
mod timing;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Instant;

use fake_okta::FakeOkta;
use serde_json::json;
use server::{relay_from_manifest, Flavour, LoopServer};

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(50);
    let binary = timing::binary();
    assert!(
        binary.exists(),
        "build okta-iam first: cargo build --release"
    );
    let okta = FakeOkta::start();
    okta.add_user(
        json!({"login": "dana.lee@example.com", "email": "dana.lee@example.com", "firstName": "Dana", "lastName": "Lee"}),
        "ACTIVE",
    );
    let params = json!({"url": okta.url(), "credentials": {"password": FakeOkta::TOKEN}});
    let args = json!({"user-profile": "{\"email\": \"dana.lee@example.com\"}"});

    let relay = relay_from_manifest(&binary);
    let Some(mut server) = LoopServer::start(Flavour::Modern, relay, &binary, &[]) else {
        eprintln!("no python3: cannot run the loop");
        return;
    };
    let mut through_loop = Vec::new();
    for run in 0..runs + 5 {
        let started = Instant::now();
        let execution = server.execute("iam-get-user", args.clone(), &params);
        let elapsed = started.elapsed();
        assert!(
            execution.entry().to_string().contains("\"success\":true"),
            "{execution:?}"
        );
        if run >= 5 {
            through_loop.push(elapsed);
        }
    }

    let mut daemon = Command::new(&binary)
        .args(["serve", "--state", "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn okta-iam serve");
    let mut stdin = daemon.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(daemon.stdout.take().expect("stdout"));
    let line = json!({"command": "iam-get-user", "args": args, "params": params}).to_string();
    let mut direct = Vec::new();
    for run in 0..runs + 5 {
        let started = Instant::now();
        writeln!(stdin, "{line}").expect("write");
        stdin.flush().expect("flush");
        let mut reply = String::new();
        loop {
            reply.clear();
            stdout.read_line(&mut reply).expect("read");
            if reply.contains("\"completed\"") || reply.is_empty() {
                break;
            }
        }
        if run >= 5 {
            direct.push(started.elapsed());
        }
    }
    drop(stdin);
    let _ = daemon.wait();

    println!(
        "one iam-get-user against the local fake Okta ({})",
        binary.display()
    );
    timing::summary(
        "through the loop and the relay (new daemon)",
        through_loop,
        0.9,
    );
    timing::summary("straight to a running okta-iam serve", direct, 0.9);
}
