//! Engine mode (`okta-iam serve`, state asked of the host): replies waited for within the
//! command deadline, taken only when they look like replies (a `ping` answered, a calling
//! context served after the current one, a duplicate reply dropped), and a bare integration
//! context told apart from the envelope by its whole shape.

use crate::support as common;

use std::sync::Arc;
use std::time::Duration;

use common::Daemon;
use fake_okta::FakeOkta;
use okta_iam::okta::{BoxFuture, HttpRequest, HttpResponse, Transport, TransportError};
use okta_iam::protocol::{serve, ServeConfig, StateMode};
use serde_json::{json, Map, Value};

const FILTER: &str = r#"eventType eq "application.user_membership.add""#;
const WAIT: Duration = Duration::from_secs(20);
/// The reply of a server without User Profile search: fetched events are then delivered as
/// they are (no enrichment, no drop).
const NO_SEARCH: &str =
    "[ERROR-fd5a7750-7182-4b38-90ba-091824478903] searchIndicators is not supported";

fn fetch_params(url: &str, token: &str) -> Value {
    json!({
        "url": url,
        "apitoken": token,
        "isFetch": true,
        "auto_generate_query_filter": false,
        "fetch_query_filter": FILTER,
        "first_fetch": "2025-05-01T00:00:00Z",
        "max_fetch": "50"
    })
}

fn incidents_of(result: &Value) -> Vec<String> {
    assert_eq!(result["type"], "result", "{result}");
    let entry = &result["results"][0];
    assert_eq!(entry["Type"], 1, "{entry}");
    let list: Vec<Value> = serde_json::from_str(entry["Contents"].as_str().unwrap()).unwrap();
    list.iter()
        .map(|i| i["dbotMirrorId"].as_str().unwrap().to_string())
        .collect()
}

fn request(command: &str) -> impl Fn(&Value) {
    let command = command.to_string();
    move |line: &Value| {
        assert_eq!(line["type"], "executeCommand", "{line}");
        assert_eq!(line["command"], command.as_str(), "{line}");
    }
}

// ---------------------------------------------------------------------------------------------
// Item: a slow setLastRun reply (virtual time, in process)
// ---------------------------------------------------------------------------------------------

/// Answers every System Log request with the same five events and no `next` link.
struct FiveEvents;

impl Transport for FiveEvents {
    fn send(&self, _request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        Box::pin(async move {
            let events: Vec<Value> = (0..5)
                .map(|i| {
                    json!({
                        "uuid": format!("uuid-{i}"),
                        "published": "2025-05-20T16:00:00.000Z",
                        "eventType": "application.user_membership.add",
                        "displayMessage": "Add user to application membership"
                    })
                })
                .collect();
            Ok(HttpResponse {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: serde_json::to_vec(&events).unwrap(),
            })
        })
    }
}

/// The serve loop over in-memory pipes, with the five-event transport; the test is the host.
struct Host {
    to_daemon: tokio::io::DuplexStream,
    from_daemon: tokio::io::Lines<tokio::io::BufReader<tokio::io::DuplexStream>>,
}

impl Host {
    fn start() -> Host {
        use tokio::io::AsyncBufReadExt;
        let (host_out, daemon_in) = tokio::io::duplex(1 << 16);
        let (daemon_out, host_in) = tokio::io::duplex(1 << 16);
        tokio::task::spawn_local(async move {
            // The default command deadline (120 s) and no reply-timeout override.
            let runtime = okta_iam::commands::Daemon::new(
                Map::new(),
                okta_iam::okta::vendor::default_mappers(),
            )
            .with_transport(Arc::new(FiveEvents));
            let config = ServeConfig::new(StateMode::Engine);
            serve(daemon_in, daemon_out, &runtime, &config).await
        });
        Host {
            to_daemon: host_out,
            from_daemon: tokio::io::BufReader::new(host_in).lines(),
        }
    }

    async fn send(&mut self, line: &str) {
        use tokio::io::AsyncWriteExt;
        self.to_daemon.write_all(line.as_bytes()).await.unwrap();
        self.to_daemon.write_all(b"\n").await.unwrap();
    }

    async fn next(&mut self) -> Value {
        let line = self.from_daemon.next_line().await.unwrap().expect("a line");
        serde_json::from_str(&line).unwrap()
    }
}

#[tokio::test(start_paused = true)]
async fn a_set_last_run_reply_within_the_command_deadline_keeps_the_incidents() {
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async {
            let mut host = Host::start();
            let fetch = json!({"command": "fetch-incidents", "params": fetch_params("https://acme.okta.com", "canned-token-0123456789")});
            // The host stores the last run but takes 90 s to say so.
            host.send(&fetch.to_string()).await;
            request("getLastRun")(&host.next().await);
            host.send("{}").await;
            request("setLastRun")(&host.next().await);
            tokio::time::sleep(Duration::from_secs(90)).await;
            host.send("{}").await;
            let result = host.next().await;
            assert_eq!(incidents_of(&result).len(), 5, "{result}");
            assert_eq!(host.next().await, json!({"type": "completed"}));

            // Later than the command deadline: the run fails, saying so; the late reply is
            // dropped, and the next command is answered in order.
            host.send(&fetch.to_string()).await;
            request("getLastRun")(&host.next().await);
            host.send("{}").await;
            request("setLastRun")(&host.next().await);
            let result = host.next().await;
            assert_eq!(
                result["results"][0]["Contents"],
                "Failed to execute fetch-incidents command. Error: The XSOAR server did not answer setLastRun within 120 seconds."
            );
            assert_eq!(host.next().await, json!({"type": "completed"}));
            host.send("{}").await;
            host.send("ping").await;
            assert_eq!(host.next().await, json!({"type": "pong"}));
        })
        .await;
}

// ---------------------------------------------------------------------------------------------
// Item: only a reply-shaped line is a reply (the real binary)
// ---------------------------------------------------------------------------------------------

#[test]
fn a_ping_or_a_calling_context_is_never_taken_for_a_reply() {
    let okta = FakeOkta::start();
    let expected = okta.push_events(5, "2025-05-20T16:00:00.000Z");
    let mut host = Daemon::spawn(&["serve"], &[]);
    let fetch =
        json!({"command": "fetch-incidents", "params": fetch_params(&okta.url(), FakeOkta::TOKEN)});
    host.send(&fetch.to_string());
    request("getLastRun")(&host.next(WAIT));
    // While the daemon waits: a health check, and the next calling context.
    host.send("ping");
    assert_eq!(host.next(WAIT), json!({"type": "pong"}));
    host.send(&json!({"command": "okta-iam-get-configuration"}).to_string());
    host.send("");
    host.send("{}");
    request("searchIndicators")(&host.next(WAIT));
    host.send(NO_SEARCH);
    request("setLastRun")(&host.next(WAIT));
    host.send("{}");
    assert_eq!(incidents_of(&host.next(WAIT)), expected);
    assert_eq!(host.next(WAIT), json!({"type": "completed"}));
    // The calling context is served next, in order.
    request("getIntegrationContext")(&host.next(WAIT));
    host.send(
        r#"{"context":{"IAMConfiguration":[{"ApplicationID":"0oa1"}]},"version":{"version":1}}"#,
    );
    let result = host.next(WAIT);
    assert_eq!(
        result["results"][0]["Contents"],
        json!([{"ApplicationID": "0oa1"}])
    );
    assert_eq!(host.next(WAIT), json!({"type": "completed"}));
    let stderr = String::from_utf8_lossy(&host.finish()).into_owned();
    assert!(
        stderr.contains("a calling context arrived while a reply was awaited"),
        "{stderr}"
    );
}

#[test]
fn a_duplicate_reply_is_dropped_not_answered() {
    let okta = FakeOkta::start();
    okta.push_events(3, "2025-05-20T16:00:00.000Z");
    let mut host = Daemon::spawn(&["serve"], &[]);
    let fetch =
        json!({"command": "fetch-incidents", "params": fetch_params(&okta.url(), FakeOkta::TOKEN)});
    host.send(&fetch.to_string());
    request("getLastRun")(&host.next(WAIT));
    host.send("{}");
    request("searchIndicators")(&host.next(WAIT));
    host.send(NO_SEARCH);
    request("setLastRun")(&host.next(WAIT));
    host.send("{}");
    host.send("{}"); // the same reply twice
    assert_eq!(incidents_of(&host.next(WAIT)).len(), 3);
    assert_eq!(host.next(WAIT), json!({"type": "completed"}));
    // The duplicate got no answer: the next line out is the pong.
    host.send("ping");
    assert_eq!(host.next(WAIT), json!({"type": "pong"}));
    host.send(&json!({"command": "okta-iam-get-configuration"}).to_string());
    request("getIntegrationContext")(&host.next(WAIT));
    host.send(r#"{"context":{},"version":{}}"#);
    assert_eq!(host.next(WAIT)["results"][0]["Type"], 1);
    assert_eq!(host.next(WAIT), json!({"type": "completed"}));
    let stderr = String::from_utf8_lossy(&host.finish()).into_owned();
    assert!(stderr.contains("late or duplicate"), "{stderr}");
}

#[test]
fn a_null_last_run_from_the_host_is_an_error_not_a_refetch() {
    let okta = FakeOkta::start();
    okta.push_events(3, "2025-05-20T16:00:00.000Z");
    let mut host = Daemon::spawn(&["serve"], &[]);
    let fetch =
        json!({"command": "fetch-incidents", "params": fetch_params(&okta.url(), FakeOkta::TOKEN)});
    for damaged in ["null", "\"garbage\"", "42", "[]"] {
        host.send(&fetch.to_string());
        request("getLastRun")(&host.next(WAIT));
        host.send(damaged);
        let result = host.next(WAIT);
        let text = result["results"][0]["Contents"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            text.contains("The last run of this instance is damaged"),
            "{damaged}: {text}"
        );
        assert_eq!(host.next(WAIT), json!({"type": "completed"}));
    }
    host.finish();
}

// ---------------------------------------------------------------------------------------------
// Item: a bare integration context with a `version` key
// ---------------------------------------------------------------------------------------------

#[test]
fn a_bare_context_with_a_version_key_is_not_taken_for_the_envelope() {
    let mut host = Daemon::spawn(&["serve"], &[]);
    let bare = r#"{"version": 3, "IAMConfiguration": [{"ApplicationID": "0oa1"}], "other": {"keep": true}}"#;
    host.send(&json!({"command": "okta-iam-get-configuration"}).to_string());
    request("getIntegrationContext")(&host.next(WAIT));
    host.send(bare);
    let result = host.next(WAIT);
    assert_eq!(
        result["results"][0]["Contents"],
        json!([{"ApplicationID": "0oa1"}])
    );
    assert_eq!(host.next(WAIT), json!({"type": "completed"}));

    host.send(
        &json!({"command": "okta-iam-set-configuration", "args": {"configuration": r#"[{"ApplicationID":"0oa2"}]"#}})
            .to_string(),
    );
    request("getIntegrationContext")(&host.next(WAIT));
    host.send(bare);
    let set = host.next(WAIT);
    request("setIntegrationContext")(&set);
    assert_eq!(
        set["args"]["value"],
        json!({"version": 3, "IAMConfiguration": [{"ApplicationID": "0oa2"}], "other": {"keep": true}})
    );
    host.send("{}");
    assert_eq!(host.next(WAIT)["results"][0]["Type"], 1);
    assert_eq!(host.next(WAIT), json!({"type": "completed"}));

    // The envelope itself, and an envelope without a context, still read as such.
    for (reply, rows) in [
        (
            r#"{"context": {"IAMConfiguration": [{"ApplicationID": "0oa3"}]}, "version": {"version": 4, "sequenceNumber": 1, "primaryTerm": 1}}"#,
            json!([{"ApplicationID": "0oa3"}]),
        ),
        (r#"{"version": {"version": -1}}"#, json!([])),
        (r#"{"context": null, "version": 2}"#, json!([])),
    ] {
        host.send(&json!({"command": "okta-iam-get-configuration"}).to_string());
        request("getIntegrationContext")(&host.next(WAIT));
        host.send(reply);
        let result = host.next(WAIT);
        let contents = &result["results"][0]["Contents"];
        if rows == json!([]) {
            assert!(contents.is_null() || *contents == rows, "{reply}: {result}");
        } else {
            assert_eq!(*contents, rows, "{reply}");
        }
        assert_eq!(host.next(WAIT), json!({"type": "completed"}));
    }
    host.finish();
}
