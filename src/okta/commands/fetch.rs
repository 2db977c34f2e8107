//! `fetch-incidents` and its settings: the query filter, `first_fetch` and `max_fetch` (shared
//! with `test-module`, which checks them when `isFetch` is set).
//!
//! The fetch follows the System Log in Okta's polling mode (persistence order, `next` always
//! present) and keeps its place in a small, versioned last run ([`LastRun`]): the URL of the
//! page being consumed, how many of its events were already taken (with the uuid of the last
//! one, to check the position when the page is read again), the published high-water mark, and
//! the uuids of the last [`SEEN_CAPACITY`] delivered events, which are never delivered again.
//! A last run written by the Python integration (`last_run_time`, `incidents`,
//! `last_run_full_url`) is migrated: its stored incidents are delivered once, its unfinished
//! page walk is completed, and polling resumes from its `last_run_time`. `docs/fetch.md`
//! describes the algorithm and its guarantees.
//!
//! - [`settings`]: the fetch params (filter, `first_fetch`, `max_fetch`), checked by
//!   `test-module` too.
//! - `last_run`: the last-run format, reading a stored one and repairing it.
//! - `walk`: the System Log walk of one run, from the last run to the next.
//! - `incident`: an event as an incident, and the entry that carries them.

use serde_json::Value;

use crate::catalogue::CommandSpec;
use crate::commands::{CommandError, CommandResult, Invocation};
use crate::state::LocalBoxFuture;

mod incident;
mod last_run;
pub mod settings;
mod walk;

pub use incident::*;
pub use last_run::*;
pub use settings::*;
pub use walk::*;

pub const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "fetch-incidents",
    description: "Fetches Okta System Log events matching the query filter as incidents, each event exactly once across runs.",
    args: &[],
    outputs: &[],
    execution: false,
    internal: true,
    handler: fetch_incidents,
}];

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
            .map_err(|e| CommandError::internal(format!("Cannot serialise the last run: {e}")))?;
        let incidents =
            crate::host::user_profiles::enrich_fetched(outcome.incidents, inv.daemon, inv.state)
                .await?;
        inv.state.set_last_run(last_run);
        Ok(vec![incidents_entry(&incidents)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::spool::Piece;
    use crate::params::Params;
    use chrono::TimeZone;
    use chrono::Utc;
    use serde_json::json;

    #[test]
    fn the_python_integrations_backlog_keeps_its_saved_keys() {
        let last_run = LastRun {
            version: LAST_RUN_VERSION,
            filter: "fnv1a64:0".into(),
            since: "2025-05-20T16:00:00.000Z".into(),
            cursor: Cursor::at("https://x/api/v1/logs"),
            high_water: None,
            seen: Vec::new(),
            python_incidents: vec![json!({"rawJSON": "{}"})],
            python_tail: Some(Cursor::at("https://x/api/v1/logs?after=1")),
        };
        let saved = serde_json::to_value(&last_run).unwrap();
        assert_eq!(saved["legacy_incidents"], json!([{"rawJSON": "{}"}]));
        assert_eq!(saved["legacy_tail"]["url"], "https://x/api/v1/logs?after=1");
        assert_eq!(serde_json::from_value::<LastRun>(saved).unwrap(), last_run);
    }

    #[test]
    fn auto_filter_is_the_python_integrations_string_with_escaping() {
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
        let python_run = json!({
            "incidents": [{"rawJSON": "{}"}],
            "last_run_time": "2025-05-20T16:00:00Z",
            "last_run_full_url": null
        });
        assert_eq!(
            read_last_run(&python_run).unwrap(),
            SavedRun::Python {
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
            python_incidents: Vec::new(),
            python_tail: None,
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
            python_incidents: Vec::new(),
            python_tail: None,
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
        let page: Vec<crate::okta::LogEvent> = ["a", "b", "c", "d"]
            .iter()
            .map(|u| crate::okta::LogEvent::from_value(&event(u)))
            .collect();
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
            python_incidents: vec![json!({"rawJSON": "y".repeat(100_000)})],
            python_tail: None,
        };
        shrink_to_budget(&mut big);
        big.python_incidents.clear();
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
            python_incidents: Vec::new(),
            python_tail: None,
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
