//! What each fuzz target feeds and asserts. One function per target, `fn(&[u8])`, which
//! panics when an assertion fails (libFuzzer reports the panic as a crash).
//!
//! This file is compiled twice: by the fuzz crate (`okta_iam_fuzz::checks`) and by the main
//! crate's `tests/it/dispatcher/regressions.rs` (by `#[path]`), which replays the
//! kept crash inputs (`fixtures/fuzz/<target>/`) and the seeds (`fuzz/seeds/<target>/`)
//! through the same functions. It must therefore use only `okta_iam`, `serde_json`, `tokio`
//! and `url`, which both crates have.
//!
//! | target | input | asserts |
//! |---|---|---|
//! | `protocol` | stdin bytes for `serve` (local state, a canned Okta transport) | every output line is a protocol message; one `pong` per `ping`; per other non-blank line exactly one `completed`, after at most one `result`, and never an `exception`; the instance token never appears |
//! | `engine` | the same, in engine mode: input lines are calling contexts and the host's replies | protocol messages only; state requests only of the four kinds (and `mapObject`, `searchIndicators`); a `pong` inside an execution only while a request waits; no more requests than lines; every execution closed by `completed`; no exception; no token |
//! | `mapper` | mapper JSON, NUL, source JSON | loading and mapping return (no panic); the built-in mappers and the user-profile parsing and mapping take the source too |
//! | `link_header` | header values, one per line | no panic; URLs hold no `>`; rels are lowercase and non-empty; links written back and parsed again are the same, as separate values and comma-joined |
//! | `filter_quote` | a string | `quote(s)` is exactly one JSON string literal that reads back as `s`, with no raw control character; `Filter::eq` keeps it one literal |
//! | `markdown` | an options byte, then JSON | `table_to_markdown` returns (no panic) with any options; `TableStream` gives the same bytes as `table` for a list of dicts |
//! | `cassette` | cassette text | `Cassette::parse` returns; a parsed cassette replays through the client (users, apps, groups pagers) without panic or hang |

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use okta_iam::commands::users::parse_user_profile;
use okta_iam::commands::Daemon;
use okta_iam::http::cassette::{Cassette, ReplayTransport};
use okta_iam::iam::UserProfile;
use okta_iam::mapper::MapperRegistry;
use okta_iam::okta::filter::{quote, Filter};
use okta_iam::okta::vendor::{INCOMING_DEFAULT, OUTGOING_DEFAULT};
use okta_iam::okta::{
    parse_link_header, BoxFuture, Client, ClientConfig, HttpRequest, HttpResponse, Method,
    Transport, TransportError, VirtualClock,
};
use okta_iam::output::markdown::{
    escape_cell, header_transform, json_dumps, python_repr, table, table_to_markdown,
    HeaderTransform, TableOptions, TableStream,
};
use okta_iam::protocol::message::CallingContext;
use okta_iam::protocol::{serve, ServeConfig, StateMode};
use okta_iam::secret::Secret;
use serde_json::{json, Map, Value};

/// The token of the instance the `protocol` target configures; it must never be printed.
pub const FUZZ_TOKEN: &str = "fuzz-token-5b1d0c6f2e";

/// The Okta URL of that instance (never contacted: the transport is canned).
pub const FUZZ_URL: &str = "https://fuzz.okta.invalid";

thread_local! {
    static TOKIO: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    static BUILTIN: MapperRegistry = okta_iam::okta::vendor::default_mappers();
}

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    TOKIO.with(|runtime| runtime.block_on(future))
}

/// The built-in mappers, parsed once per thread.
fn builtin() -> MapperRegistry {
    BUILTIN.with(MapperRegistry::clone)
}

/// A directory for the state file: on tmpfs when there is one, so fsyncs cost nothing.
fn scratch_dir() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    let base = if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("okta-iam-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

// ---------------------------------------------------------------------------------------------
// protocol
// ---------------------------------------------------------------------------------------------

/// What the serve loop must answer to one input line.
#[derive(Debug, PartialEq, Eq)]
enum Expect {
    Pong,
    Completed,
}

/// The answers `serve` owes to `data`, read the way its line reader and loop read it.
fn expected_answers(data: &[u8]) -> Vec<Expect> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Ok(text) = std::str::from_utf8(line) else {
            out.push(Expect::Completed);
            continue;
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed == "ping" {
            out.push(Expect::Pong);
            continue;
        }
        out.push(Expect::Completed);
        if let Ok(context) =
            CallingContext::parse(trimmed, &okta_iam::okta::vendor::context_defaults())
        {
            if context.native {
                break;
            }
        }
    }
    out
}

/// Checks `stdout` against what `input` asked for (see the module table). Public so that
/// tests of the real binary can use it too.
pub fn check_protocol_output(input: &[u8], stdout: &[u8]) {
    let text = std::str::from_utf8(stdout).expect("stdout is UTF-8");
    if !input
        .windows(FUZZ_TOKEN.len())
        .any(|w| w == FUZZ_TOKEN.as_bytes())
    {
        assert!(!text.contains(FUZZ_TOKEN), "the token leaked: {text}");
    }
    let mut messages = Vec::new();
    for line in text.split_terminator('\n') {
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("output line is not JSON ({e}): {line}"));
        let kind = value["type"].as_str().unwrap_or_default().to_string();
        match kind.as_str() {
            "pong" | "completed" => {}
            "result" => {
                let results = value["results"]
                    .as_array()
                    .unwrap_or_else(|| panic!("result without a results list: {line}"));
                for entry in results {
                    assert!(entry["Type"].is_u64(), "entry without a Type: {line}");
                    assert!(
                        entry["ContentsFormat"].is_string(),
                        "entry without a ContentsFormat: {line}"
                    );
                    // An error entry says what went wrong, as text; the IAM commands'
                    // rate-limit error keeps the 13 outputs (docs/differences.md 2).
                    if entry["Type"] == 4 {
                        let text = entry["Contents"].as_str().unwrap_or_default();
                        let rate_limited = entry["Contents"]["errorCode"] == "E0000047";
                        assert!(
                            !text.trim().is_empty() || rate_limited,
                            "an error entry without a message: {line}"
                        );
                    }
                }
            }
            "exception" => panic!("an internal error reached the host: {line}"),
            _ => panic!("not a protocol message (local mode): {line}"),
        }
        messages.push(kind);
    }
    let mut messages = messages.iter().map(String::as_str).peekable();
    for (index, expect) in expected_answers(input).iter().enumerate() {
        match expect {
            Expect::Pong => assert_eq!(
                messages.next(),
                Some("pong"),
                "answer {index}: expected pong"
            ),
            Expect::Completed => {
                if messages.peek() == Some(&"result") {
                    messages.next();
                }
                assert_eq!(
                    messages.next(),
                    Some("completed"),
                    "answer {index}: expected at most one result, then completed"
                );
            }
        }
    }
    assert_eq!(messages.next(), None, "output left over after the answers");
}

/// A stand-in for Okta: answers by path, at once, with plausible objects. Filter values
/// steer it (`none`, `multi`, `susp`, `deprov`, `staged`, `boom`), so the fuzzer can reach
/// every branch of the IAM flows.
struct CannedOkta;

fn user(id: &str, status: &str) -> Value {
    json!({"id": id, "status": status, "created": "2026-01-01T00:00:00.000Z",
           "profile": {"login": "dana@example.com", "email": "dana@example.com",
                       "firstName": "Dana", "lastName": "Lee", "department": null},
           "_links": {"self": {"href": "https://fuzz.okta.invalid/api/v1/users/00u1"}}})
}

fn app() -> Value {
    json!({"id": "0oa1", "name": "app", "label": "App", "status": "ACTIVE",
           "signOnMode": "SAML_2_0", "created": "2026-01-01T00:00:00.000Z"})
}

fn answer(status: u16, body: Value, link: Option<String>) -> HttpResponse {
    let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
    if let Some(link) = link {
        headers.push(("link".to_owned(), link));
    }
    HttpResponse {
        status,
        headers,
        body: serde_json::to_vec(&body).unwrap_or_default(),
    }
}

fn canned(request: &HttpRequest) -> HttpResponse {
    let path = request.url.path().trim_start_matches("/api/v1/").to_owned();
    let query = request.url.query().unwrap_or_default().to_ascii_lowercase();
    let parts: Vec<&str> = path.split('/').collect();
    let not_found = || {
        answer(
            404,
            json!({"errorCode": "E0000007", "errorSummary": "Not found: Resource not found", "errorCauses": []}),
            None,
        )
    };
    if query.contains("boom") {
        return answer(
            400,
            json!({"errorCode": "E0000001", "errorSummary": "Api validation failed", "errorCauses": [{"errorSummary": "login: bad"}]}),
            None,
        );
    }
    let status = if query.contains("susp") {
        "SUSPENDED"
    } else if query.contains("deprov") {
        "DEPROVISIONED"
    } else if query.contains("staged") {
        "STAGED"
    } else {
        "ACTIVE"
    };
    // A first page with a `next` link, then a last page: exercises paging.
    let paged = |items: Value| {
        if query.contains("after=") {
            answer(200, items, None)
        } else {
            let mut next = request.url.clone();
            next.query_pairs_mut().append_pair("after", "p2");
            answer(200, items, Some(format!("<{next}>; rel=\"next\"")))
        }
    };
    match (request.method, parts.as_slice()) {
        (Method::Get, ["users"]) if query.contains("none") => answer(200, json!([]), None),
        (Method::Get, ["users"]) if query.contains("multi") => answer(
            200,
            json!([user("00u1", status), user("00u2", status)]),
            None,
        ),
        (Method::Get, ["users"]) => answer(200, json!([user("00u1", status)]), None),
        (Method::Post, ["users"]) => answer(200, user("00u9", "STAGED"), None),
        (Method::Get, ["users", "me"]) => answer(200, user("00u0", "ACTIVE"), None),
        (_, ["users", _]) => answer(200, user("00u1", status), None),
        (Method::Post, ["users", _, "lifecycle", _]) => answer(200, json!({}), None),
        (Method::Get, ["meta", "schemas", "user", "default"]) => answer(
            200,
            json!({"definitions": {
                "base": {"properties": {"login": {"title": "Username"}, "email": {"title": "Email"}}},
                "custom": {"properties": {"costCenter": {"title": "Cost center"}}}}}),
            None,
        ),
        (Method::Get, ["apps"]) => paged(json!([app()])),
        (Method::Get, ["apps", _]) => answer(200, app(), None),
        (Method::Get, ["apps", _, "users", _]) => answer(
            200,
            json!({"id": "00u1", "scope": "USER", "status": "ACTIVE",
                   "credentials": {"userName": "dana@example.com"}, "profile": {}}),
            None,
        ),
        (Method::Get, ["groups"]) if query.contains("none") => answer(200, json!([]), None),
        (Method::Get, ["groups"]) => answer(
            200,
            json!([{"id": "00g1", "type": "OKTA_GROUP", "profile": {"name": "Finance", "description": null}}]),
            None,
        ),
        (Method::Get, ["groups", _]) => answer(
            200,
            json!({"id": "00g1", "type": "OKTA_GROUP", "profile": {"name": "Finance"}}),
            None,
        ),
        (Method::Get, ["groups", _, "users"]) => paged(json!([user("00u1", status)])),
        _ => not_found(),
    }
}

impl Transport for CannedOkta {
    fn send(&self, request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        let response = canned(&request);
        Box::pin(async move { Ok(response) })
    }
}

/// `protocol`: `data` is what the host writes on stdin of `okta-iam serve --state FILE`.
pub fn protocol(data: &[u8]) {
    let state = scratch_dir().join("state.json");
    let _ = std::fs::remove_file(&state);
    let mut params = Map::new();
    params.insert("url".into(), Value::String(FUZZ_URL.into()));
    params.insert("apitoken".into(), Value::String(FUZZ_TOKEN.into()));
    let mut runtime = Daemon::new(params, builtin()).with_transport(Arc::new(CannedOkta));
    runtime.http.settings.max_retries = 1;
    runtime.http.settings.backoff_base = Duration::from_millis(1);
    runtime.http.settings.backoff_cap = Duration::from_millis(1);
    let config = ServeConfig::new(StateMode::Local(state));
    let mut stdout: Vec<u8> = Vec::new();
    block_on(serve(data, &mut stdout, &runtime, &config)).expect("in-memory I/O cannot fail");
    check_protocol_output(data, &stdout);
}

/// `engine`: the same loop in engine mode. Input lines are calling contexts and, whenever
/// the daemon waits for one, the host's replies to its state requests, in order.
pub fn engine(data: &[u8]) {
    let mut params = Map::new();
    params.insert("url".into(), Value::String(FUZZ_URL.into()));
    params.insert("apitoken".into(), Value::String(FUZZ_TOKEN.into()));
    let runtime = Daemon::new(params, builtin()).with_transport(Arc::new(CannedOkta));
    let config = ServeConfig::new(StateMode::Engine);
    let mut stdout: Vec<u8> = Vec::new();
    block_on(serve(data, &mut stdout, &runtime, &config)).expect("in-memory I/O cannot fail");
    check_engine_output(data, &stdout);
}

/// Engine-mode output: protocol messages only, requests only of the four state kinds
/// (`docs/protocol.md`) and the two server ones (`mapObject`, `searchIndicators`), never more requests than input lines to answer them, every execution
/// closed by `completed`, and no token.
pub fn check_engine_output(input: &[u8], stdout: &[u8]) {
    let text = std::str::from_utf8(stdout).expect("stdout is UTF-8");
    if !input
        .windows(FUZZ_TOKEN.len())
        .any(|w| w == FUZZ_TOKEN.as_bytes())
    {
        assert!(!text.contains(FUZZ_TOKEN), "the token leaked: {text}");
    }
    let input_lines = input.split(|&b| b == b'\n').count();
    let mut requests = 0;
    let mut open = false;
    // A `ping` that comes while a request waits for its reply is answered then.
    let mut awaiting_reply = false;
    for line in text.split_terminator('\n') {
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("output line is not JSON ({e}): {line}"));
        let kind = value["type"].as_str().unwrap_or_default();
        match kind {
            "pong" => assert!(
                !open || awaiting_reply,
                "pong inside an execution, not while a request waits: {text}"
            ),
            "executeCommand" => {
                let command = value["command"].as_str().unwrap_or_default();
                assert!(
                    matches!(
                        command,
                        "getIntegrationContext"
                            | "setIntegrationContext"
                            | "getLastRun"
                            | "setLastRun"
                            | "mapObject"
                            | "searchIndicators"
                    ),
                    "not a state or server request: {line}"
                );
                requests += 1;
                open = true;
            }
            "result" => open = true,
            "completed" => open = false,
            "exception" => panic!("an internal error reached the host: {line}"),
            _ => panic!("not a protocol message: {line}"),
        }
        awaiting_reply = kind == "executeCommand" || (kind == "pong" && awaiting_reply);
    }
    assert!(!open, "an execution without completed: {text}");
    assert!(
        requests <= input_lines,
        "{requests} requests for {input_lines} lines"
    );
}

// ---------------------------------------------------------------------------------------------
// mapper
// ---------------------------------------------------------------------------------------------

fn sample_source() -> Value {
    json!({"email": "dana@example.com", "username": "dana@example.com", "givenname": "Dana",
           "surname": "Lee", "department": ["Finance", "Ops"], "manager": {"id": 7},
           "login": "dana@example.com", "status": "ACTIVE", "id": "00u1"})
}

/// `mapper`: a mapper file's text, then (after a NUL byte) a source object's JSON.
pub fn mapper(data: &[u8]) {
    let (mapper_bytes, source_bytes) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let mapper_text = String::from_utf8_lossy(mapper_bytes);
    let source = match source_bytes {
        None => sample_source(),
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()))
        }
    };
    let mut registry = builtin();
    if let Ok(name) = registry.load_json("fuzz.json", &mapper_text) {
        let mapper = registry.get(&name).expect("a loaded mapper is registered");
        let mut types: Vec<String> = mapper.type_names().iter().map(|t| t.to_string()).collect();
        types.push("No Such Type".to_owned());
        for type_name in &types {
            let _ = mapper.field_names(type_name);
            for source in [&source, &sample_source()] {
                if let Ok(mapped) = mapper.map(source, type_name) {
                    // A field with no value is left out: Okta bodies never carry nulls.
                    assert!(
                        mapped.values().all(|v| !v.is_null()),
                        "a null field in {mapped:?}"
                    );
                }
            }
        }
        let _ = parse_user_profile(Some(source.clone())).and_then(|given| {
            UserProfile::map(&given, mapper, okta_iam::iam::CREATE_TYPE).map(|_| ())
        });
    }
    for name in [INCOMING_DEFAULT, OUTGOING_DEFAULT] {
        let mapper = registry.get(name).expect("built-in mapper");
        for type_name in mapper.type_names() {
            let _ = mapper.map(&source, type_name);
        }
    }
    let builtin = builtin();
    let outgoing = builtin.get(OUTGOING_DEFAULT).expect("built-in mapper");
    for type_name in [okta_iam::iam::CREATE_TYPE, okta_iam::iam::UPDATE_TYPE] {
        let _ = parse_user_profile(Some(source.clone()))
            .and_then(|given| UserProfile::map(&given, outgoing, type_name).map(|_| ()));
    }
}

// ---------------------------------------------------------------------------------------------
// link_header
// ---------------------------------------------------------------------------------------------

/// A link written back as a header value.
fn write_link(link: &okta_iam::okta::Link) -> String {
    if link.rels.is_empty() {
        return format!("<{}>", link.url);
    }
    let rel = link
        .rels
        .join(" ")
        .replace('\\', "\\\\")
        .replace('"', "\\\"");
    format!("<{}>; rel=\"{rel}\"", link.url)
}

/// `link_header`: `Link` header values, one per line.
pub fn link_header(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let values: Vec<&str> = text.split('\n').collect();
    let links = parse_link_header(values.iter().copied());
    for link in &links {
        assert!(!link.url.contains('>'), "{link:?}");
        assert_eq!(link.url, link.url.trim(), "{link:?}");
        for rel in &link.rels {
            assert!(!rel.is_empty(), "{link:?}");
            assert_eq!(*rel, rel.to_ascii_lowercase(), "{link:?}");
            assert!(!rel.contains(|c: char| c.is_ascii_whitespace()), "{link:?}");
        }
    }
    let written: Vec<String> = links.iter().map(write_link).collect();
    let again = parse_link_header(written.iter().map(String::as_str));
    assert_eq!(again, links, "written back as separate values: {written:?}");
    let joined = written.join(", ");
    let again = parse_link_header([joined.as_str()]);
    assert_eq!(again, links, "written back as one value: {joined:?}");
}

// ---------------------------------------------------------------------------------------------
// filter_quote
// ---------------------------------------------------------------------------------------------

/// `filter_quote`: any string.
pub fn filter_quote(data: &[u8]) {
    let value = String::from_utf8_lossy(data);
    let quoted = quote(&value);
    let back: String = serde_json::from_str(&quoted)
        .unwrap_or_else(|e| panic!("quote({value:?}) = {quoted:?} is not one JSON string: {e}"));
    assert_eq!(back, value);
    assert!(quoted.starts_with('"') && quoted.ends_with('"') && quoted.len() >= 2);
    assert!(
        !quoted.chars().any(|c| (c as u32) < 0x20),
        "raw control character in {quoted:?}"
    );
    let expression = Filter::eq("profile.login", &value).into_string();
    let rest = expression
        .strip_prefix("profile.login eq ")
        .expect("attribute and operator first");
    let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<String>();
    let literal = stream
        .next()
        .expect("a literal")
        .expect("a JSON string literal");
    assert_eq!(literal, value);
    assert_eq!(
        stream.byte_offset(),
        rest.len(),
        "nothing after the literal"
    );
}

// ---------------------------------------------------------------------------------------------
// markdown
// ---------------------------------------------------------------------------------------------

/// `markdown`: one byte of options, then the table as JSON (or any text, as a string).
pub fn markdown(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()));
    let first_keys: Vec<String> = match &value {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(items) => items
            .first()
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let mut options = TableOptions::new();
    options.remove_null = flags & 1 != 0;
    options.sort_headers = flags & 2 == 0;
    options.auto_json_transform = flags & 4 != 0;
    options.header_transform = match (flags >> 3) & 3 {
        0 => None,
        1 => Some(HeaderTransform::PascalToSpace),
        2 => Some(HeaderTransform::StringToTableHeader),
        _ => Some(HeaderTransform::UnderscoreToCamelCase),
    };
    if flags & 32 != 0 {
        let mut headers: Vec<String> = first_keys.iter().rev().cloned().collect();
        headers.push("missing".to_owned());
        options.headers = Some(headers);
    }
    if flags & 64 != 0 {
        options.url_keys = first_keys.clone();
    }
    if flags & 128 != 0 {
        options.date_fields = first_keys.clone();
        options.metadata = Some("meta | data".to_owned());
    }
    let _ = table_to_markdown("Fuzz | Table", &value, &options);
    let plain = table("Fuzz", &value);
    for key in &first_keys {
        let _ = escape_cell(key);
        for kind in [
            HeaderTransform::PascalToSpace,
            HeaderTransform::StringToTableHeader,
            HeaderTransform::UnderscoreToCamelCase,
        ] {
            let _ = header_transform(kind, key);
        }
    }
    let _ = python_repr(&value);
    let _ = json_dumps(&value);
    // TableStream promises the bytes of `table` for a non-empty list whose first row is a
    // dict (default options), row by row.
    if let Value::Array(rows) = &value {
        if let Some(Value::Object(first)) = rows.first() {
            let (stream, mut streamed) = TableStream::start("Fuzz", first);
            let mut failed = false;
            for row in rows {
                match stream.row(row) {
                    Ok(line) => streamed.push_str(&line),
                    Err(_) => failed = true,
                }
            }
            match plain {
                Ok(whole) if !failed => assert_eq!(streamed, whole, "TableStream differs"),
                Ok(_) => panic!("a row failed in TableStream but the whole table rendered"),
                Err(_) => assert!(failed, "the table failed but every streamed row rendered"),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// cassette
// ---------------------------------------------------------------------------------------------

/// `cassette`: a cassette file's text. A parsed cassette is replayed through a client.
pub fn cassette(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(cassette) = Cassette::parse(&text) else {
        return;
    };
    let base = url::Url::parse("https://acme.okta.com/api/v1/").expect("a URL");
    let mut config = ClientConfig::new(base, Secret::new("fuzz-cassette-token"));
    config.settings.max_retries = 2;
    let client = Client::with_transport_and_clock(
        config,
        Arc::new(ReplayTransport::new(cassette)),
        Arc::new(VirtualClock::new()),
    )
    .for_command();
    block_on(async {
        let _ = client
            .users()
            .list_by_filter(&Filter::eq("profile.login", "dana@example.com"))
            .await;
        let _ = client.users().get(&"00u1".into()).await;
        let _ = client.users().me().await;
        let _ = client.apps().list(None, None).collect_all().await;
        let _ = client.groups().members(&"00g1".into()).collect_all().await;
        let _ = client.schemas().user_default().await;
    });
}
