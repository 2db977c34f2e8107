//! Rate-limit headers, pacing, backoff and jitter.
//!
//! Every response's `X-Rate-Limit-Limit/Remaining/Reset` are read ([`RateLimitInfo`]); when a
//! header is repeated (several lines, or one comma-joined value) the smallest value counts.
//! The reset (epoch seconds) is measured against the response's `Date` header, and turned
//! into a monotonic instant when the response arrives.
//!
//! Headers are input from the network and are never trusted to be sane: a `Date` outside
//! [`SANE_DATES`] (a 1970 date, a year 9999 one) is replaced by the local clock; a reset more than [`MAX_TRUSTED_RESET`] ahead is ignored (Okta's windows
//! are at most a minute), so no header can make the client wait, or block a bucket, for
//! longer than that; and all arithmetic on header values is checked or saturating.
//!
//! [`Pacer`] keeps, per bucket, the last known window: once `Remaining` falls to the low-water
//! mark (10 % of `Limit`, at least 2), the requests still allowed are spread evenly over what
//! is left of the window; at 0, requests wait for the window to end. The state is shared by
//! every request of a client and its clones.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::okta::transport::HttpResponse;
use crate::time::parse_http_date;

/// Added to every reset-based wait: resets have one-second granularity and clocks differ.
pub const RESET_MARGIN: Duration = Duration::from_secs(1);
/// Upper bound of the random jitter added to a reset-based wait.
pub const RESET_JITTER: Duration = Duration::from_millis(500);
/// Pacing starts when `Remaining` is at or below this percentage of `Limit`...
pub const LOW_WATER_PERCENT: u64 = 10;
/// ...or at or below this many requests, whichever is larger.
pub const LOW_WATER_MIN: u64 = 2;

/// A response `Date` outside `[SANE_DATES.0, SANE_DATES.1)` (UTC epoch seconds: 2000-01-01
/// to 2100-01-01) is taken as wrong, and the local clock is used instead. The bounds are wide
/// on purpose: `Date` is preferred to the local clock because the local clock may be off, and
/// replayed cassettes carry the dates of their recording.
pub const SANE_DATES: (i64, i64) = (946_684_800, 4_102_444_800);
/// A reset further ahead than this is not believed (Okta's windows are one minute).
pub const MAX_TRUSTED_RESET: Duration = Duration::from_secs(5 * 60);

/// The rate-limit headers of one response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimitInfo {
    /// `X-Rate-Limit-Limit` (smallest when repeated).
    pub limit: Option<u64>,
    /// `X-Rate-Limit-Remaining` (smallest when repeated).
    pub remaining: Option<u64>,
    /// `X-Rate-Limit-Reset`, UTC epoch seconds (smallest when repeated).
    pub reset: Option<i64>,
    /// The response's `Date`, UTC epoch seconds (the local clock when `Date` is outside
    /// [`SANE_DATES`]; missing when `Date` is missing or unreadable).
    pub date: Option<i64>,
}

impl RateLimitInfo {
    pub fn from_response(response: &HttpResponse) -> Self {
        let local = chrono::Utc::now().timestamp();
        Self::from_response_at(response, local)
    }

    /// [`RateLimitInfo::from_response`] with the local clock given (UTC epoch seconds).
    pub fn from_response_at(response: &HttpResponse, local_now: i64) -> Self {
        let date = response
            .header("date")
            .and_then(parse_http_date)
            .map(|date| {
                if !(SANE_DATES.0..SANE_DATES.1).contains(&date) {
                    tracing::debug!(
                        date,
                        local_now,
                        "the response's Date is far off; using the local clock"
                    );
                    local_now
                } else {
                    date
                }
            });
        RateLimitInfo {
            limit: smallest(response, "x-rate-limit-limit"),
            remaining: smallest(response, "x-rate-limit-remaining"),
            reset: smallest(response, "x-rate-limit-reset"),
            date,
        }
    }

    /// Okta's concurrency 429: `Limit: 0` and `Remaining: 0` (the reset is only an estimate).
    pub fn is_concurrency_limit(&self) -> bool {
        self.limit == Some(0) && self.remaining == Some(0)
    }

    /// `Reset − Date` (0 when the reset is already past); `None` if either is missing, or
    /// when the reset is more than [`MAX_TRUSTED_RESET`] ahead (not believed).
    pub fn until_reset(&self) -> Option<Duration> {
        let seconds = self.reset?.checked_sub(self.date?)?;
        let until = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
        (until <= MAX_TRUSTED_RESET).then_some(until)
    }
}

/// The smallest integer among every value of a header (lines and comma-joined parts).
fn smallest<T: std::str::FromStr + Ord>(response: &HttpResponse, name: &str) -> Option<T> {
    response
        .header_values(name)
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse::<T>().ok())
        .min()
}

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

/// The wait before retrying an ordinary 429: until the reset (measured against `Date`), plus
/// [`RESET_MARGIN`] and up to [`RESET_JITTER`]. `None` when `Date` or `Reset` is missing.
pub fn reset_wait(info: &RateLimitInfo) -> Option<Duration> {
    info.until_reset()
        .map(|until| until + RESET_MARGIN + jitter(RESET_JITTER))
}

/// A uniformly random duration in `[0, max)` (xorshift64, seeded per thread from
/// `RandomState`). Not for anything secret.
pub fn jitter(max: Duration) -> Duration {
    let nanos = max.as_nanos() as u64;
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

#[derive(Clone, Copy, Debug)]
struct Window {
    limit: u64,
    remaining: u64,
    /// When the window resets (including [`RESET_MARGIN`]).
    ends: Instant,
    /// The earliest time the next paced request may go.
    next_slot: Instant,
}

/// Per-bucket pacing state, shared by all requests of a client.
///
/// Buckets are keyed by method and path shape with ids replaced (`GET /api/v1/users`,
/// `GET /api/v1/users/{id}`, `POST /api/v1/users/{id}/lifecycle/activate`,
/// `GET /api/v1/logs`). Okta's own buckets can be coarser (all of `/api/v1/apps/*` share
/// one); a finer key only means each key learns the shared `Remaining` from its own answers.
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

    /// Records what a response said about `bucket`, received at `now`. Ignores responses
    /// without `Limit`, `Remaining`, `Reset` and `Date`, and concurrency 429s.
    pub fn observe(&self, bucket: &str, info: &RateLimitInfo, now: Instant) {
        if info.is_concurrency_limit() {
            return;
        }
        let (Some(limit), Some(remaining), Some(until)) =
            (info.limit, info.remaining, info.until_reset())
        else {
            return;
        };
        // `until` is at most MAX_TRUSTED_RESET, so this cannot overflow; checked anyway.
        let Some(ends) = now.checked_add(until + RESET_MARGIN) else {
            return;
        };
        let mut buckets = self.lock();
        match buckets.get_mut(bucket) {
            // Same window (resets agree within a second, either way): keep the more cautious
            // count. A reset that differs is a newer window (or another Okta bucket behind
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

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status: 200,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: vec![],
        }
    }

    const DATE: &str = "Tue, 20 May 2025 16:54:14 GMT";
    const DATE_EPOCH: i64 = 1_747_760_054;

    #[test]
    fn reads_headers_and_the_date() {
        let info = RateLimitInfo::from_response(&response(&[
            ("x-rate-limit-limit", "600"),
            ("x-rate-limit-remaining", "599"),
            ("x-rate-limit-reset", "1747760100"),
            ("date", DATE),
        ]));
        assert_eq!(info.limit, Some(600));
        assert_eq!(info.remaining, Some(599));
        assert_eq!(info.date, Some(DATE_EPOCH));
        assert_eq!(info.until_reset(), Some(Duration::from_secs(46)));
        assert!(!info.is_concurrency_limit());
    }

    #[test]
    fn repeated_headers_take_the_smallest_in_both_forms() {
        let lines = RateLimitInfo::from_response(&response(&[
            ("x-rate-limit-limit", "1200"),
            ("x-rate-limit-limit", "600"),
            ("x-rate-limit-remaining", "30"),
            ("x-rate-limit-remaining", "500"),
            ("x-rate-limit-reset", "1747760110"),
            ("x-rate-limit-reset", "1747760090"),
        ]));
        let joined = RateLimitInfo::from_response(&response(&[
            ("x-rate-limit-limit", "1200, 600"),
            ("x-rate-limit-remaining", "30,500"),
            ("x-rate-limit-reset", "1747760110, 1747760090"),
        ]));
        for info in [lines, joined] {
            assert_eq!(info.limit, Some(600));
            assert_eq!(info.remaining, Some(30));
            assert_eq!(info.reset, Some(1_747_760_090));
        }
    }

    #[test]
    fn missing_or_bad_values_are_none() {
        let info = RateLimitInfo::from_response(&response(&[
            ("x-rate-limit-reset", "soon"),
            ("date", "yesterday"),
        ]));
        assert_eq!(info, RateLimitInfo::default());
        assert_eq!(reset_wait(&info), None);
    }

    #[test]
    fn concurrency_limit_is_limit_and_remaining_zero() {
        let info = RateLimitInfo::from_response(&response(&[
            ("x-rate-limit-limit", "0"),
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", "1747760100"),
        ]));
        assert!(info.is_concurrency_limit());
    }

    #[test]
    fn reset_wait_adds_margin_and_bounded_jitter() {
        let info = RateLimitInfo {
            reset: Some(DATE_EPOCH + 30),
            date: Some(DATE_EPOCH),
            ..Default::default()
        };
        for _ in 0..100 {
            let wait = reset_wait(&info).unwrap();
            assert!(wait >= Duration::from_secs(31) && wait < Duration::from_millis(31_500));
        }
        let past = RateLimitInfo {
            reset: Some(DATE_EPOCH - 5),
            date: Some(DATE_EPOCH),
            ..Default::default()
        };
        assert!(reset_wait(&past).unwrap() < Duration::from_millis(1_500));
    }

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

    fn info(limit: u64, remaining: u64, until: i64) -> RateLimitInfo {
        RateLimitInfo {
            limit: Some(limit),
            remaining: Some(remaining),
            reset: Some(DATE_EPOCH + until),
            date: Some(DATE_EPOCH),
        }
    }

    #[test]
    fn pacer_lets_requests_through_while_remaining_is_high() {
        let pacer = Pacer::new();
        let now = Instant::now();
        assert_eq!(pacer.reserve("GET /api/v1/users", now), Duration::ZERO);
        pacer.observe("GET /api/v1/users", &info(600, 500, 60), now);
        for _ in 0..100 {
            assert_eq!(pacer.reserve("GET /api/v1/users", now), Duration::ZERO);
        }
    }

    #[test]
    fn pacer_spreads_the_last_requests_over_the_window() {
        let pacer = Pacer::new();
        let now = Instant::now();
        // 3 left, window ends in 59 s + 1 s margin = 60 s.
        pacer.observe("GET /api/v1/logs", &info(100, 3, 59), now);
        let waits: Vec<_> = (0..4)
            .map(|_| pacer.reserve("GET /api/v1/logs", now))
            .collect();
        assert_eq!(waits[0], Duration::ZERO);
        assert_eq!(waits[1], Duration::from_secs(20));
        assert_eq!(waits[2], Duration::from_secs(40));
        // None left: wait for the end of the window.
        assert_eq!(waits[3], Duration::from_secs(60));
        // Other buckets are not affected; after the window all is clear.
        assert_eq!(pacer.reserve("GET /api/v1/users", now), Duration::ZERO);
        assert_eq!(
            pacer.reserve("GET /api/v1/logs", now + Duration::from_secs(61)),
            Duration::ZERO
        );
    }

    #[test]
    fn pacer_ignores_concurrency_answers_and_incomplete_headers() {
        let pacer = Pacer::new();
        let now = Instant::now();
        pacer.observe("b", &info(0, 0, 30), now);
        pacer.observe(
            "b",
            &RateLimitInfo {
                limit: Some(10),
                remaining: Some(0),
                ..Default::default()
            },
            now,
        );
        assert_eq!(pacer.reserve("b", now), Duration::ZERO);
    }

    #[test]
    fn a_429_with_an_earlier_reset_is_not_held_to_the_longer_window() {
        // Found by tests/it/binary/faults.rs: answers said "resets in 60 s", then a 429 said "0 left,
        // resets in 1 s". Keeping the 60 s end with 0 left failed every request of the
        // bucket for a minute, the retry of that 429 included.
        let pacer = Pacer::new();
        let now = Instant::now();
        pacer.observe("b", &info(600, 500, 60), now);
        pacer.observe("b", &info(600, 0, 1), now);
        assert_eq!(pacer.reserve("b", now), Duration::from_secs(2));
        let later = now + Duration::from_secs(2);
        assert_eq!(pacer.reserve("b", later), Duration::ZERO);
        // Resets that agree within a second are one window: the lower count stays.
        pacer.observe("b", &info(600, 500, 60), now);
        pacer.observe("b", &info(600, 1, 60), now + Duration::from_millis(400));
        pacer.observe("b", &info(600, 400, 59), now + Duration::from_millis(500));
        let at = now + Duration::from_secs(1);
        assert_eq!(pacer.reserve("b", at), Duration::ZERO);
        assert!(
            pacer.reserve("b", at) > Duration::from_secs(50),
            "1 left, then 0"
        );
    }

    #[test]
    fn absurd_headers_neither_panic_nor_block_a_bucket() {
        let now_epoch = 1_800_000_000;
        // Reset = i64::MAX with a 1970 Date: the Date is replaced by the local clock and the
        // reset, centuries away, is not believed.
        let read = RateLimitInfo::from_response_at(
            &response(&[
                ("x-rate-limit-limit", "600"),
                ("x-rate-limit-remaining", "0"),
                ("x-rate-limit-reset", &i64::MAX.to_string()),
                ("date", "Thu, 01 Jan 1970 00:00:00 GMT"),
            ]),
            now_epoch,
        );
        assert_eq!(read.date, Some(now_epoch));
        assert_eq!(read.until_reset(), None);
        assert_eq!(reset_wait(&read), None);
        // A 1970 Date with a plausible reset: measured against the local clock.
        let read = RateLimitInfo::from_response_at(
            &response(&[
                ("x-rate-limit-reset", &(now_epoch + 30).to_string()),
                ("date", "Thu, 01 Jan 1970 00:00:00 GMT"),
            ]),
            now_epoch,
        );
        assert_eq!(read.until_reset(), Some(Duration::from_secs(30)));
        // Extreme values never overflow.
        for (reset, date) in [(i64::MAX, i64::MIN), (i64::MIN, i64::MAX), (0, i64::MAX)] {
            let read = RateLimitInfo {
                reset: Some(reset),
                date: Some(date),
                ..Default::default()
            };
            assert!(read.until_reset().unwrap_or_default() <= MAX_TRUSTED_RESET);
        }

        let pacer = Pacer::new();
        let now = Instant::now();
        // Limit near u64::MAX, Remaining huge: no overflow, no division by zero.
        pacer.observe("b", &info(u64::MAX - 1, u64::MAX - 2, 30), now);
        assert_eq!(pacer.reserve("b", now), Duration::ZERO);
        pacer.observe("c", &info(u64::MAX, 1 << 40, 30), now);
        assert_eq!(pacer.reserve("c", now), Duration::ZERO);
        pacer.observe("d", &info(u64::MAX, 5, 30), now);
        assert!(pacer.reserve("d", now) <= Duration::from_secs(31));
        assert!(pacer.reserve("d", now) <= Duration::from_secs(31));
        // Remaining 0 with an unbelievable reset does not block the bucket.
        pacer.observe("e", &info(600, 0, i64::MAX / 2), now);
        assert_eq!(pacer.reserve("e", now), Duration::ZERO);
    }

    #[test]
    fn a_new_window_replaces_the_old_one() {
        let pacer = Pacer::new();
        let now = Instant::now();
        pacer.observe("b", &info(100, 0, 10), now);
        assert_eq!(pacer.reserve("b", now), Duration::from_secs(11));
        let later = now + Duration::from_secs(12);
        pacer.observe("b", &info(100, 99, 60), later);
        assert_eq!(pacer.reserve("b", later), Duration::ZERO);
    }
}
