//! Section 8: several processes on one org's bucket (`multi`).
//!
//! - 2 and 4 `serve` processes, each driven by its own thread, share the commands of one run
//!   (sequential `iam-get-user` per process) against one bucket of the fake: the total time
//!   against the bucket's ideal, the 429s (from each daemon's debug log) and failed commands.
//! - The relay's way: every `iam-get-user` in a process of its own (`serve` with a native
//!   calling context, which exits after one execution), one after the other, each starting
//!   with no knowledge of the bucket but what it finds in the temp directory.
//!
//! Targets: at least 90% of the bucket in total, no failed command, 429s under 2% of requests.

use std::time::{Duration, Instant};

use fake_okta::FakeOkta;

use crate::driver::{contains, Daemon};
use crate::stats::Summary;
use crate::{get_user_line, params, seed_users, Bench, BucketRun};

pub fn run(bench: &mut Bench) {
    let commands = bench.size(1_000, 300);
    println!();
    println!(
        "8. Several processes on one bucket: {commands} iam-get-user under a {} per {} s bucket",
        bench.bucket.limit,
        bench.bucket.window.as_secs_f64()
    );
    println!("-----------------------------------------------------------------------------------");
    let fake = FakeOkta::start();
    let users = seed_users(&fake, 1_000, "multi");
    let params = params(&fake);
    for processes in [2usize, 4] {
        let lines: Vec<String> = (0..commands)
            .map(|i| get_user_line(&params, &users[i % users.len()].1, false))
            .collect();
        let run = serve_processes(bench, &fake, &lines, processes);
        run.print(&format!("iam-get-user over {processes} serve processes:"));
        verdicts(bench, &format!("{processes} serve"), &run);
    }
    let lines: Vec<String> = (0..commands)
        .map(|i| get_user_line(&params, &users[i % users.len()].1, true))
        .collect();
    let run = process_per_command(bench, &fake, &lines);
    run.print("iam-get-user, one process each:");
    verdicts(bench, "process each", &run);
}

fn verdicts(bench: &mut Bench, label: &str, run: &BucketRun) {
    let share_429 = run.status_429 as f64 / run.requests.max(1) as f64;
    let utilisation = run.utilisation();
    bench.verdict(
        &format!("8. multi, {label}: utilisation"),
        "≥ 90%",
        format!("{:.1}%", utilisation * 100.0),
        Some(utilisation >= 0.9),
    );
    bench.verdict(
        &format!("8. multi, {label}: failed / 429s"),
        "0 / < 2%",
        format!(
            "{} / {:.2}% ({} of {})",
            run.failed,
            share_429 * 100.0,
            run.status_429,
            run.requests
        ),
        Some(run.failed == 0 && share_429 < 0.02),
    );
}

/// A temp directory of its own for the processes of one run: the pacing file the run
/// before left (the same fake, so the same org URL) describes windows of a bucket the fake
/// has since reset, and the processes would wait out a window that no longer exists.
fn fresh_temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temp directory for the run")
}

/// What one driver thread saw.
#[derive(Default)]
struct Share {
    latencies: Vec<Duration>,
    /// When each command's answer came, from the start of the run.
    answered_at: Vec<Duration>,
    failed: usize,
    first_failure: Option<String>,
    responses: usize,
    status_429: usize,
    pacing_waits: usize,
}

impl Share {
    fn check(&mut self, ok: bool, result: &[u8]) {
        if !ok {
            self.failed += 1;
            self.first_failure.get_or_insert_with(|| {
                String::from_utf8_lossy(&result[..result.len().min(400)]).to_string()
            });
        }
    }
}

fn iam_success(result: &[u8]) -> bool {
    contains(result, br#""success":true"#)
}

/// `lines` dealt round-robin to `processes` `serve` processes, all started before the clock.
fn serve_processes(
    bench: &Bench,
    fake: &FakeOkta,
    lines: &[String],
    processes: usize,
) -> BucketRun {
    fake.reset_requests();
    fake.set_rate_limit(bench.bucket.limit, bench.bucket.window);
    let temp = fresh_temp_dir();
    let daemons: Vec<Daemon> = (0..processes)
        .map(|_| {
            Daemon::spawn_in(
                &bench.binary,
                &["serve", "--log-level", "debug"],
                temp.path(),
            )
        })
        .collect();
    let start = Instant::now();
    let shares: Vec<Share> = std::thread::scope(|scope| {
        let handles: Vec<_> = daemons
            .into_iter()
            .enumerate()
            .map(|(n, mut daemon)| {
                scope.spawn(move || {
                    let mut share = Share::default();
                    for text in lines.iter().skip(n).step_by(processes) {
                        let began = Instant::now();
                        let reply = daemon.execute(text);
                        share.latencies.push(began.elapsed());
                        share.answered_at.push(start.elapsed());
                        let ok = reply.results == 1
                            && !reply.error_entry
                            && !reply.exception
                            && iam_success(daemon.last_result());
                        share.check(ok, daemon.last_result());
                    }
                    let (status, log) = daemon.finish();
                    assert!(status.success(), "serve exited with {status}");
                    share.responses = log.responses;
                    share.status_429 = log.status_429;
                    share.pacing_waits = log.pacing_waits;
                    share
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = start.elapsed();
    summarise(bench, fake, lines.len(), elapsed, shares)
}

/// Each of `lines` (native calling contexts) in a fresh process, one after the other.
fn process_per_command(bench: &Bench, fake: &FakeOkta, lines: &[String]) -> BucketRun {
    fake.reset_requests();
    fake.set_rate_limit(bench.bucket.limit, bench.bucket.window);
    let temp = fresh_temp_dir();
    let mut share = Share::default();
    let start = Instant::now();
    for text in lines {
        let began = Instant::now();
        let args = ["serve", "--log-level", "debug"];
        let mut daemon = Daemon::spawn_in(&bench.binary, &args, temp.path());
        let reply = daemon.execute(text);
        let ok = reply.results == 1
            && !reply.error_entry
            && !reply.exception
            && iam_success(daemon.last_result());
        let result = daemon.last_result().to_vec();
        let (status, log) = daemon.finish();
        share.latencies.push(began.elapsed());
        share.answered_at.push(start.elapsed());
        share.check(ok && status.success(), &result);
        share.responses += log.responses;
        share.status_429 += log.status_429;
        share.pacing_waits += log.pacing_waits;
    }
    let elapsed = start.elapsed();
    summarise(bench, fake, lines.len(), elapsed, vec![share])
}

fn summarise(
    bench: &Bench,
    fake: &FakeOkta,
    commands: usize,
    elapsed: Duration,
    shares: Vec<Share>,
) -> BucketRun {
    let requests = fake.request_count();
    let retried = fake
        .requests()
        .iter()
        .filter(|r| r.header("x-okta-retry-count").is_some())
        .count();
    let responses: usize = shares.iter().map(|s| s.responses).sum();
    assert_eq!(
        responses, requests,
        "every request should have an `okta response` debug line"
    );
    print_windows(bench, &shares);
    let latencies: Vec<Duration> = shares
        .iter()
        .flat_map(|s| s.latencies.iter().copied())
        .collect();
    BucketRun {
        bucket: bench.bucket,
        commands,
        failed: shares.iter().map(|s| s.failed).sum(),
        elapsed,
        requests,
        status_429: shares.iter().map(|s| s.status_429).sum(),
        retried,
        pacing_waits: shares.iter().map(|s| s.pacing_waits).sum(),
        latency: Summary::of(&latencies),
        first_failure: shares.into_iter().find_map(|s| s.first_failure),
    }
}

/// The answers in groups of the bucket's limit, when the first and the last of each came:
/// with every window used to its last request, group `k` is window `k`, and the gap between
/// groups is the wait at the end of a window (its length less the time spent in it).
fn print_windows(bench: &Bench, shares: &[Share]) {
    let mut times: Vec<Duration> = shares
        .iter()
        .flat_map(|s| s.answered_at.iter().copied())
        .collect();
    times.sort();
    let groups: Vec<String> = times
        .chunks(bench.bucket.limit as usize)
        .map(|group| {
            let (first, last) = (group[0], group[group.len() - 1]);
            format!("{:.2}–{:.2}", first.as_secs_f64(), last.as_secs_f64())
        })
        .collect();
    println!(
        "  answers by {} (s from the start): {}",
        bench.bucket.limit,
        groups.join(", ")
    );
}
