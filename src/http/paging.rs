//! How paging reports progress without knowing who listens.
//!
//! A vendor's pager calls [`page_fetched`] after every page; the front end that wants a
//! progress line (the CLI's `call`, on a terminal) installs a [`PageObserver`] once with
//! [`observe_pages`]. With no observer, nothing happens: the protocol loop never shows one.

use std::sync::OnceLock;

/// Told of every page a pager fetched.
pub trait PageObserver: Send + Sync {
    /// One page of `items` results arrived.
    fn page_fetched(&self, items: usize);
}

static OBSERVER: OnceLock<&'static dyn PageObserver> = OnceLock::new();

/// Installs the process's page observer; the first one installed stays.
pub fn observe_pages(observer: &'static dyn PageObserver) {
    let _ = OBSERVER.set(observer);
}

/// Reports one fetched page of `items` results to the observer, if there is one.
pub fn page_fetched(items: usize) {
    if let Some(observer) = OBSERVER.get() {
        observer.page_fetched(items);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counting(AtomicUsize);

    impl PageObserver for Counting {
        fn page_fetched(&self, items: usize) {
            self.0.fetch_add(items, Ordering::Relaxed);
        }
    }

    static COUNTING: Counting = Counting(AtomicUsize::new(0));

    #[test]
    fn pages_reach_the_installed_observer() {
        page_fetched(5);
        observe_pages(&COUNTING);
        page_fetched(3);
        page_fetched(4);
        assert_eq!(COUNTING.0.load(Ordering::Relaxed), 7);
    }
}
