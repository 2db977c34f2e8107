//! `fetch-incidents` and its settings: the query filter, `first_fetch` and `max_fetch` (shared
//! with `test-module`, which checks them when `isFetch` is set).
//!
//! The fetch follows the System Log in Okta's polling mode (persistence order, `next` always
//! present) and keeps its place in a small, versioned last run ([`LastRun`]): the URL of the
//! page being consumed, how many of its events were already taken (with the uuid of the last
//! one, to check the position when the page is read again), the published high-water mark, and
//! the uuids of the last [`SEEN_CAPACITY`] delivered events, which are never delivered again.
//! A last run written by the reference integration (`last_run_time`, `incidents`,
//! `last_run_full_url`) is migrated: its stored incidents are delivered once, its unfinished
//! page walk is completed, and polling resumes from its `last_run_time`. `docs/fetch.md`
//! describes the algorithm and its guarantees.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tracing::{debug, info, warn};

use super::config::{configuration_rows, CONFIGURATION_KEY};
use super::{CommandError, CommandResult, Invocation};
use crate::catalogue::CommandSpec;
use crate::okta::filter::quote;
use crate::okta::{Client, LogQuery, OktaError, Page, SortOrder};
use crate::output::spool::{Piece, SpooledEntry};
use crate::output::{Entry, EntryType};
use crate::params::Params;
use crate::state::{LocalBoxFuture, StateStore};
use crate::time::{
    iso_millis as iso, parse_relative, parse_time_input, parse_timestamp as parse_time,
};

mod last_run;
use last_run::{in_future, repair_future_position};
pub use last_run::{read_last_run, Resume, Salvage, SavedRun, CLOCK_SKEW_MINUTES};

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "fetch-incidents",
    description: "Fetches Okta System Log events matching the query filter as incidents, each event exactly once across runs.",
    args: &[],
    outputs: &[],
    execution: false,
    internal: true,
    handler: fetch_incidents,
}];

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
/// plural; an optional trailing `ago`), or an ISO-8601 time as [`crate::time::parse_time_input`]
/// reads it. Returns the instant.
pub fn parse_first_fetch(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, CommandError> {
    let bad = || {
        CommandError::Invalid(format!(
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
        return Err(CommandError::Invalid(format!(
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
const OTHER_LOG_QUERY_BYTES: usize = 512;

/// Refuses a query filter that cannot fit in a System Log URL (a long `fetch_query_filter`,
/// or an IAM Configuration with thousands of applications), so test-module says so instead
/// of every fetch failing.
fn check_filter_length(filter: &str, params: &Params) -> Result<(), CommandError> {
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
    Err(CommandError::Invalid(format!(
        "The fetch query filter is {encoded} bytes once URL-encoded, but the System Log URL has room for {room}: {source}."
    )))
}

// ---------------------------------------------------------------------------------------------
// fetch-incidents
// ---------------------------------------------------------------------------------------------

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
/// The serialized last run (without a migrated reference backlog) is kept under this size by
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
    /// Incidents of a reference last run not yet delivered (only while migrating).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legacy_incidents: Vec<Value>,
    /// The reference's unfinished page walk (`last_run_full_url`), read before polling resumes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_tail: Option<Cursor>,
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

/// The settings of one fetch.
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

    fn page_size(&self) -> u32 {
        self.max_fetch.clamp(1, MAX_FETCH_LIMIT)
    }
}

/// What one run produced: the incidents and the last run to commit with them.
#[derive(Debug, Clone)]
pub struct FetchOutcome {
    pub incidents: Vec<Value>,
    pub last_run: LastRun,
    /// System Log requests made.
    pub pages: usize,
}

fn fetch_incidents(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let now = inv.daemon.now();
        let settings = FetchSettings::from_params(&inv.params, inv.state, now).await?;
        let saved = inv.state.last_run().await?;
        let client = crate::okta::vendor::client(&inv)?;
        let outcome = run_fetch(&client, &saved, &settings, now).await?;
        let last_run = serde_json::to_value(&outcome.last_run)
            .map_err(|e| CommandError::Invalid(format!("Cannot serialise the last run: {e}")))?;
        let incidents =
            crate::host::user_profiles::enrich_fetched(outcome.incidents, inv.daemon, inv.state)
                .await?;
        inv.state.set_last_run(last_run);
        Ok(vec![incidents_entry(&incidents)])
    })
}

/// The fetch entry exactly as `demisto.incidents(list)` writes it:
/// `{"Type":1,"ContentsFormat":"json","Contents":"<JSON string of the incident array>"}`
/// (no `EntryContext`, hence the raw piece; `contents` carries the same string for in-process
/// callers).
pub fn incidents_entry(incidents: &[Value]) -> Entry {
    let contents = serde_json::to_string(incidents).unwrap_or_else(|_| "[]".to_string());
    let quoted = serde_json::to_string(&contents).unwrap_or_else(|_| "\"[]\"".to_string());
    let line = format!(r#"{{"Type":1,"ContentsFormat":"json","Contents":{quoted}}}"#);
    Entry {
        entry_type: EntryType::Note as u8,
        contents_format: "json",
        contents: Value::String(contents),
        human_readable: None,
        entry_context: Value::Null,
        spooled: Some(SpooledEntry {
            pieces: vec![Piece::Text(line)],
            human_readable: None,
        }),
    }
}

/// One incident of a System Log event: `name` (display message and target user), `occurred`
/// (`published`), `rawJSON` (the whole event), `dbotMirrorId` (`uuid`), and the event type as a
/// label. The App Sync classifier and mapper read `rawJSON`.
pub fn incident(event: &Value) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::String(incident_name(event)));
    if let Some(published) = event.get("published").and_then(Value::as_str) {
        out.insert("occurred".into(), Value::String(published.to_string()));
    }
    out.insert("rawJSON".into(), Value::String(event.to_string()));
    if let Some(uuid) = uuid_of(event) {
        out.insert("dbotMirrorId".into(), Value::String(uuid.to_string()));
    }
    if let Some(event_type) = event.get("eventType").and_then(Value::as_str) {
        out.insert(
            "labels".into(),
            json!([{"type": "eventType", "value": event_type}]),
        );
    }
    Value::Object(out)
}

/// `<displayMessage>: <target user>`, e.g. `Add user to application membership:
/// dana.lee@example.com`; the event type when there is no display message.
pub fn incident_name(event: &Value) -> String {
    let text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let message = text(event.get("displayMessage"))
        .or_else(|| text(event.get("eventType")))
        .unwrap_or_else(|| "Okta System Log event".to_string());
    let user = event
        .get("target")
        .and_then(Value::as_array)
        .and_then(|targets| {
            targets
                .iter()
                .find(|t| t.get("type").and_then(Value::as_str) == Some("User"))
        })
        .and_then(|user| text(user.get("alternateId")).or_else(|| text(user.get("displayName"))));
    match user {
        Some(user) => format!("{message}: {user}"),
        None => message,
    }
}

fn uuid_of(event: &Value) -> Option<&str> {
    event
        .get("uuid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// `fnv1a64:<hex>` of the filter text: enough to notice a change, small to store.
pub fn filter_fingerprint(filter: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in filter.as_bytes() {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("fnv1a64:{hash:016x}")
}

/// The URL of the first page of a polling query (`since`, no `until`, ascending).
fn polling_url(
    client: &Client,
    filter: &str,
    since: &str,
    page_size: u32,
) -> Result<String, CommandError> {
    let query = LogQuery {
        filter: Some(filter.to_string()),
        since: Some(since.to_string()),
        until: None,
        limit: Some(page_size),
        sort_order: Some(SortOrder::Ascending),
        q: None,
    };
    client
        .logs()
        .list(&query)
        .next_url()
        .map(|u| u.to_string())
        .ok_or_else(|| CommandError::Invalid("Cannot build the System Log URL.".into()))
}

/// `limit=<n>` in a saved URL, replaced textually (nothing else re-encoded).
pub fn with_limit(url: &str, limit: u32) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let wanted = format!("limit={limit}");
    let parts: Vec<&str> = query
        .split('&')
        .map(|p| {
            if p.starts_with("limit=") {
                wanted.as_str()
            } else {
                p
            }
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// Where a time-based restart begins: the high-water mark minus [`FALLBACK_LAG_MINUTES`] (or
/// the cursor's own `since` when nothing was delivered yet), never before the retention window.
fn fallback_since(last_run: &LastRun, now: DateTime<Utc>) -> String {
    fallback_from(last_run.high_water.as_deref(), &last_run.since, now)
}

/// `high_water` minus the lag when it is a time (else `since` itself, else now), never before
/// the retention window.
fn fallback_from(high_water: Option<&str>, since: &str, now: DateTime<Utc>) -> String {
    let oldest = now - ChronoDuration::days(RETENTION_DAYS);
    let start = match high_water.and_then(parse_time) {
        Some(at) => at - ChronoDuration::minutes(FALLBACK_LAG_MINUTES),
        None => parse_time(since).unwrap_or(now),
    };
    iso(&start.max(oldest))
}

/// The recently delivered uuids, bounded, oldest evicted first.
struct Seen {
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl Seen {
    fn new(uuids: Vec<String>) -> Seen {
        let mut seen = Seen {
            order: VecDeque::with_capacity(SEEN_CAPACITY + 1),
            set: HashSet::with_capacity(SEEN_CAPACITY + 1),
        };
        for uuid in uuids {
            seen.insert(uuid);
        }
        seen
    }

    fn contains(&self, uuid: &str) -> bool {
        self.set.contains(uuid)
    }

    fn insert(&mut self, uuid: String) {
        if self.set.insert(uuid.clone()) {
            self.order.push_back(uuid);
            while self.order.len() > SEEN_CAPACITY {
                if let Some(old) = self.order.pop_front() {
                    self.set.remove(&old);
                }
            }
        }
    }

    fn into_vec(self) -> Vec<String> {
        self.order.into()
    }
}

/// Why a cursor walk stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// `max_fetch` incidents delivered.
    Budget,
    /// An empty page (or a page with no way further): nothing more for now.
    CaughtUp,
    /// A finite walk (the reference's bounded query) reached its last page.
    Ended,
    /// [`MAX_PAGES_PER_RUN`] requests made.
    PageLimit,
}

struct WalkError {
    error: OktaError,
    /// The failure came from the walk's first request (the saved URL itself).
    first: bool,
}

/// True for failures that mean "this saved URL cannot be used" rather than "Okta is down":
/// the client refused it (another origin or path), or Okta answered 400.
fn is_rejection(error: &OktaError) -> bool {
    matches!(error, OktaError::InvalidRequest(_)) || error.status() == Some(400)
}

/// One run's delivery: the budget, the incidents so far, the uuid set, the high-water mark.
struct Run<'a> {
    client: &'a Client,
    budget: usize,
    incidents: Vec<Value>,
    seen: Seen,
    high_water: Option<(DateTime<Utc>, String)>,
    page_size: u32,
    pages: usize,
}

impl Run<'_> {
    fn note_published(&mut self, event: &Value) {
        let Some(text) = event.get("published").and_then(Value::as_str) else {
            return;
        };
        if let Some(at) = parse_time(text) {
            if self.high_water.as_ref().is_none_or(|(hw, _)| at > *hw) {
                self.high_water = Some((at, text.to_string()));
            }
        }
    }

    /// Delivers one event unless its uuid was delivered before.
    fn deliver(&mut self, event: &Value) {
        if let Some(uuid) = uuid_of(event) {
            if self.seen.contains(uuid) {
                debug!(uuid, "already delivered; skipped");
                return;
            }
            self.seen.insert(uuid.to_string());
        }
        self.incidents.push(incident(event));
        self.note_published(event);
        self.budget -= 1;
    }

    /// Delivers one stored reference incident (`{"rawJSON": "..."}`, kept as stored, with
    /// `name`, `occurred` and `dbotMirrorId` added when the event has them).
    fn deliver_legacy(&mut self, stored: Value) {
        let (mut out, event) = match stored {
            Value::Object(map) => match map.get("rawJSON") {
                Some(Value::String(raw)) => {
                    let event = serde_json::from_str::<Value>(raw).unwrap_or(Value::Null);
                    (map, event)
                }
                _ => {
                    let event = Value::Object(map);
                    match incident(&event) {
                        Value::Object(out) => (out, event),
                        _ => return,
                    }
                }
            },
            other => {
                warn!("a stored reference incident is not an object; skipped: {other}");
                return;
            }
        };
        if let Some(uuid) = uuid_of(&event) {
            if self.seen.contains(uuid) {
                return;
            }
            self.seen.insert(uuid.to_string());
        }
        if let Value::Object(fresh) = incident(&event) {
            for key in ["name", "occurred", "dbotMirrorId", "labels"] {
                if let Some(value) = fresh.get(key) {
                    if !out.contains_key(key) && event.is_object() {
                        out.insert(key.to_string(), value.clone());
                    }
                }
            }
        }
        self.note_published(&event);
        self.incidents.push(Value::Object(out));
        self.budget -= 1;
    }

    /// Reads pages from `cursor` until the budget is spent, an empty page, the end of a finite
    /// walk, or the page limit. The cursor always points at the first event not consumed.
    async fn walk(
        &mut self,
        cursor: &mut Cursor,
        finite: bool,
        adjust_limit: bool,
    ) -> Result<Stop, WalkError> {
        let mut first = true;
        loop {
            if self.budget == 0 {
                return Ok(Stop::Budget);
            }
            if self.pages >= MAX_PAGES_PER_RUN {
                return Ok(Stop::PageLimit);
            }
            if adjust_limit && cursor.skip == 0 {
                cursor.url = with_limit(&cursor.url, self.page_size);
            }
            self.pages += 1;
            let page = self
                .read_page(&cursor.url)
                .await
                .map_err(|error| WalkError { error, first })?;
            first = false;
            let items = page.items;
            let mut i = resume_position(cursor, &items);
            while i < items.len() && self.budget > 0 {
                self.deliver(&items[i]);
                i += 1;
            }
            if i < items.len() {
                cursor.skip = i;
                cursor.last_uuid = uuid_of(&items[i - 1]).map(str::to_string);
                return Ok(Stop::Budget);
            }
            match page.next {
                Some(next) => *cursor = Cursor::at(next.to_string()),
                None if finite => return Ok(Stop::Ended),
                None => {
                    // No way further from this page: stay on it; the next run reads it again
                    // and takes only what was appended.
                    cursor.skip = items.len();
                    cursor.last_uuid = items.last().and_then(uuid_of).map(str::to_string);
                    return Ok(Stop::CaughtUp);
                }
            }
            if items.is_empty() {
                return Ok(Stop::CaughtUp);
            }
        }
    }

    async fn read_page(&self, url: &str) -> Result<Page, OktaError> {
        let mut pager = self.client.logs().resume(url)?;
        match pager.next_page().await {
            Some(page) => page,
            None => Ok(Page {
                items: Vec::new(),
                next: None,
            }),
        }
    }
}

/// Where to start in a page read again: after the `skip` events already consumed, checked
/// against the uuid of the last of them. If that event moved, start after it; if it is gone,
/// read the whole page (the uuid set drops what was delivered).
fn resume_position(cursor: &Cursor, items: &[Value]) -> usize {
    if cursor.skip == 0 {
        return 0;
    }
    let Some(last) = cursor.last_uuid.as_deref() else {
        return cursor.skip.min(items.len());
    };
    if cursor.skip <= items.len() && uuid_of(&items[cursor.skip - 1]) == Some(last) {
        return cursor.skip;
    }
    match items.iter().position(|e| uuid_of(e) == Some(last)) {
        Some(p) => {
            warn!(
                expected = cursor.skip,
                found = p + 1,
                "the saved position moved within its page; resuming after the last consumed event"
            );
            p + 1
        }
        None => {
            warn!("the last consumed event is no longer on its page; reading the whole page (delivered uuids are skipped)");
            0
        }
    }
}

/// One fetch run: from the stored last run to the incidents and the next last run. A failure
/// before anything was delivered is an error (nothing is committed, the next run starts from
/// the same place); a failure after some incidents ends the run with those, the cursor placed
/// after the last of them.
pub async fn run_fetch(
    client: &Client,
    saved: &Value,
    settings: &FetchSettings,
    now: DateTime<Utc>,
) -> Result<FetchOutcome, CommandError> {
    let fingerprint = filter_fingerprint(&settings.filter);
    let page_size = settings.page_size();
    let mut last_run = match read_last_run(saved)? {
        SavedRun::Fresh => {
            let since = iso(&settings.first_fetch);
            info!(since = %since, "first fetch: polling the System Log from first_fetch");
            LastRun {
                version: LAST_RUN_VERSION,
                filter: fingerprint.clone(),
                cursor: Cursor::at(polling_url(client, &settings.filter, &since, page_size)?),
                since,
                high_water: None,
                seen: Vec::new(),
                legacy_incidents: Vec::new(),
                legacy_tail: None,
            }
        }
        SavedRun::Current(mut last_run) => {
            if repair_future_position(&mut last_run, settings, now) {
                last_run.filter = fingerprint.clone();
                last_run.cursor = Cursor::at(polling_url(
                    client,
                    &settings.filter,
                    &last_run.since,
                    page_size,
                )?);
            } else if last_run.filter != fingerprint {
                let since = fallback_since(&last_run, now);
                info!(since = %since, "the query filter changed: restarting from the high-water mark minus the lag");
                last_run.filter = fingerprint.clone();
                last_run.cursor =
                    Cursor::at(polling_url(client, &settings.filter, &since, page_size)?);
                last_run.since = since;
            }
            last_run.version = LAST_RUN_VERSION;
            last_run
        }
        SavedRun::Reference {
            last_run_time,
            incidents,
            full_url,
        } => {
            let start = match last_run_time.as_deref().map(|t| (t, parse_time(t))) {
                Some((text, Some(at))) if in_future(at, now) => {
                    warn!(
                        last_run_time = text,
                        "the reference last_run_time is in the future; starting from first_fetch"
                    );
                    settings.first_fetch
                }
                Some((_, Some(at))) => at,
                Some((text, None)) => {
                    warn!(
                        last_run_time = text,
                        "the reference last_run_time cannot be read; starting from first_fetch"
                    );
                    settings.first_fetch
                }
                None => settings.first_fetch,
            };
            let since = iso(&start);
            info!(
                since = %since,
                stored = incidents.len(),
                tail = full_url.is_some(),
                "migrating the reference last run"
            );
            LastRun {
                version: LAST_RUN_VERSION,
                filter: fingerprint.clone(),
                cursor: Cursor::at(polling_url(client, &settings.filter, &since, page_size)?),
                since,
                high_water: None,
                seen: Vec::new(),
                legacy_incidents: incidents,
                legacy_tail: full_url.map(Cursor::at),
            }
        }
        SavedRun::Salvaged(salvage) => {
            let high_water = match &salvage.resume {
                Resume::HighWater(text) => parse_time(text)
                    .filter(|at| !in_future(*at, now))
                    .map(|_| text.clone()),
                Resume::Since(_) => None,
            };
            let since = match (&salvage.resume, &high_water) {
                (Resume::Since(since), _) => parse_time(since)
                    .filter(|at| !in_future(*at, now))
                    .map(|_| since.clone())
                    .unwrap_or_else(|| iso(&settings.first_fetch)),
                (Resume::HighWater(_), Some(high_water)) => {
                    fallback_from(Some(high_water), "", now)
                }
                (Resume::HighWater(_), None) => iso(&settings.first_fetch),
            };
            warn!(
                damage = %salvage.damage,
                since = %since,
                remembered = salvage.seen.len(),
                "the last run is damaged; repaired from its high-water mark and delivered uuids"
            );
            LastRun {
                version: LAST_RUN_VERSION,
                filter: fingerprint.clone(),
                cursor: Cursor::at(polling_url(client, &settings.filter, &since, page_size)?),
                since,
                high_water,
                seen: salvage.seen,
                legacy_incidents: salvage.legacy_incidents,
                legacy_tail: None,
            }
        }
    };

    let mut run = Run {
        client,
        budget: settings.max_fetch as usize,
        incidents: Vec::new(),
        seen: Seen::new(std::mem::take(&mut last_run.seen)),
        high_water: last_run
            .high_water
            .as_deref()
            .and_then(|t| parse_time(t).map(|at| (at, t.to_string()))),
        page_size,
        pages: 0,
    };

    // 1. A migrated reference backlog, in its order.
    let mut stored = std::mem::take(&mut last_run.legacy_incidents).into_iter();
    while run.budget > 0 {
        let Some(item) = stored.next() else { break };
        run.deliver_legacy(item);
    }
    last_run.legacy_incidents = stored.collect();

    // 2. The reference's unfinished page walk, to its end.
    let mut go_on = last_run.legacy_incidents.is_empty();
    if go_on {
        if let Some(mut tail) = last_run.legacy_tail.take() {
            match run.walk(&mut tail, true, false).await {
                Ok(Stop::Ended | Stop::CaughtUp) => {}
                Ok(_) => {
                    last_run.legacy_tail = Some(tail);
                    go_on = false;
                }
                Err(e) if e.first && is_rejection(&e.error) => {
                    warn!(error = %e.error, "the reference's saved page URL is refused; skipping it");
                }
                Err(e) => {
                    last_run.legacy_tail = Some(tail);
                    fail_or_keep(&run, e.error)?;
                    go_on = false;
                }
            }
        }
    }

    // 3. The polling cursor.
    if go_on {
        let mut fell_back = false;
        loop {
            match run.walk(&mut last_run.cursor, false, true).await {
                Ok(stop) => {
                    debug!(?stop, "fetch walk ended");
                    break;
                }
                Err(e) if e.first && !fell_back && is_rejection(&e.error) => {
                    fell_back = true;
                    let since = fallback_since(
                        &LastRun {
                            high_water: run.high_water.as_ref().map(|(_, t)| t.clone()),
                            ..last_run.clone()
                        },
                        now,
                    );
                    warn!(error = %e.error, since = %since, "the saved System Log URL is refused; restarting from the high-water mark minus the lag");
                    last_run.cursor =
                        Cursor::at(polling_url(client, &settings.filter, &since, page_size)?);
                    last_run.since = since;
                }
                Err(e) => {
                    fail_or_keep(&run, e.error)?;
                    break;
                }
            }
        }
    }

    last_run.high_water = run.high_water.as_ref().map(|(_, t)| t.clone());
    let pages = run.pages;
    let incidents = std::mem::take(&mut run.incidents);
    last_run.seen = run.seen.into_vec();
    shrink_to_budget(&mut last_run);
    info!(
        incidents = incidents.len(),
        pages,
        backlog = last_run.legacy_incidents.len(),
        "fetch run done"
    );
    Ok(FetchOutcome {
        incidents,
        last_run,
        pages,
    })
}

/// A failure with nothing delivered fails the run; after some incidents it only ends it.
fn fail_or_keep(run: &Run<'_>, error: OktaError) -> Result<(), CommandError> {
    if run.incidents.is_empty() {
        return Err(CommandError::Okta(error));
    }
    warn!(
        error = %error,
        delivered = run.incidents.len(),
        "a System Log request failed; delivering what this run has, the next run resumes after it"
    );
    Ok(())
}

/// Keeps the serialized last run (a migrated backlog aside) under [`LAST_RUN_MAX_BYTES`] by
/// dropping the oldest uuids.
fn shrink_to_budget(last_run: &mut LastRun) {
    let backlog = std::mem::take(&mut last_run.legacy_incidents);
    loop {
        let size = serde_json::to_vec(&*last_run).map(|v| v.len()).unwrap_or(0);
        if size <= LAST_RUN_MAX_BYTES || last_run.seen.is_empty() {
            break;
        }
        let drop = ((size - LAST_RUN_MAX_BYTES) / 32 + 1).min(last_run.seen.len());
        warn!(
            drop,
            "the last run is too large; forgetting the oldest delivered uuids"
        );
        last_run.seen.drain(..drop);
    }
    last_run.legacy_incidents = backlog;
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

    fn event(uuid: &str) -> Value {
        json!({
            "uuid": uuid,
            "published": "2025-05-20T16:54:14.214Z",
            "eventType": "application.user_membership.add",
            "displayMessage": "Add user to application membership",
            "target": [
                {"id": "0ua1", "type": "AppUser", "alternateId": "dana.lee@example.com"},
                {"id": "0oa1", "type": "AppInstance", "alternateId": "Workday"},
                {"id": "00u1", "type": "User", "alternateId": "dana.lee@example.com", "displayName": "Dana Lee"}
            ]
        })
    }

    #[test]
    fn incident_shape() {
        let e = event("u-1");
        let i = incident(&e);
        assert_eq!(
            i["name"],
            "Add user to application membership: dana.lee@example.com"
        );
        assert_eq!(i["occurred"], "2025-05-20T16:54:14.214Z");
        assert_eq!(i["dbotMirrorId"], "u-1");
        assert_eq!(
            i["labels"],
            json!([{"type": "eventType", "value": "application.user_membership.add"}])
        );
        let raw: Value = serde_json::from_str(i["rawJSON"].as_str().unwrap()).unwrap();
        assert_eq!(raw, e);
        let keys: Vec<&String> = i.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["name", "occurred", "rawJSON", "dbotMirrorId", "labels"]
        );
        assert_eq!(
            incident_name(&json!({"eventType": "user.session.start", "target": []})),
            "user.session.start"
        );
        assert_eq!(
            incident_name(
                &json!({"displayMessage": " ", "target": [{"type": "User", "displayName": "X"}]})
            ),
            "Okta System Log event: X"
        );
    }

    #[test]
    fn incidents_entry_is_the_demisto_incidents_shape() {
        let entry = incidents_entry(&[json!({"name": "a", "rawJSON": "{\"x\": 1}"})]);
        let Some(spooled) = &entry.spooled else {
            panic!("raw entry")
        };
        let Piece::Text(line) = &spooled.pieces[0] else {
            panic!("text piece")
        };
        assert_eq!(
            line,
            r#"{"Type":1,"ContentsFormat":"json","Contents":"[{\"name\":\"a\",\"rawJSON\":\"{\\\"x\\\": 1}\"}]"}"#
        );
        assert_eq!(
            entry.contents,
            json!(r#"[{"name":"a","rawJSON":"{\"x\": 1}"}]"#)
        );
        assert!(!entry.is_error());
        let empty = incidents_entry(&[]);
        assert_eq!(empty.contents, json!("[]"));
    }

    #[test]
    fn last_run_formats() {
        assert_eq!(read_last_run(&json!({})).unwrap(), SavedRun::Fresh);
        for damaged in [
            json!(null),
            json!("garbage"),
            json!(42),
            json!([]),
            json!({"something": "else"}),
        ] {
            let message = read_last_run(&damaged).unwrap_err().to_string();
            assert!(
                message.starts_with("The last run of this instance is damaged: ")
                    && message.contains("reset the last run"),
                "{damaged} → {message}"
            );
        }
        let reference = json!({
            "incidents": [{"rawJSON": "{}"}],
            "last_run_time": "2025-05-20T16:00:00Z",
            "last_run_full_url": null
        });
        assert_eq!(
            read_last_run(&reference).unwrap(),
            SavedRun::Reference {
                last_run_time: Some("2025-05-20T16:00:00Z".into()),
                incidents: vec![json!({"rawJSON": "{}"})],
                full_url: None
            }
        );
        let ours = LastRun {
            version: LAST_RUN_VERSION,
            filter: filter_fingerprint("f"),
            since: "2025-05-20T16:00:00.000Z".into(),
            cursor: Cursor::at("https://acme.okta.com/api/v1/logs?limit=50"),
            high_water: None,
            seen: vec!["a".into()],
            legacy_incidents: Vec::new(),
            legacy_tail: None,
        };
        let value = serde_json::to_value(&ours).unwrap();
        assert_eq!(
            value.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["version", "filter", "since", "cursor", "high_water", "seen"]
        );
        assert_eq!(read_last_run(&value).unwrap(), SavedRun::Current(ours));
        let newer = json!({"version": 3, "cursor": {"url": "x"}});
        assert!(read_last_run(&newer)
            .unwrap_err()
            .to_string()
            .contains("newer okta-iam"));
        // A damaged cursor is repaired from the high-water mark and the uuids...
        let lost = json!({"version": 2, "cursor": "nope", "high_water": "2025-05-20T16:00:00.000Z", "seen": ["a", 7, "b"]});
        let SavedRun::Salvaged(salvage) = read_last_run(&lost).unwrap() else {
            panic!("salvaged")
        };
        assert_eq!(
            salvage.resume,
            Resume::HighWater("2025-05-20T16:00:00.000Z".into())
        );
        assert_eq!(salvage.seen, ["a", "b"]);
        // ... or from `since` when it says nothing was delivered yet ...
        let fresh = json!({"version": 2, "since": "2025-05-01T00:00:00.000Z", "high_water": null, "seen": []});
        let SavedRun::Salvaged(salvage) = read_last_run(&fresh).unwrap() else {
            panic!("salvaged")
        };
        assert_eq!(
            salvage.resume,
            Resume::Since("2025-05-01T00:00:00.000Z".into())
        );
        // ... and is an error when nothing says where to resume.
        let hopeless = json!({"version": 2, "cursor": "nope", "seen": ["a"]});
        assert!(read_last_run(&hopeless)
            .unwrap_err()
            .to_string()
            .contains("no high-water mark"));
    }

    #[test]
    fn future_positions_are_repaired() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let settings = FetchSettings {
            filter: "f".into(),
            max_fetch: 10,
            first_fetch: Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap(),
        };
        let mut run = LastRun {
            version: LAST_RUN_VERSION,
            filter: String::new(),
            since: "2062-01-01T00:00:00.000Z".into(),
            cursor: Cursor::at("x"),
            high_water: None,
            seen: Vec::new(),
            legacy_incidents: Vec::new(),
            legacy_tail: None,
        };
        assert!(repair_future_position(&mut run, &settings, now));
        assert_eq!(run.since, "2026-11-01T00:00:00.000Z");
        run.since = "2062-01-01T00:00:00.000Z".into();
        run.high_water = Some("2026-11-28T11:00:00.000Z".into());
        assert!(repair_future_position(&mut run, &settings, now));
        assert_eq!(run.since, "2026-11-28T10:50:00.000Z");
        run.high_water = Some("2062-01-02T00:00:00.000Z".into());
        assert!(repair_future_position(&mut run, &settings, now));
        assert_eq!(run.high_water, None);
        assert_eq!(run.since, "2026-11-01T00:00:00.000Z");
        // Within the clock-skew allowance: trusted.
        run.high_water = Some("2026-11-28T12:04:00.000Z".into());
        assert!(!repair_future_position(&mut run, &settings, now));
        let params = Params::from_map(
            json!({"first_fetch": "2062-01-01T00:00:00Z"})
                .as_object()
                .cloned()
                .unwrap(),
        );
        assert_eq!(
            first_fetch_setting(&params, now).unwrap_err().to_string(),
            "First fetch timestamp parameter (first_fetch) is in the future: '2062-01-01T00:00:00Z' is after the current time 2026-11-28T12:00:00.000Z. Use a past time, e.g. 3 days or 2026-11-28."
        );
    }

    #[test]
    fn limit_is_replaced_textually() {
        assert_eq!(
            with_limit(
                "https://a/api/v1/logs?since=2025-05-20T00%3A00%3A00Z&limit=50&after=1_2",
                1000
            ),
            "https://a/api/v1/logs?since=2025-05-20T00%3A00%3A00Z&limit=1000&after=1_2"
        );
        assert_eq!(
            with_limit("https://a/api/v1/logs", 10),
            "https://a/api/v1/logs"
        );
        assert_eq!(
            with_limit("https://a/api/v1/logs?filter=a+b", 10),
            "https://a/api/v1/logs?filter=a+b"
        );
    }

    #[test]
    fn resume_position_checks_the_last_consumed_uuid() {
        let page: Vec<Value> = ["a", "b", "c", "d"].iter().map(|u| event(u)).collect();
        let at = |skip: usize, last: Option<&str>| Cursor {
            url: String::new(),
            skip,
            last_uuid: last.map(str::to_string),
        };
        assert_eq!(resume_position(&at(0, None), &page), 0);
        assert_eq!(resume_position(&at(2, Some("b")), &page), 2);
        // Moved: an event was inserted before it.
        assert_eq!(resume_position(&at(2, Some("c")), &page), 3);
        // Gone: read the whole page again.
        assert_eq!(resume_position(&at(2, Some("zz")), &page), 0);
        // Past the end of a page that shrank.
        assert_eq!(resume_position(&at(9, Some("d")), &page), 4);
        assert_eq!(resume_position(&at(9, None), &page), 4);
    }

    #[test]
    fn seen_set_is_bounded_and_evicts_the_oldest() {
        let mut seen = Seen::new((0..SEEN_CAPACITY).map(|i| format!("u{i}")).collect());
        assert!(seen.contains("u0"));
        seen.insert("new".into());
        seen.insert("new".into());
        assert!(!seen.contains("u0"));
        assert!(seen.contains("u1") && seen.contains("new"));
        let all = seen.into_vec();
        assert_eq!(all.len(), SEEN_CAPACITY);
        assert_eq!(all.last().map(String::as_str), Some("new"));
    }

    #[test]
    fn last_run_is_kept_under_budget() {
        let mut big = LastRun {
            version: LAST_RUN_VERSION,
            filter: filter_fingerprint("f"),
            since: "2025-05-20T16:00:00.000Z".into(),
            cursor: Cursor::at(format!(
                "https://acme.okta.com/api/v1/logs?filter={}",
                "x".repeat(50_000)
            )),
            high_water: None,
            seen: (0..SEEN_CAPACITY)
                .map(|i| format!("5d2f1c8e-3a6b-11f0-9c1e-{i:012}"))
                .collect(),
            legacy_incidents: vec![json!({"rawJSON": "y".repeat(100_000)})],
            legacy_tail: None,
        };
        shrink_to_budget(&mut big);
        big.legacy_incidents.clear();
        let size = serde_json::to_vec(&big).unwrap().len();
        assert!(size <= LAST_RUN_MAX_BYTES, "{size}");
        assert!(!big.seen.is_empty() && big.seen.len() < SEEN_CAPACITY);
        assert!(big
            .seen
            .last()
            .unwrap()
            .ends_with(&format!("{:012}", SEEN_CAPACITY - 1)));
    }

    #[test]
    fn fallback_starts_at_the_high_water_mark_minus_the_lag() {
        let now = Utc.with_ymd_and_hms(2026, 11, 28, 12, 0, 0).unwrap();
        let mut run = LastRun {
            version: LAST_RUN_VERSION,
            filter: String::new(),
            since: "2026-11-01T00:00:00.000Z".into(),
            cursor: Cursor::at("x"),
            high_water: Some("2026-11-28T11:00:00.000Z".into()),
            seen: Vec::new(),
            legacy_incidents: Vec::new(),
            legacy_tail: None,
        };
        assert_eq!(fallback_since(&run, now), "2026-11-28T10:50:00.000Z");
        run.high_water = None;
        assert_eq!(fallback_since(&run, now), "2026-11-01T00:00:00.000Z");
        run.since = "2020-01-01T00:00:00.000Z".into();
        assert_eq!(fallback_since(&run, now), "2026-08-30T12:00:00.000Z");
        assert_ne!(filter_fingerprint("a"), filter_fingerprint("b"));
        assert_eq!(filter_fingerprint(""), "fnv1a64:cbf29ce484222325");
    }
}
