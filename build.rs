//! Embeds the git commit the binary was built from, for `okta-iam --version`.
//!
//! `OKTA_IAM_COMMIT` is the short commit hash, or `unknown` when git or the `.git` directory
//! is absent (a source tarball, a vendored copy): the build never fails for want of git.
//! (No `-dirty` mark: edits do not re-run this script, so the mark would go stale.)

use std::path::Path;
use std::process::Command;

fn main() {
    let commit = git(&["rev-parse", "--short=12", "HEAD"]);
    println!(
        "cargo:rustc-env=OKTA_IAM_COMMIT={}",
        commit.as_deref().unwrap_or("unknown")
    );
    // Rebuild when HEAD moves (a commit, a checkout); the paths may not exist (no .git).
    // Only paths that exist: cargo re-runs the script on every build for a missing one.
    for path in git_paths().into_iter().filter(|p| Path::new(p).exists()) {
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

/// The trimmed stdout of a successful git command, or `None` (no git, not a repository).
fn git(args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8(output.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// The files whose change means another commit is checked out: HEAD, the ref it names, and
/// `packed-refs` (where the ref lives once git packs it).
/// In a worktree `.git` is a file, so ask git where they are.
fn git_paths() -> Vec<String> {
    let mut paths = Vec::new();
    if let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]) {
        paths.push(absolute(&head));
    }
    if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
        if let Some(path) = git(&["rev-parse", "--git-path", &reference]) {
            paths.push(absolute(&path));
        }
    }
    if let Some(packed) = git(&["rev-parse", "--git-path", "packed-refs"]) {
        paths.push(absolute(&packed));
    }
    paths
}

fn absolute(path: &str) -> String {
    let path = Path::new(path);
    if path.is_absolute() {
        path.display().to_string()
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(path)
            .display()
            .to_string()
    }
}
