//! The System Log walk: the polling query, the saved position and where to resume it, the
//! uuids already delivered, and one run from the last run to the next within its budget.

use std::collections::{HashSet, VecDeque};

use chrono::{DateTime, Duration as ChronoDuration, Utc};
use serde_json::Value;
use tracing::{debug, info, warn};

use super::incident::{event_incident, incident, uuid_of};
use super::last_run::{
    in_future, read_last_run, repair_future_position, Cursor, LastRun, Resume, SavedRun,
    FALLBACK_LAG_MINUTES, LAST_RUN_MAX_BYTES, LAST_RUN_VERSION, MAX_PAGES_PER_RUN, RETENTION_DAYS,
    SEEN_CAPACITY,
};
use super::settings::FetchSettings;
use super::FetchOutcome;
use crate::commands::CommandError;
use crate::okta::{Client, LogEvent, LogQuery, OktaError, SortOrder};
use crate::time::{iso_millis as iso, parse_timestamp as parse_time};

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
pub(super) fn polling_url(
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
        .ok_or_else(|| CommandError::internal("Cannot build the System Log URL."))
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
pub(super) fn fallback_since(last_run: &LastRun, now: DateTime<Utc>) -> String {
    fallback_from(last_run.high_water.as_deref(), &last_run.since, now)
}

/// `high_water` minus the lag when it is a time (else `since` itself, else now), never before
/// the retention window.
pub(super) fn fallback_from(high_water: Option<&str>, since: &str, now: DateTime<Utc>) -> String {
    let oldest = now - ChronoDuration::days(RETENTION_DAYS);
    let start = match high_water.and_then(parse_time) {
        Some(at) => at - ChronoDuration::minutes(FALLBACK_LAG_MINUTES),
        None => parse_time(since).unwrap_or(now),
    };
    iso(&start.max(oldest))
}

/// The recently delivered uuids, bounded, oldest evicted first.
pub(super) struct Seen {
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl Seen {
    pub(super) fn new(uuids: Vec<String>) -> Seen {
        let mut seen = Seen {
            order: VecDeque::with_capacity(SEEN_CAPACITY + 1),
            set: HashSet::with_capacity(SEEN_CAPACITY + 1),
        };
        for uuid in uuids {
            seen.insert(uuid);
        }
        seen
    }

    pub(super) fn contains(&self, uuid: &str) -> bool {
        self.set.contains(uuid)
    }

    pub(super) fn insert(&mut self, uuid: String) {
        if self.set.insert(uuid.clone()) {
            self.order.push_back(uuid);
            while self.order.len() > SEEN_CAPACITY {
                if let Some(old) = self.order.pop_front() {
                    self.set.remove(&old);
                }
            }
        }
    }

    pub(super) fn into_vec(self) -> Vec<String> {
        self.order.into()
    }
}

/// Why a cursor walk stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stop {
    /// `max_fetch` incidents delivered.
    Budget,
    /// An empty page (or a page with no way further): nothing more for now.
    CaughtUp,
    /// A finite walk (the Python integration's bounded query) reached its last page.
    Ended,
    /// [`MAX_PAGES_PER_RUN`] requests made.
    PageLimit,
}

pub(super) struct WalkError {
    error: OktaError,
    /// The failure came from the walk's first request (the saved URL itself).
    first: bool,
}

/// True for failures that mean "this saved URL cannot be used" rather than "Okta is down":
/// the client refused it (another origin or path), or Okta answered 400.
pub(super) fn is_rejection(error: &OktaError) -> bool {
    matches!(error, OktaError::InvalidRequest(_)) || error.status() == Some(400)
}

/// A page of the System Log walk.
struct EventPage {
    items: Vec<LogEvent>,
    next: Option<url::Url>,
}

/// One run's delivery: the budget, the incidents so far, the uuid set, the high-water mark.
pub(super) struct Run<'a> {
    client: &'a Client,
    budget: usize,
    incidents: Vec<Value>,
    seen: Seen,
    high_water: Option<(DateTime<Utc>, String)>,
    page_size: u32,
    pages: usize,
}

impl Run<'_> {
    fn note_published(&mut self, published: Option<&str>) {
        let Some(text) = published else {
            return;
        };
        if let Some(at) = parse_time(text) {
            if self.high_water.as_ref().is_none_or(|(hw, _)| at > *hw) {
                self.high_water = Some((at, text.to_string()));
            }
        }
    }

    /// Delivers one event unless its uuid was delivered before.
    fn deliver(&mut self, event: &LogEvent) {
        if let Some(uuid) = event.uuid() {
            if self.seen.contains(uuid) {
                debug!(uuid, "already delivered; skipped");
                return;
            }
            self.seen.insert(uuid.to_string());
        }
        self.incidents.push(event_incident(event));
        self.note_published(event.fields().published.as_deref());
        self.budget -= 1;
    }

    /// Delivers one stored incident of the Python integration (`{"rawJSON": "..."}`, kept as stored, with
    /// `name`, `occurred` and `dbotMirrorId` added when the event has them).
    fn deliver_python_incident(&mut self, stored: Value) {
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
        self.note_published(event.get("published").and_then(Value::as_str));
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
            while self.budget > 0 {
                let Some(item) = items.get(i) else {
                    break;
                };
                self.deliver(item);
                i += 1;
            }
            if i < items.len() {
                cursor.skip = i;
                // The uuid of the last event consumed from this page.
                cursor.last_uuid = items
                    .get(..i)
                    .and_then(<[LogEvent]>::last)
                    .and_then(LogEvent::uuid)
                    .map(str::to_string);
                return Ok(Stop::Budget);
            }
            match page.next {
                Some(next) => *cursor = Cursor::at(next.to_string()),
                None if finite => return Ok(Stop::Ended),
                None => {
                    // No way further from this page: stay on it; the next run reads it again
                    // and takes only what was appended.
                    cursor.skip = items.len();
                    cursor.last_uuid = items.last().and_then(LogEvent::uuid).map(str::to_string);
                    return Ok(Stop::CaughtUp);
                }
            }
            if items.is_empty() {
                return Ok(Stop::CaughtUp);
            }
        }
    }

    /// One page of events, each kept as Okta's text with the fields a run reads.
    async fn read_page(&self, url: &str) -> Result<EventPage, OktaError> {
        let mut pager = self.client.logs().resume(url)?;
        match pager.next_raw_page().await {
            Some(page) => {
                let page = page?;
                Ok(EventPage {
                    items: page
                        .items
                        .iter()
                        .map(|raw| LogEvent::from_raw(raw))
                        .collect(),
                    next: page.next,
                })
            }
            None => Ok(EventPage {
                items: Vec::new(),
                next: None,
            }),
        }
    }
}

/// Where to start in a page read again: after the `skip` events already consumed, checked
/// against the uuid of the last of them. If that event moved, start after it; if it is gone,
/// read the whole page (the uuid set drops what was delivered).
pub(super) fn resume_position(cursor: &Cursor, items: &[LogEvent]) -> usize {
    if cursor.skip == 0 {
        return 0;
    }
    let Some(last) = cursor.last_uuid.as_deref() else {
        return cursor.skip.min(items.len());
    };
    // `skip` is not 0 here.
    if items.get(cursor.skip - 1).and_then(LogEvent::uuid) == Some(last) {
        return cursor.skip;
    }
    match items.iter().position(|e| e.uuid() == Some(last)) {
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
                python_incidents: Vec::new(),
                python_tail: None,
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
        SavedRun::Python {
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
                python_incidents: incidents,
                python_tail: full_url.map(Cursor::at),
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
                python_incidents: salvage.python_incidents,
                python_tail: None,
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

    // 1. A migrated backlog of the Python integration, in its order.
    let mut stored = std::mem::take(&mut last_run.python_incidents).into_iter();
    while run.budget > 0 {
        let Some(item) = stored.next() else { break };
        run.deliver_python_incident(item);
    }
    last_run.python_incidents = stored.collect();

    // 2. the Python integration's unfinished page walk, to its end.
    let mut go_on = last_run.python_incidents.is_empty();
    if go_on {
        if let Some(mut tail) = last_run.python_tail.take() {
            match run.walk(&mut tail, true, false).await {
                Ok(Stop::Ended | Stop::CaughtUp) => {}
                Ok(_) => {
                    last_run.python_tail = Some(tail);
                    go_on = false;
                }
                Err(e) if e.first && is_rejection(&e.error) => {
                    warn!(error = %e.error, "the reference's saved page URL is refused; skipping it");
                }
                Err(e) => {
                    last_run.python_tail = Some(tail);
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
        backlog = last_run.python_incidents.len(),
        "fetch run done"
    );
    Ok(FetchOutcome {
        incidents,
        last_run,
        pages,
    })
}

/// A failure with nothing delivered fails the run; after some incidents it only ends it.
pub(super) fn fail_or_keep(run: &Run<'_>, error: OktaError) -> Result<(), CommandError> {
    if run.incidents.is_empty() {
        return Err(CommandError::from(error));
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
pub(super) fn shrink_to_budget(last_run: &mut LastRun) {
    let backlog = std::mem::take(&mut last_run.python_incidents);
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
    last_run.python_incidents = backlog;
}
