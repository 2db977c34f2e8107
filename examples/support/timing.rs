//! What the latency examples share: the binary they measure and how they print a series.

use std::path::PathBuf;
use std::time::Duration;

/// The okta-iam build to measure: the release build, else the debug one (said on stderr).
pub fn binary() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let release = root.join("target/release/okta-iam");
    if release.exists() {
        return release;
    }
    eprintln!("note: no target/release/okta-iam; using the debug build (slower)");
    root.join("target/debug/okta-iam")
}

/// Prints the median, the `tail` quantile (0.9 gives p90) and the best of `times`, in ms.
pub fn summary(label: &str, mut times: Vec<Duration>, tail: f64) {
    if times.is_empty() {
        println!("{label:<52} no runs");
        return;
    }
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!(
        "{label:<52} median {:>7.2} ms   p{:<2} {:>7.2} ms   best {:>7.2} ms   ({} runs)",
        at(0.5).as_secs_f64() * 1e3,
        (tail * 100.0).round() as u32,
        at(tail).as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times.len()
    );
}
