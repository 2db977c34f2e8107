//! Stopping `serve` cleanly: on SIGTERM, SIGINT or SIGHUP, and when stdout goes away.
//!
//! Killing the daemon at once could leave half a line on stdout (a large result is written
//! piece by piece) that the host would then glue to whatever it reads next. So the output
//! goes through a [`LineWriter`] that knows whether a line is half written; on a signal:
//!
//! 1. the reason is logged on stderr;
//! 2. a line being written is finished (the loop keeps running until its `\n`); no new line
//!    is started;
//! 3. the loop is dropped: the command in flight is abandoned, so nothing of it is committed
//!    (state is written only at the end of a successful execution, atomically), and its
//!    spool files are removed;
//! 4. stdout is flushed and the process exits with 128 + the signal number (SIGHUP 129,
//!    SIGINT 130, SIGTERM 143), as a shell reports a process killed by that signal.
//!
//! A write to stdout that fails (the host closed the pipe) ends the loop with a log line and
//! exit status [`CHANNEL_FAILED`], never 0.

use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::Notify;

use crate::commands::Daemon;
use crate::protocol::woken_only::WokenOnly;
use crate::protocol::{serve, ServeConfig};

/// Exit status when the protocol channel fails (stdout closed, stdin unreadable).
pub const CHANNEL_FAILED: u8 = 1;

/// What a [`LineWriter`] shares with the code that stops the loop.
#[derive(Debug, Default)]
pub struct LineState {
    mid_line: AtomicBool,
    stopping: AtomicBool,
    line_done: Notify,
}

impl LineState {
    /// True while a line has been started and its `\n` not yet written.
    pub fn mid_line(&self) -> bool {
        self.mid_line.load(Ordering::SeqCst)
    }

    /// From now on no new line is started: writes that would begin one stay pending.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// Waits until no line is half written.
    pub async fn line_finished(&self) {
        loop {
            let notified = self.line_done.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if !self.mid_line() {
                return;
            }
            notified.await;
        }
    }
}

/// An output that tracks line boundaries, and refuses to start a line once stopping.
#[derive(Debug)]
pub struct LineWriter<W> {
    inner: W,
    state: Arc<LineState>,
}

impl<W> LineWriter<W> {
    pub fn new(inner: W) -> Self {
        LineWriter {
            inner,
            state: Arc::new(LineState::default()),
        }
    }

    pub fn state(&self) -> Arc<LineState> {
        Arc::clone(&self.state)
    }
}

impl<W: AsyncWrite + Unpin> AsyncWrite for LineWriter<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        if !self.state.mid_line() && self.state.stopping.load(Ordering::SeqCst) {
            // Never start a line after a stop: the loop is about to be dropped.
            return Poll::Pending;
        }
        let written = match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Ready(Ok(n)) => n,
            other => return other,
        };
        if let Some(&last) = buf.get(..written).and_then(<[u8]>::last) {
            let open = last != b'\n';
            self.state.mid_line.store(open, Ordering::SeqCst);
            if !open {
                self.state.line_done.notify_waiters();
            }
        }
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// A stop request: the signal's name and number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StopSignal {
    pub name: &'static str,
    pub number: i32,
}

impl StopSignal {
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.number).unwrap_or(u8::MAX)
    }
}

/// Waits for SIGTERM, SIGINT or SIGHUP.
pub struct Signals {
    #[cfg(unix)]
    streams: [(StopSignal, tokio::signal::unix::Signal); 3],
}

impl Signals {
    /// Installs the handlers; from now on these signals no longer kill the process at once.
    pub fn install() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let named = |name, number| StopSignal { name, number };
            Ok(Signals {
                streams: [
                    (named("SIGTERM", 15), signal(SignalKind::terminate())?),
                    (named("SIGINT", 2), signal(SignalKind::interrupt())?),
                    (named("SIGHUP", 1), signal(SignalKind::hangup())?),
                ],
            })
        }
        #[cfg(not(unix))]
        {
            Ok(Signals {})
        }
    }

    /// The next stop signal (never, where there are none).
    pub async fn recv(&mut self) -> StopSignal {
        #[cfg(unix)]
        {
            let [(term, term_stream), (int, int_stream), (hup, hup_stream)] = &mut self.streams;
            tokio::select! {
                _ = term_stream.recv() => *term,
                _ = int_stream.recv() => *int,
                _ = hup_stream.recv() => *hup,
            }
        }
        #[cfg(not(unix))]
        {
            std::future::pending().await
        }
    }
}

/// Serves `input`/`output` until end of input, a native execution, a failed channel or a
/// stop signal; returns the process exit status.
pub async fn serve_until_stopped<R, W>(
    input: R,
    output: W,
    daemon: &Daemon,
    config: &ServeConfig,
    mut signals: Signals,
) -> u8
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut output = LineWriter::new(output);
    let lines = output.state();
    let outcome = {
        let serving = serve(input, &mut output, daemon, config);
        tokio::pin!(serving);
        // Polled only when a signal woke it, not at every wake of the loop.
        let stop = signals.recv();
        tokio::pin!(stop);
        let mut stop = WokenOnly::new(stop);
        tokio::select! {
            // Signals first: after a write to stdout that blocked, the writer lets the loop
            // wait once before it starts a new line, and a signal that came meanwhile must win.
            biased;
            signal = &mut stop => {
                lines.stop();
                tracing::warn!(
                    signal = signal.name,
                    "received {}: finishing the line being written, abandoning the command in flight (nothing of it is committed), then exiting",
                    signal.name
                );
                tokio::select! {
                    _ = &mut serving => {}
                    _ = lines.line_finished() => {}
                }
                Err(signal)
            }
            result = &mut serving => Ok(result),
        }
    };
    let _ = output.flush().await;
    match outcome {
        Ok(Ok(())) => 0,
        Ok(Err(error)) => {
            tracing::error!(
                "the protocol channel failed ({error}): the host closed stdout or stdin cannot be read; exiting"
            );
            CHANNEL_FAILED
        }
        Err(signal) => {
            tracing::warn!(
                signal = signal.name,
                "exiting with status {}",
                signal.exit_code()
            );
            signal.exit_code()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_writer_tracks_lines_and_starts_none_after_a_stop() {
        let mut out = LineWriter::new(Vec::new());
        let state = out.state();
        out.write_all(b"{\"type\":").await.unwrap();
        assert!(state.mid_line());
        state.stop();
        // The line in progress may be finished...
        out.write_all(b"\"pong\"}\n").await.unwrap();
        assert!(!state.mid_line());
        state.line_finished().await;
        // ...but no new one is started.
        let blocked = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            out.write_all(b"{\"type\":\"completed\"}\n"),
        )
        .await;
        assert!(blocked.is_err());
        assert_eq!(out.inner, b"{\"type\":\"pong\"}\n");
    }

    #[test]
    fn exit_codes_are_128_plus_the_signal() {
        for (number, code) in [(1, 129), (2, 130), (15, 143)] {
            let signal = StopSignal { name: "x", number };
            assert_eq!(signal.exit_code(), code);
        }
    }
}
