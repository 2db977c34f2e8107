//! `serve` reads stdin on the runtime's thread when it is a pipe (made non-blocking for that)
//! and on a thread of its own otherwise (`src/protocol/polled_stdin.rs`): both serve the
//! same lines, and the pipe is left as it was found.

use std::io::Write;
use std::os::fd::AsRawFd;
use std::process::{Command, Stdio};

use crate::support::{binary, temp_dir};

const PING: &str = "ping\n";

fn nonblocking(fd: &impl AsRawFd) -> bool {
    // SAFETY: F_GETFL reads the integer flags of an open descriptor.
    let flags = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) };
    assert!(flags >= 0, "fcntl failed");
    flags & libc::O_NONBLOCK != 0
}

/// A pipe: polled on the runtime's thread; the flag it needed is taken back at exit, so a
/// process sharing the pipe (the test here) never sees it left non-blocking.
#[test]
fn a_pipe_is_served_and_left_blocking_as_it_was_found() {
    let (reader, mut writer) = std::io::pipe().unwrap();
    let kept = reader.try_clone().unwrap();
    let child = Command::new(binary())
        .arg("serve")
        .stdin(reader)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writer.write_all(PING.as_bytes()).unwrap();
    writer.write_all(PING.as_bytes()).unwrap();
    // While it runs the shared pipe is non-blocking (the daemon polls it)...
    let mut seen_nonblocking = false;
    for _ in 0..500 {
        if nonblocking(&kept) {
            seen_nonblocking = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    drop(writer);
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.matches("\"pong\"").count(), 2, "{stdout}");
    assert!(seen_nonblocking, "the pipe was never polled");
    // ...and blocking again after it exits.
    assert!(!nonblocking(&kept));
}

/// A regular file cannot be polled: it is read on the thread, with the same answers.
#[test]
fn a_file_on_stdin_is_read_on_a_thread_with_the_same_answers() {
    let dir = temp_dir("stdin-file");
    let path = dir.join("lines.ndjson");
    std::fs::write(&path, PING.repeat(3)).unwrap();
    let output = Command::new(binary())
        .arg("serve")
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout.matches("\"pong\"").count(), 3, "{stdout}");
}
