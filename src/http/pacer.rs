//! Pacing: spreading the last requests of a rate-limit window over what is left of it.
//!
//! A vendor reads its own rate-limit headers into a [`Budget`] (limit, remaining, time until
//! the window resets) and names a bucket per request; the [`Pacer`] keeps, per bucket, the
//! last known window: once `remaining` falls to the low-water mark ([`LOW_WATER_PERCENT`] of
//! `limit`, at least [`LOW_WATER_MIN`]), the requests still allowed are spread evenly over
//! what is left of the window; at 0, requests wait for the window to end. The state is shared
//! by every request of a client and its clones.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// Pacing starts when `Remaining` is at or below this percentage of `Limit`...
pub const LOW_WATER_PERCENT: u64 = 10;
/// ...or at or below this many requests, whichever is larger.
pub const LOW_WATER_MIN: u64 = 2;

/// What one answer said about its bucket's window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in this window.
    pub remaining: u64,
    /// Until the window resets, from when the answer arrived (any safety margin included).
    pub window_left: Duration,
}

#[derive(Clone, Copy, Debug)]
struct Window {
    limit: u64,
    remaining: u64,
    /// When the window resets (the vendor's margin included).
    ends: Instant,
    /// The earliest time the next paced request may go.
    next_slot: Instant,
}

/// Per-bucket pacing state, shared by all requests of a client. A bucket is whatever key the
/// vendor's client names (Okta: method and path shape).
#[derive(Debug, Default)]
pub struct Pacer {
    buckets: Mutex<HashMap<String, Window>>,
}

impl Pacer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reserves a slot for one request of `bucket` and returns how long to wait before
    /// sending it (zero when there is room).
    pub fn reserve(&self, bucket: &str, now: Instant) -> Duration {
        let mut buckets = self.lock();
        let Some(window) = buckets.get_mut(bucket) else {
            return Duration::ZERO;
        };
        if now >= window.ends {
            buckets.remove(bucket);
            return Duration::ZERO;
        }
        if window.remaining == 0 {
            return window.ends - now;
        }
        let low_water = (window.limit.saturating_mul(LOW_WATER_PERCENT) / 100).max(LOW_WATER_MIN);
        if window.remaining > low_water {
            window.remaining -= 1;
            return Duration::ZERO;
        }
        // remaining is at most low_water here, but Limit may be huge: never divide by a
        // count truncated to zero.
        let slot = window.next_slot.max(now);
        let spacing = window.ends.saturating_duration_since(slot)
            / u32::try_from(window.remaining).unwrap_or(u32::MAX);
        window.next_slot = slot + spacing;
        window.remaining -= 1;
        slot.saturating_duration_since(now)
    }

    /// Records what a response said about `bucket`, received at `now`. `None` (an answer
    /// that said nothing usable about its window) changes nothing.
    pub fn observe(&self, bucket: &str, budget: Option<Budget>, now: Instant) {
        let Some(Budget {
            limit,
            remaining,
            window_left,
        }) = budget
        else {
            return;
        };
        // `window_left` is bounded by the vendor (Okta: at most 5 minutes and a second), so
        // this cannot overflow; checked anyway.
        let Some(ends) = now.checked_add(window_left) else {
            return;
        };
        let mut buckets = self.lock();
        match buckets.get_mut(bucket) {
            // Same window (resets agree within a second, either way): keep the more cautious
            // count. A reset that differs is a newer window (or another server bucket behind
            // this key): the latest answer wins, so a 429 that resets in a second is not held
            // to an older, longer window.
            Some(window)
                if now < window.ends
                    && window.ends + Duration::from_secs(1) >= ends
                    && ends + Duration::from_secs(1) >= window.ends =>
            {
                window.remaining = window.remaining.min(remaining);
                window.limit = limit;
            }
            _ => {
                buckets.insert(
                    bucket.to_owned(),
                    Window {
                        limit,
                        remaining,
                        ends,
                        next_slot: now,
                    },
                );
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }
}
