//! The time of one `iam-get-user` against a local SCIM 2.0 server (`scim2-server`, loopback),
//! sent to a running `okta-iam serve --vendor scim`, next to a floor: the same lookup GET made
//! by a bare HTTP client in the same run.
//!
//! `cargo build --release && cargo run --release --example scim_get_user_latency`
//!
//! Needs `scim2-server` in the virtual environment `.ci/run` builds (`target/ci-venv`, or
//! `OKTA_IAM_CI_VENV`). Seeds one user, then times `RUNS` (default 200) executions after 10
//! warm-up ones and prints the median, p99 and best of each. The server answers HTTP/1.0 and
//! closes every connection, so both the daemon and the floors pay a TCP connect per request.
//! Two floors: a bare HTTP/1.0 client, and reqwest (the daemon's HTTP client) on its own.

#[path = "../tests/scim/server.rs"]
mod scim_server;
#[path = "support/timing.rs"]
mod timing;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scim_server::{locate, ScimServer, SCIM_TOKEN};
use serde_json::json;

const WARM_UP: usize = 10;

/// The requests the server has logged so far.
fn served_requests(server: &ScimServer) -> usize {
    // Let the server's log line of the last request arrive.
    std::thread::sleep(Duration::from_millis(200));
    server.log().matches("\" 200 ").count()
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(200);
    let binary = timing::binary();
    assert!(
        binary.exists(),
        "build okta-iam first: cargo build --release"
    );
    let (python, version) = match locate() {
        Ok(found) => found,
        Err(why) => {
            eprintln!("cannot run: {why}");
            return;
        }
    };
    let server = ScimServer::start(&python, version);
    server.seed_user(json!({"userName": "dana.lee@example.com", "active": true,
        "emails": [{"value": "dana.lee@example.com", "type": "work", "primary": true}],
        "name": {"givenName": "Dana", "familyName": "Lee"}}));

    let params = json!({"url": server.base_url(), "credentials": {"password": SCIM_TOKEN}});
    let args = json!({"user-profile": "{\"email\": \"dana.lee@example.com\"}"});
    let mut daemon = Command::new(&binary)
        .args(["serve", "--vendor", "scim", "--state", "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn okta-iam serve --vendor scim");
    let mut stdin = daemon.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(daemon.stdout.take().expect("stdout"));
    let line = json!({"command": "iam-get-user", "args": args, "params": params}).to_string();
    let requests_before = served_requests(&server);
    let mut served = Vec::new();
    for run in 0..runs + WARM_UP {
        let started = Instant::now();
        writeln!(stdin, "{line}").expect("write");
        stdin.flush().expect("flush");
        let mut reply = String::new();
        let mut entry = String::new();
        loop {
            reply.clear();
            stdout.read_line(&mut reply).expect("read");
            if reply.contains("\"completed\"") || reply.is_empty() {
                break;
            }
            entry.push_str(&reply);
        }
        if run == 0 {
            assert!(
                entry.contains(r#"\"success\":true"#) || entry.contains("\"success\":true"),
                "iam-get-user failed: {entry}"
            );
        }
        if run >= WARM_UP {
            served.push(started.elapsed());
        }
    }
    drop(stdin);
    let _ = daemon.wait();
    let per_command = (served_requests(&server) - requests_before) as f64 / (runs + WARM_UP) as f64;

    // The floor: the lookup the daemon makes first (userName from the profile's email), by a
    // bare HTTP/1.0 client.
    let lookup = "/v2/Users?filter=userName%20eq%20%22dana.lee%40example.com%22\
                  &startIndex=1&count=100";
    let mut bare = Vec::new();
    for run in 0..runs + WARM_UP {
        let started = Instant::now();
        let (status, body) = server.request("GET", lookup, None);
        let elapsed = started.elapsed();
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["totalResults"], 1);
        if run >= WARM_UP {
            bare.push(elapsed);
        }
    }

    // The same GET by reqwest (the daemon's HTTP client), one client for the whole run.
    let url = format!("http://127.0.0.1:{}{lookup}", server.port());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = reqwest::Client::new();
    let mut by_reqwest = Vec::new();
    for run in 0..runs + WARM_UP {
        let started = Instant::now();
        let status = runtime.block_on(async {
            let answer = client
                .get(&url)
                .bearer_auth(SCIM_TOKEN)
                .send()
                .await
                .expect("GET");
            let status = answer.status();
            answer.bytes().await.expect("body");
            status
        });
        let elapsed = started.elapsed();
        assert_eq!(status, 200);
        if run >= WARM_UP {
            by_reqwest.push(elapsed);
        }
    }

    println!(
        "one iam-get-user against a local scim2-server {} ({})",
        server.version,
        binary.display()
    );
    println!("requests to the server per iam-get-user: {per_command:.2}");
    timing::summary("okta-iam serve --vendor scim", served, 0.99);
    timing::summary("floor: the same GET by a bare HTTP/1.0 client", bare, 0.99);
    timing::summary(
        "floor: the same GET by reqwest (one client)",
        by_reqwest,
        0.99,
    );
}
