//! Okta's rate-limit headers: what each answer says about its window, and the wait before
//! retrying a 429 (backoff and jitter are [`crate::http::backoff`]).
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
//! [`RateLimitInfo::budget`] turns them into what the HTTP core's
//! [`crate::http::pacer::Pacer`] keeps per bucket: the limit, what is left, and the reset and
//! `Date` as the server wrote them (the pacer places the reset on the local clock with the
//! measured offset of the server's clock, [`crate::http::server_clock`]). The pacing key of
//! a request is its Okta rate-limit bucket ([`crate::okta::buckets`]).

use std::time::Duration;

use crate::http::backoff::jitter;
use crate::http::pacer::Budget;
use crate::http::transport::HttpResponse;
use crate::time::parse_http_date;

/// Added to every reset-based wait: resets have one-second granularity and clocks differ.
pub const RESET_MARGIN: Duration = Duration::from_secs(1);
/// Upper bound of the random jitter added to a reset-based wait.
pub const RESET_JITTER: Duration = Duration::from_millis(500);
pub use crate::http::pacer::{LOW_WATER_MIN, LOW_WATER_PERCENT};

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
        let date = response.header("date").and_then(date_seconds).map(|date| {
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

    /// What the pacer learns from this answer: the window's limit, what is left of it, its
    /// reset and the answer's `Date`. `None` for a concurrency 429 and when `Limit`,
    /// `Remaining`, `Reset` or `Date` is missing (or the reset not believed).
    pub fn budget(&self) -> Option<Budget> {
        if self.is_concurrency_limit() {
            return None;
        }
        self.until_reset()?;
        Some(Budget {
            limit: self.limit?,
            remaining: self.remaining?,
            resets_at: self.reset?,
            server_date: self.date?,
        })
    }

    /// `Reset − Date` (0 when the reset is already past); `None` if either is missing, or
    /// when the reset is more than [`MAX_TRUSTED_RESET`] ahead (not believed).
    pub fn until_reset(&self) -> Option<Duration> {
        let seconds = self.reset?.checked_sub(self.date?)?;
        let until = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
        (until <= MAX_TRUSTED_RESET).then_some(until)
    }
}

/// A `Date` header as UTC epoch seconds. The form every server sends, IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), is read by `httpdate`, which checks the weekday and
/// ranges as chrono does at a fraction of its cost; anything else (other zones, a wrong
/// weekday, a leap second, a year before 1970) is left to [`parse_http_date`], so the
/// answer is the same either way.
fn date_seconds(value: &str) -> Option<i64> {
    let text = value.trim();
    // IMF-fixdate has its comma after a three-letter day; RFC 850 and asctime dates do not.
    if text.as_bytes().get(3) == Some(&b',') {
        if let Ok(at) = httpdate::parse_http_date(text) {
            if let Some(seconds) = at
                .duration_since(std::time::UNIX_EPOCH)
                .ok()
                .and_then(|since| i64::try_from(since.as_secs()).ok())
            {
                return Some(seconds);
            }
        }
    }
    parse_http_date(value)
}

/// The smallest integer among every value of a header (lines and comma-joined parts).
fn smallest<T: std::str::FromStr + Ord>(response: &HttpResponse, name: &str) -> Option<T> {
    response
        .header_values(name)
        .flat_map(|value| value.split(','))
        .filter_map(|part| part.trim().parse::<T>().ok())
        .min()
}

/// The wait before retrying an ordinary 429: until the reset (measured against `Date`), plus
/// [`RESET_MARGIN`] and up to [`RESET_JITTER`]. `None` when `Date` or `Reset` is missing.
pub fn reset_wait(info: &RateLimitInfo) -> Option<Duration> {
    info.until_reset()
        .map(|until| until + RESET_MARGIN + jitter(RESET_JITTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_fast_are_the_dates_chrono_reads() {
        for text in [
            "Sun, 06 Dec 2026 17:53:04 GMT",
            " Thu, 01 Jan 1970 00:00:00 GMT ",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Tue, 29 Feb 2028 12:00:00 GMT",
            // Not read by the fast path: chrono decides.
            "Mon, 06 Dec 2026 17:53:04 GMT",
            "Wed, 31 Dec 1969 23:59:59 GMT",
            "Sun, 06 Dec 2026 23:59:60 GMT",
            "Sun, 06 Dec 2026 17:53:04 +0200",
            "Sun, 6 Dec 2026 17:53:04 GMT",
            "Sun, 31 Feb 2026 17:53:04 GMT",
            "Sunday, 06-Dec-26 17:53:04 GMT",
            "Sun Dec  6 17:53:04 2026",
            "Sun, 06 Dec 2026 17:53:04 gmt",
            "Sun, 06 Dec 2026 17:53:04 GMTx",
            "",
            "Sun,",
        ] {
            assert_eq!(date_seconds(text), parse_http_date(text), "{text:?}");
        }
        assert_eq!(
            date_seconds("Sun, 06 Dec 2026 17:53:04 GMT"),
            Some(1_796_579_584)
        );
    }

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
    fn the_budget_is_the_headers_as_the_server_wrote_them() {
        let info = RateLimitInfo {
            limit: Some(100),
            remaining: Some(7),
            reset: Some(DATE_EPOCH + 5),
            date: Some(DATE_EPOCH),
        };
        assert_eq!(
            info.budget(),
            Some(Budget {
                limit: 100,
                remaining: 7,
                resets_at: DATE_EPOCH + 5,
                server_date: DATE_EPOCH,
            })
        );
        // Concurrency answers and incomplete headers say nothing to the pacer.
        let concurrency = RateLimitInfo {
            limit: Some(0),
            remaining: Some(0),
            ..info
        };
        assert_eq!(concurrency.budget(), None);
        assert_eq!(RateLimitInfo { date: None, ..info }.budget(), None);
        assert_eq!(
            RateLimitInfo {
                remaining: None,
                ..info
            }
            .budget(),
            None
        );
        // A reset beyond MAX_TRUSTED_RESET is not believed.
        let far = RateLimitInfo {
            reset: Some(DATE_EPOCH + 3_600),
            ..info
        };
        assert_eq!(far.budget(), None);
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
    }
}
