//! System Log throughput and memory: `okta-get-logs` and `fetch-incidents` over 50,000 events.
//!
//! `cargo build --release && cargo run --release --example fetch_throughput`
//!
//! Starts the local fake Okta (the test fake, loopback only) with 50,000 membership events,
//! then:
//! 1. in process, through `okta_iam::commands::execute` with a `MemoryState`:
//!    `okta-get-logs limit=50000` (the entry written to a byte counter, as the serve loop
//!    writes it), then `fetch-incidents` with `max_fetch` 1000 until a run brings nothing.
//!    Prints events/s and this process's `VmHWM` (peak RSS) before and after each step; the
//!    fake's 50,000 stored events are part of that figure (see the "before" value).
//! 2. through the real binary (`target/release/okta-iam serve --state FILE`, when it has been
//!    built), under `/usr/bin/time -v` when available: the same two jobs, each in its own
//!    process, with the daemon's own peak RSS.
//!
//! Set `EVENTS=<n>` to change the size, `OKTA_IAM_BIN` to measure another build, and
//! `DAEMON_WRAPPER` to run the daemon under another program (`valgrind --tool=callgrind`).

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use fake_okta::FakeOkta;
use okta_iam::commands::{execute, Daemon};
use okta_iam::protocol::message::CallingContext;
use okta_iam::state::MemoryState;
use serde_json::{json, Map, Value};

const FILTER: &str = r#"eventType eq "application.user_membership.add""#;
const PUBLISHED: &str = "2025-05-20T16:00:00.000Z";
const SINCE: &str = "2025-05-01T00:00:00Z";

/// Peak resident set size of this process, in kB (`VmHWM` of /proc/self/status).
fn vm_hwm_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn mb(kb: Option<u64>) -> String {
    kb.map(|k| format!("{:.1} MB", k as f64 / 1024.0))
        .unwrap_or_else(|| "n/a".into())
}

/// Counts bytes written, keeps none.
struct Counter(u64);

impl tokio::io::AsyncWrite for Counter {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        self.0 += buf.len() as u64;
        std::task::Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

fn params(okta: &FakeOkta) -> Value {
    json!({
        "url": okta.url(),
        "apitoken": FakeOkta::TOKEN,
        "isFetch": true,
        "auto_generate_query_filter": false,
        "fetch_query_filter": FILTER,
        "first_fetch": SINCE,
        "max_fetch": "1000"
    })
}

fn line(command: &str, args: Value, params: &Value) -> String {
    json!({"command": command, "args": args, "params": params}).to_string()
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let events: usize = std::env::var("EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50_000);
    let started = Instant::now();
    let okta = FakeOkta::start();
    okta.set_recording(false);
    for chunk in 0..events.div_ceil(10_000) {
        let n = (events - chunk * 10_000).min(10_000);
        okta.push_events(n, PUBLISHED);
    }
    println!(
        "fake Okta: {events} events stored in {:.2} s; VmHWM {}",
        started.elapsed().as_secs_f64(),
        mb(vm_hwm_kb())
    );
    let params = params(&okta);

    // ---- 1. in process ----
    let runtime = Daemon::new(Map::new(), okta_iam::okta::vendor::default_mappers());
    let mut state = MemoryState::default();

    let before = vm_hwm_kb();
    let t = Instant::now();
    let context = CallingContext::parse(
        &line(
            "okta-get-logs",
            json!({"limit": events.to_string(), "since": SINCE}),
            &params,
        ),
        &okta_iam::okta::vendor::context_defaults(),
    )?;
    let execution = execute(&runtime, &context, &mut state).await;
    assert!(!execution.failed(), "{:?}", execution.entries);
    let spooled = execution.entries[0].spooled.is_some();
    let mut out = Counter(0);
    okta_iam::protocol::write_execution(&mut out, &execution).await?;
    drop(execution);
    let secs = t.elapsed().as_secs_f64();
    println!(
        "in process  okta-get-logs limit={events}: {secs:.2} s, {:.0} events/s, {:.1} MB written (spooled: {spooled}); VmHWM {} -> {}",
        events as f64 / secs,
        out.0 as f64 / 1e6,
        mb(before),
        mb(vm_hwm_kb())
    );

    let before = vm_hwm_kb();
    let t = Instant::now();
    let fetch = CallingContext::parse(
        &line("fetch-incidents", json!({}), &params),
        &okta_iam::okta::vendor::context_defaults(),
    )?;
    let mut fetched = 0usize;
    let mut runs = 0usize;
    loop {
        let execution = execute(&runtime, &fetch, &mut state).await;
        assert!(!execution.failed(), "{:?}", execution.entries);
        runs += 1;
        let incidents: Vec<Value> =
            serde_json::from_str(execution.entries[0].contents.as_str().unwrap_or("[]"))?;
        if incidents.is_empty() {
            break;
        }
        fetched += incidents.len();
    }
    let secs = t.elapsed().as_secs_f64();
    let last_run = serde_json::to_vec(state.last_run.as_ref().unwrap_or(&json!({})))?.len();
    println!(
        "in process  fetch-incidents max_fetch=1000: {fetched} incidents in {runs} runs, {secs:.2} s, {:.0} events/s; last run {last_run} bytes; VmHWM {} -> {}",
        fetched as f64 / secs,
        mb(before),
        mb(vm_hwm_kb())
    );
    assert_eq!(fetched, events, "every event exactly once");

    // ---- 2. the real binary ----
    let binary = std::env::var_os("OKTA_IAM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/release/okta-iam")
        });
    if !binary.exists() {
        println!(
            "binary: {} not found; run `cargo build --release` first",
            binary.display()
        );
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("okta-iam-throughput-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let state_file = dir.join("state.json");
    let state_arg = state_file.to_string_lossy().to_string();

    let get_logs = format!(
        "{}\n",
        line(
            "okta-get-logs",
            json!({"limit": events.to_string(), "since": SINCE}),
            &params
        )
    );
    let cost = run_binary(&binary, &state_arg, get_logs)?;
    println!(
        "binary      okta-get-logs limit={events}: {:.2} s ({}), {:.0} events/s, {:.1} MB on stdout; daemon peak RSS {}",
        cost.secs,
        cpu(&cost),
        events as f64 / cost.secs,
        cost.bytes as f64 / 1e6,
        mb(cost.peak_kb)
    );

    let runs = events.div_ceil(1000) + 1;
    let fetches = format!("{}\n", line("fetch-incidents", json!({}), &params)).repeat(runs);
    let cost = run_binary(&binary, &state_arg, fetches)?;
    println!(
        "binary      fetch-incidents x{runs} max_fetch=1000: {:.2} s ({}), {:.0} events/s, {:.1} MB on stdout; daemon peak RSS {}",
        cost.secs,
        cpu(&cost),
        events as f64 / cost.secs,
        cost.bytes as f64 / 1e6,
        mb(cost.peak_kb)
    );
    let saved: Value = serde_json::from_slice(&std::fs::read(&state_file)?)?;
    let last_run = &saved["instances"]["Okta IAM_instance_1"]["lastRun"];
    println!(
        "binary      last run {} bytes",
        serde_json::to_vec(last_run)?.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// What one daemon process cost.
struct Cost {
    /// Wall-clock seconds.
    secs: f64,
    /// Bytes the daemon wrote on stdout.
    bytes: u64,
    /// Peak RSS in kB (`/usr/bin/time -v`).
    peak_kb: Option<u64>,
    /// User + system CPU seconds of the daemon (`/usr/bin/time -v`).
    cpu_secs: Option<f64>,
}

/// Runs `okta-iam serve --state FILE` on `input`.
fn run_binary(binary: &PathBuf, state: &str, input: String) -> std::io::Result<Cost> {
    let timed = PathBuf::from("/usr/bin/time").exists();
    // `DAEMON_WRAPPER="valgrind --tool=callgrind"`: count the daemon's instructions instead.
    let wrapper = std::env::var("DAEMON_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let mut command = if let Some(program) = words.next() {
        let mut c = Command::new(program);
        c.args(words).arg(binary);
        c
    } else if timed {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-v").arg(binary);
        c
    } else {
        Command::new(binary)
    };
    let t = Instant::now();
    let mut child = command
        .args(["serve", "--state", state])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut buffer = vec![0u8; 1 << 16];
        let mut total = 0u64;
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 {
                break;
            }
            total += n as u64;
        }
        total
    });
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)?;
    child.wait()?;
    let secs = t.elapsed().as_secs_f64();
    let _ = writer.join();
    let bytes = reader.join().unwrap_or(0);
    let field = |name: &str| -> Option<f64> {
        stderr
            .lines()
            .find(|l| l.contains(name))
            .and_then(|l| l.rsplit(':').next())
            .and_then(|v| v.trim().parse().ok())
    };
    let cpu_secs = match (field("User time (seconds)"), field("System time (seconds)")) {
        (Some(user), Some(system)) => Some(user + system),
        _ => None,
    };
    Ok(Cost {
        secs,
        bytes,
        peak_kb: field("Maximum resident set size").map(|kb| kb as u64),
        cpu_secs,
    })
}

fn cpu(cost: &Cost) -> String {
    cost.cpu_secs
        .map(|c| format!("{c:.2} s CPU"))
        .unwrap_or_else(|| "CPU n/a".into())
}
