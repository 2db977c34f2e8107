//! The protocol floor: the least a process can do to answer `iam-get-user` the way `serve`
//! does in engine mode, so the loop section can say how much of `serve`'s time a daemon making
//! the same exchanges must spend, and how much is `serve`'s own.
//!
//! It is this bench's own executable (so it has the same allocator as `serve`: main.rs),
//! started with [`ENV`] set. For each calling context on stdin (`std`, blocking) it:
//! 1. parses the context;
//! 2. asks the host to map the profile (`mapObject`, one pipe round trip, as `serve` does);
//! 3. sends the request `serve` sends (same URL, same headers) with the raw floor's client
//!    ([`RawHttp`]) and parses the answer;
//! 4. writes a result entry of the shape `serve` writes (the same `Contents` keys, a markdown
//!    table with the user flattened in its `details` cell, `IAM.UserProfile` and `IAM.Vendor`
//!    in `EntryContext`), serialised from borrowed values, then `completed`, in one write.
//!
//! A `ping` line gets `pong`. No runtime, no retries, no pacing, no mapper engine: what
//! remains is the protocol and the request. An answer that is not one user gives
//! `"success":false`, which the harness counts as a failed command.
//!
//! With [`ENV`] set to [`WITHOUT_MAP`] (`BENCH_FLOOR=without-map` in the harness) it skips
//! step 2, as a daemon would that knew its host has no `mapObject`.

use std::io::{BufRead, Write};

use serde::Serialize;
use serde_json::{json, Value};

use crate::floor::{RawHttp, Target};

/// Set in the environment of the bench's own executable to make it the protocol floor.
pub const ENV: &str = "OKTA_IAM_BENCH_PROTOCOL_FLOOR";
/// The value of [`ENV`] that makes the floor skip `mapObject`.
pub const WITHOUT_MAP: &str = "without-map";
/// The value of [`ENV`] for the floor as `serve` runs in engine mode.
pub const WITH_MAP: &str = "with-map";

/// Runs the protocol floor and exits when [`ENV`] is set; returns otherwise.
pub fn run_if_asked() {
    let Some(mode) = std::env::var_os(ENV) else {
        return;
    };
    let ask_the_host_to_map = mode != WITHOUT_MAP;
    let mut stdin = std::io::stdin().lock();
    let mut stdout = std::io::stdout().lock();
    let mut line = String::with_capacity(4096);
    let mut reply = String::with_capacity(4096);
    let mut client: Option<RawHttp> = None;
    let mut pending_write = Vec::with_capacity(16 * 1024);
    loop {
        line.clear();
        if stdin.read_line(&mut line).expect("stdin") == 0 {
            std::process::exit(0);
        }
        pending_write.clear();
        if line.trim_end() == "ping" {
            pending_write.extend_from_slice(b"{\"type\":\"pong\"}\n");
        } else {
            let context: Value = serde_json::from_str(&line).expect("a calling context");
            let profile = &context["args"]["user-profile"];
            let mapped = if ask_the_host_to_map {
                map_on_the_host(&mut stdin, &mut stdout, &mut reply, profile)
            } else {
                None
            };
            let email = mapped.as_ref().unwrap_or(profile)["email"]
                .as_str()
                .expect("an email");
            let params = &context["params"];
            let client = client
                .get_or_insert_with(|| RawHttp::new(params["url"].as_str().expect("url"), true));
            let answer = client.send(&lookup(email, params));
            let users = answer.json.as_array().filter(|_| answer.status == 200);
            match users.map(Vec::as_slice) {
                Some([user]) => write_found(&mut pending_write, user),
                _ => pending_write.extend_from_slice(
                    b"{\"type\":\"result\",\"results\":[{\"Type\":1,\"ContentsFormat\":\"json\",\
                      \"Contents\":{\"success\":false}}]}\n{\"type\":\"completed\"}\n",
                ),
            }
        }
        stdout.write_all(&pending_write).expect("stdout");
        stdout.flush().expect("stdout");
    }
}

/// The request `serve` sends for `iam-get-user` with an email.
fn lookup(email: &str, params: &Value) -> Target {
    let filter = format!("profile.email eq \"{email}\"");
    let mut target =
        Target::from_recorded("GET", "/api/v1/users", &[("filter".to_string(), filter)]);
    target.headers = vec![
        (
            "authorization".to_string(),
            format!("SSWS {}", params["apitoken"].as_str().expect("token")),
        ),
        ("accept".to_string(), "application/json".to_string()),
        ("content-type".to_string(), "application/json".to_string()),
        (
            "user-agent".to_string(),
            okta_iam::okta::policy::USER_AGENT.to_string(),
        ),
    ];
    target
}

/// Engine mode: asks the host to map the profile; `None` when it answers with the error
/// marker (it has no `mapObject`), as the bench's host does.
fn map_on_the_host(
    stdin: &mut impl BufRead,
    stdout: &mut impl Write,
    reply: &mut String,
    profile: &Value,
) -> Option<Value> {
    let mut request = serde_json::to_vec(&json!({
        "type": "executeCommand", "command": "mapObject",
        "args": {"source": profile, "mapper": "User Profile - Okta (Outgoing)",
                 "mapperType": "User Profile - Update"},
    }))
    .expect("JSON");
    request.push(b'\n');
    stdout.write_all(&request).expect("stdout");
    stdout.flush().expect("stdout");
    reply.clear();
    stdin.read_line(reply).expect("mapObject reply");
    let mapped: Value = serde_json::from_str(reply).expect("a JSON reply");
    mapped.is_object().then_some(mapped)
}

/// `Contents` of a found user, with `serve`'s keys in `serve`'s order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Contents<'a> {
    brand: &'static str,
    instance_name: &'static str,
    action: &'static str,
    success: bool,
    active: bool,
    id: &'a Value,
    username: &'a Value,
    email: &'a Value,
    error_code: Option<u16>,
    error_message: &'static str,
    details: &'a Value,
    skipped: bool,
    reason: &'static str,
}

#[derive(Serialize)]
struct Entry<'a> {
    #[serde(rename = "Type")]
    kind: u8,
    #[serde(rename = "ContentsFormat")]
    format: &'static str,
    #[serde(rename = "Contents")]
    contents: &'a Contents<'a>,
    #[serde(rename = "HumanReadable")]
    markdown: &'a str,
    #[serde(rename = "EntryContext")]
    context: EntryContext<'a>,
}

#[derive(Serialize)]
struct EntryContext<'a> {
    #[serde(rename = "IAM.UserProfile(val.email && val.email == obj.email)")]
    user_profile: &'a Value,
    #[serde(
        rename = "IAM.Vendor(val.instanceName && val.instanceName == obj.instanceName && val.email && val.email == obj.email)"
    )]
    vendor: &'a Contents<'a>,
}

/// The result entry for a found user, then `completed`.
fn write_found(out: &mut Vec<u8>, user: &Value) {
    let profile = &user["profile"];
    let contents = Contents {
        brand: "Okta IAM",
        instance_name: "Okta IAM_instance_1",
        action: "get",
        success: true,
        active: user["status"] == "ACTIVE",
        id: &user["id"],
        username: &profile["login"],
        email: &profile["email"],
        error_code: None,
        error_message: "",
        details: user,
        skipped: false,
        reason: "",
    };
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    let mut markdown = format!(
        "### Get User Results (Okta IAM)\n|brand|instanceName|success|active|id|username|email|details|\n\
         |---|---|---|---|---|---|---|---|\n| Okta IAM | Okta IAM_instance_1 | true | {} | {} | {} | {} | ",
        contents.active,
        text(contents.id),
        text(contents.username),
        text(contents.email),
    );
    // The user flattened into one cell, a line per top-level key, as `serve` renders it.
    if let Some(fields) = user.as_object() {
        for (i, (key, value)) in fields.iter().enumerate() {
            if i > 0 {
                markdown.push_str("<br>");
            }
            markdown.push_str(key);
            markdown.push_str(": ");
            match value {
                Value::String(s) => markdown.push_str(&s.replace('|', "\\|")),
                other => markdown.push_str(&other.to_string().replace('|', "\\|")),
            }
        }
    }
    markdown.push_str(" |\n");
    let entry = Entry {
        kind: 1,
        format: "json",
        contents: &contents,
        markdown: &markdown,
        context: EntryContext {
            user_profile: profile,
            vendor: &contents,
        },
    };
    out.extend_from_slice(b"{\"type\":\"result\",\"results\":[");
    serde_json::to_writer(&mut *out, &entry).expect("JSON");
    out.extend_from_slice(b"]}\n{\"type\":\"completed\"}\n");
}
