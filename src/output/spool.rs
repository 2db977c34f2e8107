//! Entries too large to hold in memory (`okta-get-logs` over tens of thousands of events).
//!
//! A [`SpoolFile`] is a temporary file that a command appends JSON or text to as pages
//! arrive; a [`SpooledEntry`] is the entry's JSON as an ordered list of pieces, literal text or
//! spool files (one file may appear twice: the events are both `Contents` and context). When
//! the result is written, the pieces are copied to the output in order, so memory stays flat
//! whatever the size. Spool files have no name (see [`SpoolFile`]): they vanish with the last
//! reference, or with the process. What goes into a spool file is made line-safe as it is
//! written (U+0085, U+2028 and U+2029 escaped, [`crate::output::line_breaks`]), so the copy out
//! is a plain copy.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use tokio::io::{AsyncWrite, AsyncWriteExt};

use crate::output::line_breaks;

/// A temporary file written once, read any number of times.
///
/// The file has no name: `tempfile::tempfile` creates it in `$TMPDIR` and unlinks it at once
/// (it is set owner-only, 0600, as well), so no other user can open it while the command runs and nothing is
/// left behind on any exit path, a kill included (the kernel frees it with the last handle).
#[derive(Debug)]
pub struct SpoolFile {
    file: File,
    writer: Option<BufWriter<File>>,
    len: u64,
}

impl SpoolFile {
    pub fn new() -> std::io::Result<SpoolFile> {
        let file = tempfile::tempfile()?;
        // Linux's O_TMPFILE path creates it with the umask's mode: make it owner-only.
        #[cfg(unix)]
        file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        let writer = BufWriter::with_capacity(64 * 1024, file.try_clone()?);
        Ok(SpoolFile {
            file,
            writer: Some(writer),
            len: 0,
        })
    }

    /// Appends JSON text (or a part of it that holds whole characters), with U+0085, U+2028
    /// and U+2029 escaped: JSON can hold them only inside strings, where the escape means the
    /// same character.
    pub fn write_str(&mut self, text: &str) -> std::io::Result<()> {
        // 0xC2 and 0xE2 only ever lead a character; the three start with one of them.
        if text.bytes().any(|b| b == 0xC2 || b == 0xE2) {
            self.write_bytes(line_breaks::escape_str(text).as_bytes())
        } else {
            self.write_bytes(text.as_bytes())
        }
    }

    fn write_bytes(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match &mut self.writer {
            Some(writer) => {
                writer.write_all(bytes)?;
                self.len += bytes.len() as u64;
                Ok(())
            }
            None => Err(std::io::Error::other("spool file already finished")),
        }
    }

    /// Flushes and closes the writer; the file can then be read.
    pub fn finish(mut self) -> std::io::Result<Arc<SpoolFile>> {
        if let Some(mut writer) = self.writer.take() {
            writer.flush()?;
        }
        Ok(Arc::new(self))
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The file from its start. Readers take turns (the result is written piece by piece),
    /// so sharing one file offset is safe.
    fn open(&self) -> std::io::Result<&File> {
        let mut file = &self.file;
        file.seek(SeekFrom::Start(0))?;
        Ok(file)
    }
}

/// One piece of a spooled entry.
#[derive(Debug, Clone)]
pub enum Piece {
    Text(String),
    File(Arc<SpoolFile>),
}

/// An entry whose JSON is the concatenation of its pieces.
#[derive(Debug, Clone)]
pub struct SpooledEntry {
    pub pieces: Vec<Piece>,
    /// The `HumanReadable` text, already JSON-escaped inside the file: kept apart so `call`
    /// can print the markdown.
    pub human_readable: Option<Arc<SpoolFile>>,
}

impl PartialEq for SpooledEntry {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl SpooledEntry {
    /// Copies the entry's JSON to `out`, with U+0085, U+2028 and U+2029 escaped
    /// ([`crate::output::line_breaks`]).
    pub async fn write_to<W: AsyncWrite + Unpin>(&self, out: &mut W) -> std::io::Result<()> {
        for piece in &self.pieces {
            match piece {
                Piece::Text(text) => {
                    out.write_all(line_breaks::escape_str(text).as_bytes())
                        .await?
                }
                Piece::File(file) => copy_file(file, out).await?,
            }
        }
        Ok(())
    }

    /// Writes the markdown, unescaped, to `out` with constant memory, ending with a newline
    /// (`okta-iam call`). Returns false when the entry has no markdown.
    pub fn write_human_readable(&self, out: &mut impl Write) -> std::io::Result<bool> {
        /// Remembers the last byte written.
        struct Tracking<'a, W> {
            out: &'a mut W,
            last: Option<u8>,
        }
        impl<W: Write> Write for Tracking<'_, W> {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                let n = self.out.write(buf)?;
                if let Some(&last) = buf.get(..n).and_then(<[u8]>::last) {
                    self.last = Some(last);
                }
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                self.out.flush()
            }
        }
        let Some(file) = self.human_readable.as_ref() else {
            return Ok(false);
        };
        let mut reader = std::io::BufReader::with_capacity(64 * 1024, file.open()?);
        let mut tracking = Tracking { out, last: None };
        crate::output::json_unescape::unescape_stream(&mut reader, &mut tracking)?;
        if tracking.last != Some(b'\n') {
            tracking.write_all(b"\n")?;
        }
        tracking.flush()?;
        Ok(true)
    }

    /// The markdown, unescaped, for people, in memory (tests; `call` streams it with
    /// [`SpooledEntry::write_human_readable`]).
    pub fn human_readable_text(&self) -> Option<String> {
        let file = self.human_readable.as_ref()?;
        let mut escaped = String::new();
        file.open().ok()?.read_to_string(&mut escaped).ok()?;
        serde_json::from_str::<String>(&format!("\"{escaped}\"")).ok()
    }
}

/// Copies a spool file to `out` as it is (its text was made line-safe when written).
async fn copy_file<W: AsyncWrite + Unpin>(file: &SpoolFile, out: &mut W) -> std::io::Result<()> {
    let mut reader = file.open()?;
    let mut buffer = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buffer)?;
        if n == 0 {
            return Ok(());
        }
        let read = buffer
            .get(..n)
            .ok_or_else(|| std::io::Error::other("a spool file read past its buffer"))?;
        out.write_all(read).await?;
    }
}

/// Writes `text` JSON-escaped (without the surrounding quotes) to a spool file, line-safe.
/// (serde_json's table-driven escaper and one write beat escaping in place with a write per
/// escape: measured with callgrind on a System Log page.)
pub fn write_json_string_body(spool: &mut SpoolFile, text: &str) -> std::io::Result<()> {
    let quoted = serde_json::to_string(text).map_err(std::io::Error::other)?;
    spool.write_str(quoted.get(1..quoted.len() - 1).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pieces_are_copied_in_order_and_read_again_from_the_start() {
        let mut events = SpoolFile::new().unwrap();
        events.write_str("[1,2]").unwrap();
        let events = events.finish().unwrap();
        let mut md = SpoolFile::new().unwrap();
        write_json_string_body(&mut md, "a\n|b\"").unwrap();
        let md = md.finish().unwrap();
        let entry = SpooledEntry {
            pieces: vec![
                Piece::Text("{\"Contents\":".into()),
                Piece::File(events.clone()),
                Piece::Text(",\"HumanReadable\":\"".into()),
                Piece::File(md.clone()),
                Piece::Text("\",\"Again\":".into()),
                Piece::File(events),
                Piece::Text("}".into()),
            ],
            human_readable: Some(md),
        };
        let mut out: Vec<u8> = Vec::new();
        entry.write_to(&mut out).await.unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            value,
            serde_json::json!({"Contents":[1,2],"HumanReadable":"a\n|b\"","Again":[1,2]})
        );
        assert_eq!(entry.human_readable_text().unwrap(), "a\n|b\"");
        let mut streamed = Vec::new();
        assert!(entry.write_human_readable(&mut streamed).unwrap());
        assert_eq!(streamed, b"a\n|b\"\n");
        // Read twice (both pieces of the same file, then again): each read starts at 0.
        let mut again: Vec<u8> = Vec::new();
        entry.write_to(&mut again).await.unwrap();
        assert_eq!(again, out);
    }

    /// serde_json's escaping, then the line-safe escapes.
    fn reference_body(text: &str) -> String {
        let quoted = serde_json::to_string(text).unwrap();
        line_breaks::escape_str(&quoted[1..quoted.len() - 1]).into_owned()
    }

    #[test]
    fn string_bodies_are_escaped_as_serde_json_and_line_safe() {
        let mut texts: Vec<String> = (0u32..0x80)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        texts.extend(
            [
                "",
                "plain",
                "\"\\",
                "é\u{85}\u{2028}\u{2029}\u{2027}\u{202A}\u{84}",
                "\u{1F600}|`<br>",
                "\u{7f}\u{0}\u{1f}",
                "end\u{2028}",
            ]
            .map(str::to_string),
        );
        for text in texts {
            let mut spool = SpoolFile::new().unwrap();
            write_json_string_body(&mut spool, &text).unwrap();
            let spool = spool.finish().unwrap();
            let mut written = String::new();
            spool.open().unwrap().read_to_string(&mut written).unwrap();
            assert_eq!(written, reference_body(&text), "{text:?}");
        }
    }

    #[tokio::test]
    async fn line_breaks_are_escaped_as_they_are_written() {
        let mut events = SpoolFile::new().unwrap();
        events.write_str("[\"a\u{2028}b\u{85}c\u{2029}\",").unwrap();
        events.write_str("\"é \u{1F600}\"]").unwrap();
        let events = events.finish().unwrap();
        let mut md = SpoolFile::new().unwrap();
        write_json_string_body(&mut md, "x\u{2028}y").unwrap();
        let md = md.finish().unwrap();
        let entry = SpooledEntry {
            pieces: vec![
                Piece::Text("{\"e\":".into()),
                Piece::File(events),
                Piece::Text(",\"m\":\"".into()),
                Piece::File(md.clone()),
                Piece::Text("\"}".into()),
            ],
            human_readable: Some(md),
        };
        let mut out: Vec<u8> = Vec::new();
        entry.write_to(&mut out).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "{\"e\":[\"a\\u2028b\\u0085c\\u2029\",\"é \u{1F600}\"],\"m\":\"x\\u2028y\"}"
        );
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["e"][0], "a\u{2028}b\u{85}c\u{2029}");
        assert_eq!(entry.human_readable_text().unwrap(), "x\u{2028}y");
    }
}
