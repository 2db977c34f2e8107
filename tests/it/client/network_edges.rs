//! Network and input edges, through the real binary wherever the behaviour is the binary's:
//! failures that retrying cannot fix fail fast with a message that names the cause and the
//! fix (untrusted certificate, refused port, silent server, names that do not resolve),
//! absurd rate-limit headers, oversized answers, malformed user lookups, `next` links to
//! other endpoints, overlong URLs, credentials in the url param, and the bounded client
//! cache.
//!
//! Every server is on loopback. Name-resolution tests inject a resolver into the client
//! (in-process, through `ReqwestTransport::with_resolver`), so no lookup ever reaches the
//! machine's DNS server.

use crate::support as common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use fake_okta::FakeOkta;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "00okta-TEST-token-NEVER-print-me-0123456789";

/// `okta-iam call --json --params <params> <extra...> COMMAND args...` (blocking).
fn call(params: Value, extra: &[&str], command: &str, args: &[&str]) -> Output {
    let dir = temp_dir("edges");
    let file = dir.join("params.json");
    std::fs::write(&file, params.to_string()).unwrap();
    let mut argv: Vec<String> = vec![
        "call".into(),
        "--json".into(),
        "--params".into(),
        file.to_str().unwrap().into(),
    ];
    argv.extend(extra.iter().map(|s| s.to_string()));
    argv.push(command.into());
    argv.extend(args.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    run(&argv, b"")
}

async fn call_async(params: Value, extra: &[&str], command: &str, args: &[&str]) -> Output {
    let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let command = command.to_string();
    tokio::task::spawn_blocking(move || {
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        call(params, &extra, &command, &args)
    })
    .await
    .unwrap()
}

/// The text of the single error entry of a `call --json` run.
fn error_of(output: &Output) -> String {
    let lines = protocol_lines(&output.stdout);
    assert!(
        lines.iter().all(|l| l["type"] != "exception"),
        "an exception: {lines:?}"
    );
    let entry = only_entry(&lines);
    assert_eq!(entry["Type"], 4, "expected an error entry: {entry}");
    entry["Contents"].as_str().unwrap().to_string()
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn retries_logged(output: &Output) -> usize {
    stderr_of(output).matches("); retry ").count()
}

fn params_for(url: &str) -> Value {
    json!({"url": url, "apitoken": TOKEN})
}

// ---------------------------------------------------------------------------------------------
// 1. Failures that retrying cannot fix
// ---------------------------------------------------------------------------------------------

/// A loopback HTTPS server with a fresh self-signed certificate; answers `{}` to every
/// request it can read. Counts TLS handshakes attempted (TCP connections).
async fn self_signed_server() -> (u16, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key.into())
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, connections)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_untrusted_certificate_fails_at_once_and_says_why() {
    let (port, handshakes) = self_signed_server().await;
    let url = format!("https://127.0.0.1:{port}");
    let started = Instant::now();
    let output = call_async(
        params_for(&url),
        &["--log-level", "info"],
        "test-module",
        &[],
    )
    .await;
    let error = error_of(&output);
    assert_eq!(
        error,
        format!(
            "Failed to execute test-module command. Error: Cannot reach Okta at {url}/api/v1/: the TLS certificate of 127.0.0.1 is not trusted (self-signed or issued by an unknown authority); set insecure only for testing."
        )
    );
    assert_eq!(handshakes.load(Ordering::SeqCst), 1, "not retried");
    assert_eq!(retries_logged(&output), 0);
    assert!(started.elapsed() < Duration::from_secs(15));

    // With insecure the same server is accepted.
    let mut params = params_for(&url);
    params["insecure"] = json!(true);
    let output = call_async(params, &[], "test-module", &[]).await;
    let entry = only_entry(&protocol_lines(&output.stdout));
    assert_eq!(entry["Contents"], "ok", "{entry}");
}

/// SCIM's `insecure` param reaches the shared transport the same way: refused at once
/// without it, accepted with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_honours_insecure_for_an_untrusted_certificate() {
    let (port, handshakes) = self_signed_server().await;
    let url = format!("https://127.0.0.1:{port}/scim/v2");
    let params = json!({"url": url, "credentials": {"password": "scim-insecure-test-token"}});
    let output = call_async(params.clone(), &["--vendor", "scim"], "test-module", &[]).await;
    let error = error_of(&output);
    assert!(
        error.contains("the TLS certificate of 127.0.0.1 is not trusted"),
        "{error}"
    );
    assert_eq!(handshakes.load(Ordering::SeqCst), 1, "not retried");
    let mut params = params;
    params["insecure"] = json!(true);
    let output = call_async(params, &["--vendor", "scim"], "test-module", &[]).await;
    let entry = only_entry(&protocol_lines(&output.stdout));
    assert_eq!(entry["Contents"], "ok", "{entry}");
}

fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[test]
fn a_closed_port_gets_one_quick_retry_and_names_the_address() {
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let output = call(
        params_for(&url),
        &["--log-level", "info"],
        "test-module",
        &[],
    );
    assert_eq!(
        error_of(&output),
        format!(
            "Failed to execute test-module command. Error: Cannot reach Okta at {url}/api/v1/: nothing listens on 127.0.0.1:{port}: check the url param."
        )
    );
    assert_eq!(retries_logged(&output), 1);
    assert!(started.elapsed() < Duration::from_secs(15));

    // Any other command says the same (and is not retried more).
    let output = call(
        params_for(&url),
        &["--log-level", "info"],
        "okta-iam-list-applications",
        &[],
    );
    let error = error_of(&output);
    assert!(
        error.ends_with(&format!(
            "nothing listens on 127.0.0.1:{port}: check the url param"
        )),
        "{error}"
    );
    assert_eq!(retries_logged(&output), 1);
}

/// A TCP server that accepts connections and never sends a byte; counts connections.
fn silent_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(stream);
        }
    });
    (port, accepted)
}

#[test]
fn a_server_that_accepts_and_stays_silent_fails_test_module_within_15_s() {
    let (port, _) = silent_server();
    let url = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    // Defaults: 10 s for the first byte; another attempt would not fit test-module's 15 s.
    let output = call(
        params_for(&url),
        &["--log-level", "info"],
        "test-module",
        &[],
    );
    assert_eq!(
        error_of(&output),
        format!(
            "Failed to execute test-module command. Error: Cannot reach Okta at {url}/api/v1/: the server at 127.0.0.1:{port} accepted the connection but sent nothing in 10 s."
        )
    );
    assert_eq!(retries_logged(&output), 0);
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[test]
fn a_silent_https_server_is_named_too_and_retried_once_when_time_allows() {
    let (port, _) = silent_server();
    let url = format!("https://127.0.0.1:{port}");
    let output = call(
        params_for(&url),
        &["--log-level", "info", "--answer-timeout", "1"],
        "okta-iam-list-applications",
        &[],
    );
    let error = error_of(&output);
    assert!(
        error.ends_with(&format!(
            "the server at 127.0.0.1:{port} accepted the connection but sent nothing in 1 s"
        )),
        "{error}"
    );
    assert_eq!(retries_logged(&output), 1);
}

mod name_resolution {
    //! In-process, with resolvers injected into the reqwest client: nothing asks the
    //! machine's DNS server.
    use super::*;
    use okta_iam::commands::{execute, Daemon};
    use okta_iam::http::HttpSettings;
    use okta_iam::okta::{ClientConfig, ReqwestTransport};
    use okta_iam::protocol::message::CallingContext;
    use okta_iam::secret::Secret;
    use okta_iam::state::MemoryState;
    use reqwest::dns::{Addrs, Name, Resolve, Resolving};

    /// Knows no names; counts lookups.
    struct NoSuchName(Arc<AtomicUsize>);
    impl Resolve for NoSuchName {
        fn resolve(&self, _: Name) -> Resolving {
            self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(async {
                Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no such host",
                )) as _)
            })
        }
    }

    /// A DNS server that never answers; counts lookups.
    struct NeverAnswers(Arc<AtomicUsize>);
    impl Resolve for NeverAnswers {
        fn resolve(&self, _: Name) -> Resolving {
            self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(std::future::pending::<Result<Addrs, _>>())
        }
    }

    async fn test_module(url: &str, resolver: Arc<dyn Resolve>) -> (String, Duration) {
        let tuning = HttpSettings {
            connect_timeout: Duration::from_secs(2),
            ..HttpSettings::default()
        };
        let mut config = ClientConfig::new(
            format!("{url}/api/v1/").parse().unwrap(),
            Secret::new(TOKEN),
        );
        config.settings = tuning;
        let transport = ReqwestTransport::with_resolver(&config, resolver).unwrap();
        let params = params_for(url);
        let mut runtime = Daemon::new(
            params.as_object().cloned().unwrap(),
            okta_iam::okta::vendor::default_mappers(),
        )
        .with_transport(Arc::new(transport));
        runtime.http.settings = tuning;
        let context = CallingContext::parse(
            r#"{"command":"test-module"}"#,
            &okta_iam::okta::vendor::context_defaults(),
        )
        .unwrap();
        let started = Instant::now();
        let execution = execute(&runtime, &context, &mut MemoryState::default()).await;
        let entry = serde_json::to_value(&execution.entries[0]).unwrap();
        assert_eq!(entry["Type"], 4, "{entry}");
        (
            entry["Contents"].as_str().unwrap().to_string(),
            started.elapsed(),
        )
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_gets_one_quick_retry() {
        let lookups = Arc::new(AtomicUsize::new(0));
        let (error, took) = test_module(
            "https://acme.oktaa.com",
            Arc::new(NoSuchName(lookups.clone())),
        )
        .await;
        assert_eq!(
            error,
            "Failed to execute test-module command. Error: Cannot reach Okta at https://acme.oktaa.com/api/v1/: acme.oktaa.com does not resolve: check the url param."
        );
        assert_eq!(lookups.load(Ordering::SeqCst), 2);
        assert!(took < Duration::from_secs(15));
    }

    #[tokio::test]
    async fn a_dns_server_that_never_answers_is_named_and_bounded() {
        let lookups = Arc::new(AtomicUsize::new(0));
        let (error, took) = test_module(
            "https://acme.okta.com",
            Arc::new(NeverAnswers(lookups.clone())),
        )
        .await;
        // The lookup limit is half the connect timeout.
        assert_eq!(
            error,
            "Failed to execute test-module command. Error: Cannot reach Okta at https://acme.okta.com/api/v1/: the DNS server did not answer for acme.okta.com in 1 s: check this machine's DNS settings."
        );
        assert_eq!(lookups.load(Ordering::SeqCst), 2);
        assert!(took < Duration::from_secs(15));
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Absurd rate-limit headers
// ---------------------------------------------------------------------------------------------

async fn serve_lines(params: Value, lines: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        let dir = temp_dir("edges-serve");
        let file = dir.join("params.json");
        std::fs::write(&file, params.to_string()).unwrap();
        let state = dir.join("state.json");
        let input = lines.join("\n") + "\n";
        run(
            &[
                "serve",
                "--params",
                file.to_str().unwrap(),
                "--state",
                state.to_str().unwrap(),
                "--max-retries",
                "1",
            ],
            input.as_bytes(),
        )
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_rate_limit_headers_neither_panic_nor_block_the_daemon() {
    let cases: [(&str, &str, &str, &str); 3] = [
        // Reset = i64::MAX with a 1970 Date ("overflow when adding duration to instant").
        (
            "600",
            "0",
            "9223372036854775807",
            "Thu, 01 Jan 1970 00:00:00 GMT",
        ),
        // Remaining too large for u32, Limit near u64::MAX.
        (
            "18446744073709551615",
            "18446744073709551614",
            "1747760100",
            "Tue, 20 May 2025 16:54:14 GMT",
        ),
        // Remaining 0, a 1970 Date and a reset in 2026: the bucket must not stay blocked.
        ("600", "0", "1796557034", "Thu, 01 Jan 1970 00:00:00 GMT"),
    ];
    for (limit, remaining, reset, date) in cases {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/api/v1/users/me"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(b"{\"id\":\"00u1\"}".to_vec(), "application/json")
                    .insert_header("date", date)
                    .insert_header("x-rate-limit-limit", limit)
                    .insert_header("x-rate-limit-remaining", remaining)
                    .insert_header("x-rate-limit-reset", reset),
            )
            .mount(&server)
            .await;
        let line = json!({"command": "test-module"}).to_string();
        let output = serve_lines(
            params_for(&server.uri()),
            vec![line.clone(), line.clone(), line],
        )
        .await;
        let lines = protocol_lines(&output.stdout);
        assert!(
            lines.iter().all(|l| l["type"] != "exception"),
            "{limit}/{remaining}/{reset}: {lines:?}"
        );
        let entries = result_entries(&lines);
        assert_eq!(entries.len(), 3);
        for entry in entries {
            assert_eq!(
                entry["Contents"], "ok",
                "{limit}/{remaining}/{reset}: {entry}"
            );
        }
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_an_absurd_reset_backs_off_instead() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(
            ResponseTemplate::new(429)
                .set_body_raw(
                    br#"{"errorCode":"E0000047","errorSummary":"API call exceeded rate limit due to too many requests."}"#.to_vec(),
                    "application/json",
                )
                .insert_header("date", "Thu, 01 Jan 1970 00:00:00 GMT")
                .insert_header("x-rate-limit-limit", "600")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", "9223372036854775807"),
        )
        .mount(&server)
        .await;
    let output = call_async(
        params_for(&server.uri()),
        &["--max-retries", "1"],
        "test-module",
        &[],
    )
    .await;
    let error = error_of(&output);
    assert!(error.contains("API call exceeded rate limit"), "{error}");
    assert!(!error.contains("resets in"), "{error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// 3. Answers over the size cap
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_over_the_size_cap_fails_its_command_once() {
    let server = MockServer::start().await;
    let big = format!("[{}]", vec!["{\"id\":\"0oa1\"}"; 200].join(","));
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(big.into_bytes(), "application/json"))
        .mount(&server)
        .await;
    let output = call_async(
        params_for(&server.uri()),
        &["--max-response-bytes", "1000"],
        "okta-iam-list-applications",
        &[],
    )
    .await;
    assert_eq!(
        error_of(&output),
        "Failed to execute okta-iam-list-applications command. Error: Could not reach Okta for GET /api/v1/apps: the answer is larger than the limit of 1000 bytes (--max-response-bytes); stopped reading it"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

/// An HTTP server whose answer never ends (chunked, forever); counts connections.
fn endless_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                );
                let chunk = format!("{:x}\r\n{}\r\n", 65536, "[".repeat(65536));
                while stream.write_all(chunk.as_bytes()).is_ok() {}
            });
        }
    });
    (port, connections)
}

#[test]
fn an_endless_answer_is_cut_at_the_cap() {
    let (port, connections) = endless_server();
    let output = call(
        params_for(&format!("http://127.0.0.1:{port}")),
        &["--max-response-bytes", "4000000"],
        "okta-iam-list-applications",
        &[],
    );
    let error = error_of(&output);
    assert!(
        error.ends_with("the answer is larger than the limit of 4000000 bytes (--max-response-bytes); stopped reading it"),
        "{error}"
    );
    assert_eq!(connections.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------------------------------------
// 4. A malformed user lookup is an error, never "not found"
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lookup_answer_without_ids_never_leads_to_a_create() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            br#"[{"status":"ACTIVE","profile":{"login":"dana.lee@example.com"}}]"#.to_vec(),
            "application/json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"{}".to_vec(), "application/json"))
        .expect(0)
        .mount(&server)
        .await;
    let mut params = params_for(&server.uri());
    params["create-user-enabled"] = json!(true);
    params["update-user-enabled"] = json!(true);
    params["create-if-not-exists"] = json!(true);
    let output = call_async(
        params,
        &[],
        "iam-update-user",
        &[r#"user-profile={"email":"dana.lee@example.com","givenname":"Dana"}"#],
    )
    .await;
    let lines = protocol_lines(&output.stdout);
    let text = serde_json::to_string(&lines).unwrap();
    assert!(
        text.contains(
            "holds a user without an id; the answer is malformed, so nothing was changed."
        ),
        "{text}"
    );
    assert!(!text.contains("does not exist"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 5. `next` links stay on their endpoint
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_next_link_to_another_endpoint_ends_paging_with_an_error() {
    let server = MockServer::start().await;
    let next = format!("<{}/api/v1/users?after=00u1>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(br#"[{"uuid":"e1","published":"2025-05-20T16:00:00.000Z","eventType":"user.session.start"}]"#.to_vec(), "application/json")
                .insert_header("link", next.as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(br#"[{"id":"00u1"}]"#.to_vec(), "application/json"),
        )
        .expect(0)
        .mount(&server)
        .await;
    let output = call_async(
        params_for(&server.uri()),
        &[],
        "okta-get-logs",
        &["limit=500"],
    )
    .await;
    let error = error_of(&output);
    assert!(
        error.contains("Okta's next link for GET /api/v1/logs points to another endpoint (/api/v1/users); paging stopped there"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_applications_do_not_page_into_the_users_endpoint() {
    let server = MockServer::start().await;
    let next = format!("<{}/api/v1/users?after=00u1>; rel=\"next\"", server.uri());
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(
                    br#"[{"id":"0oa1","name":"app","label":"App","status":"ACTIVE"}]"#.to_vec(),
                    "application/json",
                )
                .insert_header("link", next.as_str()),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(br#"[{"id":"00u1"}]"#.to_vec(), "application/json"),
        )
        .expect(0)
        .mount(&server)
        .await;
    let output = call_async(
        params_for(&server.uri()),
        &[],
        "okta-iam-list-user-applications",
        &["user_id=00u1"],
    )
    .await;
    let error = error_of(&output);
    assert!(
        error.contains("points to another endpoint (/api/v1/users); paging stopped there"),
        "{error}"
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Overlong URLs
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overlong_url_says_what_is_too_long_and_sends_nothing() {
    let server = MockServer::start().await;
    let email = format!("{}@example.com", "a".repeat(70_000));
    let profile = format!(r#"user-profile={{"email":"{email}"}}"#);
    let output = call_async(params_for(&server.uri()), &[], "iam-get-user", &[&profile]).await;
    let text = serde_json::to_string(&protocol_lines(&output.stdout)).unwrap();
    assert!(
        text.contains("The request GET /api/v1/users would need a URL of"),
        "{}",
        &text[..text.len().min(2000)]
    );
    assert!(text.contains("at most 65534 can be sent. Its filter query parameter alone is"));
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_module_checks_the_fetch_filter_length() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(b"{}".to_vec(), "application/json"))
        .mount(&server)
        .await;
    let mut params = params_for(&server.uri());
    params["isFetch"] = json!(true);
    params["auto_generate_query_filter"] = json!(false);
    params["fetch_query_filter"] = json!(format!("eventType eq \"{}\"", "x".repeat(70_000)));
    let output = call_async(params.clone(), &[], "test-module", &[]).await;
    let error = error_of(&output);
    assert!(
        error.starts_with("Failed to execute test-module command. Error: The fetch query filter is 70019 bytes once URL-encoded, but the System Log URL has room for"),
        "{error}"
    );
    assert!(
        error.ends_with("shorten the fetch_query_filter param."),
        "{error}"
    );
    // A filter that fits passes.
    params["fetch_query_filter"] = json!("eventType eq \"x\"");
    let output = call_async(params, &[], "test-module", &[]).await;
    assert_eq!(
        only_entry(&protocol_lines(&output.stdout))["Contents"],
        "ok"
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Credentials in the url param
// ---------------------------------------------------------------------------------------------

#[test]
fn credentials_in_the_url_are_refused_and_never_printed() {
    let password = "Hunter2-in-the-url-9876";
    for url in [
        format!("https://admin:{password}@acme.okta.com"),
        format!("http://admin:{password}@127.0.0.1:{}", closed_port()),
    ] {
        for command in ["test-module", "okta-iam-list-applications"] {
            let output = call(params_for(&url), &["--log-level", "trace"], command, &[]);
            let error = error_of(&output);
            assert!(
                error.contains("The url param must not contain a user name or password"),
                "{error}"
            );
            assert_no_secret(
                password,
                &[("stdout", &output.stdout), ("stderr", &output.stderr)],
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 10. Noise and leftovers
// ---------------------------------------------------------------------------------------------

#[test]
fn a_healthy_log_read_logs_no_warning() {
    let okta = FakeOkta::start();
    okta.push_events(5, "2025-05-20T16:00:00.000Z");
    let params = json!({"url": okta.url(), "apitoken": FakeOkta::TOKEN});
    let output = call(
        params,
        &[],
        "okta-get-logs",
        &["since=2025-05-01T00:00:00Z"],
    );
    let lines = protocol_lines(&output.stdout);
    assert_eq!(only_entry(&lines)["Type"], 1);
    let stderr = stderr_of(&output);
    assert!(!stderr.contains("WARN"), "{stderr}");
}

fn open_descriptors(pid: u32) -> usize {
    std::fs::read_dir(PathBuf::from(format!("/proc/{pid}/fd")))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn one_client_per_token_is_not_kept_forever() {
    if !std::path::Path::new("/proc/self/fd").exists() {
        return;
    }
    let okta = FakeOkta::start();
    let dir = temp_dir("client-cache");
    let state = dir.join("state.json");
    let mut daemon = Daemon::spawn(&["serve", "--state", state.to_str().unwrap()], &[]);
    let wait = Duration::from_secs(20);
    daemon.execute("ping", wait);
    let before = open_descriptors(daemon.pid());
    // 40 distinct tokens (Okta rejects them: each still makes a client and a connection).
    for n in 0..40 {
        let line = json!({"command": "test-module",
            "params": {"url": okta.url(), "apitoken": format!("rotating-token-{n:04}-abcdef")}})
        .to_string();
        daemon.execute(&line, wait);
    }
    let after = open_descriptors(daemon.pid());
    assert!(
        after <= before + 10,
        "descriptors grew from {before} to {after} over 40 tokens"
    );
    daemon.finish();
}
