//! How the process's allocator (mimalloc, chosen in `src/main.rs`) gives memory back: the one
//! setting the binary and the benchmark harness both apply before anything else runs.

/// mimalloc's `purge_delay` option: its index in `mi_option_e` of the mimalloc 3 that
/// libmimalloc-sys 0.1.49 builds (the crate names no constant for it; check it when the
/// crate is upgraded).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory is kept before it goes back to the system, in milliseconds.
/// mimalloc's default (a second) let a 50,000-event okta-get-logs or fetch-incidents run
/// hold 40 to 70 MB; returning it at once (0) kept memory at 15 to 23 MiB but cost those
/// commands 25 to 60% more CPU. 10 ms keeps both targets: measured in one session,
/// okta-get-logs 57,928 events/s at 19.6 MiB, fetch-incidents 50,919 events/s at 29.5 MiB
/// (0: 44,332/s at 14.6 MiB and 39,824/s; 100: 62,636/s at 25.9 MiB and 68,663/s at
/// 38.0 MiB). BENCHMARKS.md, section 4.
pub const PURGE_DELAY_MS: std::os::raw::c_long = 10;

/// Sets [`PURGE_DELAY_MS`] unless `MIMALLOC_PURGE_DELAY` in the environment decides. Call it
/// first in `main`, before any other thread starts.
pub fn return_freed_memory_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option; mimalloc reads its options atomically, and no
        // other thread runs yet.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
}
