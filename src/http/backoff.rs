//! Exponential backoff with jitter: how long to wait before a retry.
//!
//! Vendor-neutral: the retry decision ([`crate::http::retry::decide`]) takes the steps, and
//! each vendor's client adds the jitter.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Exponential backoff for retry number `retry` (1-based): `base · 2^(retry-1)`, at most
/// `cap`, plus up to 25 % jitter.
pub fn backoff(base: Duration, cap: Duration, retry: u32) -> Duration {
    let delay = backoff_step(base, cap, retry);
    delay + jitter(delay / 4)
}

/// The backoff step without jitter: `base · 2^(retry-1)`, at most `cap`.
pub fn backoff_step(base: Duration, cap: Duration, retry: u32) -> Duration {
    let factor = 1u32 << retry.saturating_sub(1).min(16);
    base.saturating_mul(factor).min(cap)
}

/// A uniformly random duration in `[0, max)` (xorshift64, seeded per thread from
/// `RandomState`). Not for anything secret.
pub fn jitter(max: Duration) -> Duration {
    // Saturates: a maximum beyond u64 nanoseconds (584 years) draws from that range.
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(next_random() % nanos)
}

fn next_random() -> u64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let mut hasher = RandomState::new().build_hasher();
            hasher.write_u64(0x9E37_79B9_7F4A_7C15);
            hasher.finish() | 1
        });
    }
    STATE.with(|state| {
        let mut x = state.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        state.set(x);
        x
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let base = Duration::from_secs(1);
        let cap = Duration::from_secs(8);
        for (retry, floor) in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 8), (40, 8)] {
            let d = backoff(base, cap, retry);
            let floor = Duration::from_secs(floor);
            assert!(d >= floor && d <= floor + floor / 4, "{retry}: {d:?}");
        }
    }

    #[test]
    fn jitter_stays_in_range_and_varies() {
        let max = Duration::from_millis(500);
        let samples: Vec<_> = (0..50).map(|_| jitter(max)).collect();
        assert!(samples.iter().all(|d| *d < max));
        assert!(samples.windows(2).any(|w| w[0] != w[1]));
        assert_eq!(jitter(Duration::ZERO), Duration::ZERO);
    }
}
