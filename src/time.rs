//! Time as the daemon reads and writes it: the one place that parses a time from text.
//!
//! | function | reads or writes | used for |
//! |---|---|---|
//! | [`iso_millis`] | `2017-05-03T16:22:18.000Z` (UTC, milliseconds) | every time the daemon sends to Okta or saves in the last run |
//! | [`parse_timestamp`] | RFC 3339, or the same without a zone (UTC), fractional seconds optional | times written by machines: Okta's `published`, saved fetch positions |
//! | [`parse_time_input`] | [`parse_timestamp`]'s forms, `2017-05-03T16:22` and a date alone (midnight UTC) | times a person types: `since`/`until`, `first_fetch` |
//! | [`parse_relative`] | `<number> <unit> [ago]`, e.g. `7 days`, `12 hours ago` | `first_fetch` |
//! | [`parse_rfc3339`] | strict RFC 3339, with chrono's reason when it fails | a cassette's `recorded_at` |
//! | [`parse_http_date`] | an HTTP `Date` header (RFC 1123) as epoch seconds | Okta's rate-limit reset |
//!
//! The callers keep their own error messages: they name the param or argument at fault.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, SecondsFormat, Utc};

/// The most a relative time may count (`100000 days` is fine; `100001 days` is refused).
const MAX_RELATIVE_COUNT: i64 = 100_000;

/// `2017-05-03T16:22:18.000Z`: UTC with milliseconds, the form Okta accepts in `since` and
/// `until` and the form the last run keeps.
pub fn iso_millis(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A time written by a machine: RFC 3339 (`2017-05-03T16:22:18.5+02:00`), or the same
/// without a zone, read as UTC (`2017-05-03T16:22:18`, fraction optional). Surrounding
/// whitespace is ignored.
pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    let trimmed = text.trim();
    DateTime::parse_from_rfc3339(trimmed)
        .ok()
        .map(|at| at.with_timezone(&Utc))
        .or_else(|| {
            NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|naive| naive.and_utc())
        })
}

/// A time a person typed: what [`parse_timestamp`] reads, or minutes without seconds
/// (`2017-05-03T16:22`), or a date alone (`2017-05-03`, midnight UTC).
pub fn parse_time_input(text: &str) -> Option<DateTime<Utc>> {
    let trimmed = text.trim();
    parse_timestamp(trimmed)
        .or_else(|| {
            NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M")
                .ok()
                .map(|naive| naive.and_utc())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
                .map(|midnight| midnight.and_utc())
        })
}

/// `<number> <unit>` before `now`: units seconds (`sec`), minutes (`min`), hours, days,
/// weeks, months (30 days) and years (365 days), singular or plural, any case, an optional
/// `ago`. The number is a whole number from 0 to 100000. `None` for anything else.
pub fn parse_relative(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lowered = text.to_ascii_lowercase();
    let words: Vec<&str> = lowered.split_whitespace().filter(|w| *w != "ago").collect();
    let [number, unit] = words.as_slice() else {
        return None;
    };
    let n: i64 = number.parse().ok()?;
    if !(0..=MAX_RELATIVE_COUNT).contains(&n) {
        return None;
    }
    let span = match unit.trim_end_matches('s') {
        "second" | "sec" => Duration::seconds(n),
        "minute" | "min" => Duration::minutes(n),
        "hour" => Duration::hours(n),
        "day" => Duration::days(n),
        "week" => Duration::weeks(n),
        "month" => Duration::days(30 * n),
        "year" => Duration::days(365 * n),
        _ => return None,
    };
    now.checked_sub_signed(span)
}

/// Strict RFC 3339 (no surrounding whitespace, a zone required), with chrono's reason when
/// the text is not one.
pub fn parse_rfc3339(text: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    DateTime::parse_from_rfc3339(text).map(|at| at.with_timezone(&Utc))
}

/// An HTTP `Date` (RFC 1123, e.g. `Tue, 20 May 2025 16:54:14 GMT`) as epoch seconds.
pub fn parse_http_date(value: &str) -> Option<i64> {
    DateTime::parse_from_rfc2822(value.trim())
        .ok()
        .map(|at| at.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        parse_rfc3339(text).unwrap()
    }

    #[test]
    fn iso_millis_is_utc_with_milliseconds() {
        assert_eq!(
            iso_millis(&at("2017-05-03T18:22:18.5+02:00")),
            "2017-05-03T16:22:18.500Z"
        );
        assert_eq!(
            iso_millis(&at("2017-05-03T16:22:18Z")),
            "2017-05-03T16:22:18.000Z"
        );
    }

    #[test]
    fn timestamps_are_rfc3339_or_zoneless_utc() {
        let t = |s: &str| parse_timestamp(s).map(|d| iso_millis(&d));
        assert_eq!(
            t("2017-05-03T16:22:18.123Z").as_deref(),
            Some("2017-05-03T16:22:18.123Z")
        );
        assert_eq!(
            t(" 2017-05-03T18:22:18+02:00 ").as_deref(),
            Some("2017-05-03T16:22:18.000Z")
        );
        assert_eq!(
            t("2017-05-03T16:22:18").as_deref(),
            Some("2017-05-03T16:22:18.000Z")
        );
        assert_eq!(
            t("2017-05-03T16:22:18.25").as_deref(),
            Some("2017-05-03T16:22:18.250Z")
        );
        // What only a person types is not a machine's timestamp.
        for not_a_timestamp in ["2017-05-03", "2017-05-03T16:22", "7 days", "", "x"] {
            assert_eq!(t(not_a_timestamp), None, "{not_a_timestamp:?}");
        }
    }

    #[test]
    fn typed_times_also_take_minutes_and_dates() {
        let t = |s: &str| parse_time_input(s).map(|d| iso_millis(&d));
        assert_eq!(
            t("2017-05-03T16:22:18Z").as_deref(),
            Some("2017-05-03T16:22:18.000Z")
        );
        assert_eq!(
            t("2017-05-03T16:22").as_deref(),
            Some("2017-05-03T16:22:00.000Z")
        );
        assert_eq!(
            t(" 2017-05-03 ").as_deref(),
            Some("2017-05-03T00:00:00.000Z")
        );
        for bad in [
            "yesterday",
            "7 days",
            "2017-13-01",
            "16:22",
            "2017-05-03T25:00:00Z",
            "",
        ] {
            assert_eq!(t(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn relative_times_count_back_from_now() {
        let now = at("2026-11-28T12:00:00Z");
        let t = |s: &str| parse_relative(s, now).map(|d| iso_millis(&d));
        let cases = [
            ("7 days", "2026-11-21T12:00:00.000Z"),
            ("12 hours ago", "2026-11-28T00:00:00.000Z"),
            ("1 Week", "2026-11-21T12:00:00.000Z"),
            ("90 sec", "2026-11-28T11:58:30.000Z"),
            ("5 mins", "2026-11-28T11:55:00.000Z"),
            ("1 month", "2026-10-29T12:00:00.000Z"),
            ("1 year", "2025-11-28T12:00:00.000Z"),
            ("0 minutes", "2026-11-28T12:00:00.000Z"),
        ];
        for (text, expected) in cases {
            assert_eq!(t(text).as_deref(), Some(expected), "{text:?}");
        }
        assert!(t("100000 days").is_some());
        for bad in [
            "",
            "seven days",
            "7",
            "7 fortnights",
            "-1 days",
            "1 2 3",
            "100001 days",
            "2017-05-03",
        ] {
            assert_eq!(t(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rfc3339_is_strict_and_says_why() {
        assert_eq!(
            iso_millis(&at("2026-01-31T00:00:00+01:00")),
            "2026-01-30T23:00:00.000Z"
        );
        for bad in ["2026-01-31", "2026-01-31T00:00:00", " 2026-01-31T00:00:00Z"] {
            let error = parse_rfc3339(bad).unwrap_err().to_string();
            assert!(!error.is_empty(), "{bad:?}");
        }
    }

    #[test]
    fn http_dates_are_epoch_seconds() {
        assert_eq!(
            parse_http_date("Tue, 20 May 2025 16:54:14 GMT"),
            Some(1_747_760_054)
        );
        assert_eq!(parse_http_date(" Thu, 01 Jan 1970 00:00:00 GMT "), Some(0));
        assert_eq!(parse_http_date("yesterday"), None);
        assert_eq!(parse_http_date(""), None);
    }
}
