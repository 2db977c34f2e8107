//! A test that changes process-wide state (environment variables, the global tracing
//! subscriber) runs alone in a child process of this test binary, so the rest of the suite
//! never sees the change.

use std::process::Command;

/// Set in the child to the full name of the one test it runs.
const ALONE: &str = "OKTA_IAM_TEST_ALONE";

/// True in the child process, where the test's body runs. In the suite's own process it runs
/// the test named `name` (its full path, e.g. `client::proxy::some_test`) alone in a child of
/// this binary, fails unless exactly that test ran and passed, and returns false.
pub fn run_alone(name: &str) -> bool {
    if std::env::var(ALONE).as_deref() == Ok(name) {
        return true;
    }
    let binary = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(binary)
        .args([name, "--exact", "--test-threads=1"])
        .env(ALONE, name)
        .output()
        .expect("run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed;"),
        "{name} alone in a child process:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    false
}
