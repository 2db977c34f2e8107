//! Newline-delimited framing over any async reader and writer.
//!
//! A line is read as bytes up to `\n` (a trailing `\r` is dropped, and a UTF-8 byte order mark
//! before the first line is skipped), so that a line that is not
//! UTF-8, or longer than [`MAX_LINE_BYTES`], is reported as such and skipped to its end instead
//! of killing the loop. Writes are one compact JSON value plus `\n`, flushed at once (one
//! write to the output per message).

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use super::message::Outgoing;
use crate::output::json_write::{push_string, push_value};

/// The longest input line accepted: 16 MiB. A calling context is small; a longer line is an
/// error entry, and the bytes are discarded up to the next newline.
pub const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// One input line as the loop sees it.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    InvalidUtf8,
    TooLong { bytes: usize },
    Eof,
}

/// Reads lines with a size limit.
///
/// [`LineReader::next_line`] is cancel-safe: the bytes of a line read so far are kept in the
/// reader, so a call dropped mid-line (engine mode waits for the host's reply under a
/// timeout) loses nothing, and the next call goes on with the same line.
pub struct LineReader<R> {
    inner: R,
    max_bytes: usize,
    /// The line read so far (empty once it is over the limit).
    buf: Vec<u8>,
    /// Bytes of the line read so far, the dropped ones included.
    total: usize,
    overflow: bool,
    /// True until the first line is returned: a UTF-8 byte order mark may start it.
    first: bool,
}

/// The UTF-8 byte order mark, which some hosts and editors put before the first line.
const BOM: &str = "\u{feff}";

impl<R: AsyncBufRead + Unpin> LineReader<R> {
    pub fn new(inner: R) -> Self {
        Self::with_limit(inner, MAX_LINE_BYTES)
    }

    pub fn with_limit(inner: R, max_bytes: usize) -> Self {
        LineReader {
            inner,
            max_bytes,
            buf: Vec::new(),
            total: 0,
            overflow: false,
            first: true,
        }
    }

    /// The next line. I/O errors are returned; everything else is a [`Line`].
    pub async fn next_line(&mut self) -> std::io::Result<Line> {
        loop {
            // No await between taking bytes from `inner` and keeping them in `self`.
            let chunk = self.inner.fill_buf().await?;
            if chunk.is_empty() {
                // EOF: a final line without newline still counts as a line.
                if self.total == 0 {
                    return Ok(Line::Eof);
                }
                break;
            }
            // Up to and including the first newline, or the whole chunk.
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(at) => (at + 1, true),
                None => (chunk.len(), false),
            };
            let line = chunk.get(..take).unwrap_or(chunk);
            self.total += take;
            if !self.overflow {
                if self.total > self.max_bytes + 1 {
                    self.overflow = true;
                    self.buf = Vec::new();
                } else {
                    self.buf.extend_from_slice(line);
                }
            }
            self.inner.consume(take);
            if done {
                break;
            }
        }
        let mut buf = std::mem::take(&mut self.buf);
        let total = std::mem::replace(&mut self.total, 0);
        let overflow = std::mem::replace(&mut self.overflow, false);
        if overflow {
            return Ok(Line::TooLong { bytes: total });
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        if buf.len() > self.max_bytes {
            return Ok(Line::TooLong { bytes: total });
        }
        let first = std::mem::replace(&mut self.first, false);
        match String::from_utf8(buf) {
            Ok(text) if first && text.starts_with(BOM) => Ok(Line::Text(text[BOM.len()..].into())),
            Ok(text) => Ok(Line::Text(text)),
            Err(_) => Ok(Line::InvalidUtf8),
        }
    }
}

/// Writes one message as a line and flushes: one write to the output. U+0085, U+2028 and
/// U+2029 are escaped as it is serialised ([`crate::output::line_breaks::push_json_line`]).
pub async fn write_message<W: AsyncWrite + Unpin>(
    writer: &mut W,
    message: &Outgoing<'_>,
) -> std::io::Result<()> {
    let mut line = Vec::with_capacity(256);
    push_message_line(message, &mut line).map_err(std::io::Error::other)?;
    writer.write_all(&line).await?;
    writer.flush().await
}

/// Appends `message` and a newline to `out`: what serialising it writes. A state request's
/// arguments (a `mapObject` source) are written by [`crate::output::json_write`].
fn push_message_line(message: &Outgoing<'_>, out: &mut Vec<u8>) -> serde_json::Result<()> {
    match message {
        Outgoing::ExecuteCommand { command, args } => {
            out.extend_from_slice(br#"{"type":"executeCommand","command":"#);
            push_string(command, out);
            out.extend_from_slice(br#","args":"#);
            push_value(args, out)?;
            out.extend_from_slice(b"}\n");
            Ok(())
        }
        other => crate::output::line_breaks::push_json_line(other, out),
    }
}

/// Writes one already-serialised message and a newline, then flushes. U+0085, U+2028 and
/// U+2029 are escaped ([`crate::output::line_breaks`]), so hosts that split lines the Unicode
/// way see one line too.
pub async fn write_line<W: AsyncWrite + Unpin>(writer: &mut W, json: &str) -> std::io::Result<()> {
    debug_assert!(!json.contains('\n'));
    let json = crate::output::line_breaks::escape_str(json);
    writer.write_all(json.as_bytes()).await?;
    writer.write_all(b"\n").await?;
    writer.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    #[test]
    fn a_message_line_is_the_serialised_message() {
        let args = serde_json::json!({
            "source": {"email": "a\u{2028}b@x", "n": [1, 2.5, null], "q": "\"\n"},
            "mapper": "M", "mapperType": "T"
        });
        let messages = [
            Outgoing::ExecuteCommand {
                command: "mapObject",
                args: args.clone(),
            },
            Outgoing::ExecuteCommand {
                command: "get\u{85}",
                args: serde_json::json!({}),
            },
            Outgoing::Pong,
            Outgoing::Completed,
        ];
        for message in &messages {
            let mut written = Vec::new();
            push_message_line(message, &mut written).unwrap();
            let mut expected = Vec::new();
            crate::output::line_breaks::push_json_line(message, &mut expected).unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(expected).unwrap()
            );
        }
    }

    async fn lines(input: &[u8], limit: usize) -> Vec<Line> {
        let mut reader = LineReader::with_limit(BufReader::with_capacity(4, input), limit);
        let mut out = Vec::new();
        loop {
            let line = reader.next_line().await.unwrap();
            let eof = line == Line::Eof;
            out.push(line);
            if eof {
                return out;
            }
        }
    }

    #[tokio::test]
    async fn splits_lines_and_reports_bad_ones() {
        let got = lines(b"ping\r\n\xff\xfe\nabcdefghijk\nok\nlast", 8).await;
        assert_eq!(
            got,
            vec![
                Line::Text("ping".into()),
                Line::InvalidUtf8,
                Line::TooLong { bytes: 12 },
                Line::Text("ok".into()),
                Line::Text("last".into()),
                Line::Eof
            ]
        );
    }

    #[tokio::test]
    async fn a_read_cancelled_mid_line_loses_nothing() {
        use tokio::io::AsyncWriteExt;
        let (mut host, daemon) = tokio::io::duplex(64);
        let mut reader = LineReader::new(BufReader::new(daemon));
        host.write_all(b"{\"context\":").await.unwrap();
        // The host stalls mid-line: the wait gives up, as engine mode's reply timeout does.
        let waited =
            tokio::time::timeout(std::time::Duration::from_millis(50), reader.next_line()).await;
        assert!(waited.is_err());
        host.write_all(b"{}}\nping\n").await.unwrap();
        assert_eq!(
            reader.next_line().await.unwrap(),
            Line::Text("{\"context\":{}}".into())
        );
        assert_eq!(reader.next_line().await.unwrap(), Line::Text("ping".into()));
    }

    #[tokio::test]
    async fn a_byte_order_mark_is_skipped_on_the_first_line_only() {
        let got = lines("\u{feff}ping\n\u{feff}x\n".as_bytes(), 64).await;
        assert_eq!(got[0], Line::Text("ping".into()));
        assert_eq!(got[1], Line::Text("\u{feff}x".into()));
    }

    #[tokio::test]
    async fn written_lines_escape_unicode_line_separators() {
        let mut out = Vec::new();
        write_line(&mut out, "{\"a\":\"x\u{2028}y\"}")
            .await
            .unwrap();
        assert_eq!(out, b"{\"a\":\"x\\u2028y\"}\n");
    }

    #[tokio::test]
    async fn messages_are_one_escaped_line() {
        let mut out = Vec::new();
        let message = Outgoing::ExecuteCommand {
            command: "mapObject",
            args: serde_json::json!({"source": {"name": "a\u{2029}b"}}),
        };
        write_message(&mut out, &message).await.unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"type\":\"executeCommand\",\"command\":\"mapObject\",\"args\":{\"source\":{\"name\":\"a\\u2029b\"}}}\n"
        );
    }

    #[tokio::test]
    async fn exact_limit_is_accepted() {
        let got = lines(b"12345678\n123456789\n", 8).await;
        assert_eq!(got[0], Line::Text("12345678".into()));
        assert!(matches!(got[1], Line::TooLong { .. }));
    }
}
