//! Stdin read on the runtime's own thread, when stdin is a pipe.
//!
//! [`super::stdio::ThreadedStdin`] reads on a thread of its own, so each message crosses one
//! thread hop to reach the runtime, and on an idle machine waking the runtime's thread for it
//! is most of a `ping` (54 µs against 13 µs this way, driven from Python; BENCHMARKS.md,
//! section 1). A pipe can instead be registered with the runtime's epoll and read when it is
//! ready, on the thread that serves the command: no hop.
//!
//! That needs the pipe in non-blocking mode, which is a flag of the open pipe that other
//! processes holding the same end would see. So it is used only for a pipe (XSOAR's case, and
//! a shell's `|`) that is not also our stdout, never for a terminal or a file; the flag is put
//! back when the reader is dropped. Anything else, or any failure to set it up, falls back to
//! the reading thread ([`super::stdio::process_stdio`]).

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, ReadBuf};

/// The stdin file descriptor.
const STDIN: RawFd = 0;
/// The stdout file descriptor.
const STDOUT: RawFd = 1;

/// Stdin as a non-blocking pipe registered with the runtime (see the module docs).
pub struct PolledStdin {
    fd: AsyncFd<StdinFd>,
    /// The file status flags before `O_NONBLOCK` was added, put back on drop.
    original_flags: libc::c_int,
    /// Set each time a read has to wait ([`super::stdio::process_stdio`]).
    pub(super) waited: Option<Arc<AtomicBool>>,
}

struct StdinFd;

impl AsRawFd for StdinFd {
    fn as_raw_fd(&self) -> RawFd {
        STDIN
    }
}

impl PolledStdin {
    /// Stdin polled by the runtime, or `None` when stdin is not a pipe of its own or cannot
    /// be set up (the caller then reads it on a thread). Must run inside the runtime.
    pub fn try_new() -> Option<PolledStdin> {
        if !stdin_is_a_pipe_of_its_own() {
            return None;
        }
        // SAFETY: fcntl on fd 0 with F_GETFL/F_SETFL reads and sets integer flags only.
        let original_flags = unsafe { libc::fcntl(STDIN, libc::F_GETFL) };
        if original_flags < 0 {
            return None;
        }
        // SAFETY: as above.
        if unsafe { libc::fcntl(STDIN, libc::F_SETFL, original_flags | libc::O_NONBLOCK) } < 0 {
            return None;
        }
        // SAFETY: fd 0 stays open, and refers to the same pipe, for the life of the process:
        // nothing in it closes or re-opens stdin.
        let registered =
            unsafe { AsyncFd::register_with_interest(StdinFd, tokio::io::Interest::READABLE) };
        match registered {
            Ok(fd) => Some(PolledStdin {
                fd,
                original_flags,
                waited: None,
            }),
            Err(refused) => {
                restore_flags(original_flags);
                let error = io::Error::from(refused);
                tracing::debug!(%error, "stdin cannot be polled; reading it on a thread");
                None
            }
        }
    }
}

/// Whether fd 0 is a FIFO (a pipe) and not the same open file as fd 1.
fn stdin_is_a_pipe_of_its_own() -> bool {
    let (Some(stdin), Some(stdout)) = (stat(STDIN), stat(STDOUT)) else {
        return false;
    };
    let is_fifo = stdin.st_mode & libc::S_IFMT == libc::S_IFIFO;
    let same_file = stdin.st_dev == stdout.st_dev && stdin.st_ino == stdout.st_ino;
    is_fifo && !same_file
}

fn stat(fd: RawFd) -> Option<libc::stat> {
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a whole `stat` on success, which is the only case it is read.
    let status = unsafe { libc::fstat(fd, stat.as_mut_ptr()) };
    // SAFETY: initialised by the successful fstat above.
    (status == 0).then(|| unsafe { stat.assume_init() })
}

fn restore_flags(flags: libc::c_int) {
    // SAFETY: sets integer flags on fd 0.
    unsafe { libc::fcntl(STDIN, libc::F_SETFL, flags) };
}

impl Drop for PolledStdin {
    fn drop(&mut self) {
        restore_flags(self.original_flags);
    }
}

impl AsyncRead for PolledStdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        loop {
            let ready = this.fd.poll_read_ready(cx);
            if ready.is_pending() {
                // The loop waits: the runtime will look at its signals before it goes on.
                if let Some(waited) = &this.waited {
                    waited.store(true, Ordering::Relaxed);
                }
            }
            let mut guard = ready!(ready)?;
            let unfilled = buf.initialize_unfilled();
            let result = guard.try_io(|_| {
                // SAFETY: reads at most `unfilled.len()` bytes into memory `unfilled` owns.
                let n = unsafe { libc::read(STDIN, unfilled.as_mut_ptr().cast(), unfilled.len()) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n.unsigned_abs())
                }
            });
            match result {
                Ok(Ok(n)) => {
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(error)) if error.kind() == io::ErrorKind::Interrupted => continue,
                Ok(Err(error)) => return Poll::Ready(Err(error)),
                // Not ready after all (the readiness was stale): wait again.
                Err(_would_block) => continue,
            }
        }
    }
}
