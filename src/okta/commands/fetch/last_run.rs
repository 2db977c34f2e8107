//! The last run: its format ([`LastRun`], a [`Cursor`] into the System Log), reading a stored
//! one, and repairing what can be repaired: a last run of this module's
//! format that lost its cursor (resumed from its high-water mark and delivered uuids), and a
//! saved position in the future (never trusted). Anything else unusable is an error that
//! says what is damaged and how to reset: a silent restart from `first_fetch` would deliver
//! every event again. `docs/fetch.md` lists each case.

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tracing::warn;

use super::settings::FetchSettings;
use super::walk::fallback_from;
use crate::commands::CommandError;
use crate::time::{iso_millis as iso, parse_timestamp as parse_time};

/// The version of the last-run format written by this module.
pub const LAST_RUN_VERSION: u64 = 2;
/// How many recently delivered event uuids the last run keeps (never delivered again).
pub const SEEN_CAPACITY: usize = 500;
/// How far before the published high-water mark a time-based restart begins (a changed
/// filter, or a saved page URL that Okta or the client refuses). Events persisted up to this
/// late are still found; the uuid set removes the ones already delivered.
pub const FALLBACK_LAG_MINUTES: i64 = 10;
/// Okta keeps 90 days of System Log; a restart never asks for older data (Okta refuses a
/// `since` more than 180 days back).
pub const RETENTION_DAYS: i64 = 90;
/// The serialized last run (without a migrated backlog of the Python integration) is kept under this size by
/// dropping the oldest uuids of the seen set; well under XSOAR's 64 KB advice.
pub const LAST_RUN_MAX_BYTES: usize = 60_000;
/// At most this many System Log requests per run (the run then ends with what it has).
pub const MAX_PAGES_PER_RUN: usize = 200;

/// The last run of this module (format [`LAST_RUN_VERSION`]). Field order is the JSON order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastRun {
    pub version: u64,
    /// Fingerprint of the query filter the cursor was built with (`fnv1a64:<hex>`).
    pub filter: String,
    /// `since` of the polling query the cursor belongs to.
    pub since: String,
    /// Where the next run starts reading.
    pub cursor: Cursor,
    /// The latest `published` of any delivered event, as Okta wrote it.
    #[serde(default)]
    pub high_water: Option<String>,
    /// Uuids of the last [`SEEN_CAPACITY`] delivered events, oldest first.
    #[serde(default)]
    pub seen: Vec<String>,
    /// Incidents of a last run of the Python integration not yet delivered (only while migrating).
    /// (The JSON key keeps its first name, so saved last runs stay readable.)
    #[serde(
        rename = "legacy_incidents",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub python_incidents: Vec<Value>,
    /// the Python integration's unfinished page walk (`last_run_full_url`), read before polling resumes.
    #[serde(
        rename = "legacy_tail",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub python_tail: Option<Cursor>,
}

/// A position in the System Log: a page URL (an Okta `next` link or the first query), how
/// many of that page's events are already consumed, and the uuid of the last of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub url: String,
    #[serde(default)]
    pub skip: usize,
    #[serde(default)]
    pub last_uuid: Option<String>,
}

impl Cursor {
    pub fn at(url: impl Into<String>) -> Cursor {
        Cursor {
            url: url.into(),
            skip: 0,
            last_uuid: None,
        }
    }
}

/// A saved position (`since`, the high-water mark, the Python integration's `last_run_time`) later than
/// now by more than this is in the future: never trusted, repaired. The allowance covers clock
/// skew between Okta (which writes `published`) and this host.
pub const CLOCK_SKEW_MINUTES: i64 = 5;

/// What a stored last run turned out to be.
#[derive(Debug, Clone, PartialEq)]
pub enum SavedRun {
    /// `{}`: the first run, or a reset (what XSOAR's "reset the last run" writes).
    Fresh,
    Current(LastRun),
    /// Written by the Python integration.
    Python {
        last_run_time: Option<String>,
        incidents: Vec<Value>,
        full_url: Option<String>,
    },
    /// A last run of this format that lost its cursor (or another key): what survives.
    Salvaged(Salvage),
}

/// The parts of a damaged last run that still say what was delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct Salvage {
    /// What is damaged, for the log.
    pub damage: String,
    /// Where to resume: the high-water mark, or `since` when nothing was delivered yet.
    pub resume: Resume,
    pub seen: Vec<String>,
    pub python_incidents: Vec<Value>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Resume {
    /// From this high-water mark minus the fallback lag.
    HighWater(String),
    /// From this `since` exactly (the last run says nothing was delivered yet).
    Since(String),
}

/// The keys of this module's last run.
const LAST_RUN_KEYS: &[&str] = &[
    "version",
    "filter",
    "since",
    "cursor",
    "high_water",
    "seen",
    "legacy_incidents",
    "legacy_tail",
];

/// How to start over, in every message about a damaged last run.
const RESET_HINT: &str = "To start again from first_fetch (events published since then are fetched again), reset the last run of this instance: in XSOAR, the instance's Fetch History > Reset the \"last run\" timestamp; in local mode, set its lastRun to {} in the state file.";

fn damaged(what: &str) -> CommandError {
    warn!("the last run is damaged and cannot be repaired: {what}; nothing fetched");
    CommandError::last_run(format!(
        "The last run of this instance is damaged: {what}. Nothing was fetched, so nothing is lost or repeated. {RESET_HINT}"
    ))
}

/// Reads a stored last run. `{}` starts from `first_fetch`; a last run of this format that lost
/// its cursor is repaired from what survives (the high-water mark and the delivered uuids);
/// anything else unusable is an error that says what is damaged and how to reset: restarting
/// silently would deliver everything again.
pub fn read_last_run(raw: &Value) -> Result<SavedRun, CommandError> {
    let Value::Object(map) = raw else {
        return Err(damaged(&format!(
            "it is {}, not an object, so nothing in it says where the fetch stopped",
            crate::protocol::message::json_kind(raw)
        )));
    };
    if map.is_empty() {
        return Ok(SavedRun::Fresh);
    }
    let python_keys = ["last_run_time", "incidents", "last_run_full_url"];
    let ours = map.keys().any(|k| LAST_RUN_KEYS.contains(&k.as_str()));
    if ours && !python_keys.iter().any(|k| map.contains_key(*k)) {
        let version = map.get("version").and_then(Value::as_u64).unwrap_or(0);
        if version > LAST_RUN_VERSION {
            return Err(CommandError::last_run(format!(
                "The last run was written by a newer okta-iam (format {version}; this one reads up to {LAST_RUN_VERSION}). Upgrade okta-iam, or reset the last run of this instance to start over."
            )));
        }
        return match serde_json::from_value::<LastRun>(raw.clone()) {
            Ok(last_run) => Ok(SavedRun::Current(last_run)),
            Err(error) => salvage(map, &error.to_string()).map(SavedRun::Salvaged),
        };
    }
    if python_keys.iter().any(|k| map.contains_key(*k)) {
        let text = |k: &str| {
            map.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
        };
        let incidents = match map.get("incidents") {
            Some(Value::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        return Ok(SavedRun::Python {
            last_run_time: text("last_run_time"),
            incidents,
            full_url: text("last_run_full_url"),
        });
    }
    let keys: Vec<&str> = map.keys().map(String::as_str).take(5).collect();
    Err(damaged(&format!(
        "it has no known format (keys: {})",
        keys.join(", ")
    )))
}

/// What survives of a damaged last run of this format, or the error when nothing says where to
/// resume without repeating.
fn salvage(map: &Map<String, Value>, damage: &str) -> Result<Salvage, CommandError> {
    let seen: Vec<String> = match map.get("seen") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let python_incidents = match map.get("legacy_incidents") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    let time = |key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .filter(|t| parse_time(t).is_some())
            .map(str::to_string)
    };
    let resume = match (map.get("high_water"), time("high_water"), time("since")) {
        (_, Some(high_water), _) => Resume::HighWater(high_water),
        // Nothing delivered yet: `since` is exactly where the cursor began.
        (Some(Value::Null), None, Some(since)) if seen.is_empty() => Resume::Since(since),
        _ => {
            return Err(damaged(&format!(
                "{damage}, and it keeps no high-water mark to resume from without repeating events"
            )))
        }
    };
    Ok(Salvage {
        damage: damage.to_string(),
        resume,
        seen,
        python_incidents,
    })
}

/// Later than now by more than the clock-skew allowance.
pub(super) fn in_future(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    at > now + ChronoDuration::minutes(CLOCK_SKEW_MINUTES)
}

/// A saved position in the future (a `since` or high-water mark after now: a first fetch time
/// typed wrong, or a clock that ran ahead) would wait for events that never come. It is never
/// trusted: a future high-water mark is dropped, and the cursor restarts from the high-water
/// mark minus the lag, or from `first_fetch` when there is none. Returns whether it repaired.
pub(super) fn repair_future_position(
    last_run: &mut LastRun,
    settings: &FetchSettings,
    now: DateTime<Utc>,
) -> bool {
    let future = |text: &str| parse_time(text).is_some_and(|at| in_future(at, now));
    let high_water_future = last_run.high_water.as_deref().is_some_and(future);
    if !high_water_future && !future(&last_run.since) {
        return false;
    }
    if high_water_future {
        last_run.high_water = None;
    }
    let since = match last_run.high_water.as_deref() {
        Some(high_water) => fallback_from(Some(high_water), "", now),
        None => iso(&settings.first_fetch),
    };
    warn!(
        saved_since = %last_run.since,
        since = %since,
        "the saved fetch position is in the future; restarting from the high-water mark (or first_fetch)"
    );
    last_run.since = since;
    true
}
