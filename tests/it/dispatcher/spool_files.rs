//! `okta-get-logs` spool files through the real binary: while a large result is being
//! collected nothing readable by others appears in `$TMPDIR`, and a kill leaves nothing behind.

use crate::support as common;

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{binary, temp_dir};
use fake_okta::{FakeOkta, Fault};
use serde_json::json;

fn entries_of(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn spool_files_are_private_nameless_and_gone_after_a_kill() {
    let okta = FakeOkta::start();
    okta.set_page_limits("logs", 1000, 1000);
    okta.push_events(8000, "2025-05-20T16:00:00.000Z");
    // Six quick pages (past the 4 MiB spool threshold), then the seventh hangs.
    okta.fail_next("/api/v1/logs", Fault::Delay(Duration::from_millis(1)), 6);
    okta.fail_next("/api/v1/logs", Fault::Delay(Duration::from_secs(30)), 1);
    let dir = temp_dir("spool");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let params = dir.join("params.json");
    std::fs::write(
        &params,
        json!({"url": okta.url(), "apitoken": FakeOkta::TOKEN}).to_string(),
    )
    .unwrap();
    let mut child = Command::new(binary())
        .args([
            "call",
            "--json",
            "--params",
            params.to_str().unwrap(),
            "okta-get-logs",
            "since=2025-05-01T00:00:00Z",
            "until=2025-06-01T00:00:00Z",
            "limit=8000",
        ])
        .env("TMPDIR", &tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let started = Instant::now();
    while okta.request_count() < 7 {
        assert!(started.elapsed() < Duration::from_secs(60), "no 7th page");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The spool files are open (the events so far are in them) ...
    let fd_dir = format!("/proc/{}/fd", child.id());
    let mut spooled = Vec::new();
    for fd in std::fs::read_dir(&fd_dir).unwrap() {
        let fd = fd.unwrap().path();
        let Ok(target) = std::fs::read_link(&fd) else {
            continue;
        };
        if target.starts_with(&tmp) {
            let meta = std::fs::metadata(&fd).unwrap();
            spooled.push((target, meta.permissions().mode() & 0o777, meta.len()));
        }
    }
    assert!(
        spooled.iter().any(|(_, _, len)| *len > 1_000_000),
        "the events are spooled to $TMPDIR: {spooled:?}"
    );
    for (target, mode, _) in &spooled {
        assert_eq!(*mode, 0o600, "{target:?} is readable by others");
        assert!(
            target.to_string_lossy().ends_with("(deleted)"),
            "{target:?} has a name in $TMPDIR"
        );
    }
    // ... yet no other process can find them by name.
    assert_eq!(entries_of(&tmp), Vec::<String>::new());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        entries_of(&tmp),
        Vec::<String>::new(),
        "a killed run leaves nothing in $TMPDIR"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
