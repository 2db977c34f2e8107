//! Fuzz findings kept as regression tests, and the fuzz seeds as a smoke test.
//!
//! Every file under `fixtures/fuzz/<target>/` is an input that once crashed (or hung) a fuzz
//! target; every file under `fuzz/seeds/<target>/` is a seed of the corpus. Each is run
//! through the same check the fuzz target runs (`fuzz/src/checks.rs`, included here by path),
//! so this suite needs neither cargo-fuzz nor a nightly compiler. `fixtures/fuzz/README.md`
//! lists what each kept input found and the fix.

#[allow(dead_code)]
#[path = "../../../fuzz/src/checks.rs"]
mod checks;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn inputs(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        root.join("fixtures/fuzz").join(target),
        root.join("fuzz/seeds").join(target),
    ] {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_file() && path.extension().is_none_or(|e| e != "md") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Runs `check` on every input of `target`, naming each one that fails.
fn replay(target: &str, check: fn(&[u8])) {
    let files = inputs(target);
    assert!(!files.is_empty(), "no inputs for {target}");
    let mut failed = Vec::new();
    for path in &files {
        let data = std::fs::read(path).expect("read input");
        if catch_unwind(AssertUnwindSafe(|| check(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: failing inputs: {failed:?}");
}

#[test]
fn protocol_inputs() {
    replay("protocol", checks::protocol);
}

#[test]
fn engine_inputs() {
    replay("engine", checks::engine);
}

#[test]
fn mapper_inputs() {
    replay("mapper", checks::mapper);
}

#[test]
fn link_header_inputs() {
    replay("link_header", checks::link_header);
}

#[test]
fn filter_quote_inputs() {
    replay("filter_quote", checks::filter_quote);
}

#[test]
fn markdown_inputs() {
    replay("markdown", checks::markdown);
}

#[test]
fn cassette_inputs() {
    replay("cassette", checks::cassette);
}
