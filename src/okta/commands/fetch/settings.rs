//! The fetch settings, read from the params: the query filter (given, or built from the IAM
//! configuration), `first_fetch` and `max_fetch`. `test-module` checks them too, on purpose:
//! as in the Python integration, a bad fetch param fails the instance test when `isFetch` is
//! set, instead of the first fetch.

use chrono::{DateTime, Utc};

use crate::commands::CommandError;
use crate::okta::commands::config::{configuration_rows, CONFIGURATION_KEY};
use crate::okta::filter::quote;
use crate::okta::params::OktaParams;
use crate::params::Params;
use crate::state::StateStore;
use crate::time::{iso_millis as iso, parse_relative, parse_time_input};

/// the Python integration's message when no query filter can be built.
pub const FETCH_QUERY_EXCEPTION_MSG: &str = "If you marked the \"Query only application events configured in IAM Configuration\" checkbox in the instance configuration, you must add at least one application in the IAM Configuration incident before fetching logs from Okta. Alternatively, you can unmark this checkbox and provide a \"Fetch Query Filter\" parameter instead.";

/// The largest `max_fetch`: one System Log page.
pub const MAX_FETCH_LIMIT: u32 = 1000;
/// `max_fetch` when the param is absent (the manifest default).
pub const DEFAULT_MAX_FETCH: u32 = 50;

/// The auto-generated filter, exactly the Python integration's expression (including `co` and the
/// missing space in `and(`), with each application id escaped as a filter literal.
pub fn auto_filter(application_ids: &[String]) -> Result<String, CommandError> {
    if application_ids.is_empty() {
        return Err(CommandError::param(FETCH_QUERY_EXCEPTION_MSG.to_string()));
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
                        CommandError::param(format!(
                            "{CONFIGURATION_KEY} row {index} has no string ApplicationID; fix it with okta-iam-set-configuration."
                        ))
                    })
            })
            .collect::<Result<_, _>>()?;
        auto_filter(&ids)
    } else {
        params
            .string("fetch_query_filter")
            .ok_or_else(|| CommandError::param(FETCH_QUERY_EXCEPTION_MSG.to_string()))
    }
}

/// `max_fetch`: an integer from 1 to [`MAX_FETCH_LIMIT`].
pub fn max_fetch(params: &Params) -> Result<u32, CommandError> {
    let Some(raw) = params.string("max_fetch") else {
        return Ok(DEFAULT_MAX_FETCH);
    };
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (1..=i64::from(MAX_FETCH_LIMIT)).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            CommandError::param(format!(
                "The Fetch limit parameter (max_fetch) must be a whole number from 1 to {MAX_FETCH_LIMIT}; got '{raw}'."
            ))
        })
}

/// `first_fetch`: `<number> <unit>` (minutes, hours, days, weeks, months, years; singular or
/// plural; an optional trailing `ago`), or an ISO-8601 time as [`crate::time::parse_time_input`]
/// reads it. Returns the instant.
pub fn parse_first_fetch(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, CommandError> {
    let bad = || {
        CommandError::param(format!(
            "First fetch timestamp parameter is not in the correct format: '{text}'. Use <number> <time unit>, e.g. 12 hours or 7 days, or an ISO-8601 time such as 2026-01-31T00:00:00Z."
        ))
    };
    parse_time_input(text)
        .or_else(|| parse_relative(text, now))
        .ok_or_else(bad)
}

/// The `first_fetch` param as an instant: it must parse and must not be after `now` (a first
/// fetch in the future would save a position no event ever reaches).
pub fn first_fetch_setting(
    params: &Params,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, CommandError> {
    let text = params
        .string("first_fetch")
        .unwrap_or_else(|| "0 minutes".to_string());
    let at = parse_first_fetch(&text, now)?;
    if at > now {
        return Err(CommandError::param(format!(
            "First fetch timestamp parameter (first_fetch) is in the future: '{}' is after the current time {}. Use a past time, e.g. 3 days or {}.",
            text.trim(),
            iso(&now),
            now.format("%Y-%m-%d")
        )));
    }
    Ok(at)
}

/// What `test-module` checks when `isFetch` is set: a query filter can be built, `first_fetch`
/// parses and is not in the future, `max_fetch` is valid.
pub async fn check_fetch_settings(
    params: &Params,
    state: &mut dyn StateStore,
    now: DateTime<Utc>,
) -> Result<(), CommandError> {
    if !params.boolean("isFetch", false)? {
        return Ok(());
    }
    let filter = query_filter(params, state).await?;
    check_filter_length(&filter, params)?;
    first_fetch_setting(params, now)?;
    max_fetch(params)?;
    Ok(())
}

/// Room kept in the System Log URL for everything but the filter: the base URL is added
/// separately; this covers `since`, `until`, `limit`, `sortOrder` and `after`.
pub(super) const OTHER_LOG_QUERY_BYTES: usize = 512;

/// Refuses a query filter that cannot fit in a System Log URL (a long `fetch_query_filter`,
/// or an IAM Configuration with thousands of applications), so test-module says so instead
/// of every fetch failing.
pub(super) fn check_filter_length(filter: &str, params: &Params) -> Result<(), CommandError> {
    let base = params.base_url().map(|u| u.as_str().len()).unwrap_or(0);
    let encoded = crate::http::url_limit::encoded_len(filter);
    let room = crate::http::url_limit::MAX_URL_BYTES
        .saturating_sub(base + "logs?filter=".len() + OTHER_LOG_QUERY_BYTES);
    if encoded <= room {
        return Ok(());
    }
    let source = if params.flag("auto_generate_query_filter", true) {
        "it is built from the IAM Configuration's application IDs: configure fewer applications per instance"
    } else {
        "shorten the fetch_query_filter param"
    };
    Err(CommandError::param(format!(
        "The fetch query filter is {encoded} bytes once URL-encoded, but the System Log URL has room for {room}: {source}."
    )))
}

#[derive(Debug, Clone)]
pub struct FetchSettings {
    pub filter: String,
    pub max_fetch: u32,
    pub first_fetch: DateTime<Utc>,
}

impl FetchSettings {
    /// Reads and checks the params (filter from the integration context when auto-generated).
    pub async fn from_params(
        params: &Params,
        state: &mut dyn StateStore,
        now: DateTime<Utc>,
    ) -> Result<FetchSettings, CommandError> {
        let filter = query_filter(params, state).await?;
        let max_fetch = max_fetch(params)?;
        let first_fetch = first_fetch_setting(params, now)?;
        Ok(FetchSettings {
            filter,
            max_fetch,
            first_fetch,
        })
    }

    pub(super) fn page_size(&self) -> u32 {
        self.max_fetch.clamp(1, MAX_FETCH_LIMIT)
    }
}
