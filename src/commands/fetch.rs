//! `fetch-incidents` settings: the query filter, `first_fetch` and `max_fetch`, shared by
//! `test-module` (which checks them when `isFetch` is set) and the fetch itself.

use chrono::{DateTime, Duration as ChronoDuration, Utc};

use super::config::{configuration_rows, CONFIGURATION_KEY};
use super::CommandError;
use crate::okta::filter::quote;
use crate::params::Params;
use crate::state::StateStore;

/// The reference's message when no query filter can be built.
pub const FETCH_QUERY_EXCEPTION_MSG: &str = "If you marked the \"Query only application events configured in IAM Configuration\" checkbox in the instance configuration, you must add at least one application in the IAM Configuration incident before fetching logs from Okta. Alternatively, you can unmark this checkbox and provide a \"Fetch Query Filter\" parameter instead.";

/// The largest `max_fetch`: one System Log page.
pub const MAX_FETCH_LIMIT: u32 = 1000;
/// `max_fetch` when the param is absent (the manifest default).
pub const DEFAULT_MAX_FETCH: u32 = 50;

/// The auto-generated filter, exactly the reference's expression (including `co` and the
/// missing space in `and(`), with each application id escaped as a filter literal.
pub fn auto_filter(application_ids: &[String]) -> Result<String, CommandError> {
    if application_ids.is_empty() {
        return Err(CommandError::Invalid(FETCH_QUERY_EXCEPTION_MSG.to_string()));
    }
    let targets: Vec<String> = application_ids
        .iter()
        .map(|id| format!("target.id co {}", quote(id)))
        .collect();
    Ok(format!(
        "(eventType eq \"application.user_membership.add\" or eventType eq \"application.user_membership.remove\") and({})",
        targets.join(" or ")
    ))
}

/// The query filter of this instance: auto-generated from `IAMConfiguration`, or the
/// `fetch_query_filter` param as given.
pub async fn query_filter(
    params: &Params,
    state: &mut dyn StateStore,
) -> Result<String, CommandError> {
    if params.boolean("auto_generate_query_filter", true)? {
        let context = state.integration_context().await?;
        let ids: Vec<String> = configuration_rows(&context)
            .iter()
            .enumerate()
            .map(|(index, row)| {
                row.get("ApplicationID")
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.trim().is_empty())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        CommandError::Invalid(format!(
                            "{CONFIGURATION_KEY} row {index} has no string ApplicationID; fix it with okta-iam-set-configuration."
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        auto_filter(&ids)
    } else {
        params
            .string("fetch_query_filter")
            .ok_or_else(|| CommandError::Invalid(FETCH_QUERY_EXCEPTION_MSG.to_string()))
    }
}

/// `max_fetch`: an integer from 1 to [`MAX_FETCH_LIMIT`].
pub fn max_fetch(params: &Params) -> Result<u32, CommandError> {
    let Some(raw) = params.string("max_fetch") else {
        return Ok(DEFAULT_MAX_FETCH);
    };
    match raw.trim().parse::<i64>() {
        Ok(n) if (1..=i64::from(MAX_FETCH_LIMIT)).contains(&n) => Ok(n as u32),
        _ => Err(CommandError::Invalid(format!(
            "The Fetch limit parameter (max_fetch) must be a whole number from 1 to {MAX_FETCH_LIMIT}; got '{raw}'."
        ))),
    }
}

/// `first_fetch`: `<number> <unit>` (minutes, hours, days, weeks, months, years; singular or
/// plural; an optional trailing `ago`), or an ISO-8601 timestamp. Returns the instant.
pub fn parse_first_fetch(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, CommandError> {
    let bad = || {
        CommandError::Invalid(format!(
            "First fetch timestamp parameter is not in the correct format: '{text}'. Use <number> <time unit>, e.g. 12 hours or 7 days, or an ISO-8601 time such as 2026-01-31T00:00:00Z."
        ))
    };
    let trimmed = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(at.with_timezone(&Utc));
    }
    if let Ok(naive) = chrono::NaiveDateTime::parse_from_str(trimmed, "%Y-%m-%dT%H:%M:%S") {
        return Ok(naive.and_utc());
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        return Ok(date.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc());
    }
    let lowered = trimmed.to_ascii_lowercase();
    let words: Vec<&str> = lowered.split_whitespace().filter(|w| *w != "ago").collect();
    let [number, unit] = words.as_slice() else {
        return Err(bad());
    };
    let n: i64 = number.parse().map_err(|_| bad())?;
    if !(0..=100_000).contains(&n) {
        return Err(bad());
    }
    let unit = unit.trim_end_matches('s');
    let span = match unit {
        "second" | "sec" => ChronoDuration::seconds(n),
        "minute" | "min" => ChronoDuration::minutes(n),
        "hour" => ChronoDuration::hours(n),
        "day" => ChronoDuration::days(n),
        "week" => ChronoDuration::weeks(n),
        "month" => ChronoDuration::days(30 * n),
        "year" => ChronoDuration::days(365 * n),
        _ => return Err(bad()),
    };
    now.checked_sub_signed(span).ok_or_else(bad)
}

/// What `test-module` checks when `isFetch` is set: a query filter can be built, `first_fetch`
/// parses, `max_fetch` is valid.
pub async fn check_fetch_settings(
    params: &Params,
    state: &mut dyn StateStore,
) -> Result<(), CommandError> {
    if !params.boolean("isFetch", false)? {
        return Ok(());
    }
    query_filter(params, state).await?;
    let first_fetch = params
        .string("first_fetch")
        .unwrap_or_else(|| "0 minutes".to_string());
    parse_first_fetch(&first_fetch, Utc::now())?;
    max_fetch(params)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn auto_filter_is_the_reference_string_with_escaping() {
        assert_eq!(
            auto_filter(&["A".into(), "B".into()]).unwrap(),
            r#"(eventType eq "application.user_membership.add" or eventType eq "application.user_membership.remove") and(target.id co "A" or target.id co "B")"#
        );
        assert_eq!(
            auto_filter(&[r#"x" or eventType pr or "\"#.into()]).unwrap(),
            r#"(eventType eq "application.user_membership.add" or eventType eq "application.user_membership.remove") and(target.id co "x\" or eventType pr or \"\\")"#
        );
        assert_eq!(
            auto_filter(&[]).unwrap_err().to_string(),
            FETCH_QUERY_EXCEPTION_MSG
        );
    }

    #[test]
    fn first_fetch_forms() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let at = |s: &str| parse_first_fetch(s, now).map(|d| d.to_rfc3339());
        assert_eq!(at("7 days").unwrap(), "2026-11-21T12:00:00+00:00");
        assert_eq!(at("12 hours ago").unwrap(), "2026-11-28T00:00:00+00:00");
        assert_eq!(at("1 Minute").unwrap(), "2026-11-28T11:59:00+00:00");
        assert_eq!(at("0 minutes").unwrap(), "2026-11-28T12:00:00+00:00");
        assert_eq!(
            at("2026-01-31T00:00:00Z").unwrap(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            at("2026-01-31T00:00:00.000Z").unwrap(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(at("2026-01-31").unwrap(), "2026-01-31T00:00:00+00:00");
        for bad in ["", "seven days", "7", "7 fortnights", "-1 days", "1 2 3"] {
            assert!(at(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn max_fetch_range() {
        let p = |v: serde_json::Value| {
            Params::from_map(json!({ "max_fetch": v }).as_object().cloned().unwrap())
        };
        assert_eq!(max_fetch(&p(json!("50"))).unwrap(), 50);
        assert_eq!(max_fetch(&p(json!(200))).unwrap(), 200);
        assert_eq!(max_fetch(&Params::default()).unwrap(), DEFAULT_MAX_FETCH);
        for bad in [
            json!("0"),
            json!("-5"),
            json!("abc"),
            json!("1001"),
            json!("1.5"),
        ] {
            assert!(max_fetch(&p(bad.clone())).is_err(), "{bad}");
        }
    }
}
