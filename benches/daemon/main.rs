//! The daemon benchmark (issue 8): `okta-iam serve` against a local fake Okta on loopback,
//! with every figure set beside a floor measured in the same run.
//!
//! ```text
//! cargo bench --bench daemon                  # everything (about four minutes)
//! BENCH_QUICK=1 cargo bench --bench daemon    # smaller counts (about a minute)
//! BENCH_FULL=1 cargo bench --bench daemon     # section 6 at 1,000 creates (about 6.5 minutes)
//! cargo bench --bench daemon -- loop cold     # only some sections
//! BENCH_BUCKET=600/60 cargo bench --bench daemon -- rate   # another bucket for 5 and 6
//! ```
//!
//! Sections:
//! - `loop`: serve, sequential iam-get-user, against the same HTTP request from a raw
//!   HTTP/1.1 client, a bare reqwest client and a bare hyper client, and against a minimal
//!   daemon that makes the same protocol exchanges (`protocol_floor.rs`);
//! - `cold`: a process per command;
//! - `memory`: 10,000 mixed commands;
//! - `fetch`: okta-get-logs and fetch-incidents over 50,000 events;
//! - `rate`: rate-limit utilisation under a 100 per 5 s bucket;
//! - `bulk`: iam-create-user under the same bucket;
//! - `parts`: where the time of one command and one log page goes;
//! - `multi`: several processes on one bucket (`multi.rs`).
//!
//! `cargo bench` builds the release binary; the harness spawns it from
//! `CARGO_BIN_EXE_okta-iam` (override with `OKTA_IAM_BIN`). BENCHMARKS.md has the results.
//! Everything talks to the fake on 127.0.0.1 only, never to a real Okta.

mod driver;
mod floor;
mod multi;
mod parts;
mod protocol_floor;
mod stats;

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use driver::{contains, count, rss_kib, Daemon, Reply};
use fake_okta::FakeOkta;
use floor::{BareHyper, BareReqwest, RawHttp, Target};
use stats::{micros, millis, Summary};

const SECTIONS: &[&str] = &[
    "loop", "cold", "memory", "fetch", "rate", "bulk", "parts", "multi",
];

/// One target and how this run did against it.
struct Verdict {
    what: String,
    target: String,
    figure: String,
    met: Option<bool>,
}

struct Bench {
    binary: PathBuf,
    quick: bool,
    /// `BENCH_FULL=1`: section 6 at the issue's 1,000 commands.
    full: bool,
    bucket: Bucket,
    verdicts: Vec<Verdict>,
}

impl Bench {
    fn verdict(&mut self, what: &str, target: &str, figure: String, met: Option<bool>) {
        self.verdicts.push(Verdict {
            what: what.to_string(),
            target: target.to_string(),
            figure,
            met,
        });
    }

    /// `full` normally, `quick` with `BENCH_QUICK=1`.
    fn size(&self, full: usize, quick: usize) -> usize {
        if self.quick {
            quick
        } else {
            full
        }
    }
}

/// The allocator `okta-iam` runs on (src/main.rs), so that the floors, the in-process step
/// and the protocol floor (this executable too) allocate as `serve` does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    okta_iam::allocator::return_freed_memory_soon();
    protocol_floor::run_if_asked();
    // `cargo bench` passes `--bench`; other words select sections.
    let chosen: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    for word in &chosen {
        assert!(
            SECTIONS.contains(&word.as_str()),
            "unknown section {word:?}; sections: {}",
            SECTIONS.join(", ")
        );
    }
    let run = |name: &str| chosen.is_empty() || chosen.iter().any(|c| c == name);
    let quick = std::env::var("BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let binary = std::env::var_os("OKTA_IAM_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_okta-iam")));
    assert!(
        binary.exists(),
        "{} does not exist: run `cargo bench --bench daemon`, which builds it",
        binary.display()
    );

    println!("okta-iam daemon benchmark (issue 8)");
    println!("==================================");
    for (name, value) in stats::machine() {
        println!("{name:<8}: {value}");
    }
    let size = std::fs::metadata(&binary).map(|m| m.len()).unwrap_or(0);
    println!(
        "binary  : {} ({:.1} MB)",
        binary.display(),
        size as f64 / 1e6
    );
    println!(
        "mode    : {}",
        if quick {
            "quick (BENCH_QUICK=1: smaller counts)"
        } else {
            "default (BENCH_QUICK=1 for smaller counts, BENCH_FULL=1 for 1,000 creates)"
        }
    );
    println!("fake    : crates/fake_okta on 127.0.0.1 (in this process, 2 worker threads)");
    println!("load    : {} (/proc/loadavg at the start)", loadavg());
    let bucket = Bucket::from_env();
    println!(
        "bucket  : {} requests per {} s for sections 5 and 6 (BENCH_BUCKET)",
        bucket.limit,
        bucket.window.as_secs_f64()
    );

    let mut bench = Bench {
        binary,
        quick,
        full: std::env::var("BENCH_FULL").is_ok_and(|v| !v.is_empty() && v != "0"),
        bucket,
        verdicts: Vec::new(),
    };
    let started = Instant::now();
    if run("loop") {
        loop_mode(&mut bench);
    }
    if run("cold") {
        cold_start(&mut bench);
    }
    if run("memory") {
        memory(&mut bench);
    }
    if run("fetch") {
        fetch(&mut bench);
    }
    if run("rate") {
        rate_limit(&mut bench);
    }
    if run("bulk") {
        bulk(&mut bench);
    }
    if run("parts") {
        parts::run(bench.quick);
    }
    if run("multi") {
        multi::run(&mut bench);
    }

    println!();
    println!(
        "Summary ({:.0} s; /proc/loadavg at the end: {})",
        started.elapsed().as_secs_f64(),
        loadavg()
    );
    println!("-------");
    for v in &bench.verdicts {
        let mark = match v.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "not run",
        };
        println!("{:<7} {:<44} {:<28} {}", mark, v.what, v.target, v.figure);
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// The 1, 5 and 15 minute load averages: other work on the machine shows here.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn params(fake: &FakeOkta) -> Value {
    json!({"url": fake.url(), "apitoken": FakeOkta::TOKEN})
}

fn line(value: Value) -> String {
    let mut text = value.to_string();
    text.push('\n');
    text
}

/// Adds `n` ACTIVE users `<prefix><i>@example.com`; returns `(id, email)`.
fn seed_users(fake: &FakeOkta, n: usize, prefix: &str) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let email = format!("{prefix}{i}@example.com");
            let id = fake.add_user(
                json!({"login": email, "email": email, "firstName": "Bench",
                       "lastName": format!("User{i}"), "department": "Finance"}),
                "ACTIVE",
            );
            (id, email)
        })
        .collect()
}

fn get_user_line(params: &Value, email: &str, native: bool) -> String {
    let mut context = json!({"command": "iam-get-user", "params": params,
                             "args": {"user-profile": {"email": email}}});
    if native {
        context["native"] = json!(true);
    }
    line(context)
}

/// An `iam-get-user` (or other IAM command) answer: one result, no error entry, success.
fn iam_ok(daemon: &Daemon, reply: &Reply) -> bool {
    reply.results == 1
        && !reply.error_entry
        && !reply.exception
        && contains(daemon.last_result(), br#""success":true"#)
}

/// The order of the loop section's six steps in iteration `i`: a permutation (by its Lehmer
/// code). Any 720 consecutive iterations take every order once, so each step runs after each
/// other step equally often; the stride (173, prime to 720) scatters shorter runs (quick
/// mode) over all first steps instead of walking the orders that start with step 0.
fn step_order(i: usize) -> [usize; 6] {
    let mut left: Vec<usize> = (0..6).collect();
    let mut code = (i * 173) % 720;
    let mut order = [0; 6];
    for (slot, radix) in order.iter_mut().zip((1..=6).rev()) {
        let factorial: usize = (1..radix).product();
        *slot = left.remove(code / factorial);
        code %= factorial;
    }
    order
}

fn timed<T>(work: impl FnOnce() -> T) -> (Duration, T) {
    let start = Instant::now();
    let out = work();
    (start.elapsed(), out)
}

fn print_row(label: &str, s: &Summary) {
    println!(
        "  {label:<34} median {:>9.1} µs   p99 {:>9.1} µs   mean {:>9.1} µs   (n={})",
        micros(s.median),
        micros(s.p99),
        micros(s.mean),
        s.n
    );
}

fn print_row_ms(label: &str, s: &Summary) {
    println!(
        "  {label:<34} median {:>7.2} ms   p99 {:>7.2} ms   min {:>7.2} ms   max {:>7.2} ms   (n={})",
        millis(s.median),
        millis(s.p99),
        millis(s.min),
        millis(s.max),
        s.n
    );
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// Samples the daemon's VmRSS every 2 ms on a thread until stopped; returns the largest.
struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl RssSampler {
    fn start(pid: u32) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(Ordering::Relaxed) {
                if let Some((rss, _)) = rss_kib(pid) {
                    peak = peak.max(rss);
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            peak
        });
        RssSampler { stop, thread }
    }

    fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Loop mode

fn loop_mode(bench: &mut Bench) {
    let n = bench.size(2_000, 300);
    let rounds = bench.size(5, 2);
    let warm_up = bench.size(300, 50);
    println!();
    println!("1. Loop mode: `serve`, sequential iam-get-user, against the same HTTP request");
    println!("--------------------------------------------------------------------------------");
    let fake = FakeOkta::start();
    let users = seed_users(&fake, 1_000, "loop");
    let params = params(&fake);
    let lines: Vec<String> = users
        .iter()
        .map(|(_, email)| get_user_line(&params, email, false))
        .collect();
    let mut daemon = Daemon::spawn(&bench.binary, &["serve"]);

    // What one iam-get-user sends: the floor makes the same requests.
    fake.reset_requests();
    let reply = daemon.execute(&lines[0]);
    assert!(
        iam_ok(&daemon, &reply),
        "iam-get-user failed: {}",
        String::from_utf8_lossy(daemon.last_result())
    );
    let recorded = fake.requests();
    assert!(!recorded.is_empty(), "iam-get-user sent no request");
    let headers: Vec<(String, String)> = recorded[0]
        .headers
        .iter()
        .filter(|(k, _)| k != "host" && k != "content-length")
        .cloned()
        .collect();
    let first_email = &users[0].1;
    let targets: Vec<Vec<Target>> = users
        .iter()
        .map(|(_, email)| {
            recorded
                .iter()
                .map(|r| {
                    let query: Vec<(String, String)> = r
                        .query
                        .iter()
                        .map(|(k, v)| (k.clone(), v.replace(first_email, email)))
                        .collect();
                    let mut target = Target::from_recorded(&r.method, &r.path, &query);
                    target.headers = headers.clone();
                    target
                })
                .collect()
        })
        .collect();
    println!(
        "  one iam-get-user = {} HTTP request(s): {}",
        recorded.len(),
        targets[0]
            .iter()
            .map(|t| format!("{} {}", t.method, t.path_and_query))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  request headers (floors send the same): {}",
        headers
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    fake.set_recording(false);

    let mut raw = RawHttp::new(&fake.url(), true);
    let bare = BareReqwest::new(&fake.url());
    let hyper = BareHyper::new(&fake.url());
    let this_bench = std::env::current_exe().expect("the bench's own path");
    // BENCH_FLOOR=without-map: the protocol floor skips `mapObject` (serve does not).
    let floor_mode = match std::env::var("BENCH_FLOOR") {
        Err(_) => protocol_floor::WITH_MAP,
        Ok(mode) if mode == protocol_floor::WITH_MAP => protocol_floor::WITH_MAP,
        Ok(mode) if mode == protocol_floor::WITHOUT_MAP => {
            println!("  the protocol floor skips mapObject (BENCH_FLOOR=without-map)");
            protocol_floor::WITHOUT_MAP
        }
        Ok(other) => panic!(
            "BENCH_FLOOR={other:?}: expected {:?} or {:?}",
            protocol_floor::WITH_MAP,
            protocol_floor::WITHOUT_MAP
        ),
    };
    let mut protocol_floor_daemon =
        Daemon::spawn_with_env(&this_bench, &[], protocol_floor::ENV, floor_mode);
    let check_floor = |answer: floor::Answer| {
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json.as_array().map(Vec::len), Some(1));
    };
    // Bytes written per command (state requests included), to show the floor's output is of
    // serve's size.
    let mut written = (0, 0);
    for i in 0..warm_up {
        let u = i % users.len();
        let reply = daemon.execute(&lines[u]);
        assert!(iam_ok(&daemon, &reply));
        written.0 = reply.bytes;
        let reply = protocol_floor_daemon.execute(&lines[u]);
        written.1 = reply.bytes;
        assert!(
            iam_ok(&protocol_floor_daemon, &reply),
            "the protocol floor failed: {}",
            String::from_utf8_lossy(protocol_floor_daemon.last_result())
        );
        for t in &targets[u] {
            check_floor(raw.send(t));
            check_floor(bare.send(t));
            check_floor(hyper.send(t));
        }
    }
    // BENCH_PAUSE_US: a pause after each timed step (not timed), as an idle host leaves
    // between commands; without it steps run back to back and the CPUs never sleep.
    let pause = std::time::Duration::from_micros(
        std::env::var("BENCH_PAUSE_US")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    );
    if !pause.is_zero() {
        println!(
            "  paced: {} µs after each timed step (BENCH_PAUSE_US)",
            pause.as_micros()
        );
    }
    let mut pings = Vec::with_capacity(n);
    for _ in 0..n {
        let (d, reply) = timed(|| daemon.execute("ping\n"));
        assert!(reply.pong);
        pings.push(d);
        std::thread::sleep(pause);
    }
    // The pipe floor: `cat` echoes a protocol-shaped line, so the same driver reads it.
    let mut cat = Daemon::spawn(std::path::Path::new("cat"), &[]);
    let mut echoes = Vec::with_capacity(n);
    for i in 0..warm_up + n {
        let (d, reply) = timed(|| cat.execute("{\"type\":\"pong\"}\n"));
        assert!(reply.pong);
        if i >= warm_up {
            echoes.push(d);
        }
        std::thread::sleep(pause);
    }
    drop(cat);

    // The daemon's logic without the process and its pipes: the library's execute() and
    // write_execution() into memory, on a current-thread runtime as in the binary.
    let in_process = InProcess::new();
    for i in 0..warm_up {
        assert!(in_process.run(&lines[i % users.len()]));
    }

    let mut t_daemon = Vec::with_capacity(n * rounds);
    let mut t_lib = Vec::with_capacity(n * rounds);
    let mut t_raw = Vec::with_capacity(n * rounds);
    let mut t_bare = Vec::with_capacity(n * rounds);
    let mut t_protocol_floor = Vec::with_capacity(n * rounds);
    let mut t_hyper = Vec::with_capacity(n * rounds);
    let mut per_round = Vec::new();
    let mut failures = 0usize;
    let before = fake.request_count();
    let cpu_before = (daemon.cpu_time(), protocol_floor_daemon.cpu_time());
    for round in 0..rounds {
        let start = t_daemon.len();
        for i in 0..n {
            let u = (round * n + i) % users.len();
            // A different order each iteration (all 720 in turn), so that no step always runs
            // on the warmest cache or always after the same one.
            for step in step_order(i) {
                match step {
                    0 => {
                        let (d, reply) = timed(|| daemon.execute(&lines[u]));
                        if !iam_ok(&daemon, &reply) {
                            failures += 1;
                        }
                        t_daemon.push(d);
                    }
                    1 => {
                        let (d, ok) = timed(|| in_process.run(&lines[u]));
                        if !ok {
                            failures += 1;
                        }
                        t_lib.push(d);
                    }
                    2 => {
                        let (d, answers) =
                            timed(|| targets[u].iter().map(|t| raw.send(t)).collect::<Vec<_>>());
                        answers.into_iter().for_each(check_floor);
                        t_raw.push(d);
                    }
                    3 => {
                        let (d, answers) =
                            timed(|| targets[u].iter().map(|t| bare.send(t)).collect::<Vec<_>>());
                        answers.into_iter().for_each(check_floor);
                        t_bare.push(d);
                    }
                    4 => {
                        let (d, reply) = timed(|| protocol_floor_daemon.execute(&lines[u]));
                        if !iam_ok(&protocol_floor_daemon, &reply) {
                            failures += 1;
                        }
                        t_protocol_floor.push(d);
                    }
                    5 => {
                        let (d, answers) =
                            timed(|| targets[u].iter().map(|t| hyper.send(t)).collect::<Vec<_>>());
                        answers.into_iter().for_each(check_floor);
                        t_hyper.push(d);
                    }
                    _ => unreachable!("six steps"),
                }
                std::thread::sleep(pause);
            }
        }
        let end = t_daemon.len();
        let d = Summary::of(&t_daemon[start..end]);
        let r = Summary::of(&t_raw[start..end]);
        let b = Summary::of(&t_bare[start..end]);
        let f = Summary::of(&t_protocol_floor[start..end]);
        per_round.push((d.median, r.median, b.median, f.median));
    }
    let requests = fake.request_count() - before;
    // CPU time per timed command, all threads: what each process spends, waits left out.
    let cpu_per_command = |after: Option<Duration>, before: Option<Duration>, commands: usize| {
        match (after, before) {
            (Some(after), Some(before)) => format!(
                "{:.1} µs",
                micros(after.saturating_sub(before)) / commands.max(1) as f64
            ),
            _ => "unavailable".to_string(),
        }
    };
    let cpu_serve = cpu_per_command(daemon.cpu_time(), cpu_before.0, t_daemon.len());
    let cpu_protocol_floor = cpu_per_command(
        protocol_floor_daemon.cpu_time(),
        cpu_before.1,
        t_protocol_floor.len(),
    );
    let (status, log) = daemon.finish();
    assert!(status.success(), "serve exited with {status}");
    let (status, _) = protocol_floor_daemon.finish();
    assert!(status.success(), "the protocol floor exited with {status}");

    let d = Summary::of(&t_daemon);
    let f = Summary::of(&t_protocol_floor);
    let r = Summary::of(&t_raw);
    let b = Summary::of(&t_bare);
    let p = Summary::of(&pings);
    let l = Summary::of(&t_lib);
    println!(
        "  {n} commands × {rounds} rounds (after {warm_up} warm-up), interleaved; {requests} requests to the fake"
    );
    print_row("floor: raw HTTP/1.1 keep-alive", &r);
    print_row("floor: bare reqwest", &b);
    print_row("floor: bare hyper (under reqwest)", &Summary::of(&t_hyper));
    print_row("floor: protocol (minimal daemon)", &f);
    print_row("okta-iam serve (line → completed)", &d);
    print_row("(protocol only: ping → pong)", &p);
    print_row("(in-process execute, no pipes)", &l);
    print_row("(pipe floor: `cat` echoes a line)", &Summary::of(&echoes));
    let ratio_raw = d.median.as_secs_f64() / r.median.as_secs_f64();
    let ratio_bare = d.median.as_secs_f64() / b.median.as_secs_f64();
    println!(
        "  ratio serve / raw floor       median {:>5.2}x   p99 {:>5.2}x   (+{:.1} µs per command)",
        ratio_raw,
        d.p99.as_secs_f64() / r.p99.as_secs_f64(),
        micros(d.median) - micros(r.median)
    );
    println!(
        "  ratio serve / reqwest floor   median {:>5.2}x   p99 {:>5.2}x   (+{:.1} µs per command)",
        ratio_bare,
        d.p99.as_secs_f64() / b.p99.as_secs_f64(),
        micros(d.median) - micros(b.median)
    );
    // Not the issue's target (that is against the raw floor): how far serve is from the least
    // a daemon making the same exchanges does (protocol_floor.rs).
    println!(
        "  ratio serve / protocol floor  median {:>5.2}x   p99 {:>5.2}x   (+{:.1} µs per command; the protocol floor is {:.2}x the raw floor)",
        d.median.as_secs_f64() / f.median.as_secs_f64(),
        d.p99.as_secs_f64() / f.p99.as_secs_f64(),
        micros(d.median) - micros(f.median),
        f.median.as_secs_f64() / r.median.as_secs_f64()
    );
    println!(
        "  CPU per command (schedstat, mean): serve {cpu_serve}, protocol floor {cpu_protocol_floor}; bytes written per command: {} and {}",
        written.0, written.1
    );
    println!("  per-round medians (serve / raw / reqwest / protocol floor, µs):");
    for (i, (d, r, b, f)) in per_round.iter().enumerate() {
        println!(
            "    round {}: {:>7.1} / {:>7.1} / {:>7.1} / {:>7.1}   ratio {:.2}x / {:.2}x / {:.2}x",
            i + 1,
            micros(*d),
            micros(*r),
            micros(*b),
            micros(*f),
            d.as_secs_f64() / r.as_secs_f64(),
            d.as_secs_f64() / b.as_secs_f64(),
            d.as_secs_f64() / f.as_secs_f64()
        );
    }
    println!(
        "  failed commands: {failures}; daemon stderr lines: {}",
        log.lines
    );
    bench.verdict(
        "1. loop: serve / raw HTTP floor (median)",
        "≤ 2.0x (stretch 1.5x)",
        format!(
            "{ratio_raw:.2}x ({:.1} µs vs {:.1} µs), p99 {:.2}x",
            micros(d.median),
            micros(r.median),
            d.p99.as_secs_f64() / r.p99.as_secs_f64()
        ),
        Some(ratio_raw <= 2.0 && failures == 0),
    );
    bench.verdict(
        "1. loop: serve / bare reqwest floor (median)",
        "≤ 2.0x (stretch 1.5x)",
        format!(
            "{ratio_bare:.2}x ({:.1} µs vs {:.1} µs), p99 {:.2}x",
            micros(d.median),
            micros(b.median),
            d.p99.as_secs_f64() / b.p99.as_secs_f64()
        ),
        Some(ratio_bare <= 2.0 && failures == 0),
    );
    bench.verdict(
        "1. loop: ping → pong (median)",
        "≤ 15 µs",
        format!("{:.1} µs (p99 {:.1} µs)", micros(p.median), micros(p.p99)),
        Some(p.median <= Duration::from_micros(15)),
    );
}

/// `okta_iam::commands::execute` and `write_execution` into a buffer, as `serve` runs them,
/// without the process, its pipes or tokio's stdin/stdout.
struct InProcess {
    tokio: tokio::runtime::Runtime,
    runtime: okta_iam::commands::Daemon,
    out: std::cell::RefCell<Vec<u8>>,
}

impl InProcess {
    fn new() -> InProcess {
        InProcess {
            tokio: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            runtime: okta_iam::commands::Daemon::new(
                serde_json::Map::new(),
                okta_iam::okta::vendor::default_mappers(),
            ),
            out: std::cell::RefCell::new(Vec::with_capacity(64 * 1024)),
        }
    }

    /// Runs one calling context line; true when it is a successful IAM result.
    fn run(&self, line: &str) -> bool {
        let mut out = self.out.borrow_mut();
        out.clear();
        self.tokio.block_on(async {
            let context = okta_iam::protocol::message::CallingContext::parse(
                line.trim(),
                &okta_iam::okta::vendor::context_defaults(),
            )
            .expect("calling context");
            let mut state = okta_iam::state::MemoryState::default();
            let execution = okta_iam::commands::execute(&self.runtime, &context, &mut state).await;
            okta_iam::protocol::write_execution(&mut *out, &execution)
                .await
                .expect("write to memory");
        });
        contains(&out, br#""success":true"#) && !contains(&out, br#"{"Type":4,"#)
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Cold start

fn cold_start(bench: &mut Bench) {
    let samples = bench.size(200, 30);
    println!();
    println!("2. Cold start: a new `serve` process per command (native: true)");
    println!("-----------------------------------------------------------------");
    let fake = FakeOkta::start();
    let users = seed_users(&fake, 100, "cold");
    fake.set_recording(false);
    let params = params(&fake);
    let lines: Vec<String> = users
        .iter()
        .map(|(_, email)| get_user_line(&params, email, true))
        .collect();
    let mut fresh = RawHttp::new(&fake.url(), false);
    let target = {
        let mut t = Target::from_recorded(
            "GET",
            "/api/v1/users",
            &[(
                "filter".into(),
                format!("profile.email eq \"{}\"", users[0].1),
            )],
        );
        t.headers = vec![
            ("authorization".into(), format!("SSWS {}", FakeOkta::TOKEN)),
            ("accept".into(), "application/json".into()),
            ("content-type".into(), "application/json".into()),
        ];
        t
    };

    let mut to_completed = Vec::with_capacity(samples);
    let mut to_exit = Vec::with_capacity(samples);
    let mut t_true = Vec::with_capacity(samples);
    let mut t_version = Vec::with_capacity(samples);
    let mut t_fresh = Vec::with_capacity(samples);
    let mut failures = 0;
    for i in 0..samples + 5 {
        let start = Instant::now();
        let mut daemon = Daemon::spawn_quiet(&bench.binary, &["serve"]);
        let reply = daemon.execute(&lines[i % lines.len()]);
        let completed = start.elapsed();
        let ok = iam_ok(&daemon, &reply);
        let status = daemon.wait();
        let exited = start.elapsed();
        if !ok || !status.success() {
            failures += 1;
        }
        let (d_true, s) = timed(|| std::process::Command::new("true").status());
        assert!(s.expect("run true").success());
        let (d_version, s) = timed(|| {
            std::process::Command::new(&bench.binary)
                .arg("--version")
                .stdout(std::process::Stdio::null())
                .status()
        });
        assert!(s.expect("run --version").success());
        let (d_fresh, answer) = timed(|| fresh.send(&target));
        assert_eq!(answer.status, 200);
        if i >= 5 {
            to_completed.push(completed);
            to_exit.push(exited);
            t_true.push(d_true);
            t_version.push(d_version);
            t_fresh.push(d_fresh);
        }
    }
    let c = Summary::of(&to_completed);
    let e = Summary::of(&to_exit);
    let t = Summary::of(&t_true);
    let v = Summary::of(&t_version);
    let f = Summary::of(&t_fresh);
    println!("  {samples} spawns (after 5 warm-up), iam-get-user, each on a new connection");
    print_row_ms("floor: spawn `true` → exit", &t);
    print_row_ms("floor: new connection + request", &f);
    print_row_ms("okta-iam --version → exit", &v);
    print_row_ms("okta-iam serve: spawn → completed", &c);
    print_row_ms("okta-iam serve: spawn → exit", &e);
    let floor = t.median + f.median;
    println!(
        "  ratio spawn→completed / (spawn true + new-connection request): median {:.2}x ({:.2} ms vs {:.2} ms)",
        c.median.as_secs_f64() / floor.as_secs_f64(),
        millis(c.median),
        millis(floor)
    );
    println!("  failed commands: {failures}");
    bench.verdict(
        "2. cold start: spawn → completed (median)",
        "< 15 ms",
        format!(
            "{:.2} ms (p99 {:.2} ms; floor {:.2} ms)",
            millis(c.median),
            millis(c.p99),
            millis(floor)
        ),
        Some(c.median < Duration::from_millis(15) && failures == 0),
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Memory over 10,000 mixed commands

fn memory(bench: &mut Bench) {
    let total = bench.size(10_000, 3_000);
    println!();
    println!(
        "3. Memory: `serve` over {total} mixed commands (engine mode, this process is the host)"
    );
    println!(
        "------------------------------------------------------------------------------------"
    );
    let fake = FakeOkta::start();
    fake.set_recording(false);
    let users = seed_users(&fake, 200, "mem");
    let apps: Vec<String> = (0..30)
        .map(|i| fake.add_app(&format!("bench_app_{i}"), &format!("Bench App {i}")))
        .collect();
    let groups: Vec<String> = (0..10)
        .map(|i| fake.add_group(&format!("Bench Group {i}")))
        .collect();
    for (i, (id, _)) in users.iter().enumerate() {
        fake.assign(&apps[i % apps.len()], id, json!({}));
        fake.add_member(&groups[i % groups.len()], id);
    }
    for (i, group) in groups.iter().enumerate() {
        fake.assign_group(&apps[(i + 7) % apps.len()], group);
    }
    let params = params(&fake);
    let configuration: Vec<Value> = apps
        .iter()
        .take(5)
        .enumerate()
        .map(|(i, id)| json!({"ApplicationID": id, "Name": format!("bench_app_{i}"), "Instance": "bench"}))
        .collect();

    // Kinds of input, cycled; `true` where an error entry is the right answer.
    let kinds: &[(&str, bool)] = &[
        ("iam-get-user", false),
        ("ping", false),
        ("okta-iam-get-configuration", false),
        ("bad line: not JSON", true),
        ("okta-iam-list-applications", false),
        ("iam-get-user (no such user)", false),
        ("okta-iam-list-user-applications", false),
        ("bad line: not an object", true),
        ("iam-get-group", false),
        ("unknown command", true),
        ("get-mapping-fields", false),
        ("okta-get-app-user-assignment", false),
        ("iam-update-user", false),
        ("okta-iam-set-configuration", false),
    ];
    let make = |k: usize, i: usize| -> String {
        let (id, email) = &users[i % users.len()];
        let app = &apps[i % apps.len()];
        match k {
            0 => get_user_line(&params, email, false),
            1 => "ping\n".to_string(),
            2 => line(json!({"command": "okta-iam-get-configuration", "params": params})),
            3 => "{\"command\": \"iam-get-user\", \"args\": {oops}\n".to_string(),
            4 => line(
                json!({"command": "okta-iam-list-applications", "params": params,
                             "args": {"limit": "50"}}),
            ),
            5 => get_user_line(&params, &format!("nobody{i}@example.com"), false),
            6 => line(
                json!({"command": "okta-iam-list-user-applications", "params": params,
                             "args": {"user_id": id}}),
            ),
            7 => "[1, 2, 3]\n".to_string(),
            8 => line(json!({"command": "iam-get-group", "params": params,
                             "args": {"scim": json!({"id": groups[i % groups.len()]}).to_string(),
                                      "includeMembers": "true"}})),
            9 => line(json!({"command": "no-such-command", "params": params})),
            10 => line(json!({"command": "get-mapping-fields", "params": params})),
            11 => line(
                json!({"command": "okta-get-app-user-assignment", "params": params,
                              "args": {"user_id": id, "application_id": app}}),
            ),
            12 => line(json!({"command": "iam-update-user", "params": params,
                              "args": {"user-profile": {"email": email, "title": format!("Title {i}")},
                                       "allow-enable": "false"}})),
            _ => line(
                json!({"command": "okta-iam-set-configuration", "params": params,
                             "args": {"configuration": Value::Array(configuration.clone()).to_string()}}),
            ),
        }
    };
    let lines: Vec<(usize, String)> = (0..total)
        .map(|i| {
            let k = i % kinds.len();
            (k, make(k, i / kinds.len()))
        })
        .collect();

    let mut daemon = Daemon::spawn(&bench.binary, &["serve"]);
    daemon.host.context.insert(
        "IAMConfiguration".into(),
        Value::Array(configuration.clone()),
    );
    assert!(daemon.execute("ping\n").pong);
    let (idle_rss, _) = daemon.rss_kib();
    let mut samples: Vec<(usize, u64)> = Vec::new();
    let mut unexpected = vec![0usize; kinds.len()];
    let mut first_unexpected: Option<String> = None;
    let start = Instant::now();
    for (i, (k, text)) in lines.iter().enumerate() {
        let reply = daemon.execute(text);
        let ok = if *k == 1 {
            reply.pong
        } else {
            reply.results == 1
                && reply.error_entry == kinds[*k].1
                && !reply.exception
                // Only the lookup of a user who does not exist reports success false.
                && contains(daemon.last_result(), br#""success":false"#) == (*k == 5)
        };
        if !ok {
            unexpected[*k] += 1;
            first_unexpected.get_or_insert_with(|| {
                format!(
                    "{}: {}",
                    kinds[*k].0,
                    String::from_utf8_lossy(
                        &daemon.last_result()[..daemon.last_result().len().min(400)]
                    )
                )
            });
        }
        if (i + 1) % 100 == 0 {
            samples.push((i + 1, daemon.rss_kib().0));
        }
    }
    let elapsed = start.elapsed();
    let (rss, hwm) = daemon.rss_kib();
    let requests = fake.request_count();
    let (status, _) = daemon.finish();
    assert!(status.success(), "serve exited with {status}");

    let window = |from: usize, to: usize| -> Vec<u64> {
        samples
            .iter()
            .filter(|(i, _)| *i > from && *i <= to)
            .map(|(_, r)| *r)
            .collect()
    };
    let first = window(0, 1_000);
    let last = window(total - 1_000, total);
    let mean = |v: &[u64]| v.iter().sum::<u64>() as f64 / v.len() as f64;
    let max = |v: &[u64]| *v.iter().max().unwrap_or(&0);
    println!(
        "  {total} inputs in {:.2} s ({:.0} µs each on average), {requests} requests to the fake, {} state requests answered",
        elapsed.as_secs_f64(),
        micros(elapsed) / total as f64,
        daemon_state_requests(&lines, kinds)
    );
    println!(
        "  mix, cycled: {}",
        kinds.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    );
    println!("  VmRSS idle after start: {:.2} MiB", mib(idle_rss));
    println!(
        "  VmRSS first 1,000: mean {:.2} MiB, max {:.2} MiB",
        mib(mean(&first) as u64),
        mib(max(&first))
    );
    println!(
        "  VmRSS last 1,000:  mean {:.2} MiB, max {:.2} MiB",
        mib(mean(&last) as u64),
        mib(max(&last))
    );
    println!(
        "  VmRSS at the end {:.2} MiB; peak (VmHWM) {:.2} MiB",
        mib(rss),
        mib(hwm)
    );
    let curve: Vec<String> = samples
        .iter()
        .filter(|(i, _)| i % 1_000 == 0)
        .map(|(i, r)| format!("{}k:{:.2}", i / 1_000, mib(*r)))
        .collect();
    println!("  VmRSS (MiB) every 1,000: {}", curve.join(" "));
    let unexpected_total: usize = unexpected.iter().sum();
    println!("  unexpected answers: {unexpected_total}");
    if let Some(first) = first_unexpected {
        println!("    first: {first}");
    }
    let growth = max(&last) as i64 - max(&first) as i64;
    bench.verdict(
        "3. memory: peak RSS over the mixed run",
        "< 20 MB",
        format!(
            "{:.2} MiB ({:.1} MB) over {total} commands",
            mib(hwm),
            hwm as f64 * 1024.0 / 1e6
        ),
        Some(hwm * 1024 < 20_000_000 && unexpected_total == 0),
    );
    bench.verdict(
        "3. memory: growth first → last 1,000 (max RSS)",
        "none (≤ 256 KiB)",
        format!(
            "{growth:+} KiB ({:.2} → {:.2} MiB)",
            mib(max(&first)),
            mib(max(&last))
        ),
        Some(growth <= 256),
    );
}

fn daemon_state_requests(lines: &[(usize, String)], _kinds: &[(&str, bool)]) -> usize {
    // One getIntegrationContext per get-configuration, one set per set-configuration.
    lines.iter().filter(|(k, _)| *k == 2 || *k == 13).count()
}

// ---------------------------------------------------------------------------------------------
// 4. Fetch: okta-get-logs and fetch-incidents over 50,000 events

/// The targets of section 4 (issue 20): events per second for both commands, and the peak
/// RSS of okta-get-logs delivering 50,000 events.
const FETCH_TARGET_EVENTS_PER_S: f64 = 50_000.0;
const GET_LOGS_TARGET_PEAK_BYTES: u64 = 40_000_000;

fn fetch(bench: &mut Bench) {
    // 50,000 events in quick mode too: the memory target is stated for 50,000.
    let events = 50_000;
    println!();
    println!("4. Fetch: okta-get-logs and fetch-incidents over {events} events, pages of 1,000");
    println!("--------------------------------------------------------------------------------");
    println!(
        "  targets: ≥ {FETCH_TARGET_EVENTS_PER_S:.0} events/s for both commands; okta-get-logs peak RSS ≤ {} MB for {events} events",
        GET_LOGS_TARGET_PEAK_BYTES / 1_000_000
    );
    // Does this build serve the commands? (fetch-incidents is not in the manifest's list.)
    let mut probe = Daemon::spawn(&bench.binary, &["serve"]);
    let missing: Vec<&str> = ["okta-get-logs", "fetch-incidents"]
        .into_iter()
        .filter(|c| {
            probe.execute(&line(json!({"command": c})));
            contains(probe.last_result(), b"Unknown command")
        })
        .collect();
    drop(probe);
    if !missing.is_empty() {
        println!(
            "  NOT RUN: this build has no {} (see BENCHMARKS.md)",
            missing.join(" / ")
        );
        for what in [
            "4. fetch: okta-get-logs events/s",
            "4. fetch: fetch-incidents events/s",
        ] {
            bench.verdict(what, "≥ 50,000/s, flat memory", "not run".into(), None);
        }
        return;
    }
    get_logs(bench, events);
    fetch_incidents(bench, events);
}

/// The floor of a System Log walk: the requests the daemon made, sent again by the raw
/// client, each body parsed into a `Value` (and, to show what the fake alone costs, not parsed).
struct PageFloor {
    parsed: Summary,
    unparsed: Summary,
    requests: usize,
    events: usize,
    body_bytes: usize,
}

fn page_floor(
    fake: &FakeOkta,
    recorded: &[fake_okta::RecordedRequest],
    repetitions: usize,
) -> PageFloor {
    let targets: Vec<Target> = recorded
        .iter()
        .filter(|r| r.path.ends_with("/logs"))
        .map(|r| {
            let mut t = Target::from_recorded(&r.method, &r.path, &r.query);
            t.headers = r
                .headers
                .iter()
                .filter(|(k, _)| k != "host" && k != "content-length")
                .cloned()
                .collect();
            t
        })
        .collect();
    // On a fresh thread, so the parses get their own malloc arena: the main thread's holds
    // the fake's seeded events, which made parsing twice as slow here as in a clean process.
    let url = fake.url();
    std::thread::scope(|scope| {
        scope
            .spawn(|| page_floor_on_this_thread(&url, &targets, repetitions))
            .join()
            .expect("floor thread")
    })
}

fn page_floor_on_this_thread(url: &str, targets: &[Target], repetitions: usize) -> PageFloor {
    let mut raw = RawHttp::new(url, true);
    let mut parsed = Vec::new();
    let mut unparsed = Vec::new();
    let mut events = 0;
    let mut body_bytes = 0;
    for _ in 0..repetitions {
        let (d, got) = timed(|| {
            targets
                .iter()
                .map(|t| raw.send(t).json.as_array().map_or(0, Vec::len))
                .sum::<usize>()
        });
        parsed.push(d);
        events = got;
        let (d, bytes) = timed(|| {
            targets
                .iter()
                .map(|t| raw.send_unparsed(t).1)
                .sum::<usize>()
        });
        unparsed.push(d);
        body_bytes = bytes;
    }
    PageFloor {
        parsed: Summary::of(&parsed),
        unparsed: Summary::of(&unparsed),
        requests: targets.len(),
        events,
        body_bytes,
    }
}

fn print_page_floor(floor: &PageFloor, serve: Duration) {
    let rate = |d: Duration| floor.events as f64 / d.as_secs_f64();
    println!(
        "    floor, the same {} requests by the raw client, JSON parsed: median {:>7.1} ms → {:>7.0} events/s; serve / floor {:.2}x",
        floor.requests,
        millis(floor.parsed.median),
        rate(floor.parsed.median),
        serve.as_secs_f64() / floor.parsed.median.as_secs_f64()
    );
    println!(
        "    (the fake alone, bodies not parsed: {:.1} ms → {:.0} events/s, {:.1} MB of JSON)",
        millis(floor.unparsed.median),
        rate(floor.unparsed.median),
        floor.body_bytes as f64 / 1e6
    );
}

fn get_logs(bench: &mut Bench, events: usize) {
    let repetitions = bench.size(3, 2);
    let fake = FakeOkta::start();
    fake.set_page_limits("logs", 1_000, 1_000);
    fake.push_events(events, "2026-01-15T12:00:00.000Z");
    let params = params(&fake);
    let query = |limit: usize| {
        line(json!({"command": "okta-get-logs", "params": params,
                    "args": {"since": "2026-01-15T00:00:00Z", "until": "2026-01-16T00:00:00Z",
                             "limit": limit.to_string()}}))
    };
    let mut daemon = Daemon::spawn(&bench.binary, &["serve"]);
    assert!(daemon.execute("ping\n").pong);
    let (idle, _) = daemon.rss_kib();

    // A fifth of the events first: with flat memory its peak is the same.
    let small = events / 5;
    let sampler = RssSampler::start(daemon.pid());
    let (small_time, reply) = timed(|| daemon.execute(&query(small)));
    let small_peak = sampler.stop();
    assert!(
        reply.results == 1 && !reply.error_entry,
        "okta-get-logs failed"
    );

    let mut times = Vec::new();
    let mut peaks = Vec::new();
    let mut bytes = 0;
    let mut recorded = Vec::new();
    for rep in 0..repetitions {
        fake.reset_requests();
        let sampler = RssSampler::start(daemon.pid());
        let (d, reply) = timed(|| daemon.execute(&query(events)));
        peaks.push(sampler.stop());
        assert!(
            reply.results == 1 && !reply.error_entry && !reply.exception,
            "okta-get-logs failed: {}",
            String::from_utf8_lossy(&daemon.last_result()[..daemon.last_result().len().min(400)])
        );
        bytes = reply.bytes;
        times.push(d);
        if rep == 0 {
            recorded = fake.requests();
        }
    }
    let (_, hwm) = daemon.rss_kib();
    let (status, _) = daemon.finish();
    assert!(status.success());
    let floor = page_floor(&fake, &recorded, repetitions);
    assert_eq!(floor.events, events, "the floor did not read every event");

    let d = Summary::of(&times);
    let rate = events as f64 / d.median.as_secs_f64();
    let floor_rate = events as f64 / floor.parsed.median.as_secs_f64();
    let peak = *peaks.iter().max().unwrap_or(&0);
    println!(
        "  okta-get-logs limit={events}: {} requests per run, one result line of {:.1} MB (spooled), {repetitions} runs",
        floor.requests,
        bytes as f64 / 1e6
    );
    println!(
        "    serve:  median {:>7.1} ms → {:>7.0} events/s   (runs: {}; limit={small}: {:.0} ms)",
        millis(d.median),
        rate,
        times
            .iter()
            .map(|t| format!("{:.0} ms", millis(*t)))
            .collect::<Vec<_>>()
            .join(", "),
        millis(small_time)
    );
    print_page_floor(&floor, d.median);
    println!(
        "    VmRSS idle {:.2} MiB; sampled peak during limit={small}: {:.2} MiB, during limit={events}: {:.2} MiB (runs: {}); VmHWM {:.2} MiB",
        mib(idle),
        mib(small_peak),
        mib(peak),
        peaks
            .iter()
            .map(|p| format!("{:.2}", mib(*p)))
            .collect::<Vec<_>>()
            .join(", "),
        mib(hwm)
    );
    let flat = peak <= small_peak + 4 * 1024;
    bench.verdict(
        "4. fetch: okta-get-logs events/s",
        "≥ 50,000/s",
        format!(
            "{rate:.0}/s (floor {floor_rate:.0}/s, {:.2}x)",
            d.median.as_secs_f64() / floor.parsed.median.as_secs_f64()
        ),
        Some(rate >= FETCH_TARGET_EVENTS_PER_S),
    );
    bench.verdict(
        "4. fetch: okta-get-logs peak RSS",
        &format!(
            "≤ {} MB at {events}",
            GET_LOGS_TARGET_PEAK_BYTES / 1_000_000
        ),
        // VmHWM: the exact peak of the daemon, which ran nothing but these okta-get-logs.
        format!(
            "{:.1} MB ({:.2} MiB, VmHWM)",
            hwm.max(peak) as f64 * 1024.0 / 1e6,
            mib(hwm.max(peak))
        ),
        Some(hwm.max(peak) * 1024 <= GET_LOGS_TARGET_PEAK_BYTES),
    );
    bench.verdict(
        "4. fetch: okta-get-logs memory flat",
        "peak(N) ≤ peak(N/5) + 4 MiB",
        format!(
            "{:.1} MiB at {events} vs {:.1} MiB at {small}",
            mib(peak),
            mib(small_peak)
        ),
        Some(flat),
    );
}

fn fetch_incidents(bench: &mut Bench, events: usize) {
    let fake = FakeOkta::start();
    fake.set_page_limits("logs", 1_000, 1_000);
    let published = (chrono::Utc::now() - chrono::Duration::minutes(10))
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string();
    fake.push_events(events, &published);
    let mut params = params(&fake);
    params["max_fetch"] = json!("1000");
    params["fetch_query_filter"] = json!("eventType eq \"application.user_membership.add\"");
    params["auto_generate_query_filter"] = json!(false);
    params["first_fetch"] = json!("1 day");
    params["isFetch"] = json!(true);
    let fetch_line = line(json!({"command": "fetch-incidents", "params": params}));

    let mut daemon = Daemon::spawn(&bench.binary, &["serve"]);
    daemon.keep_full = true;
    assert!(daemon.execute("ping\n").pong);
    let (idle, _) = daemon.rss_kib();
    fake.reset_requests();
    let mut run_times = Vec::new();
    let mut rss_after = Vec::new();
    let mut delivered = 0usize;
    let sampler = RssSampler::start(daemon.pid());
    for run in 0.. {
        let (d, reply) = timed(|| daemon.execute(&fetch_line));
        assert!(
            reply.results == 1 && !reply.error_entry && !reply.exception,
            "fetch-incidents run {run} failed: {}",
            String::from_utf8_lossy(&daemon.last_result()[..daemon.last_result().len().min(400)])
        );
        // Incidents are the Contents string; each has an escaped "rawJSON" key.
        let got = count(daemon.last_result(), br#"\"rawJSON\""#, usize::MAX);
        run_times.push(d);
        rss_after.push(daemon.rss_kib().0);
        delivered += got;
        if got == 0 || run > events / 1_000 + 5 {
            break;
        }
    }
    let peak = sampler.stop();
    let (_, hwm) = daemon.rss_kib();
    let state_requests = daemon.host.requests;
    let recorded = fake.requests();
    let (status, _) = daemon.finish();
    assert!(status.success());
    assert_eq!(
        delivered, events,
        "fetch-incidents did not deliver every event once"
    );
    let floor = page_floor(&fake, &recorded, 1);

    let total: Duration = run_times.iter().sum();
    let rate = delivered as f64 / total.as_secs_f64();
    let floor_rate = floor.events as f64 / floor.parsed.median.as_secs_f64();
    let per_run = Summary::of(&run_times[..run_times.len() - 1]);
    println!(
        "  fetch-incidents max_fetch=1000: {} runs ({} with incidents + the empty one), {} requests, {delivered} incidents, {state_requests} state requests answered",
        run_times.len(),
        run_times.len() - 1,
        recorded.len()
    );
    println!(
        "    serve:  total {:>7.1} ms → {:>7.0} events/s; per run median {:.1} ms, p99 {:.1} ms",
        millis(total),
        rate,
        millis(per_run.median),
        millis(per_run.p99)
    );
    print_page_floor(&floor, total);
    let first = rss_after[..rss_after.len().min(5)]
        .iter()
        .max()
        .copied()
        .unwrap_or(0);
    let last = rss_after[rss_after.len().saturating_sub(5)..]
        .iter()
        .max()
        .copied()
        .unwrap_or(0);
    println!(
        "    VmRSS idle {:.2} MiB; after runs 1-5 max {:.2} MiB; after the last 5 max {:.2} MiB; sampled peak {:.2} MiB; VmHWM {:.2} MiB",
        mib(idle),
        mib(first),
        mib(last),
        mib(peak),
        mib(hwm)
    );
    bench.verdict(
        "4. fetch: fetch-incidents events/s",
        "≥ 50,000/s",
        format!(
            "{rate:.0}/s (floor {floor_rate:.0}/s, {:.2}x)",
            total.as_secs_f64() / floor.parsed.median.as_secs_f64()
        ),
        Some(rate >= FETCH_TARGET_EVENTS_PER_S),
    );
    bench.verdict(
        "4. fetch: fetch-incidents memory flat",
        "last runs ≤ first runs + 1 MiB",
        format!(
            "{:.1} → {:.1} MiB, peak {:.1} MiB",
            mib(first),
            mib(last),
            mib(peak)
        ),
        Some(last <= first + 1024),
    );
}

// ---------------------------------------------------------------------------------------------
// 5 and 6. Under a rate-limit bucket

/// The fake's rate-limit bucket: `BENCH_BUCKET=<limit>/<seconds>`, 100/5 by default.
#[derive(Clone, Copy)]
struct Bucket {
    limit: u32,
    window: Duration,
}

impl Bucket {
    fn from_env() -> Bucket {
        let text = std::env::var("BENCH_BUCKET").unwrap_or_else(|_| "100/5".into());
        let (limit, seconds) = text
            .split_once('/')
            .and_then(|(l, s)| Some((l.trim().parse().ok()?, s.trim().parse::<f64>().ok()?)))
            .unwrap_or_else(|| panic!("BENCH_BUCKET={text:?}: expected <limit>/<seconds>"));
        Bucket {
            limit,
            window: Duration::from_secs_f64(seconds),
        }
    }

    fn per_second(&self) -> f64 {
        f64::from(self.limit) / self.window.as_secs_f64()
    }
}

struct BucketRun {
    bucket: Bucket,
    commands: usize,
    failed: usize,
    elapsed: Duration,
    requests: usize,
    status_429: usize,
    retried: usize,
    pacing_waits: usize,
    latency: Summary,
    first_failure: Option<String>,
}

impl BucketRun {
    /// Requests the bucket accepted (a 429 does not use the bucket).
    fn answered(&self) -> usize {
        self.requests - self.status_429
    }

    /// The shortest time in which the bucket lets these requests through: the first window
    /// opens with the first request, so `n` requests need `ceil(n / limit) - 1` whole windows.
    fn ideal(&self) -> Duration {
        let windows = self.answered().div_ceil(self.bucket.limit as usize).max(1) - 1;
        self.bucket.window * windows as u32
    }

    /// Utilisation: the ideal time over the time taken (1.0 = as fast as the bucket allows).
    fn utilisation(&self) -> f64 {
        self.ideal().as_secs_f64() / self.elapsed.as_secs_f64()
    }

    /// Requests per second over the nominal rate (limit / window); above 1.0 for short runs,
    /// since the first window is used at once.
    fn nominal(&self) -> f64 {
        self.answered() as f64 / self.elapsed.as_secs_f64() / self.bucket.per_second()
    }

    fn print(&self, what: &str) {
        println!(
            "  {} {what} in {:.1} s → {:.2} commands/s; {} requests ({:.2} per command), {:.1} requests/s",
            self.commands,
            self.elapsed.as_secs_f64(),
            self.commands as f64 / self.elapsed.as_secs_f64(),
            self.requests,
            self.requests as f64 / self.commands as f64,
            self.requests as f64 / self.elapsed.as_secs_f64()
        );
        println!(
            "  utilisation {:.1}%: the bucket lets {} requests through in {:.1} s at best (first window at once, then {} more), this run took {:.1} s",
            self.utilisation() * 100.0,
            self.answered(),
            self.ideal().as_secs_f64(),
            self.bucket.limit,
            self.elapsed.as_secs_f64()
        );
        println!(
            "  (as a rate: {:.1} requests/s against the nominal {:.1}/s = {:.1}%)",
            self.answered() as f64 / self.elapsed.as_secs_f64(),
            self.bucket.per_second(),
            self.nominal() * 100.0
        );
        println!(
            "  429 answers: {} ({:.2}% of requests; daemon debug log), retried requests (X-Okta-Retry-Count): {}, pacing waits: {}",
            self.status_429,
            self.status_429 as f64 * 100.0 / self.requests.max(1) as f64,
            self.retried,
            self.pacing_waits
        );
        println!(
            "  per-command latency: median {:.2} ms, p99 {:.1} ms, max {:.1} ms; failed commands: {}",
            millis(self.latency.median),
            millis(self.latency.p99),
            millis(self.latency.max),
            self.failed
        );
        if let Some(f) = &self.first_failure {
            println!("    first failure: {f}");
        }
    }
}

/// Runs `lines` through a fresh `serve` (debug log, to count 429s) against `fake`.
fn bucket_run(
    bench: &Bench,
    fake: &FakeOkta,
    lines: &[String],
    ok: impl Fn(&[u8]) -> bool,
) -> BucketRun {
    let mut daemon = Daemon::spawn(&bench.binary, &["serve", "--log-level", "debug"]);
    fake.reset_requests();
    fake.set_rate_limit(bench.bucket.limit, bench.bucket.window);
    let mut latencies = Vec::with_capacity(lines.len());
    let mut failed = 0;
    let mut first_failure = None;
    let start = Instant::now();
    for text in lines {
        let (d, reply) = timed(|| daemon.execute(text));
        latencies.push(d);
        if reply.results != 1 || reply.error_entry || reply.exception || !ok(daemon.last_result()) {
            failed += 1;
            first_failure.get_or_insert_with(|| {
                String::from_utf8_lossy(
                    &daemon.last_result()[..daemon.last_result().len().min(400)],
                )
                .to_string()
            });
        }
    }
    let elapsed = start.elapsed();
    let requests = fake.request_count();
    let retried = fake
        .requests()
        .iter()
        .filter(|r| r.header("x-okta-retry-count").is_some())
        .count();
    let (status, log) = daemon.finish();
    assert!(status.success(), "serve exited with {status}");
    assert_eq!(
        log.responses, requests,
        "every request should have an `okta response` debug line"
    );
    BucketRun {
        bucket: bench.bucket,
        commands: lines.len(),
        failed,
        elapsed,
        requests,
        status_429: log.status_429,
        retried,
        pacing_waits: log.pacing_waits,
        latency: Summary::of(&latencies),
        first_failure,
    }
}

fn rate_limit(bench: &mut Bench) {
    let commands = bench.size(1_000, 200);
    println!();
    println!(
        "5. Rate-limit utilisation: {commands} iam-get-user under a {} per {} s bucket",
        bench.bucket.limit,
        bench.bucket.window.as_secs_f64()
    );
    println!("-----------------------------------------------------------------------------------");
    let fake = FakeOkta::start();
    let users = seed_users(&fake, 1_000, "rate");
    let params = params(&fake);
    let lines: Vec<String> = (0..commands)
        .map(|i| get_user_line(&params, &users[i % users.len()].1, false))
        .collect();
    let run = bucket_run(bench, &fake, &lines, |r| contains(r, br#""success":true"#));
    run.print("iam-get-user");
    let share_429 = run.status_429 as f64 / run.requests.max(1) as f64;
    let utilisation = run.utilisation();
    bench.verdict(
        "5. rate: utilisation of the bucket",
        "≥ 95% (98% at 600/60)",
        format!("{:.1}%", utilisation * 100.0),
        Some(
            utilisation
                >= if bench.bucket.window.as_secs() >= 60 {
                    0.98
                } else {
                    0.95
                },
        ),
    );
    bench.verdict(
        "5. rate: failed commands",
        "0",
        run.failed.to_string(),
        Some(run.failed == 0),
    );
    bench.verdict(
        "5. rate: 429 answers / requests",
        "< 1%",
        format!(
            "{:.2}% ({} of {})",
            share_429 * 100.0,
            run.status_429,
            run.requests
        ),
        Some(share_429 < 0.01),
    );
}

fn bulk(bench: &mut Bench) {
    // 1,000 creates take about five minutes under 100 per 5 s; the default runs 400.
    let commands = if bench.full {
        1_000
    } else {
        bench.size(400, 100)
    };
    println!();
    println!(
        "6. Bulk provisioning: {commands} iam-create-user under a {} per {} s bucket",
        bench.bucket.limit,
        bench.bucket.window.as_secs_f64()
    );
    println!("-----------------------------------------------------------------------------------");
    let fake = FakeOkta::start();
    let params = params(&fake);
    let lines: Vec<String> = (0..commands)
        .map(|i| {
            let email = format!("bulk{i}@example.com");
            line(json!({"command": "iam-create-user", "params": params,
                        "args": {"user-profile": {"email": email, "username": email,
                                                  "givenname": "Bulk", "surname": format!("User{i}"),
                                                  "department": "Finance"},
                                 "allow-enable": "true"}}))
        })
        .collect();
    let run = bucket_run(bench, &fake, &lines, |r| {
        contains(r, br#""success":true"#) && contains(r, br#""action":"create""#)
    });
    run.print("iam-create-user");
    let best = run.commands as f64 / run.ideal().as_secs_f64();
    println!(
        "  the bucket allows at most {best:.2} commands/s at {:.2} requests per command",
        run.answered() as f64 / run.commands as f64
    );
    let rate = run.commands as f64 / run.elapsed.as_secs_f64();
    bench.verdict(
        "6. bulk: iam-create-user commands/s",
        "≥ 90% of the bucket (max in ())",
        format!(
            "{rate:.2}/s ({best:.2}/s), {:.1}% utilisation",
            run.utilisation() * 100.0
        ),
        Some(run.failed == 0 && run.utilisation() >= 0.9),
    );
    bench.verdict(
        "6. bulk: 429 answers",
        "report (< 1%)",
        format!(
            "{} of {} requests ({:.2}%), failed commands {}",
            run.status_429,
            run.requests,
            run.status_429 as f64 * 100.0 / run.requests.max(1) as f64,
            run.failed
        ),
        Some(run.status_429 * 100 < run.requests && run.failed == 0),
    );
}
