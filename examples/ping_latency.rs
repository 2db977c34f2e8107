//! The time of one `ping` through `okta-iam serve`, sent the way a host sends commands: one
//! line, wait for the answer, then a pause (an idle host), against a floor measured in the
//! same run: `cat` echoing the same line through the same pipes.
//!
//! ```sh
//! cargo build --release && cargo run --release --example ping_latency
//! OKTA_IAM_BIN=/path/to/okta-iam PINGS=1000 PAUSE_MS=2 cargo run --release --example ping_latency
//! ```
//!
//! The pause matters: with the machine idle between commands, every hop between threads and
//! processes has to wake a CPU (BENCHMARKS.md, section 1).

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Median and p99 of `pings` round trips of "ping\n" through `program args`, in µs.
fn round_trips(program: &str, args: &[&str], pings: u64, pause: Duration) -> (f64, f64) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    let warm_up = 50;
    let mut times = Vec::new();
    for i in 0..pings + warm_up {
        line.clear();
        let started = Instant::now();
        stdin.write_all(b"ping\n").expect("write");
        stdin.flush().expect("flush");
        stdout.read_line(&mut line).expect("read");
        let took = started.elapsed();
        assert!(!line.is_empty(), "{program} closed its stdout");
        if i >= warm_up {
            times.push(took.as_secs_f64() * 1e6);
        }
        std::thread::sleep(pause);
    }
    drop(stdin);
    let _ = child.wait();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    (at(0.5), at(0.99))
}

fn main() {
    let binary = std::env::var("OKTA_IAM_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/okta-iam").into());
    let pings = env_number("PINGS", 400);
    let pause = Duration::from_millis(env_number("PAUSE_MS", 2));
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "ping latency: {pings} pings, {} ms pause; load {}",
        pause.as_millis(),
        load.trim()
    );
    let (floor, floor_p99) = round_trips("cat", &[], pings, pause);
    let (serve, serve_p99) = round_trips(&binary, &["serve"], pings, pause);
    println!("  floor: cat echoes the line     median {floor:7.1} µs   p99 {floor_p99:7.1} µs");
    println!("  okta-iam serve: ping → pong    median {serve:7.1} µs   p99 {serve_p99:7.1} µs");
    println!(
        "  ratio serve / floor            median {:.2}x",
        serve / floor
    );
}
