//! The local state file (`--state FILE`): one JSON document holding, per integration instance,
//! the integration context and the last run:
//! `{"version": 1, "instances": {"<instance>": {"integrationContext": {...}, "lastRun": {...}}}}`.
//!
//! - **One daemon per file.** [`StateFile::open`] takes an advisory lock on `FILE.lock` (the pid
//!   of the holder is written in it) for as long as the process uses the file; a second process
//!   is refused with a message naming the holder. Within one process every user of the same
//!   file shares the one lock (a registry keyed by the resolved path).
//! - **Per instance, read-merge-write.** A write reads the file, replaces one field of one
//!   instance, and writes the result. Other instances are kept as raw JSON and never
//!   interpreted (an entry that cannot be read is written back exactly as found), so one
//!   instance's damaged entry never breaks another, and instances never roll each other back.
//! - **Atomic and faithful.** A write goes to a temporary file beside the target (the final
//!   target of a symlink), is fsynced, given the old file's mode (0600 for a new file) and
//!   renamed over it. A read-only file is refused, never replaced. Temporary files of dead
//!   writers are removed when the file is opened.
//! - **Never downgraded.** A file written by a newer format is refused, never rewritten.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

use serde_json::value::RawValue;
use serde_json::Value;
use tracing::warn;

use super::StateError;

/// The version of the state file format written by this build.
pub const STATE_FILE_VERSION: u64 = 1;

/// A locked, resolved state file. The lock is released (and its lock file removed) when the
/// last handle goes.
#[derive(Debug)]
pub struct StateFile {
    /// The file written: the final target when the given path is a symlink.
    target: PathBuf,
    lock_path: PathBuf,
    /// Holds the advisory lock.
    lock: File,
}

/// The state files this process has open, so that every user of one file shares its lock.
static OPEN: Mutex<Vec<(PathBuf, Weak<StateFile>)>> = Mutex::new(Vec::new());

impl StateFile {
    /// Resolves `path` (following symlinks), locks it for this process, and removes temporary
    /// files that dead writers left beside it. Fails when another process holds the lock.
    pub fn open(path: &Path) -> Result<Arc<StateFile>, StateError> {
        let target = resolve(path).map_err(|e| StateError::Open {
            path: path.display().to_string(),
            detail: e.to_string(),
        })?;
        let mut open = OPEN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        open.retain(|(_, weak)| weak.strong_count() > 0);
        if let Some(file) = open
            .iter()
            .find(|(p, _)| *p == target)
            .and_then(|(_, weak)| weak.upgrade())
        {
            return Ok(file);
        }
        let file = Arc::new(lock(&target)?);
        remove_stale_temp_files(&target);
        open.push((target, Arc::downgrade(&file)));
        Ok(file)
    }

    /// The file that is read and written.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// One field (`integrationContext` or `lastRun`) of one instance; `None` when absent.
    /// Only that instance's entry is parsed: another instance's damage does not matter.
    pub fn read_field(&self, instance: &str, field: &str) -> Result<Option<Value>, StateError> {
        let document = self.read_document()?;
        let Some(entry) = document.instances.get(instance) else {
            return Ok(None);
        };
        let fields = self.instance_fields(instance, entry)?;
        let Some(raw) = fields.get(field) else {
            return Ok(None);
        };
        serde_json::from_str::<Value>(raw.get())
            .map(Some)
            .map_err(|e| StateError::Damaged {
                path: self.display(),
                instance: instance.to_string(),
                field: field.to_string(),
                detail: e.to_string(),
            })
    }

    /// The keys of one field (an object) that can still be read, and the ones that cannot.
    /// Used to repair an integration context whose one key is damaged.
    pub fn read_field_keys(
        &self,
        instance: &str,
        field: &str,
    ) -> Result<(serde_json::Map<String, Value>, Vec<String>), StateError> {
        let document = self.read_document()?;
        let mut readable = serde_json::Map::new();
        let mut damaged = Vec::new();
        let Some(entry) = document.instances.get(instance) else {
            return Ok((readable, damaged));
        };
        let fields = self.instance_fields(instance, entry)?;
        let Some(raw) = fields.get(field) else {
            return Ok((readable, damaged));
        };
        let keys: BTreeMap<String, Box<RawValue>> =
            serde_json::from_str(raw.get()).map_err(|e| StateError::Damaged {
                path: self.display(),
                instance: instance.to_string(),
                field: field.to_string(),
                detail: e.to_string(),
            })?;
        for (key, raw) in keys {
            match serde_json::from_str::<Value>(raw.get()) {
                Ok(value) => {
                    readable.insert(key, value);
                }
                Err(_) => damaged.push(key),
            }
        }
        Ok((readable, damaged))
    }

    /// Replaces one field of one instance: read, merge, write, under this process's lock.
    pub fn write_field(
        &self,
        instance: &str,
        field: &str,
        value: &Value,
    ) -> Result<(), StateError> {
        let mut document = self.read_document()?;
        let mut fields = match document.instances.get(instance) {
            Some(entry) => self.instance_fields(instance, entry)?,
            None => BTreeMap::new(),
        };
        fields.insert(field.to_string(), self.to_raw(value)?);
        let entry = self.to_raw(&fields)?;
        document.instances.insert(instance.to_string(), entry);
        let text = render(&document).map_err(|e| self.json_error(e))?;
        self.write_bytes(text.as_bytes())
    }

    /// Pretty JSON kept as a raw value.
    fn to_raw<T: serde::Serialize>(&self, value: &T) -> Result<Box<RawValue>, StateError> {
        serde_json::to_string_pretty(value)
            .and_then(RawValue::from_string)
            .map_err(|e| self.json_error(e))
    }

    fn json_error(&self, error: serde_json::Error) -> StateError {
        StateError::Write {
            path: self.display(),
            detail: error.to_string(),
        }
    }

    fn display(&self) -> String {
        self.target.display().to_string()
    }

    fn read_error(&self, detail: impl Into<String>) -> StateError {
        StateError::Read {
            path: self.display(),
            detail: detail.into(),
        }
    }

    /// The document with every instance kept as raw JSON. A missing or empty file is empty.
    fn read_document(&self) -> Result<Document, StateError> {
        let bytes = match std::fs::read(&self.target) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Document::default()),
            Err(e) => return Err(self.read_error(e.to_string())),
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Document::default());
        }
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| self.read_error("not UTF-8; fix or remove the file"))?;
        let top: BTreeMap<String, Box<RawValue>> = serde_json::from_str(text).map_err(|e| {
            self.read_error(format!(
                "not a valid JSON object ({e}); fix or remove the file"
            ))
        })?;
        if let Some(version) = top.get("version") {
            match serde_json::from_str::<Value>(version.get()) {
                Ok(Value::Number(n)) if n.as_u64() == Some(STATE_FILE_VERSION) => {}
                Ok(Value::Number(n)) if n.as_u64().is_some_and(|v| v > STATE_FILE_VERSION) => {
                    return Err(StateError::NewerFormat {
                        path: self.display(),
                        version: n.to_string(),
                    })
                }
                _ => {
                    return Err(self.read_error(format!(
                        "'version' is {}, not {STATE_FILE_VERSION}; fix or remove the file",
                        version.get()
                    )))
                }
            }
        }
        let instances = match top.get("instances") {
            None => BTreeMap::new(),
            Some(raw) => serde_json::from_str(raw.get()).map_err(|e| {
                self.read_error(format!(
                    "'instances' is not a JSON object ({e}); fix or remove the file"
                ))
            })?,
        };
        Ok(Document { top, instances })
    }

    fn instance_fields(
        &self,
        instance: &str,
        entry: &RawValue,
    ) -> Result<BTreeMap<String, Box<RawValue>>, StateError> {
        serde_json::from_str(entry.get()).map_err(|e| StateError::Damaged {
            path: self.display(),
            instance: instance.to_string(),
            field: "the instance entry".into(),
            detail: e.to_string(),
        })
    }

    /// Temporary file beside the target, fsync, the old file's mode, rename, fsync the
    /// directory. A read-only target is refused.
    fn write_bytes(&self, bytes: &[u8]) -> Result<(), StateError> {
        let error = |detail: String| StateError::Write {
            path: self.display(),
            detail,
        };
        let mode = match std::fs::metadata(&self.target) {
            Ok(meta) if meta.permissions().readonly() => {
                return Err(StateError::ReadOnly {
                    path: self.display(),
                })
            }
            Ok(meta) => Some(meta.permissions()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(error(e.to_string())),
        };
        let dir = parent_dir(&self.target);
        let prefix = format!("{}{}-", temp_prefix(&self.target), std::process::id());
        let mut temp = tempfile::Builder::new()
            .prefix(&prefix)
            .tempfile_in(&dir)
            .map_err(|e| error(e.to_string()))?;
        // New files stay owner-only (tempfile creates them 0600); an existing file keeps its mode.
        if let Some(permissions) = mode {
            temp.as_file()
                .set_permissions(permissions)
                .map_err(|e| error(e.to_string()))?;
        }
        temp.write_all(bytes).map_err(|e| error(e.to_string()))?;
        temp.as_file()
            .sync_all()
            .map_err(|e| error(e.to_string()))?;
        temp.persist(&self.target)
            .map_err(|e| error(e.error.to_string()))?;
        if let Ok(d) = File::open(&dir) {
            // Directory fsync makes the rename durable; not every platform allows it.
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for StateFile {
    fn drop(&mut self) {
        // Removed while still locked: a process that opened the old lock file re-checks, after
        // locking, that the path still names the file it locked (see `lock`).
        let _ = std::fs::remove_file(&self.lock_path);
        let _ = self.lock.unlock();
    }
}

/// The file's text: `version` first, then the instances (by name), then any other top-level
/// key, indented two spaces. An instance entry that cannot be read is written back exactly as
/// it was found.
fn render(document: &Document) -> Result<String, serde_json::Error> {
    let mut out = format!("{{\n  \"version\": {STATE_FILE_VERSION},\n  \"instances\": {{");
    for (index, (name, entry)) in document.instances.iter().enumerate() {
        out.push_str(if index == 0 { "\n    " } else { ",\n    " });
        out.push_str(&serde_json::to_string(name)?);
        out.push_str(": ");
        out.push_str(&indented(entry, "    ")?);
    }
    out.push_str(if document.instances.is_empty() {
        "}"
    } else {
        "\n  }"
    });
    for (key, value) in &document.top {
        if key != "version" && key != "instances" {
            out.push_str(",\n  ");
            out.push_str(&serde_json::to_string(key)?);
            out.push_str(": ");
            out.push_str(&indented(value, "  ")?);
        }
    }
    out.push_str("\n}\n");
    Ok(out)
}

/// Pretty JSON whose continuation lines start with `indent` (JSON text has no raw newline
/// inside a string, so splitting on newlines is safe); unreadable JSON as it is.
fn indented(raw: &RawValue, indent: &str) -> Result<String, serde_json::Error> {
    match serde_json::from_str::<Value>(raw.get()) {
        Ok(value) => {
            Ok(serde_json::to_string_pretty(&value)?.replace('\n', &format!("\n{indent}")))
        }
        Err(_) => Ok(raw.get().to_string()),
    }
}

/// The document: top-level keys and instances as raw JSON (unknown keys are kept).
#[derive(Default)]
struct Document {
    top: BTreeMap<String, Box<RawValue>>,
    instances: BTreeMap<String, Box<RawValue>>,
}

/// The final target of `path`: symlinks followed (relative ones from their own directory).
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = if link.is_absolute() {
                    link
                } else {
                    parent_dir(&current).join(link)
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "state".into())
}

/// `.<name>.tmp-`: temporary files are `.<name>.tmp-<pid>-<random>`.
fn temp_prefix(target: &Path) -> String {
    format!(".{}.tmp-", file_name(target))
}

/// Locks `<target>.lock` without waiting and writes this process's pid in it.
fn lock(target: &Path) -> Result<StateFile, StateError> {
    let lock_path = parent_dir(target).join(format!("{}.lock", file_name(target)));
    let open_error = |e: std::io::Error| StateError::Open {
        path: target.display().to_string(),
        detail: format!("cannot lock {}: {e}", lock_path.display()),
    };
    for _ in 0..10 {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&lock_path).map_err(open_error)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = holder.trim();
                return Err(StateError::InUse {
                    path: target.display().to_string(),
                    holder: if holder.is_empty() {
                        "unknown pid".into()
                    } else {
                        format!("pid {holder}")
                    },
                    lock: lock_path.display().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(open_error(e)),
        }
        // The holder we raced with may have removed this lock file before we locked it.
        if !same_file(&file, &lock_path) {
            continue;
        }
        file.set_len(0).map_err(open_error)?;
        writeln!(file, "{}", std::process::id()).map_err(open_error)?;
        let _ = file.sync_all();
        return Ok(StateFile {
            target: target.to_path_buf(),
            lock_path,
            lock: file,
        });
    }
    Err(open_error(std::io::Error::other(
        "the lock file keeps changing",
    )))
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Removes `.<name>.tmp-<pid>-*` files beside the target whose writer is gone: every writer
/// holds the lock, which is now ours, so only a process that died mid-write (or a writer
/// that does not lock, still alive: skipped when `/proc` shows it) can have left one.
fn remove_stale_temp_files(target: &Path) {
    let prefix = temp_prefix(target);
    let Ok(entries) = std::fs::read_dir(parent_dir(target)) else {
        return;
    };
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let pid: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if pid.is_empty() || pid == own {
            continue;
        }
        let proc = Path::new("/proc");
        if proc.join("self").exists() && proc.join(&pid).exists() {
            continue;
        }
        match std::fs::remove_file(entry.path()) {
            Ok(()) => warn!(
                file = %entry.path().display(),
                "removed a temporary state file left by a process that died while writing"
            ),
            Err(e) => {
                warn!(file = %entry.path().display(), "cannot remove a stale temporary state file: {e}")
            }
        }
    }
}
