//! `okta-get-logs`: System Log events, page by page, with memory that stays flat.
//!
//! Arguments are checked before any request (`limit` a whole number from 1 to
//! [`MAX_LOGS_LIMIT`], `since`/`until` ISO-8601 with `since` before `until`). Pages of
//! `min(limit, 1000)` events are requested with the query as given (`sortOrder` included) and
//! `next` is followed until `limit` events, an empty page, or no `next` (a polling query always
//! has one, so it ends on its empty page).
//!
//! The entry is the reference's `CommandResults(outputs_prefix="Okta.Logs.Events",
//! outputs_key_field="uuid", outputs=events, raw_response=events, readable_output=
//! tableToMarkdown("Okta Log Events:", events))`, or `No logs found.` with null contents. Up to
//! [`SPOOL_AFTER_BYTES`] of events it is built in memory; past that, events and markdown rows
//! go to two spool files as they arrive and the entry is written from them, byte for byte the
//! same as the in-memory one for Okta's compact JSON.
//!
//! Events are kept as Okta's text ([`LogEvent`]), never as a `Value` tree for the whole
//! result: the spool gets each event's bytes as they came, and only the markdown row of an
//! event parses it, one event at a time. Memory is one page (2 MB of JSON for 1,000 events)
//! plus the part kept before spooling.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::catalogue::{ArgSpec, Args, CommandSpec, OutputSpec};
use crate::commands::args::FromArgs;
use crate::commands::{CommandError, CommandResult, Invocation};
use crate::okta::{LogEvent, LogQuery, SortOrder};
use crate::output::markdown::{self, TableStream};
use crate::output::spool::{write_json_string_body, Piece, SpoolFile, SpooledEntry};
use crate::output::{command_results, context_key, Entry};
use crate::state::LocalBoxFuture;
use crate::time::{iso_millis as iso, parse_time_input};

/// The largest `limit` accepted. Memory stays flat for any size (the result is spooled), but
/// an entry of more than 100,000 events (hundreds of MB, written twice: contents and context)
/// is more than an XSOAR war room can use; export the System Log to a SIEM instead.
pub const MAX_LOGS_LIMIT: u64 = 100_000;
/// The System Log's largest page.
pub const MAX_PAGE: u64 = 1000;
/// Past this many bytes of events (compact JSON), the entry is spooled to temporary files. An
/// in-memory entry is built as a `Value` (about 7.5 times its JSON), so this stays small.
pub const SPOOL_AFTER_BYTES: usize = 1024 * 1024;

/// The context prefix and the table title of the reference.
pub const PREFIX: &str = "Okta.Logs.Events";
pub const TITLE: &str = "Okta Log Events:";
pub const NO_LOGS: &str = "No logs found.";

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "okta-get-logs",
    description: "Gets logs by providing optional filters.",
    args: &[
        ArgSpec::optional(
            "filter",
            "Useful for performing structured queries where constraints on LogEvent attribute values can be explicitly targeted. The following expressions are supported for events with the filter query parameter: eventType eq \" :eventType\" -Events that have a specific action; eventType target.id eq \":id\" - Events published with a specific target id; actor.id eq \":id\"- Events published with a specific actor ID. For more information about filtering, visit https://developer.okta.com/docs/api/getting_started/design_principles#filtering.",
        ),
        ArgSpec::optional(
            "since",
            "Filters the lower time bound of the log events in the Internet Date/Time Format profile of ISO 8601. For example: 2017-05-03T16:22:18Z.",
        ),
        ArgSpec::optional(
            "until",
            "Filters the upper time bound of the log events in the Internet Date/Time Format profile of ISO 8601. For example: 2017-05-03T16:22:18Z.",
        ),
        ArgSpec::optional(
            "sortOrder",
            "The order of the returned events. Can be \"ASCENDING\" or \"DESCENDING\". The default is \"ASCENDING\".",
        )
        .predefined(&["ASCENDING", "DESCENDING"])
        .default_value("ASCENDING"),
        ArgSpec::optional(
            "limit",
            "The maximum number of events to return: a whole number from 1 to 100000. Pages of up to 1000 events are requested until the limit is reached.",
        )
        .default_value("100"),
    ],
    outputs: &[
        OutputSpec::new("Okta.Logs.Events.actor.alternateId", "String", "Alternative ID of the actor."),
        OutputSpec::new("Okta.Logs.Events.actor.displayName", "String", "Display name of the actor."),
        OutputSpec::new("Okta.Logs.Events.actor.id", "String", "ID of the actor."),
        OutputSpec::new("Okta.Logs.Events.client.userAgent.rawUserAgent", "String", "A raw string representation of user agent, formatted according to section 5.5.3 of HTTP/1.1 Semantics and Content. Both the browser and the OS fields can be derived from this field."),
        OutputSpec::new("Okta.Logs.Events.client.userAgent.os", "String", "The operating system on which the client runs. For example, Microsoft Windows 10."),
        OutputSpec::new("Okta.Logs.Events.client.userAgent.browser", "String", "Identifies the type of web browser, if relevant. For example, Chrome."),
        OutputSpec::new("Okta.Logs.Events.client.device", "String", "Type of device from which the client operated. For example, Computer."),
        OutputSpec::new("Okta.Logs.Events.client.id", "String", "For OAuth requests, the ID of the OAuth client making the request. For SSWS token requests, the ID of the agent making the request."),
        OutputSpec::new("Okta.Logs.Events.client.ipAddress", "String", "IP address from which the client made its request."),
        OutputSpec::new("Okta.Logs.Events.client.geographicalContext.city", "String", "The city encompassing the area containing the geo-location coordinates, if available. For example, Seattle, San Francisco."),
        OutputSpec::new("Okta.Logs.Events.client.geographicalContext.state", "String", "Full name of the state or province encompassing the area containing the geo-location coordinates. For example, Montana, Incheon."),
        OutputSpec::new("Okta.Logs.Events.client.geographicalContext.country", "String", "Full name of the country encompassing the area containing the geo-location coordinates. For example, France, Uganda."),
        OutputSpec::new("Okta.Logs.Events.displayMessage", "String", "The display message for an event."),
        OutputSpec::new("Okta.Logs.Events.eventType", "String", "Type of event that was published."),
        OutputSpec::new("Okta.Logs.Events.outcome.result", "String", "Result of the action. Can be \"SUCCESS\", \"FAILURE\", \"SKIPPED\", or \"UNKNOWN\"."),
        OutputSpec::new("Okta.Logs.Events.outcome.reason", "String", "Reason for the result. For example, INVALID_CREDENTIALS."),
        OutputSpec::new("Okta.Logs.Events.published", "String", "Timestamp when the event was published."),
        OutputSpec::new("Okta.Logs.Events.severity", "String", "The event severity. Can be \"DEBUG\", \"INFO\", \"WARN\", or \"ERROR\"."),
        OutputSpec::new("Okta.Logs.Events.securityContext.asNumber", "Number", "Autonomous system number associated with the autonomous system that the event request was sourced to."),
        OutputSpec::new("Okta.Logs.Events.securityContext.asOrg", "String", "Organization associated with the autonomous system that the event request was sourced to."),
        OutputSpec::new("Okta.Logs.Events.securityContext.isp", "String", "Internet service provider used to send the event's request."),
        OutputSpec::new("Okta.Logs.Events.securityContext.domain", "String", "Specifies whether an event's request is from a known proxy."),
        OutputSpec::new("Okta.Logs.Events.request.ipChain.IP", "String", "IP address."),
        OutputSpec::new("Okta.Logs.Events.request.ipChain.geographicalContext.city", "String", "The city encompassing the area containing the geo-location coordinates, if available. For example, Seattle, San Francisco."),
        OutputSpec::new("Okta.Logs.Events.request.ipChain.geographicalContext.state", "String", "Full name of the state or province encompassing the area containing the geo-location coordinates. For example, Montana, Incheon."),
        OutputSpec::new("Okta.Logs.Events.request.ipChain.geographicalContext.country", "String", "Full name of the country encompassing the area containing the geo-location coordinates. For example, France, Uganda."),
        OutputSpec::new("Okta.Logs.Events.request.ipChain.source", "String", "Details regarding the source."),
        OutputSpec::new("Okta.Logs.Events.target.id", "String", "ID of a target."),
        OutputSpec::new("Okta.Logs.Events.target.type", "String", "Type of a target."),
        OutputSpec::new("Okta.Logs.Events.target.alternateId", "String", "Alternative ID of a target."),
        OutputSpec::new("Okta.Logs.Events.target.displayName", "String", "Display name of a target."),
    ],
    execution: false,
    internal: false,
    handler: get_logs,
}];

/// The checked arguments of one `okta-get-logs` call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsArgs {
    pub filter: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub sort_order: SortOrder,
    pub limit: u64,
}

impl LogsArgs {
    /// The query of the first page: `limit=min(limit, 1000)`, times in UTC with milliseconds.
    pub fn query(&self) -> LogQuery {
        LogQuery {
            filter: self.filter.clone(),
            since: self.since.clone(),
            until: self.until.clone(),
            limit: Some(self.limit.min(MAX_PAGE) as u32),
            sort_order: Some(self.sort_order),
            q: None,
        }
    }
}

impl FromArgs for LogsArgs {
    fn from_args(args: &Args) -> Result<Self, CommandError> {
        parse_args(args)
    }
}

/// Checks the arguments; each error says what is allowed.
pub fn parse_args(args: &Args) -> Result<LogsArgs, CommandError> {
    let limit_text = args.string("limit").unwrap_or_else(|| "100".to_string());
    let limit = parse_limit(&limit_text)?;
    let since = args
        .string("since")
        .map(|s| parse_time("since", &s))
        .transpose()?;
    let until = args
        .string("until")
        .map(|s| parse_time("until", &s))
        .transpose()?;
    if let (Some(since), Some(until)) = (&since, &until) {
        if since >= until {
            return Err(CommandError::argument(format!(
                "The since argument ({}) must be earlier than the until argument ({}).",
                iso(since),
                iso(until)
            )));
        }
    }
    let sort_order = match args.string("sortOrder") {
        Some(s) if s.trim().eq_ignore_ascii_case("DESCENDING") => SortOrder::Descending,
        _ => SortOrder::Ascending,
    };
    Ok(LogsArgs {
        filter: args.string("filter").map(|f| f.trim().to_string()),
        since: since.as_ref().map(iso),
        until: until.as_ref().map(iso),
        sort_order,
        limit,
    })
}

/// `limit`: a whole number from 1 to [`MAX_LOGS_LIMIT`].
pub fn parse_limit(text: &str) -> Result<u64, CommandError> {
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=MAX_LOGS_LIMIT).contains(&n) => Ok(n),
        _ => Err(CommandError::argument(format!(
            "The limit argument must be a whole number from 1 to {MAX_LOGS_LIMIT}; got '{text}'."
        ))),
    }
}

/// An ISO-8601 time: `2017-05-03T16:22:18Z`, with fractional seconds or an offset, or without a
/// zone (read as UTC), or a date alone (midnight UTC).
pub fn parse_time(name: &str, text: &str) -> Result<DateTime<Utc>, CommandError> {
    parse_time_input(text).ok_or_else(|| {
        CommandError::argument(format!(
            "The {name} argument must be an ISO-8601 time such as 2017-05-03T16:22:18Z (or 2017-05-03T16:22:18.000+02:00, or a date such as 2017-05-03); got '{text}'."
        ))
    })
}

fn get_logs(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let args = LogsArgs::from_args(&inv.args)?;
        let client = crate::okta::vendor::client(&inv)?;
        let mut pager = client.logs().list(&args.query());
        let mut sink = EventSink::new(SPOOL_AFTER_BYTES);
        while sink.count() < args.limit {
            let Some(page) = pager.next_raw_page().await else {
                break;
            };
            let page = page?;
            if page.items.is_empty() {
                break;
            }
            for raw in page.items {
                if sink.count() == args.limit {
                    break;
                }
                sink.push(LogEvent::from_raw(&raw))?;
            }
        }
        Ok(vec![sink.finish()?])
    })
}

/// Where events go as they arrive: memory first, spool files past a size.
pub struct EventSink {
    threshold: usize,
    count: u64,
    bytes: usize,
    memory: Vec<LogEvent>,
    spool: Option<Spool>,
}

struct Spool {
    events: SpoolFile,
    markdown: SpoolFile,
    table: TableStream,
}

impl EventSink {
    /// Spools once the events' compact JSON passes `threshold` bytes (0: always spool).
    pub fn new(threshold: usize) -> Self {
        EventSink {
            threshold,
            count: 0,
            bytes: 0,
            memory: Vec::new(),
            spool: None,
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn push(&mut self, event: LogEvent) -> Result<(), CommandError> {
        self.count += 1;
        if let Some(spool) = &mut self.spool {
            return spool.push(&event);
        }
        self.bytes += event.json().len();
        self.memory.push(event);
        if self.bytes > self.threshold {
            let mut events = std::mem::take(&mut self.memory).into_iter();
            if let Some(first) = events.next() {
                let mut spool = Spool::start(&first)?;
                spool.push(&first)?;
                for event in events {
                    spool.push(&event)?;
                }
                self.spool = Some(spool);
            }
        }
        Ok(())
    }

    /// The entry: the reference's CommandResults, spooled or not.
    pub fn finish(self) -> Result<Entry, CommandError> {
        match self.spool {
            Some(spool) => spool.finish(),
            None => in_memory_entry(self.memory.iter().map(LogEvent::to_value).collect()),
        }
    }
}

/// The entry built in memory (what [`EventSink`] spools byte for byte).
pub fn in_memory_entry(events: Vec<Value>) -> Result<Entry, CommandError> {
    if events.is_empty() {
        return Ok(command_results(
            None,
            &[],
            Value::Object(Map::new()),
            NO_LOGS,
            Some(Value::Array(Vec::new())),
        ));
    }
    let events = Value::Array(events);
    let readable = markdown::table(TITLE, &events).map_err(markdown_error)?;
    Ok(command_results(
        Some(PREFIX),
        &["uuid"],
        events,
        readable,
        None,
    ))
}

fn markdown_error(error: markdown::MarkdownError) -> CommandError {
    CommandError::internal(format!("Cannot render the events as a table: {error}"))
}

fn spool_error(error: std::io::Error) -> CommandError {
    CommandError::internal(format!(
        "Cannot write the events to a temporary file: {error}. Check the free space of the temporary directory, or lower the limit."
    ))
}

impl Spool {
    fn start(first: &LogEvent) -> Result<Spool, CommandError> {
        let Value::Object(first_row) = first.to_value() else {
            return Err(markdown_error(markdown::MarkdownError::MissingHeaders));
        };
        let (table, head) = TableStream::start(TITLE, &first_row);
        let mut events = SpoolFile::new().map_err(spool_error)?;
        events.write_str("[").map_err(spool_error)?;
        let mut markdown = SpoolFile::new().map_err(spool_error)?;
        write_json_string_body(&mut markdown, &head).map_err(spool_error)?;
        Ok(Spool {
            events,
            markdown,
            table,
        })
    }

    /// The event's own bytes to the events file, its markdown row to the other.
    fn push(&mut self, event: &LogEvent) -> Result<(), CommandError> {
        if self.events.len() > 1 {
            self.events.write_str(",").map_err(spool_error)?;
        }
        self.events.write_str(event.json()).map_err(spool_error)?;
        let row = self.table.row(&event.to_value()).map_err(markdown_error)?;
        write_json_string_body(&mut self.markdown, &row).map_err(spool_error)
    }

    fn finish(mut self) -> Result<Entry, CommandError> {
        self.events.write_str("]").map_err(spool_error)?;
        let events = self.events.finish().map_err(spool_error)?;
        let markdown = self.markdown.finish().map_err(spool_error)?;
        let key = serde_json::to_string(&context_key(PREFIX, &["uuid"]))
            .map_err(|e| CommandError::internal(e.to_string()))?;
        let body = SpooledEntry {
            pieces: vec![
                Piece::Text(r#"{"Type":1,"ContentsFormat":"json","Contents":"#.to_string()),
                Piece::File(events.clone()),
                Piece::Text(r#","HumanReadable":""#.to_string()),
                Piece::File(markdown.clone()),
                Piece::Text(format!(r#"","EntryContext":{{{key}:"#)),
                Piece::File(events),
                Piece::Text("}}".to_string()),
            ],
            human_readable: Some(markdown),
        };
        Ok(Entry::spooled(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Args;
    use serde_json::json;

    fn args(v: Value) -> Args {
        Args::from_map(v.as_object().cloned().unwrap())
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(parse_limit("1").unwrap(), 1);
        assert_eq!(parse_limit(" 100000 ").unwrap(), 100_000);
        for bad in ["0", "-1", "abc", "1.5", "100001", "", "1e3"] {
            let e = parse_limit(bad).unwrap_err().to_string();
            assert!(e.contains("whole number from 1 to 100000"), "{bad}: {e}");
        }
    }

    #[test]
    fn times_are_iso_and_normalised_to_utc() {
        let t = |s: &str| parse_time("since", s).map(|d| iso(&d));
        assert_eq!(
            t("2017-05-03T16:22:18Z").unwrap(),
            "2017-05-03T16:22:18.000Z"
        );
        assert_eq!(
            t("2017-05-03T18:22:18.5+02:00").unwrap(),
            "2017-05-03T16:22:18.500Z"
        );
        assert_eq!(
            t("2017-05-03T16:22:18").unwrap(),
            "2017-05-03T16:22:18.000Z"
        );
        assert_eq!(t("2017-05-03").unwrap(), "2017-05-03T00:00:00.000Z");
        for bad in [
            "yesterday",
            "7 days",
            "2017-13-01",
            "16:22",
            "2017-05-03T25:00:00Z",
        ] {
            let e = t(bad).unwrap_err().to_string();
            assert!(
                e.contains("The since argument must be an ISO-8601 time"),
                "{e}"
            );
        }
    }

    #[test]
    fn args_and_query() {
        let a = parse_args(&args(json!({
            "filter": " eventType eq \"x\" ", "since": "2024-01-01T00:00:00Z",
            "sortOrder": "descending", "limit": "2500"
        })))
        .unwrap();
        assert_eq!(a.sort_order, SortOrder::Descending);
        assert_eq!(a.limit, 2500);
        let q = a.query();
        assert_eq!(q.limit, Some(1000));
        assert_eq!(q.filter.as_deref(), Some("eventType eq \"x\""));
        assert_eq!(q.since.as_deref(), Some("2024-01-01T00:00:00.000Z"));
        assert_eq!(q.until, None);
        let e = parse_args(&args(json!({"since": "2024-02-01", "until": "2024-01-01"})))
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be earlier than the until argument"), "{e}");
        assert_eq!(parse_args(&args(json!({}))).unwrap().limit, 100);
    }

    fn sample_events(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| {
                json!({
                    "uuid": format!("u-{i}"),
                    "published": "2025-05-20T16:54:14.214Z",
                    "displayMessage": format!("Line one\nline | two {i} `x` ü \u{1F600}"),
                    "severity": "INFO",
                    "outcome": {"result": "SUCCESS", "reason": null},
                    "target": [{"id": "00u1", "type": "User", "alternateId": "a\"b@example.com"}],
                    "n": i, "f": 0.1 + i as f64, "null": null, "flag": i % 2 == 0,
                    "extra": if i % 3 == 0 { json!("only some rows") } else { Value::Null }
                })
            })
            .collect()
    }

    async fn bytes_of(entry: &Entry) -> Vec<u8> {
        match &entry.spooled {
            Some(spooled) => {
                let mut out = Vec::new();
                spooled.write_to(&mut out).await.unwrap();
                out
            }
            None => serde_json::to_vec(entry).unwrap(),
        }
    }

    #[tokio::test]
    async fn spooled_entry_is_byte_identical_to_the_in_memory_one() {
        for n in [1, 2, 7, 300] {
            let events = sample_events(n);
            let mut spooled = EventSink::new(0);
            let mut memory = EventSink::new(usize::MAX);
            for e in &events {
                spooled.push(LogEvent::from_value(e)).unwrap();
                memory.push(LogEvent::from_value(e)).unwrap();
            }
            let spooled = spooled.finish().unwrap();
            let memory = memory.finish().unwrap();
            assert!(spooled.spooled.is_some() && memory.spooled.is_none());
            let a = bytes_of(&spooled).await;
            let b = bytes_of(&memory).await;
            assert_eq!(
                String::from_utf8(a).unwrap(),
                String::from_utf8(b).unwrap(),
                "{n} events"
            );
            assert_eq!(
                spooled.spooled.as_ref().unwrap().human_readable_text(),
                memory.human_readable
            );
        }
    }

    #[tokio::test]
    async fn spilling_half_way_keeps_the_bytes() {
        let events = sample_events(50);
        let one = serde_json::to_vec(&events[0]).unwrap().len();
        let mut sink = EventSink::new(one * 10);
        for e in &events {
            sink.push(LogEvent::from_value(e)).unwrap();
        }
        let spooled = sink.finish().unwrap();
        assert!(spooled.spooled.is_some());
        let memory = in_memory_entry(events).unwrap();
        assert_eq!(bytes_of(&spooled).await, bytes_of(&memory).await);
    }

    #[test]
    fn no_events_is_no_logs_found() {
        let e = in_memory_entry(Vec::new()).unwrap();
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"Type":1,"ContentsFormat":"json","Contents":null,"HumanReadable":"No logs found.","EntryContext":{}}"#
        );
        assert!(EventSink::new(0).finish().unwrap().spooled.is_none());
    }
}
