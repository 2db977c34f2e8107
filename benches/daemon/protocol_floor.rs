//! The protocol floor: the least a process can do to answer `iam-get-user` the way `serve`
//! does in engine mode, so the loop section can say how much of `serve`'s time any daemon of
//! this shape must spend, and how much is the daemon's own.
//!
//! It is this bench's own executable, started with [`ENV`] set: it reads a calling context
//! from stdin (`std`, blocking), parses it, asks the host to map the profile (`mapObject`, one
//! pipe round trip, as `serve` does), sends the same HTTP request with the raw client of the
//! raw floor ([`RawHttp`]), parses the answer, and writes one result entry of the same shape
//! (`Contents`, a markdown table with the user in its `details` cell, `EntryContext`) and
//! `completed` in one write. A `ping` line gets `pong`. No runtime, no retries, no pacing, no
//! mapper: what remains is the protocol and the request.
//!
//! With [`ENV`] set to [`WITHOUT_MAP`] (`BENCH_FLOOR=without-map` in the harness) it skips
//! `mapObject`, as a daemon would that knew its host has none: one pipe round trip and the
//! request.

use std::io::{BufRead, Write};

use serde_json::{json, Value};

use crate::floor::{RawHttp, Target};

/// Set in the environment of the bench's own executable to make it the protocol floor.
pub const ENV: &str = "OKTA_IAM_BENCH_PROTOCOL_FLOOR";
/// The value of [`ENV`] that makes the floor skip `mapObject`.
pub const WITHOUT_MAP: &str = "without-map";

/// Runs the protocol floor and exits when [`ENV`] is set; returns otherwise.
pub fn run_if_asked() {
    let Some(mode) = std::env::var_os(ENV) else {
        return;
    };
    let ask_the_host_to_map = mode != WITHOUT_MAP;
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut output = std::io::stdout().lock();
    let mut line = String::with_capacity(4096);
    let mut reply = String::with_capacity(4096);
    let mut client: Option<RawHttp> = None;
    let mut out = Vec::with_capacity(16 * 1024);
    loop {
        line.clear();
        if input.read_line(&mut line).expect("stdin") == 0 {
            std::process::exit(0);
        }
        out.clear();
        if line.trim_end() == "ping" {
            out.extend_from_slice(b"{\"type\":\"pong\"}\n");
        } else {
            let context: Value = serde_json::from_str(&line).expect("a calling context");
            let profile = &context["args"]["user-profile"];
            let mapped = if ask_the_host_to_map {
                map_on_the_host(&mut input, &mut output, &mut out, &mut reply, profile)
            } else {
                None
            };
            let email = mapped.as_ref().unwrap_or(profile)["email"]
                .as_str()
                .expect("an email");

            let params = &context["params"];
            let client = client
                .get_or_insert_with(|| RawHttp::new(params["url"].as_str().expect("url"), true));
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
                ("user-agent".to_string(), "okta-iam-floor".to_string()),
            ];
            let answer = client.send(&target);
            let user = &answer.json[0];
            write_result(&mut out, user);
        }
        output.write_all(&out).expect("stdout");
        output.flush().expect("stdout");
    }
}

/// Engine mode: asks the host to map the profile; `None` when it answers with the error
/// marker (it has no `mapObject`), as the bench's host does.
fn map_on_the_host(
    input: &mut impl BufRead,
    output: &mut impl Write,
    out: &mut Vec<u8>,
    reply: &mut String,
    profile: &Value,
) -> Option<Value> {
    serde_json::to_writer(
        &mut *out,
        &json!({"type": "executeCommand", "command": "mapObject",
                "args": {"source": profile, "mapper": "User Profile - Okta (Outgoing)",
                         "mapperType": "User Profile - Update"}}),
    )
    .expect("JSON");
    out.push(b'\n');
    output.write_all(out).expect("stdout");
    output.flush().expect("stdout");
    out.clear();
    reply.clear();
    input.read_line(reply).expect("mapObject reply");
    let mapped: Value = serde_json::from_str(reply).expect("a JSON reply");
    mapped.is_object().then_some(mapped)
}

/// One result entry of the shape `serve` writes for a found user, then `completed`.
fn write_result(out: &mut Vec<u8>, user: &Value) {
    let profile = &user["profile"];
    let contents = json!({
        "brand": "Okta IAM", "instanceName": "Okta IAM_instance_1", "action": "get",
        "success": true, "active": user["status"] == "ACTIVE", "id": user["id"],
        "username": profile["login"], "email": profile["email"],
        "errorCode": null, "errorMessage": null, "details": user,
    });
    let details = user.to_string();
    let markdown = format!(
        "### Get User Results\n|brand|instanceName|success|active|id|username|email|details|\n\
         |---|---|---|---|---|---|---|---|\n| Okta IAM | Okta IAM_instance_1 | true | {} | {} | {} | {} | {} |\n",
        contents["active"],
        contents["id"].as_str().unwrap_or_default(),
        contents["username"].as_str().unwrap_or_default(),
        contents["email"].as_str().unwrap_or_default(),
        details.replace('|', "\\|"),
    );
    let entry = json!({
        "type": "result",
        "results": [{
            "Type": 1, "ContentsFormat": "json", "Contents": contents,
            "HumanReadable": markdown,
            "EntryContext": {"IAM.Vendor(val.instanceName && val.instanceName == obj.instanceName)": contents},
        }],
    });
    serde_json::to_writer(&mut *out, &entry).expect("JSON");
    out.extend_from_slice(b"\n{\"type\":\"completed\"}\n");
}
