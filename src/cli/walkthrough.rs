//! `okta-iam demo` as a person reads it: each step's command and arguments, its war-room
//! table as XSOAR shows it (cells trimmed to fit the width), and a closing summary.
//!
//! The walkthrough is built from the protocol output of the serve loop (the bytes
//! `demo --json` prints), so the two views cannot disagree. It is plain text (no colour, no
//! cursor control): the same on a terminal, in a pipe and in a CI log.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};

use super::outcome::protocol_entry_failed;
use crate::okta::{BoxFuture, HttpRequest, HttpResponse, Transport, TransportError};

/// The width used when `COLUMNS` does not give one.
pub const DEFAULT_WIDTH: usize = 100;
/// Narrowest a table column is squeezed to before the table is shown row by row instead.
const MIN_COLUMN: usize = 8;

/// One calling context of the script and what the loop answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub command: String,
    pub args: Map<String, Value>,
    /// The entries of its `result` messages, as written on the protocol.
    pub entries: Vec<Value>,
    pub exception: Option<String>,
    /// Whether its `completed` message came.
    pub completed: bool,
}

impl Step {
    /// An error entry, an exception, a failed IAM result, or no `completed`.
    pub fn failed(&self) -> bool {
        !self.completed
            || self.exception.is_some()
            || self.entries.iter().any(protocol_entry_failed)
    }
}

/// Pairs the script's calling contexts with the loop's output, in order.
pub fn steps(script: &str, output: &[u8]) -> Vec<Step> {
    let mut steps: Vec<Step> = script
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap_or(Value::Null);
            Step {
                command: value
                    .get("command")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                args: value
                    .get("args")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default(),
                entries: Vec::new(),
                exception: None,
                completed: false,
            }
        })
        .collect();
    let mut current = 0;
    for line in String::from_utf8_lossy(output).lines() {
        let Some(step) = steps.get_mut(current) else {
            break;
        };
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        match message.get("type").and_then(Value::as_str) {
            Some("result") => {
                if let Some(results) = message.get("results").and_then(Value::as_array) {
                    step.entries.extend(results.iter().cloned());
                }
            }
            Some("exception") => {
                step.exception = Some(
                    message
                        .get("args")
                        .and_then(|args| args.get("exception"))
                        .and_then(Value::as_str)
                        .unwrap_or("internal error")
                        .to_string(),
                );
            }
            Some("completed") => {
                step.completed = true;
                current += 1;
            }
            _ => {}
        }
    }
    steps
}

/// What the closing summary reports besides the steps.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// The walkthrough's first lines (the vendor's demo heading).
    pub heading: &'static str,
    /// The vendor as the summary names its requests ("Okta").
    pub requests_label: &'static str,
    /// Requests the cassette answered.
    pub requests: usize,
    /// Requests it had no answer for.
    pub misses: usize,
    pub elapsed: Duration,
}

/// The width to lay the walkthrough out in: `COLUMNS`, else the width of the terminal on
/// stdout, else [`DEFAULT_WIDTH`] (a pipe).
pub fn width_from_env() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|text| text.trim().parse::<usize>().ok())
        .or_else(|| {
            terminal_size::terminal_size_of(std::io::stdout())
                .map(|(terminal_size::Width(width), _)| usize::from(width))
        })
        .map(|width| width.clamp(40, 1000))
        .unwrap_or(DEFAULT_WIDTH)
}

/// The whole walkthrough.
pub fn render(steps: &[Step], summary: &Summary, width: usize) -> String {
    let mut out = String::from(summary.heading);
    let total = steps.len();
    for (index, step) in steps.iter().enumerate() {
        out.push('\n');
        out.push_str(&render_step(index + 1, total, step, width));
    }
    out.push('\n');
    out.push_str(&summary_line(steps, summary));
    out.push('\n');
    out
}

fn render_step(number: usize, total: usize, step: &Step, width: usize) -> String {
    let status = if step.failed() { "FAILED" } else { "ok" };
    let mut out = format!("── {number}/{total}  {}  [{status}]\n", step.command);
    for (name, value) in &step.args {
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.push_str(&trim(&format!("   {name}={text}"), width));
        out.push('\n');
    }
    out.push('\n');
    for entry in &step.entries {
        out.push_str(&render_entry(entry, width));
    }
    if let Some(exception) = &step.exception {
        out.push_str(&format!("Exception: {exception}\n"));
    }
    if !step.completed {
        out.push_str("(no answer: the script stopped here)\n");
    }
    out
}

fn render_entry(entry: &Value, width: usize) -> String {
    let contents = entry.get("Contents").unwrap_or(&Value::Null);
    if entry.get("Type").and_then(Value::as_u64) == Some(4) {
        // An IAM error entry (rate limit spent) carries the 13 outputs: say its message.
        let message = contents
            .get("errorMessage")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| text_of(contents));
        return format!("Error: {message}\n");
    }
    if let Some(markdown) = entry.get("HumanReadable").and_then(Value::as_str) {
        return render_markdown(markdown, width);
    }
    // `fetch-incidents` sends its incidents as JSON text.
    let parsed = match contents {
        Value::String(text) if text.starts_with('[') => serde_json::from_str(text).ok(),
        _ => None,
    };
    match parsed.as_ref().unwrap_or(contents) {
        Value::String(text) => text.lines().map(|line| trim(line, width) + "\n").collect(),
        Value::Array(items) if items.iter().all(|i| i.get("occurred").is_some()) => {
            render_incidents(items, width)
        }
        other => trim(&other.to_string(), width) + "\n",
    }
}

/// Incidents of `fetch-incidents`: when each occurred and its name.
fn render_incidents(items: &[Value], width: usize) -> String {
    let mut out = format!(
        "{} incident{} fetched\n",
        items.len(),
        if items.len() == 1 { "" } else { "s" }
    );
    for item in items {
        let line = format!(
            "  {}  {}",
            text_of(&item["occurred"]),
            text_of(&item["name"])
        );
        out.push_str(&trim(&line, width));
        out.push('\n');
    }
    out
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Markdown as the war room shows it: headings as text, tables laid out in columns.
pub fn render_markdown(markdown: &str, width: usize) -> String {
    let mut out = String::new();
    let mut lines = markdown.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with('|') {
            let mut table = vec![line];
            while let Some(row) = lines.next_if(|row| row.starts_with('|')) {
                table.push(row);
            }
            out.push_str(&render_table(&table, width));
            continue;
        }
        let text = line.trim_start_matches('#').trim();
        let text = text
            .strip_prefix("**")
            .and_then(|t| t.strip_suffix("**"))
            .unwrap_or(text);
        out.push_str(&trim(text, width));
        out.push('\n');
    }
    out
}

/// The cells of one markdown table row: split on `|` not escaped by `\`.
fn cells(row: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = row.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some('|') | Some('`')) => {
                cell.push(chars.next().unwrap_or('|'));
            }
            '|' => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    // The pieces before the first and after the last `|` are empty.
    if cells.first().is_some_and(|c| c.trim().is_empty()) {
        cells.remove(0);
    }
    if cells.last().is_some_and(|c| c.trim().is_empty()) {
        cells.pop();
    }
    cells
        .into_iter()
        .map(|c| c.replace("<br>", " ").trim().to_string())
        .collect()
}

fn render_table(rows: &[&str], width: usize) -> String {
    let Some((header_row, body_rows)) = rows.split_first() else {
        return String::new();
    };
    let header = cells(header_row);
    let body: Vec<Vec<String>> = body_rows
        .iter()
        .filter(|row| {
            !row.trim()
                .trim_matches('|')
                .chars()
                .all(|c| c == '-' || c == '|' || c == ':')
        })
        .map(|row| cells(row))
        .collect();
    let columns = header.len();
    if columns == 0 {
        return String::new();
    }
    let separators = 3 * (columns - 1);
    // One wide row (an IAM result) reads better as `name  value` lines, as do tables that
    // cannot fit in columns at all.
    let one_wide_row = body.len() == 1 && columns > 4;
    if one_wide_row || columns * MIN_COLUMN + separators > width {
        return render_records(&header, &body, width);
    }
    let mut widths: Vec<usize> = header
        .iter()
        .enumerate()
        .map(|(c, name)| {
            body.iter()
                .filter_map(|row| row.get(c))
                .chain(std::iter::once(name))
                .map(|cell| cell.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    // Squeeze the widest column until the table fits.
    while widths.iter().sum::<usize>() + separators > width {
        let Some(widest) = widths.iter_mut().max_by_key(|w| **w) else {
            break;
        };
        if *widest <= MIN_COLUMN {
            break;
        }
        *widest -= 1;
    }
    let line = |row: &[String]| -> String {
        let padded: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(c, w)| pad(&trim(row.get(c).map(String::as_str).unwrap_or(""), *w), *w))
            .collect();
        padded.join(" | ").trim_end().to_string() + "\n"
    };
    let mut out = line(&header);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
    out.push_str(&rule.join("-+-"));
    out.push('\n');
    for row in &body {
        out.push_str(&line(row));
    }
    out
}

/// A table too wide for columns: one `name: value` line per cell, rows apart.
fn render_records(header: &[String], body: &[Vec<String>], width: usize) -> String {
    let name_width = header.iter().map(|h| h.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (index, row) in body.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        for (name, value) in header.iter().zip(row) {
            let line = format!("{}  {value}", pad(name, name_width));
            out.push_str(trim(&line, width).trim_end());
            out.push('\n');
        }
    }
    out
}

/// `text` cut to `max` characters, the last one `…` when cut.
fn trim(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

fn summary_line(steps: &[Step], summary: &Summary) -> String {
    let failed: Vec<String> = steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.failed())
        .map(|(i, s)| format!("{} ({})", i + 1, s.command))
        .collect();
    let outcome = if failed.is_empty() {
        "all succeeded".to_string()
    } else {
        format!(
            "{} succeeded, {} failed: {}",
            steps.len() - failed.len(),
            failed.len(),
            failed.join(", ")
        )
    };
    let misses = match summary.misses {
        0 => String::new(),
        1 => " (1 more was not in it)".to_string(),
        n => format!(" ({n} more were not in it)"),
    };
    format!(
        "Summary: {} commands, {outcome}. {} {} requests, answered from the cassette{misses}. {:.2} s.",
        steps.len(),
        summary.requests,
        summary.requests_label,
        summary.elapsed.as_secs_f64()
    )
}

/// The stderr note of a demo with failed steps.
pub fn failure_note(steps: &[Step], reused_state: Option<&std::path::Path>) -> String {
    let failed = steps.iter().filter(|s| s.failed()).count();
    let mut note = format!("{failed} of {} demo steps failed.", steps.len());
    if let Some(path) = reused_state {
        note.push_str(&format!(
            " The state file {} held the state of an earlier run, and the cassette answers only \
             the requests of a fresh start: remove the file or give another --state FILE.",
            path.display()
        ));
    }
    note
}

/// Counts the requests that pass through a transport, answered or not (the demo's summary).
pub struct CountingTransport {
    inner: Arc<dyn Transport>,
    answered: AtomicUsize,
    failed: AtomicUsize,
}

impl CountingTransport {
    pub fn new(inner: Arc<dyn Transport>) -> Self {
        CountingTransport {
            inner,
            answered: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        }
    }

    /// Requests that got an answer.
    pub fn answered(&self) -> usize {
        self.answered.load(Ordering::Relaxed)
    }

    /// Requests that got none (for a cassette: misses).
    pub fn failed(&self) -> usize {
        self.failed.load(Ordering::Relaxed)
    }
}

impl Transport for CountingTransport {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let outcome = self.inner.send(request).await;
            let counter = if outcome.is_ok() {
                &self.answered
            } else {
                &self.failed
            };
            counter.fetch_add(1, Ordering::Relaxed);
            outcome
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_fits_the_width_and_escaped_bars_stay_in_their_cell() {
        let markdown = "### Title\n|a|b|\n|---|---|\n| x \\| y | a very long cell that will not fit in the width at all |\n";
        let text = render_markdown(markdown, 30);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Title");
        assert!(lines.iter().all(|l| l.chars().count() <= 30), "{text}");
        assert!(lines[1].starts_with("a     | b"), "{text}");
        assert!(lines[3].starts_with("x | y | a very"), "{text}");
        assert!(lines[3].ends_with('…'), "{text}");
    }

    #[test]
    fn a_wide_table_is_shown_row_by_row() {
        let header: Vec<String> = (0..20).map(|i| format!("c{i}")).collect();
        let markdown = format!(
            "|{}|\n|{}|\n|{}|\n",
            header.join("|"),
            vec!["---"; 20].join("|"),
            (0..20)
                .map(|i| format!(" v{i} "))
                .collect::<Vec<_>>()
                .join("|")
        );
        let text = render_markdown(&markdown, 60);
        assert!(text.contains("c0   v0\n"), "{text}");
        assert!(text.contains("c19  v19\n"), "{text}");
    }

    #[test]
    fn steps_pair_the_script_with_the_output() {
        let script = "{\"command\":\"a\",\"args\":{\"x\":\"1\"}}\n\n{\"command\":\"b\"}\n";
        let output = b"{\"type\":\"result\",\"results\":[{\"Type\":1,\"Contents\":\"ok\",\"EntryContext\":{}}]}\n{\"type\":\"completed\"}\n{\"type\":\"result\",\"results\":[{\"Type\":4,\"Contents\":\"no\",\"EntryContext\":{}}]}\n{\"type\":\"completed\"}\n";
        let steps = steps(script, output);
        assert_eq!(steps.len(), 2);
        assert!(!steps[0].failed());
        assert!(steps[1].failed());
        let text = render(
            &steps,
            &Summary {
                heading: crate::vendor::Vendor::package(&crate::okta::vendor::OKTA)
                    .demo
                    .unwrap()
                    .heading,
                requests_label: "Okta",
                requests: 3,
                misses: 1,
                elapsed: Duration::from_millis(20),
            },
            80,
        );
        assert!(text.contains("── 1/2  a  [ok]\n   x=1\n\nok\n"), "{text}");
        assert!(
            text.contains("── 2/2  b  [FAILED]\n\nError: no\n"),
            "{text}"
        );
        assert!(text.ends_with(
            "Summary: 2 commands, 1 succeeded, 1 failed: 2 (b). 3 Okta requests, answered from the cassette (1 more was not in it). 0.02 s.\n"
        ), "{text}");
    }
}
