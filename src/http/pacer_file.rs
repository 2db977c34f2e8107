//! The pacer's view carried between processes: a small JSON file per org URL in the temp
//! directory, and the count the processes of the org share in the tail of a window.
//!
//! Inside XSOAR the relay may start one process per command, and each would begin knowing
//! nothing of the bucket: at the end of a window each would spend a request on a 429 to
//! learn that it is empty. A process whose answer left a window in its tail
//! ([`Pacer::shared_tail`]), or, once the file exists, opened a window or narrowed its
//! estimate of the server's clock ([`Pacer::observe`]), first takes what the file says of its
//! windows ([`Pacer::merge`]: several processes may share them), then writes what its pacer
//! knows ([`PacerView`]: the windows, the measured offset of the server's clock against the
//! system clock). A new client for the same org URL starts from it, and its own answers
//! correct it.
//!
//! Several processes running at once (XSOAR engines, parallel playbooks) each count a window
//! down from their own answers, and each count lags the others' use. In the tail of a window
//! every request is therefore taken from one count kept in the file
//! ([`crate::http::shared_count`]), under an exclusive lock on a file beside it
//! (`okta-iam-pacing-<hash>.lock`, held for one read, merge and write; released by the
//! kernel if the process dies): the window is used to its last request, and no two
//! processes take the same one ([`PacerFile::reserve`], [`PacerFile::answered`]). A lock
//! that cannot be had within [`LOCK_WAIT`] (a lock file that is a link or may be another
//! user's, or a holder that never lets go) leaves the process pacing on its own count,
//! leaving the last requests of a window to the other clients it sees ([`Pacer::reserve`]).
//!
//! - The file name is a hash of the org's URL (scheme, host, port and path; never a query or
//!   credentials): `okta-iam-pacing-<16 hex digits>.json`. Nothing secret is in the file:
//!   counts, resets, times and pacing keys (method and path shapes).
//! - It is written atomically (a temporary file in the same directory, then renamed), so a
//!   reader sees an old view or a new one, never half of one; it is the owner's only (0600,
//!   as `tempfile` creates it). The lock file is created 0600 and never through a link.
//! - A file that cannot be read, does not parse, is of another version, was written more
//!   than [`MAX_AGE`] ago or more than [`MAX_AHEAD`] in the future, is ignored; so are windows in it that have
//!   ended or end implausibly far ahead ([`Pacer::adopt`]), and shared counts with absurd
//!   numbers ([`SharedCount::is_plausible`]).
//! - Failing to write it changes nothing but the next process's start (logged at debug).

use std::fs::File;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use url::Url;

use crate::http::pacer::{Budget, Pacer, PacerView, WindowView};
use crate::http::shared_count::SharedCount;

/// A view older than this is not used (Okta's windows last a minute).
pub const MAX_AGE: Duration = Duration::from_secs(5 * 60);
/// How far ahead of a reader's clock a file may have been written: a process reads the
/// clock when an answer arrives, and may then wait for the lock while another writes.
pub const MAX_AHEAD: Duration = Duration::from_secs(1);
/// The longest a process waits for the org's lock; past it, it paces alone. Processes hold
/// it for a read, a merge and a write of a small file.
pub const LOCK_WAIT: Duration = Duration::from_millis(20);
/// How often a process waiting for the lock tries again.
const LOCK_POLL: Duration = Duration::from_micros(100);
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
    /// The counts the processes share in the tails of windows (absent in older files).
    #[serde(default)]
    counts: Vec<SharedCount>,
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

/// What a file holds: the view of the last process that wrote it, and the shared counts.
struct Saved {
    view: PacerView,
    counts: Vec<SharedCount>,
}

/// A slot for one request, as [`PacerFile::reserve`] gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Reservation {
    /// How long to wait before sending.
    pub wait: Duration,
    /// When the request was taken from the count the org's processes share (system clock),
    /// if it was: its answer tells [`PacerFile::answered`].
    pub taken: Option<f64>,
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

    /// The lock file beside the view: the view itself is replaced by a rename, so the lock
    /// is held on a file that stays.
    fn lock_path(&self) -> PathBuf {
        self.path.with_extension("lock")
    }

    /// Takes the org's lock (exclusive; released when the returned file is dropped, also
    /// when the process dies), waiting at most [`LOCK_WAIT`]. `None` when it cannot be had:
    /// the lock file cannot be opened, is a link, may be another user's (not 0600), or is
    /// held longer than a process of ours ever holds it.
    fn lock(&self) -> Option<File> {
        let file = open_private(&self.lock_path())?;
        let deadline = std::time::Instant::now() + LOCK_WAIT;
        loop {
            match file.try_lock() {
                Ok(()) => return Some(file),
                Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(LOCK_POLL);
                }
                Err(error) => {
                    tracing::debug!(path = %self.lock_path().display(), ?error, "pacing lock not taken");
                    return None;
                }
            }
        }
    }

    /// Starts `pacer` from the saved view, if there is a usable one.
    pub fn load_into(&self, pacer: &Pacer, now: Instant, system_now: f64) {
        if let Some(saved) = self.read(system_now) {
            pacer.adopt(&saved.view, now, system_now);
        }
    }

    /// Reserves a slot for a request of `key`. When the window this process knew has ended,
    /// the saved view may show the next one, opened by another process. In the tail of a window
    /// ([`Pacer::shared_tail`]) the request is taken from the count all processes of the
    /// org share ([`SharedCount`]): under the lock, the saved view is merged into `pacer`,
    /// the request taken, and the view and the count saved, so that no two processes take
    /// the same last request and none is left unused. Above the tail, and without the lock,
    /// the pacer's own count ([`Pacer::reserve`]).
    ///
    /// `clock` reads the local clock and the system clock together; it is read once the lock
    /// is held, so that the times the processes take requests at follow the order they took
    /// them in.
    pub fn reserve(
        &self,
        pacer: &Pacer,
        key: &str,
        clock: impl Fn() -> (Instant, f64),
    ) -> Reservation {
        let alone = |pacer: &Pacer, now: Instant| Reservation {
            wait: pacer.reserve(key, now),
            taken: None,
        };
        let (now, system_now) = clock();
        if pacer.has_ended(key, now) {
            // Another process may have opened the next window, and even spent it: a request
            // sent blind would then be answered 429.
            if let Some(saved) = self.read(system_now) {
                pacer.merge(&saved.view, now, system_now);
            }
        }
        if pacer.shared_tail(key, now).is_none() {
            return alone(pacer, now);
        }
        let Some(_lock) = self.lock() else {
            return alone(pacer, now);
        };
        let (now, system_now) = clock();
        let mut counts = self.merge_saved(pacer, now, system_now);
        // The saved view may have brought the window's end forward, to before now.
        let Some((limit, resets_at, remaining)) = pacer.shared_tail(key, now) else {
            self.save(pacer, counts, now, system_now);
            return alone(pacer, now);
        };
        if !counts.iter().any(|c| c.is_of(limit, resets_at)) {
            counts.push(SharedCount::new(limit, resets_at, remaining));
        }
        let Some(count) = counts.iter_mut().find(|c| c.is_of(limit, resets_at)) else {
            return alone(pacer, now);
        };
        let taken = count.take(system_now);
        let left = match taken {
            Some(_) => count.left(system_now) + 1,
            None => 0,
        };
        let wait = pacer.reserve_shared(key, now, left);
        tracing::debug!(key, left, taken, "pacing: the window's shared count");
        self.save(pacer, counts, now, system_now);
        Reservation { wait, taken }
    }

    /// After an answer to a request of `key` whose rate-limit headers said `budget`
    /// (`news`: what [`Pacer::observe`] returned; `taken`: what [`Self::reserve`] said; the
    /// request was sent at `sent` and answered at `now`). In the tail of a window, or when
    /// the answer taught something and the file exists, under the lock: the saved view is
    /// merged into `pacer` (other processes may have used its windows), the answer counted
    /// in the shared count of its window, and both saved. A process that never comes near
    /// the limit leaves nothing behind.
    #[allow(clippy::too_many_arguments)]
    pub fn answered(
        &self,
        pacer: &Pacer,
        key: &str,
        budget: Budget,
        news: bool,
        taken: Option<f64>,
        (sent, now): (Instant, Instant),
        system_now: f64,
    ) {
        if pacer.shared_tail(key, now).is_none() && !(news && self.exists()) {
            return;
        }
        let lock = self.lock();
        let mut counts = self.merge_saved(pacer, now, system_now);
        if lock.is_some() {
            // Every request taken before this one was sent (this one too) is in its answer.
            let sent_at = system_now - now.saturating_duration_since(sent).as_secs_f64();
            let sent_at = taken.map_or(sent_at, |taken| sent_at.max(taken));
            if let Some(count) = counts
                .iter_mut()
                .find(|c| c.is_of(budget.limit, budget.resets_at))
            {
                count.answered(budget.remaining, sent_at);
            }
        }
        self.save(pacer, counts, now, system_now);
    }

    /// Merges the saved view into `pacer` ([`Pacer::merge`]: the lower count and the
    /// earlier end of each window they share) and returns the saved shared counts.
    fn merge_saved(&self, pacer: &Pacer, now: Instant, system_now: f64) -> Vec<SharedCount> {
        match self.read(system_now) {
            Some(saved) => {
                pacer.merge(&saved.view, now, system_now);
                saved.counts
            }
            None => Vec::new(),
        }
    }

    /// Saves the view of `pacer` (nothing before its first answer) with the shared counts
    /// of the windows it holds.
    fn save(&self, pacer: &Pacer, mut counts: Vec<SharedCount>, now: Instant, system_now: f64) {
        let Some(view) = pacer.view(now, system_now) else {
            return;
        };
        counts.retain(|c| view.windows.iter().any(|w| c.is_of(w.limit, w.resets_at)));
        if let Err(error) = self.write(&view, counts, system_now) {
            tracing::debug!(path = %self.path.display(), %error, "pacing view not saved");
        }
    }

    fn read(&self, system_now: f64) -> Option<Saved> {
        if !is_private_file(&self.path) {
            return None;
        }
        let bytes = std::fs::read(&self.path).ok()?;
        let stored: Stored = serde_json::from_slice(&bytes).ok()?;
        let age = system_now - stored.written_at;
        let ages = -MAX_AHEAD.as_secs_f64()..MAX_AGE.as_secs_f64();
        if stored.version != VERSION || !ages.contains(&age) {
            return None;
        }
        let view = PacerView {
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
        };
        let counts = stored
            .counts
            .into_iter()
            .filter(SharedCount::is_plausible)
            .collect();
        Some(Saved { view, counts })
    }

    fn write(
        &self,
        view: &PacerView,
        counts: Vec<SharedCount>,
        system_now: f64,
    ) -> std::io::Result<()> {
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
            counts,
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

/// Opens (creating it, 0600) the lock file at `path`: a regular file that only its owner
/// may read or write, never through a link.
#[cfg(unix)]
fn open_private(path: &Path) -> Option<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    (meta.is_file() && meta.permissions().mode() & 0o077 == 0).then_some(file)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> Option<File> {
    if std::fs::symlink_metadata(path).is_ok_and(|meta| !meta.is_file()) {
        return None;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .open(path)
        .ok()
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
    use crate::http::pacer::sim::FakeServer;
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
        file.save(&saved, Vec::new(), t0 + ms(2), 50_000.0);
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
        file.save(&spent("k", t0), Vec::new(), t0 + ms(2), 50_000.0);
        assert!(load(50_000.0) > Duration::ZERO);
        assert_eq!(load(50_000.0 + MAX_AGE.as_secs_f64()), Duration::ZERO);
        assert_eq!(load(49_000.0), Duration::ZERO);
        // Written a moment after the reader read its clock (it waited for the lock): read.
        assert!(load(50_000.0 - MAX_AHEAD.as_secs_f64() / 2.0) > Duration::ZERO);
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
        file.save(&spent("k", t0), Vec::new(), t0 + ms(2), 50_000.0);
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

    /// What the clients of one org did against one bucket.
    #[derive(Debug)]
    struct Outcome {
        /// From the first request to the last accepted answer.
        took: Duration,
        /// Requests answered 429.
        refused: u32,
        /// Requests of windows before the last that nobody used.
        unused: u64,
    }

    /// Where one client is in sending its current request.
    enum Step {
        /// About to take a slot.
        Reserve,
        /// A slot is reserved (taken from the shared count at `taken`): send when it comes.
        Send { taken: Option<f64> },
        /// Sent at `sent`, reaching the server now.
        Arrive { sent: Instant, taken: Option<f64> },
        /// The answer arrives now.
        Answer {
            sent: Instant,
            taken: Option<f64>,
            accepted: bool,
            budget: Budget,
        },
    }

    struct Client {
        pacer: Pacer,
        at: Instant,
        step: Step,
    }

    /// How the clients of [`run_clients`] are run.
    #[derive(Clone, Copy)]
    enum Processes {
        /// Each client one process for the whole run (`serve`), one request at a time.
        Serving(usize),
        /// A new process per request, one after the other, starting `spawn` after the last
        /// answer (the relay's way).
        PerRequest { spawn: Duration },
    }

    /// `n` requests of one pacing key from processes of one org, through `file`, against
    /// `server`, on a virtual clock (the system clock reads 10 000 s more). A request
    /// reaches the server 1 ms after it is sent and its answer arrives 1 ms later, so the
    /// requests of several processes are in flight together and each process's count lags
    /// the others'. What a process does with the file is what `HttpCore::send` does.
    fn run_clients(
        server: &mut FakeServer,
        file: &PacerFile,
        processes: Processes,
        n: usize,
    ) -> Outcome {
        const KEY: &str = "GET /api/v1/users/{id}";
        let t0 = server.t0;
        let system = |at: Instant| 10_000.0 + (at - t0).as_secs_f64();
        let start = |at: Instant| {
            let pacer = Pacer::new();
            file.load_into(&pacer, at, system(at));
            Client {
                pacer,
                at,
                step: Step::Reserve,
            }
        };
        let count = match processes {
            Processes::Serving(count) => count,
            Processes::PerRequest { .. } => 1,
        };
        let mut clients: Vec<Client> = (0..count)
            .map(|i| start(t0 + Duration::from_micros(100 * i as u64)))
            .collect();
        let (mut accepted, mut refused, mut last) = (0, 0, t0);
        while accepted < n {
            let (i, _) = clients
                .iter()
                .enumerate()
                .min_by_key(|(_, c)| c.at)
                .unwrap();
            let client = &mut clients[i];
            let now = client.at;
            match client.step {
                Step::Reserve => {
                    let reservation = file.reserve(&client.pacer, KEY, || (now, system(now)));
                    client.step = Step::Send {
                        taken: reservation.taken,
                    };
                    client.at += reservation.wait;
                }
                Step::Send { taken } => {
                    client.step = Step::Arrive { sent: now, taken };
                    client.at += ms(1);
                }
                Step::Arrive { sent, taken } => {
                    let (ok, budget) = server.request(now);
                    client.step = Step::Answer {
                        sent,
                        taken,
                        accepted: ok,
                        budget,
                    };
                    client.at += ms(1);
                }
                Step::Answer {
                    sent,
                    taken,
                    accepted: ok,
                    budget,
                } => {
                    let news = client.pacer.observe(KEY, Some(budget), sent, now);
                    let times = (sent, now);
                    let pacer = &client.pacer;
                    file.answered(pacer, KEY, budget, news, taken, times, system(now));
                    client.step = Step::Reserve;
                    if !ok {
                        refused += 1;
                        client.at += client.pacer.until_refill(KEY, now).unwrap_or(ms(1_000));
                        continue;
                    }
                    accepted += 1;
                    last = now;
                    if let Processes::PerRequest { spawn } = processes {
                        *client = start(now + spawn);
                    }
                }
            }
        }
        Outcome {
            took: last - t0,
            refused,
            unused: server.unused(),
        }
    }

    #[test]
    fn serve_processes_sharing_the_file_use_every_request_of_every_window() {
        // 1,000 requests under 100 per 5 s fill 10 windows exactly: one request left unused
        // in any window costs an 11th (5 s more).
        for clients in [2, 4, 8] {
            let dir = tempfile::tempdir().unwrap();
            let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
            let mut server = FakeServer::new(100, 5);
            let outcome = run_clients(&mut server, &file, Processes::Serving(clients), 1_000);
            assert_eq!(outcome.unused, 0, "{clients} clients: {outcome:?}");
            assert_eq!(server.accepted.len(), 10, "{clients} clients: {outcome:?}");
            // Requests sent on a process's own count near the tail are answered long before
            // the window's last requests are taken: no 429 when requests reach the server
            // in the order they were sent.
            assert_eq!(outcome.refused, 0, "{clients} clients: {outcome:?}");
            assert!(
                outcome.took < Duration::from_secs(46),
                "{clients} clients: {outcome:?}"
            );
            let gaps = server.gaps();
            assert!(gaps.iter().all(|gap| *gap < ms(10)), "{clients}: {gaps:?}");
        }
    }

    #[test]
    fn a_process_per_request_uses_every_request_of_every_window() {
        let dir = tempfile::tempdir().unwrap();
        let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
        let mut server = FakeServer::new(100, 5);
        let per_request = Processes::PerRequest { spawn: ms(5) };
        let outcome = run_clients(&mut server, &file, per_request, 1_000);
        assert_eq!(outcome.unused, 0, "{outcome:?}");
        assert_eq!(outcome.refused, 0, "{outcome:?}");
        // Each window opens within a few round trips after the last one ends: the file
        // carries the end as the process that opened it measured it. All but the first: no
        // file existed while it was open (nothing is written before a window runs low), so
        // the process that opened it told no one, and its end came from the reset.
        let gaps = server.gaps();
        assert!(gaps[0] > ms(100), "{gaps:?}");
        assert!(gaps[1..].iter().all(|gap| *gap < ms(10)), "{gaps:?}");
        assert!(
            outcome.took < Duration::from_secs(47) + gaps[0],
            "{outcome:?}"
        );
    }

    /// A pacer in the tail of a window (5 of 100 left, reset at 1 005), used by two clients.
    fn in_the_tail(t0: Instant) -> Pacer {
        let pacer = Pacer::new();
        for (n, remaining) in [9, 7, 5].into_iter().enumerate() {
            let budget = Budget {
                limit: 100,
                remaining,
                resets_at: 1_005,
                server_date: 1_000,
            };
            let sent = t0 + ms(10 * n as u64);
            pacer.observe("k", Some(budget), sent, sent + ms(2));
        }
        pacer
    }

    #[test]
    fn the_tail_is_taken_from_the_shared_count_and_each_answer_counted_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
        let t0 = Instant::now();
        let now = t0 + ms(100);
        let (a, b) = (in_the_tail(t0), in_the_tail(t0));
        // Five left: a takes three, b two, and then neither gets one.
        let mut taken = Vec::new();
        for (n, pacer) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
            let slot = file.reserve(pacer, "k", || (now, 50_000.1 + n as f64 / 1_000.0));
            assert_eq!(slot.wait, Duration::ZERO);
            taken.push(slot.taken.unwrap());
        }
        for pacer in [&a, &b] {
            let slot = file.reserve(pacer, "k", || (now, 50_000.104));
            assert!(slot.wait > ms(4_000) && slot.taken.is_none(), "{slot:?}");
        }
        let saved = file.read(50_000.104).unwrap();
        assert_eq!(saved.counts.len(), 1);
        assert_eq!(
            (saved.counts[0].lowest, saved.counts[0].pending.len()),
            (5, 5)
        );
        // An answer shows the use of every request taken before it was sent.
        let answer = Budget {
            limit: 100,
            remaining: 1,
            resets_at: 1_005,
            server_date: 1_000,
        };
        // b's second request, taken at 50 000.103, sent at once and answered 2 ms later.
        let times = (now, now + ms(2));
        file.answered(&b, "k", answer, false, Some(taken[3]), times, 50_000.105);
        let saved = file.read(50_000.105).unwrap();
        assert_eq!(
            (saved.counts[0].lowest, saved.counts[0].pending.len()),
            (1, 1)
        );
        // The lock file is the owner's only.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file.lock_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_process_whose_window_ended_sees_the_next_one_another_process_spent() {
        let dir = tempfile::tempdir().unwrap();
        let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
        let t0 = Instant::now();
        // The system clock reads 50 000 s at t0.
        let system = |at: Instant| 50_000.0 + (at - t0).as_secs_f64();
        // This process waited out a spent window (reset 1 005), ending about t0 + 5 s...
        let late = spent("k", t0);
        // ...while another opened the next one (reset 1 010) and spent it by t0 + 5.1 s.
        let other = Pacer::new();
        let next = Budget {
            limit: 100,
            remaining: 0,
            resets_at: 1_010,
            server_date: 1_005,
        };
        let (sent, received) = (t0 + ms(5_100), t0 + ms(5_102));
        other.observe("k", Some(next), sent, received);
        file.save(&other, Vec::new(), received, system(received));
        let now = t0 + ms(5_200);
        let slot = file.reserve(&late, "k", || (now, system(now)));
        assert!(slot.wait > ms(4_800) && slot.wait < ms(5_000), "{slot:?}");
        // Blind, it would have sent at once, into a 429.
        assert_eq!(spent("k", t0).reserve("k", now), Duration::ZERO);
    }

    #[cfg(unix)]
    #[test]
    fn without_the_lock_a_process_paces_on_its_own_count() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
        let t0 = Instant::now();
        let now = t0 + ms(100);
        // Held by another process (another open file) and never let go.
        let holder = open_private(&file.lock_path()).unwrap();
        holder.lock().unwrap();
        let pacer = in_the_tail(t0);
        let granted = (0..10)
            .map(|_| file.reserve(&pacer, "k", || (now, 50_000.1)))
            .take_while(|slot| slot.wait < ms(4_000))
            .inspect(|slot| assert_eq!(slot.taken, None))
            .count();
        // On its own count, the last request is left to the other client it sees.
        assert_eq!(granted, 4);
        drop(holder);
        // A link in the lock file's place is not followed, nor locked.
        std::fs::remove_file(file.lock_path()).unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, b"").unwrap();
        std::os::unix::fs::symlink(&elsewhere, file.lock_path()).unwrap();
        let slot = file.reserve(&in_the_tail(t0), "k", || (now, 50_000.1));
        assert_eq!(slot.taken, None);
        // Nor is a lock file others may write.
        std::fs::remove_file(file.lock_path()).unwrap();
        std::fs::write(file.lock_path(), b"").unwrap();
        std::fs::set_permissions(file.lock_path(), std::fs::Permissions::from_mode(0o666)).unwrap();
        let slot = file.reserve(&in_the_tail(t0), "k", || (now, 50_000.1));
        assert_eq!(slot.taken, None);
        std::fs::set_permissions(file.lock_path(), std::fs::Permissions::from_mode(0o600)).unwrap();
        let slot = file.reserve(&in_the_tail(t0), "k", || (now, 50_000.1));
        assert!(slot.taken.is_some());
    }

    #[test]
    fn nothing_is_written_before_the_first_answer() {
        let dir = tempfile::tempdir().unwrap();
        let file = PacerFile::in_dir(dir.path(), &base("https://acme.okta.com/api/v1/"));
        file.save(&Pacer::new(), Vec::new(), Instant::now(), 50_000.0);
        assert!(!file.path().exists());
        // An unwritable directory is not an error for the caller.
        let nowhere = PacerFile::in_dir(
            Path::new("/nonexistent/dir"),
            &base("https://acme.okta.com/api/v1/"),
        );
        nowhere.save(
            &spent("k", Instant::now()),
            Vec::new(),
            Instant::now(),
            50_000.0,
        );
    }
}
