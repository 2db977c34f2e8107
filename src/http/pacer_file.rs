//! The pacer's view carried between processes: a small JSON file per org URL in the temp
//! directory.
//!
//! Inside XSOAR the relay may start one process per command, and each would begin knowing
//! nothing of the bucket: at the end of a window each would spend a request on a 429 to
//! learn that it is empty. A process whose answer left a window low ([`Pacer::is_low`]),
//! or, once the file exists, opened a window or narrowed its estimate of the server's clock
//! ([`Pacer::observe`]), first takes what the file says of its windows ([`Pacer::merge`]: several processes may
//! share them), then writes what its pacer knows ([`PacerView`]: the windows, the measured
//! offset of the server's clock against the system clock). A new client for the same org
//! URL starts from it, and its own answers correct it.
//!
//! - The file name is a hash of the org's URL (scheme, host, port and path; never a query or
//!   credentials): `okta-iam-pacing-<16 hex digits>.json`. Nothing secret is in the file:
//!   counts, resets, times and pacing keys (method and path shapes).
//! - It is written atomically (a temporary file in the same directory, then renamed), so a
//!   reader sees an old view or a new one, never half of one; it is the owner's only (0600,
//!   as `tempfile` creates it).
//! - A file that cannot be read, does not parse, is of another version, was written more
//!   than [`MAX_AGE`] ago or in the future, is ignored; so are windows in it that have
//!   ended or end implausibly far ahead ([`Pacer::adopt`]).
//! - Failing to write it changes nothing but the next process's start (logged at debug).

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use url::Url;

use crate::http::pacer::{Pacer, PacerView, WindowView};

/// A view older than this is not used (Okta's windows last a minute).
pub const MAX_AGE: Duration = Duration::from_secs(5 * 60);
/// The file format's version; a file of another version is ignored.
const VERSION: u32 = 1;

/// Where the view of one org's pacer is kept.
#[derive(Clone, Debug)]
pub struct PacerFile {
    path: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    /// System clock, epoch seconds.
    written_at: f64,
    /// `server − system clock`, seconds: the bounds.
    offset: (f64, f64),
    phase_model: bool,
    windows: Vec<StoredWindow>,
}

#[derive(Serialize, Deserialize)]
struct StoredWindow {
    keys: Vec<String>,
    limit: u64,
    remaining: u64,
    resets_at: i64,
    length: u64,
    ends_at: f64,
}

impl PacerFile {
    /// The file for the org at `base` in the system's temp directory.
    pub fn for_org(base: &Url) -> Self {
        Self::in_dir(&std::env::temp_dir(), base)
    }

    /// The file for the org at `base` in `dir`.
    pub fn in_dir(dir: &Path, base: &Url) -> Self {
        // std's SipHash with its fixed default keys: the same name in every process.
        let mut hasher = std::hash::DefaultHasher::new();
        (
            base.scheme(),
            base.host_str(),
            base.port_or_known_default(),
            base.path(),
        )
            .hash(&mut hasher);
        PacerFile {
            path: dir.join(format!("okta-iam-pacing-{:016x}.json", hasher.finish())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether a process of this org has saved a view (some window of the org ran low).
    pub fn exists(&self) -> bool {
        self.path.exists()
    }

    /// Starts `pacer` from the saved view, if there is a usable one.
    pub fn load_into(&self, pacer: &Pacer, now: Instant, system_now: f64) {
        if let Some(view) = self.read(system_now) {
            pacer.adopt(&view, now, system_now);
        }
    }

    /// Takes what the saved view knows of the windows `pacer` is using
    /// ([`Pacer::merge`]): other processes of the org may be counting them down too.
    pub fn merge_into(&self, pacer: &Pacer, now: Instant, system_now: f64) {
        if let Some(view) = self.read(system_now) {
            pacer.merge(&view, now, system_now);
        }
    }

    /// Saves the view of `pacer` (nothing before its first answer).
    pub fn save(&self, pacer: &Pacer, now: Instant, system_now: f64) {
        let Some(view) = pacer.view(now, system_now) else {
            return;
        };
        if let Err(error) = self.write(&view, system_now) {
            tracing::debug!(path = %self.path.display(), %error, "pacing view not saved");
        }
    }

    fn read(&self, system_now: f64) -> Option<PacerView> {
        if !is_private_file(&self.path) {
            return None;
        }
        let bytes = std::fs::read(&self.path).ok()?;
        let stored: Stored = serde_json::from_slice(&bytes).ok()?;
        let age = system_now - stored.written_at;
        if stored.version != VERSION || !(0.0..MAX_AGE.as_secs_f64()).contains(&age) {
            return None;
        }
        Some(PacerView {
            offset: stored.offset,
            phase_model: stored.phase_model,
            windows: stored
                .windows
                .into_iter()
                .map(|w| WindowView {
                    keys: w.keys,
                    limit: w.limit,
                    remaining: w.remaining,
                    resets_at: w.resets_at,
                    length: w.length,
                    ends_at: w.ends_at,
                })
                .collect(),
        })
    }

    fn write(&self, view: &PacerView, system_now: f64) -> std::io::Result<()> {
        let stored = Stored {
            version: VERSION,
            written_at: system_now,
            offset: view.offset,
            phase_model: view.phase_model,
            windows: view
                .windows
                .iter()
                .map(|w| StoredWindow {
                    keys: w.keys.clone(),
                    limit: w.limit,
                    remaining: w.remaining,
                    resets_at: w.resets_at,
                    length: w.length,
                    ends_at: w.ends_at,
                })
                .collect(),
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut temp = tempfile::NamedTempFile::new_in(dir)?;
        serde_json::to_writer(&mut temp, &stored)?;
        temp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Whether `path` is a regular file (not a symlink) that only its owner may read or write.
/// The temp directory is shared: a view planted by another user (readable by us, so not
/// 0600) or a link to some other file must not steer the pacer, so such a file is ignored.
#[cfg(unix)]
fn is_private_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o077 == 0)
}

#[cfg(not(unix))]
fn is_private_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_file())
}

/// The system clock in epoch seconds (what [`PacerFile`] measures its times against).
pub fn system_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::pacer::Budget;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn base(url: &str) -> Url {
        url.parse().unwrap()
    }

    /// A pacer that has seen "0 left of 100, resets in 5 s" on `key`.
    fn spent(key: &str, t0: Instant) -> Pacer {
        let pacer = Pacer::new();
        let budget = Budget {
            limit: 100,
            remaining: 0,
            resets_at: 1_005,
            server_date: 1_000,
        };
        pacer.observe(key, Some(budget), t0, t0 + ms(2));
        pacer
    }

    #[test]
    fn a_new_process_starts_from_the_saved_view() {
        let dir = tempfile::tempdir().unwrap();
        let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
        let t0 = Instant::now();
        let saved = spent("/api/v1/users", t0);
        file.save(&saved, t0 + ms(2), 50_000.0);
        let fresh = Pacer::new();
        // 100 ms later, on both clocks.
        file.load_into(&fresh, t0 + ms(102), 50_000.1);
        let wait = fresh.reserve("/api/v1/users", t0 + ms(102));
        assert!(wait > ms(4_890) && wait < ms(4_910), "{wait:?}");
        // No secret and no URL in the file, and only its owner may read it.
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert!(!text.contains("acme"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.path()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn each_org_url_has_its_own_file() {
        let dir = Path::new("/tmp");
        let a = PacerFile::in_dir(dir, &base("https://acme.okta.com/api/v1/"));
        let b = PacerFile::in_dir(dir, &base("https://other.okta.com/api/v1/"));
        let c = PacerFile::in_dir(dir, &base("https://acme.okta.com:8443/api/v1/"));
        let same = PacerFile::in_dir(dir, &base("https://acme.okta.com/api/v1/?x=1"));
        assert_ne!(a.path(), b.path());
        assert_ne!(a.path(), c.path());
        assert_eq!(a.path(), same.path());
        let name = a.path().file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("okta-iam-pacing-") && name.ends_with(".json"));
    }

    #[test]
    fn damaged_stale_or_foreign_files_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
        let t0 = Instant::now();
        let load = |system_now: f64| {
            let fresh = Pacer::new();
            file.load_into(&fresh, t0 + ms(3), system_now);
            fresh.reserve("k", t0 + ms(3))
        };
        // Missing.
        assert_eq!(load(50_000.0), Duration::ZERO);
        // Damaged.
        std::fs::write(file.path(), b"{\"version\":1,\"written_at\":").unwrap();
        assert_eq!(load(50_000.0), Duration::ZERO);
        // Good, then read too late and from the future.
        file.save(&spent("k", t0), t0 + ms(2), 50_000.0);
        assert!(load(50_000.0) > Duration::ZERO);
        assert_eq!(load(50_000.0 + MAX_AGE.as_secs_f64()), Duration::ZERO);
        assert_eq!(load(49_000.0), Duration::ZERO);
        // Another version.
        let text = std::fs::read_to_string(file.path()).unwrap();
        std::fs::write(file.path(), text.replace("\"version\":1", "\"version\":9")).unwrap();
        assert_eq!(load(50_000.0), Duration::ZERO);
        // Absurd windows in a well-formed file.
        let text = text
            .replace("\"remaining\":0", "\"remaining\":500")
            .replace("\"version\":9", "\"version\":1");
        std::fs::write(file.path(), text).unwrap();
        assert_eq!(load(50_000.0), Duration::ZERO);
    }

    #[cfg(unix)]
    #[test]
    fn a_view_others_could_write_or_a_link_is_ignored() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
        let t0 = Instant::now();
        let load = |file: &PacerFile| {
            let fresh = Pacer::new();
            file.load_into(&fresh, t0 + ms(3), 50_000.0);
            fresh.reserve("k", t0 + ms(3))
        };
        file.save(&spent("k", t0), t0 + ms(2), 50_000.0);
        assert!(load(&file) > Duration::ZERO);
        // Readable by the group or others: someone else may have written it.
        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(load(&file), Duration::ZERO);
        std::fs::set_permissions(file.path(), std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(load(&file) > Duration::ZERO);
        // A symlink in the file's place, even to a good view.
        let other = PacerFile::in_dir(dir.path(), &base("https://other.okta.com/api/v1/"));
        std::fs::rename(file.path(), other.path()).unwrap();
        std::os::unix::fs::symlink(other.path(), file.path()).unwrap();
        assert!(load(&other) > Duration::ZERO);
        assert_eq!(load(&file), Duration::ZERO);
    }

    #[test]
    fn nothing_is_written_before_the_first_answer() {
        let dir = tempfile::tempdir().unwrap();
        let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
        file.save(&Pacer::new(), Instant::now(), 50_000.0);
        assert!(!file.path().exists());
        // An unwritable directory is not an error for the caller.
        let nowhere = PacerFile::in_dir(
            Path::new("/nonexistent/dir"),
            &base("https://acme.okta.com/api/v1/"),
        );
        nowhere.save(&spent("k", Instant::now()), Instant::now(), 50_000.0);
    }
}
