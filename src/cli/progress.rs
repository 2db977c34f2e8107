//! A progress line on stderr for `okta-iam call`, while a command pages through many results.
//!
//! Off unless [`enable`] is called, which `call` does only when stderr is a terminal: the
//! protocol loop never prints it, and pipes and CI logs stay clean. Pagers report pages
//! through [`crate::http::paging`]; [`enable`] installs this line as their observer.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);
static PAGES: AtomicU64 = AtomicU64::new(0);
static ITEMS: AtomicU64 = AtomicU64::new(0);
static SHOWN: AtomicBool = AtomicBool::new(false);

/// Turns the progress line on for this process.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
    crate::http::paging::observe_pages(&ProgressLine);
}

/// The progress line as the pagers' observer.
struct ProgressLine;

impl crate::http::paging::PageObserver for ProgressLine {
    fn page_fetched(&self, items: usize) {
        page_fetched(items);
    }
}

/// Called for every page fetched; shows the line from the second page on.
pub fn page_fetched(items: usize) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    let pages = PAGES.fetch_add(1, Ordering::Relaxed) + 1;
    let total = ITEMS.fetch_add(items as u64, Ordering::Relaxed) + items as u64;
    if pages >= 2 {
        SHOWN.store(true, Ordering::Relaxed);
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2Kfetched {pages} pages, {total} items");
        let _ = stderr.flush();
    }
}

/// Clears the progress line, if one was shown.
pub fn finish() {
    if SHOWN.swap(false, Ordering::Relaxed) {
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K");
        let _ = stderr.flush();
    }
}
