//! The process's own stdin and stdout for `serve`, without tokio's blocking pool.
//!
//! tokio's `Stdin` and `Stdout` hand every read, every write and every flush to a thread of
//! the blocking pool and back: two thread hops per protocol message, which cost more than the
//! protocol itself. When stdin is a pipe (XSOAR's case) it is now read on the runtime's own
//! thread ([`super::polled_stdin`]); otherwise (a file, a terminal) on a thread of its own:
//!
//! - [`ThreadedStdin`]: the fallback; one thread of its own reads stdin in chunks and passes them to the loop
//!   through a bounded channel (so a host that writes ahead is held back by the pipe, not by
//!   memory). A chunk taken from the channel stays in the reader until it is consumed, so a
//!   read dropped half way (engine mode waits for a reply under a timeout) loses nothing. End
//!   of input and read errors reach the loop in order, after the bytes before them.
//! - [`BlockingStdout`]: writes go to a buffer; a flush writes it to stdout at once, on the
//!   loop's thread (one `write(2)` per message). The loop has nothing else to do while its
//!   output waits for the host, so blocking there costs nothing. A large line is written out
//!   in [`SPILL_BYTES`] pieces as it grows, so memory stays flat. A signal that arrives while a
//!   write blocks is only seen when the loop next waits; so after a write to the OS the writer
//!   lets the loop wait once before it starts a new line (unless it has waited for input since,
//!   [`process_stdio`]), and a stop signal that came in the meantime stops that line from
//!   being started (see [`super::shutdown`]).

use std::future::Future;
use std::io::{Read, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::mpsc;

use super::polled_stdin::PolledStdin;

/// The most one read of stdin takes.
const CHUNK_BYTES: usize = 64 * 1024;
/// How many chunks may wait in the channel before the reading thread waits for the loop.
const CHUNKS_AHEAD: usize = 16;
/// The buffered output is written out once it grows this large, before the line ends.
pub const SPILL_BYTES: usize = 64 * 1024;

/// The process's stdin and stdout for the loop. They share one flag: set when the loop waits
/// for input, so the writer knows the runtime has looked at signals since its last write.
///
/// Stdin is read on the runtime's own thread when it is a pipe
/// ([`super::polled_stdin::PolledStdin`]), else on a thread of its own. Must run inside the
/// runtime.
pub fn process_stdio() -> std::io::Result<(ProcessStdin, BlockingStdout)> {
    let waited = Arc::new(AtomicBool::new(false));
    let input = match PolledStdin::try_new() {
        Some(mut polled) => {
            polled.waited = Some(Arc::clone(&waited));
            ProcessStdin::Polled(polled)
        }
        None => {
            let mut threaded = ThreadedStdin::spawn()?;
            threaded.waited = Some(Arc::clone(&waited));
            ProcessStdin::Threaded(threaded)
        }
    };
    let mut output = BlockingStdout::stdout();
    output.input_waited = Some(waited);
    Ok((input, output))
}

/// The process's stdin, read one of two ways ([`process_stdio`]).
pub enum ProcessStdin {
    Polled(PolledStdin),
    Threaded(ThreadedStdin),
}

impl AsyncRead for ProcessStdin {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            ProcessStdin::Polled(polled) => Pin::new(polled).poll_read(cx, buf),
            ProcessStdin::Threaded(threaded) => Pin::new(threaded).poll_read(cx, buf),
        }
    }
}

/// Stdin, read on a thread of its own (see the module docs).
pub struct ThreadedStdin {
    chunks: mpsc::Receiver<std::io::Result<Vec<u8>>>,
    /// The chunk being consumed, and how much of it is.
    chunk: Vec<u8>,
    consumed: usize,
    /// Set each time a read has to wait ([`process_stdio`]).
    waited: Option<Arc<AtomicBool>>,
}

impl ThreadedStdin {
    /// Starts the thread that reads the process's stdin.
    pub fn spawn() -> std::io::Result<ThreadedStdin> {
        ThreadedStdin::spawn_reading(std::io::stdin())
    }

    /// Starts a thread that reads `source` (stdin, or a pipe in tests) until end of input or
    /// an error, or until the reader is dropped.
    pub fn spawn_reading<R: Read + Send + 'static>(source: R) -> std::io::Result<ThreadedStdin> {
        let (sender, chunks) = mpsc::channel(CHUNKS_AHEAD);
        std::thread::Builder::new()
            .name("okta-iam-stdin".into())
            .spawn(move || read_chunks(source, &sender))?;
        Ok(ThreadedStdin {
            chunks,
            chunk: Vec::new(),
            consumed: 0,
            waited: None,
        })
    }
}

/// The reading thread: each read becomes one message; end of input closes the channel.
fn read_chunks<R: Read>(mut source: R, sender: &mpsc::Sender<std::io::Result<Vec<u8>>>) {
    let mut buf = vec![0u8; CHUNK_BYTES];
    loop {
        let message = match source.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => Ok(buf.get(..n).unwrap_or_default().to_vec()),
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => Err(error),
        };
        let failed = message.is_err();
        // A send fails only when the loop is gone: nobody reads any more.
        if sender.blocking_send(message).is_err() || failed {
            return;
        }
    }
}

impl AsyncRead for ThreadedStdin {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        loop {
            let rest = this.chunk.get(this.consumed..).unwrap_or_default();
            if !rest.is_empty() {
                let n = rest.len().min(buf.remaining());
                buf.put_slice(rest.get(..n).unwrap_or_default());
                this.consumed += n;
                return Poll::Ready(Ok(()));
            }
            let received = this.chunks.poll_recv(cx);
            if received.is_pending() {
                // The loop waits: the runtime will look at its signals before it goes on.
                if let Some(waited) = &this.waited {
                    waited.store(true, Ordering::Relaxed);
                }
            }
            match ready!(received) {
                Some(Ok(chunk)) => {
                    this.chunk = chunk;
                    this.consumed = 0;
                }
                Some(Err(error)) => return Poll::Ready(Err(error)),
                // End of input: a read of nothing.
                None => return Poll::Ready(Ok(())),
            }
        }
    }
}

/// Stdout (or any `Write`), written synchronously from a buffer (see the module docs).
pub struct BlockingStdout<W = std::io::Stdout> {
    out: W,
    buf: Vec<u8>,
    /// The last byte accepted ended a line (or nothing was written yet).
    at_line_start: bool,
    /// Bytes went to `out` since the loop last waited: a write may have blocked.
    wrote_out: bool,
    /// The wait in progress before a new line.
    waiting: Option<Pin<Box<dyn Future<Output = ()> + Send>>>,
    /// Set by the input when the loop waited for it ([`process_stdio`]).
    input_waited: Option<Arc<AtomicBool>>,
}

impl BlockingStdout {
    /// The process's stdout.
    pub fn stdout() -> BlockingStdout {
        BlockingStdout::new(std::io::stdout())
    }
}

impl<W: Write> BlockingStdout<W> {
    pub fn new(out: W) -> BlockingStdout<W> {
        BlockingStdout {
            out,
            buf: Vec::with_capacity(SPILL_BYTES),
            at_line_start: true,
            wrote_out: false,
            waiting: None,
            input_waited: None,
        }
    }

    /// What was written to `out` so far (tests).
    pub fn get_ref(&self) -> &W {
        &self.out
    }

    /// Writes the buffer to `out`. The buffer is emptied even when the write fails: the
    /// channel is broken then, and nothing more will be written.
    fn write_out(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.wrote_out = true;
        if let Some(waited) = &self.input_waited {
            waited.store(false, Ordering::Relaxed);
        }
        let written = self.out.write_all(&self.buf);
        self.buf.clear();
        written
    }
}

impl<W: Write + Unpin> AsyncWrite for BlockingStdout<W> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = &mut *self;
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let input_waited = this
            .input_waited
            .as_ref()
            .is_some_and(|waited| waited.load(Ordering::Relaxed));
        if input_waited {
            // The loop has waited for input since the last write: signals were looked at.
            this.wrote_out = false;
        }
        if this.at_line_start && this.wrote_out {
            // Let the runtime look at signals once before a new line starts.
            let waiting = this
                .waiting
                .get_or_insert_with(|| Box::pin(tokio::task::yield_now()));
            ready!(waiting.as_mut().poll(cx));
            this.waiting = None;
            this.wrote_out = false;
        }
        this.buf.extend_from_slice(data);
        this.at_line_start = data.last() == Some(&b'\n');
        if this.buf.len() >= SPILL_BYTES {
            this.write_out()?;
        }
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        this.write_out()?;
        Poll::Ready(this.out.flush())
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        self.poll_flush(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A source that gives its pieces one read at a time, then an error or end of input.
    struct Pieces(Vec<std::io::Result<Vec<u8>>>);

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Ok(0);
            }
            let piece = self.0.remove(0)?;
            buf[..piece.len()].copy_from_slice(&piece);
            Ok(piece.len())
        }
    }

    #[tokio::test]
    async fn the_reading_thread_passes_every_byte_in_order_then_the_end() {
        let source = Pieces(vec![
            Ok(b"ping\n{\"com".to_vec()),
            Ok(b"mand\":1}\n".to_vec()),
        ]);
        let mut input = ThreadedStdin::spawn_reading(source).unwrap();
        let mut all = String::new();
        input.read_to_string(&mut all).await.unwrap();
        assert_eq!(all, "ping\n{\"command\":1}\n");
        // After the end, every read is the end.
        assert_eq!(input.read(&mut [0u8; 8]).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_read_error_comes_after_the_bytes_before_it() {
        let source = Pieces(vec![Ok(b"ab".to_vec()), Err(std::io::Error::other("gone"))]);
        let mut input = ThreadedStdin::spawn_reading(source).unwrap();
        let mut two = [0u8; 2];
        input.read_exact(&mut two).await.unwrap();
        assert_eq!(&two, b"ab");
        let error = input.read(&mut [0u8; 8]).await.unwrap_err();
        assert_eq!(error.to_string(), "gone");
    }

    #[tokio::test]
    async fn a_chunk_larger_than_the_read_is_kept_for_the_next_read() {
        let mut input = ThreadedStdin::spawn_reading(Pieces(vec![Ok(b"abcdef".to_vec())])).unwrap();
        let mut three = [0u8; 3];
        input.read_exact(&mut three).await.unwrap();
        assert_eq!(&three, b"abc");
        input.read_exact(&mut three).await.unwrap();
        assert_eq!(&three, b"def");
    }

    #[tokio::test]
    async fn nothing_reaches_the_output_before_a_flush_and_a_large_line_spills() {
        let mut out = BlockingStdout::new(Vec::new());
        out.write_all(b"{\"type\":\"pong\"}\n").await.unwrap();
        assert!(out.get_ref().is_empty());
        out.flush().await.unwrap();
        assert_eq!(out.get_ref(), b"{\"type\":\"pong\"}\n");
        let big = vec![b'x'; SPILL_BYTES + 10];
        out.write_all(&big).await.unwrap();
        assert_eq!(out.get_ref().len(), 16 + SPILL_BYTES + 10);
    }

    #[tokio::test]
    async fn a_new_line_after_a_write_out_waits_once_and_a_line_in_progress_does_not() {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut out = BlockingStdout::new(Vec::new());
        out.write_all(b"x").await.unwrap();
        out.flush().await.unwrap();
        // The line started before the write out goes on at once.
        let mut rest = Box::pin(out.write(b"y\n"));
        assert!(matches!(rest.as_mut().poll(&mut cx), Poll::Ready(Ok(2))));
        drop(rest);
        out.flush().await.unwrap();
        // A new line waits once, then goes.
        let mut next = Box::pin(out.write(b"z\n"));
        assert!(next.as_mut().poll(&mut cx).is_pending());
        drop(next);
        out.write_all(b"z\n").await.unwrap();
        out.flush().await.unwrap();
        assert_eq!(out.get_ref(), b"xy\nz\n");
    }

    #[tokio::test]
    async fn a_wait_for_input_since_the_write_out_lets_a_new_line_go_at_once() {
        let (source, mut host) = std::io::pipe().unwrap();
        let mut input = ThreadedStdin::spawn_reading(source).unwrap();
        let mut out = BlockingStdout::new(Vec::new());
        let waited = Arc::new(AtomicBool::new(false));
        input.waited = Some(Arc::clone(&waited));
        out.input_waited = Some(Arc::clone(&waited));
        out.write_all(b"request\n").await.unwrap();
        out.flush().await.unwrap();
        assert!(!waited.load(Ordering::Relaxed));
        // Nothing to read yet: the read waits, and says so.
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut byte = [0u8; 1];
        let mut read = ReadBuf::new(&mut byte);
        assert!(Pin::new(&mut input)
            .poll_read(&mut cx, &mut read)
            .is_pending());
        assert!(waited.load(Ordering::Relaxed));
        host.write_all(b"r").unwrap();
        input.read_exact(&mut byte).await.unwrap();
        // The next line starts without another wait.
        let mut next = Box::pin(out.write(b"result\n"));
        assert!(matches!(next.as_mut().poll(&mut cx), Poll::Ready(Ok(7))));
    }
}
