//! Rate limits, retries, pacing and deadlines, against a loopback wiremock server.
//!
//! Waits go through a `VirtualClock` (recorded, not slept), so the tests check the exact
//! waits and finish fast; wall time is only bounded generously.

use crate::support::okta_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use okta_iam::okta::{
    BoxFuture, Client, ErrorCode, HttpRequest, HttpResponse, OktaError, RateLimitStop, Transport,
    TransportError, TransportErrorKind, UserId, VirtualClock,
};
use okta_iam::secret::Secret;
use okta_support::*;
use serde_json::{json, Map};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn between(d: Duration, low: f64, high: f64) -> bool {
    secs(d) >= low && secs(d) <= high
}

#[tokio::test]
async fn a_429_waits_for_the_reset_then_retries_with_retry_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(rate_limited(30, "req-429-a"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(json(200, &fixture("user_active.json")))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);

    let me = client.users().me().await.unwrap();
    assert_eq!(me["status"], "ACTIVE");

    // Reset − Date = 30 s after the answer (its Date may have been written at the very start
    // of its second, so no earlier), + jitter below 0.1 s.
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert!(between(sleeps[0], 30.0, 30.1), "{sleeps:?}");

    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert_eq!(header(&requests[0], "x-okta-retry-for"), None);
    assert_eq!(header(&requests[0], "x-okta-retry-count"), None);
    assert_eq!(header(&requests[1], "x-okta-retry-for"), Some("req-429-a"));
    assert_eq!(header(&requests[1], "x-okta-retry-count"), Some("1"));
}

#[tokio::test]
async fn a_429_forever_ends_in_e0000047_within_the_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(rate_limited(30, "req-429"))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);
    let started = Instant::now();

    let error = client
        .for_command()
        .users()
        .list_by_filter(&okta_iam::okta::Filter::eq("id", "00u1"))
        .await
        .unwrap_err();

    // Three waits of ~31 s fit in 120 s; a fourth would not, so it is not started.
    assert!(
        matches!(
            error,
            OktaError::RateLimited {
                stop: RateLimitStop::BeyondDeadline,
                attempts: 4,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.error_code(), ErrorCode::Okta("E0000047".into()));
    assert_eq!(error.error_code().to_value(), json!("E0000047"));
    assert_eq!(
        error.to_string(),
        "API call exceeded rate limit due to too many requests.. "
    );
    assert_eq!(error.request_id(), Some("req-429"));
    assert_eq!(clock.sleeps().len(), 3);
    assert!(
        clock.slept() <= Duration::from_secs(120),
        "{:?}",
        clock.slept()
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    assert!(started.elapsed() < Duration::from_secs(20));
    let last = &server.received_requests().await.unwrap()[3];
    assert_eq!(header(last, "x-okta-retry-count"), Some("3"));
}

#[tokio::test]
async fn the_retry_budget_bounds_429_retries() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(rate_limited(2, "req"))
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.settings.max_retries = 2;
    let (client, clock) = client_with(config);

    let error = client.users().me().await.unwrap_err();
    assert!(
        matches!(
            error,
            OktaError::RateLimited {
                stop: RateLimitStop::RetriesExhausted,
                attempts: 3,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.error_code(), ErrorCode::Okta("E0000047".into()));
    assert_eq!(clock.sleeps().len(), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_reset_beyond_the_deadline_fails_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(rate_limited(300, "req-far"))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);

    let error = client.users().me().await.unwrap_err();
    let OktaError::RateLimited {
        retry_after,
        reset,
        stop,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*stop, RateLimitStop::BeyondDeadline);
    assert_eq!(*retry_after, Some(Duration::from_secs(300)));
    assert_eq!(*reset, Some(DATE_EPOCH + 300));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(300)));
    assert_eq!(error.error_code().to_value(), json!("E0000047"));
    assert!(clock.sleeps().is_empty());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_429_without_rate_limit_headers_backs_off_boundedly() {
    // The reference test's shape: every request answers 429 with a bare E0000047 body.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).set_body_raw(
            br#"{"errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests."}"#.to_vec(),
            "application/json",
        ))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);

    let error = client
        .users()
        .update_profile(&UserId::new("00u1"), Map::new())
        .await
        .unwrap_err();
    assert_eq!(error.error_code().to_value(), json!("E0000047"));
    assert_eq!(
        error.message_for_people(),
        "API call exceeded rate limit due to too many requests.. "
    );
    // 1, 2, 4, 8, 16 s (+ up to 25 %): 5 retries, then the budget is spent.
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 5, "{sleeps:?}");
    for (sleep, floor) in sleeps.iter().zip([1.0, 2.0, 4.0, 8.0, 16.0]) {
        assert!(between(*sleep, floor, floor * 1.25), "{sleeps:?}");
    }
    assert!(clock.slept() < Duration::from_secs(40));
    assert_eq!(server.received_requests().await.unwrap().len(), 6);
}

#[tokio::test]
async fn a_concurrency_429_backs_off_exponentially() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            json(429, &fixture("error_rate_limit.json"))
                .insert_header("x-rate-limit-limit", "0")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", (DATE_EPOCH + 45).to_string())
                .insert_header("x-okta-request-id", "req-conc"),
        )
        .up_to_n_times(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(200, "{}"))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);

    client.users().me().await.unwrap();
    // Not the 46 s reset estimate: 1, 2, 4 s (+ up to 25 %).
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 3, "{sleeps:?}");
    for (sleep, floor) in sleeps.iter().zip([1.0, 2.0, 4.0]) {
        assert!(between(*sleep, floor, floor * 1.25), "{sleeps:?}");
    }
    let requests = server.received_requests().await.unwrap();
    assert_eq!(header(&requests[3], "x-okta-retry-count"), Some("3"));
    assert_eq!(header(&requests[3], "x-okta-retry-for"), Some("req-conc"));
}

#[tokio::test]
async fn low_remaining_spreads_requests_instead_of_hitting_429() {
    let server = MockServer::start().await;
    // The first answer says 2 requests are left in a window that resets in 59 s; later
    // answers carry no rate-limit headers (so only the first window counts).
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(
            json(200, "[]")
                .insert_header("x-rate-limit-limit", "100")
                .insert_header("x-rate-limit-remaining", "2")
                .insert_header("x-rate-limit-reset", (DATE_EPOCH + 59).to_string()),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(200, "[]"))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);
    let logs = || {
        let client = client.for_command();
        async move {
            client
                .logs()
                .list(&Default::default())
                .next_page()
                .await
                .unwrap()
                .unwrap()
        }
    };

    logs().await; // learns: 2 left of 100, window ends in 59 s
    assert!(clock.sleeps().is_empty());
    logs().await; // first of the 2: at once
    assert!(clock.sleeps().is_empty());
    logs().await; // second of the 2: at the bucket's pace (59 s / 100) later
    logs().await; // none left: waits for the window to end
                  // Other buckets are not held back.
    client.users().me().await.unwrap();
    logs().await; // new window: at once

    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2, "{sleeps:?}");
    assert!(between(sleeps[0], 0.58, 0.6), "{sleeps:?}");
    assert!(between(sleeps[1], 58.3, 58.42), "{sleeps:?}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 6);
    assert!(requests
        .iter()
        .all(|r| header(r, "x-okta-retry-count").is_none()));
}

#[tokio::test]
async fn an_empty_bucket_past_the_deadline_fails_without_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            json(200, "{}")
                .insert_header("x-rate-limit-limit", "600")
                .insert_header("x-rate-limit-remaining", "0")
                // Past the 120 s deadline, within the 5 minutes a reset is believed.
                .insert_header("x-rate-limit-reset", (DATE_EPOCH + 200).to_string()),
        )
        .mount(&server)
        .await;
    let (client, clock) = client(&server);

    client.users().me().await.unwrap();
    let error = client.users().me().await.unwrap_err();
    assert!(
        matches!(
            error,
            OktaError::RateLimited {
                stop: RateLimitStop::BeyondDeadline,
                attempts: 0,
                last: None,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.error_code().to_value(), json!("E0000047"));
    assert!(error.to_string().starts_with(
        "API call exceeded rate limit due to too many requests. The limit resets in 20"
    ));
    assert!(clock.sleeps().is_empty());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_503_is_retried_for_a_get() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            json(503, &fixture("error_unavailable.json"))
                .insert_header("x-okta-request-id", "req-503"),
        )
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(200, r#"{"id":"00g1"}"#))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);

    let group = client.groups().get(&"00g1".into()).await.unwrap();
    assert_eq!(group["id"], "00g1");
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 2);
    assert!(
        between(sleeps[0], 1.0, 1.25) && between(sleeps[1], 2.0, 2.5),
        "{sleeps:?}"
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    assert_eq!(header(&requests[2], "x-okta-retry-for"), Some("req-503"));
    assert_eq!(header(&requests[2], "x-okta-retry-count"), Some("2"));
}

#[tokio::test]
async fn a_504_is_retried_for_a_lifecycle_post() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(504))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(json(200, "{}"))
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    client.users().deactivate(&"00u1".into()).await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_503_on_create_is_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(json(503, &fixture("error_unavailable.json")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, clock) = client(&server);

    let error = client
        .users()
        .create(Map::new(), false, true)
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(error.error_code(), ErrorCode::Okta("E0000009".into()));
    assert!(clock.sleeps().is_empty());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_429_on_create_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(rate_limited(5, "req-create"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(json(200, &fixture("user_active.json")))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);

    let user = client
        .users()
        .create(Map::new(), false, true)
        .await
        .unwrap();
    assert_eq!(user["id"], "00u5kq2w9xYbT3nJR0h7");
    assert_eq!(clock.sleeps().len(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_503_forever_returns_the_last_answer_after_the_budget() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream busy"))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);

    let error = client.users().me().await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Error in API call [503] - Service Unavailable\nupstream busy"
    );
    assert_eq!(error.error_code().to_value(), json!(503));
    assert_eq!(clock.sleeps().len(), 5);
    assert_eq!(server.received_requests().await.unwrap().len(), 6);
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    let server = MockServer::start().await;
    for status in [400u16, 401, 403, 404, 501] {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/groups/{status}")))
            .respond_with(ResponseTemplate::new(status))
            .expect(1)
            .mount(&server)
            .await;
    }
    let (client, clock) = client(&server);
    for status in [400u16, 401, 403, 404, 501] {
        let error = client
            .groups()
            .get(&status.to_string().into())
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(status));
    }
    assert!(clock.sleeps().is_empty());
}

#[tokio::test]
async fn a_retry_wait_past_the_deadline_is_not_started() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.settings.backoff_base = Duration::from_secs(10);
    config.settings.command_deadline = Duration::from_secs(5);
    let (client, clock) = client_with(config);

    let error = client.users().me().await.unwrap_err();
    assert!(
        matches!(
            &error,
            OktaError::DeadlineExceeded {
                attempts: 1,
                last: Some(_),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(error.error_code(), ErrorCode::Status(503));
    assert_eq!(
        error.to_string(),
        "The command's time limit of 5 s ran out during GET /api/v1/users/me after 1 attempt. Last error: Error in API call [503] - Service Unavailable\n"
    );
    assert!(clock.sleeps().is_empty());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_command_deadline_spans_calls_made_through_for_command() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(rate_limited(40, "req"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(200, "{}"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(rate_limited(40, "req"))
        .mount(&server)
        .await;
    let (client, clock) = client(&server);
    let command = client.for_command();

    // First call: one ~41 s wait, then success. Second call: at once.
    command.users().me().await.unwrap();
    command.users().me().await.unwrap();
    assert_eq!(clock.sleeps().len(), 1);
    // ~91 s of the 120 s spent: another ~41 s wait would pass the deadline, so it is not
    // started.
    clock.advance(Duration::from_secs(50));
    let error = command.users().unsuspend(&"00u1".into()).await.unwrap_err();
    assert!(
        matches!(
            error,
            OktaError::RateLimited {
                stop: RateLimitStop::BeyondDeadline,
                attempts: 1,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(clock.sleeps().len(), 1);
    // Past the deadline nothing more is sent.
    clock.advance(Duration::from_secs(40));
    let error = command.users().me().await.unwrap_err();
    assert!(
        matches!(error, OktaError::DeadlineExceeded { attempts: 0, .. }),
        "{error:?}"
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
    // The client itself has no deadline: each of its calls gets a full one.
    assert!(client.deadline().is_none());
    assert!(command.deadline().is_some());
    client.users().me().await.unwrap();
}

#[tokio::test]
async fn a_slow_answer_times_out_and_is_retried_only_when_safe() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(200, "{}").set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(json(200, "{}").set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.settings.request_timeout = Duration::from_millis(200);
    config.settings.max_retries = 1;
    let (client, clock) = client_with(config);
    let started = Instant::now();

    let error = client.users().me().await.unwrap_err();
    assert!(
        matches!(&error, OktaError::Transport { source, .. } if source.kind == TransportErrorKind::Timeout),
        "{error:?}"
    );
    assert_eq!(clock.sleeps().len(), 1);

    let error = client
        .users()
        .create(Map::new(), true, false)
        .await
        .unwrap_err();
    assert!(matches!(&error, OktaError::Transport { .. }), "{error:?}");
    assert_eq!(error.error_code(), ErrorCode::None);
    assert_eq!(clock.sleeps().len(), 1);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.method.as_str() == "GET")
            .count(),
        2
    );
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.method.as_str() == "POST")
            .count(),
        1
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn a_request_cannot_outlive_the_command_deadline() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(200, "{}").set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.settings.command_deadline = Duration::from_millis(300);
    let (client, _) = client_with(config);
    let started = Instant::now();

    let error = client.for_command().users().me().await.unwrap_err();
    assert!(
        matches!(&error, OktaError::DeadlineExceeded { attempts: 1, .. }),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(4));
}

/// A transport that never connects, counting attempts.
struct Unreachable(AtomicUsize);

impl Transport for Unreachable {
    fn send(&self, _request: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Box::pin(async {
            Err(TransportError::new(
                TransportErrorKind::Connect,
                "connection refused",
            ))
        })
    }
}

#[tokio::test]
async fn connection_errors_are_retried_for_safe_requests_only() {
    let transport = Arc::new(Unreachable(AtomicUsize::new(0)));
    let clock = Arc::new(VirtualClock::new());
    let config = okta_iam::okta::ClientConfig::new(
        "https://acme.okta.com/api/v1/".parse().unwrap(),
        Secret::new(TOKEN),
    );
    let client = Client::with_transport_and_clock(config, transport.clone(), clock.clone());

    let error = client.users().get(&"00u1".into()).await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Could not reach Okta for GET /api/v1/users/00u1: could not connect: connection refused"
    );
    assert_eq!(transport.0.load(Ordering::SeqCst), 6);
    assert_eq!(clock.sleeps().len(), 5);

    let error = client
        .users()
        .create(Map::new(), false, true)
        .await
        .unwrap_err();
    assert!(matches!(error, OktaError::Transport { .. }));
    assert_eq!(transport.0.load(Ordering::SeqCst), 7);
    assert_eq!(clock.sleeps().len(), 5);
}

#[tokio::test]
async fn a_closed_port_is_refused_with_one_quick_retry() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut config = okta_iam::okta::ClientConfig::new(
        format!("http://127.0.0.1:{port}/api/v1/").parse().unwrap(),
        Secret::new(TOKEN),
    );
    config.settings.max_retries = 1;
    let (client, clock) = client_with(config);

    let error = client.users().me().await.unwrap_err();
    assert!(
        matches!(&error, OktaError::Transport { source, .. } if source.kind == TransportErrorKind::Refused),
        "{error:?}"
    );
    assert_eq!(clock.sleeps().len(), 1);
}

#[tokio::test(start_paused = true)]
async fn paused_tokio_time_works_with_an_in_memory_transport() {
    // The default TokioClock follows paused time: a 429 wait of ~30 s passes instantly.
    struct Scripted(std::sync::Mutex<Vec<HttpResponse>>);
    impl Transport for Scripted {
        fn send(&self, _: HttpRequest) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
            let next = self.0.lock().unwrap().remove(0);
            Box::pin(async move { Ok(next) })
        }
    }
    let limited = HttpResponse {
        status: 429,
        headers: vec![
            ("date".into(), DATE.into()),
            ("x-rate-limit-limit".into(), "600".into()),
            ("x-rate-limit-remaining".into(), "0".into()),
            ("x-rate-limit-reset".into(), (DATE_EPOCH + 30).to_string()),
        ],
        body: fixture("error_rate_limit.json").into_bytes(),
    };
    let ok = HttpResponse {
        status: 200,
        headers: vec![],
        body: b"{\"id\":\"00u1\"}".to_vec(),
    };
    let config = okta_iam::okta::ClientConfig::new(
        "https://acme.okta.com/api/v1/".parse().unwrap(),
        Secret::new(TOKEN),
    );
    let client = Client::with_transport(
        config,
        Arc::new(Scripted(std::sync::Mutex::new(vec![limited, ok]))),
    );
    let before = tokio::time::Instant::now();
    let user = client.users().me().await.unwrap();
    assert_eq!(user["id"], "00u1");
    let waited = before.elapsed();
    assert!(between(waited, 30.0, 30.1), "{waited:?}");
}

#[tokio::test]
async fn internal_errors_and_bad_gateways_are_retried_for_safe_requests() {
    let server = MockServer::start().await;
    for status in [500u16, 502] {
        Mock::given(method("GET"))
            .and(path(format!("/api/v1/groups/{status}")))
            .respond_with(ResponseTemplate::new(status))
            .expect(6)
            .mount(&server)
            .await;
    }
    let (client, clock) = client(&server);
    for status in [500u16, 502] {
        let error = client
            .groups()
            .get(&status.to_string().into())
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(status));
    }
    assert_eq!(clock.sleeps().len(), 10);
}
