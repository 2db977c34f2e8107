//! The one request loop every vendor's client sends through: pace, authorise, send (with a
//! timeout that never passes the deadline), classify the answer, [`decide`] whether to
//! retry, back off, repeat. What is the vendor's is asked of its [`VendorPolicy`].
//!
//! A call ends with the 2xx answer, or with the vendor's error:
//! - a final answer (any non-2xx other than 429, or a 5xx of a request not safe to repeat):
//!   [`VendorPolicy::answer_error`] at once;
//! - a 429 the loop stops retrying: [`VendorPolicy::rate_limited`] (also when pacing would
//!   have to wait past the deadline before the first send);
//! - a deadline that runs out: [`VendorPolicy::deadline_exceeded`], with the failure being
//!   retried;
//! - a failure a retry cannot fix, or retries spent: that failure's error.
//!
//! Every retry writes one `info` line (`<request> failed (<reason>); retry 2 of 5 in 2.1 s`)
//! for a person watching a slow failure; no secret is in it (texts are redacted, URLs carry
//! none).

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::http::auth::{without_echoed_credentials, AuthProvider, Verdict};
use crate::http::backoff::{self, backoff};
use crate::http::clock::Clock;
use crate::http::deadline::Deadline;
use crate::http::failure::seconds;
use crate::http::pacer::Pacer;
use crate::http::pacer_file::{self, PacerFile};
use crate::http::policy::{
    Attempt, DeadlineRanOut, RateLimitStop, RateLimited, Repeat, VendorPolicy,
};
use crate::http::retry::{decide, Decision, FailureClass, RetryPolicy, Stop};
use crate::http::settings::HttpSettings;
use crate::http::transport::{
    HttpRequest, HttpResponse, Method, Transport, TransportError, TransportErrorKind,
};
use crate::http::url_limit;

/// Up to this much is added at random to the wait for a window to refill after a 429, so
/// clients that were refused together do not all come back in the same millisecond.
pub const REFILL_JITTER: Duration = Duration::from_millis(100);

/// One call: what to send, and the pacing bucket it counts against.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: Method,
    pub url: Url,
    pub body: Option<Vec<u8>>,
    /// The pacing bucket (the vendor's key: Okta's is `METHOD /path/{id}/shape`).
    pub bucket: String,
    /// Headers of this call only (SCIM's `If-Match`), sent after the policy's.
    pub headers: Vec<(String, String)>,
}

/// The HTTP core of one vendor client: transport, clock, pacing state, credentials,
/// settings and the vendor's policy. Shared by every clone of the client.
pub struct HttpCore<P: VendorPolicy> {
    transport: Arc<dyn Transport>,
    clock: Arc<dyn Clock>,
    pacer: Pacer,
    /// Where the pacer's view is shared with other processes of the same org, if anywhere.
    pacer_file: Option<PacerFile>,
    auth: Arc<dyn AuthProvider<P::Error>>,
    settings: HttpSettings,
    policy: P,
}

/// Why an attempt failed, before the retry decision.
enum Failure<E> {
    Transport(TransportError),
    RateLimited(HttpResponse, E),
    /// A 5xx of a request safe to repeat, and the wait it asked for (if the vendor reads one).
    Unavailable(E, Option<Duration>),
}

/// `METHOD /path` (no query: it may hold personal data).
pub fn label(method: Method, url: &Url) -> String {
    // Built by hand: one allocation of the right size, no formatting machinery (every
    // request makes one).
    let (method, path) = (method.as_str(), url.path());
    let mut label = String::with_capacity(method.len() + 1 + path.len());
    label.push_str(method);
    label.push(' ');
    label.push_str(path);
    label
}

/// How a transport failure of a request that is safe to repeat counts for retrying.
pub fn transport_class(kind: TransportErrorKind, answer_timeout: Duration) -> FailureClass {
    match kind {
        TransportErrorKind::Certificate
        | TransportErrorKind::Tls
        | TransportErrorKind::TooLarge
        | TransportErrorKind::NotRecorded
        | TransportErrorKind::Other => FailureClass::Permanent,
        TransportErrorKind::NameNotFound
        | TransportErrorKind::NameNoAnswer
        | TransportErrorKind::Refused => FailureClass::Unreachable,
        TransportErrorKind::Silent => FailureClass::Silent {
            attempt: answer_timeout,
        },
        TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Reset => {
            FailureClass::Transient
        }
    }
}

impl<P: VendorPolicy> HttpCore<P> {
    pub fn new(
        transport: Arc<dyn Transport>,
        clock: Arc<dyn Clock>,
        auth: Arc<dyn AuthProvider<P::Error>>,
        settings: HttpSettings,
        policy: P,
    ) -> Self {
        HttpCore {
            transport,
            clock,
            pacer: Pacer::new(),
            pacer_file: None,
            auth,
            settings,
            policy,
        }
    }

    /// Starts the pacer from the view other processes left in `file`, and leaves this
    /// client's view there whenever a window runs low.
    pub fn with_pacer_file(mut self, file: PacerFile) -> Self {
        file.load_into(&self.pacer, self.clock.now(), pacer_file::system_now());
        self.pacer_file = Some(file);
        self
    }

    pub fn clock(&self) -> &dyn Clock {
        &*self.clock
    }

    pub fn auth(&self) -> &dyn AuthProvider<P::Error> {
        &*self.auth
    }

    pub fn policy(&self) -> &P {
        &self.policy
    }

    pub fn settings(&self) -> &HttpSettings {
        &self.settings
    }

    /// The deadline of a call made without one: now + `command_deadline`.
    pub fn fresh_deadline(&self) -> Deadline {
        Deadline::after(self.clock.now(), self.settings.command_deadline)
    }

    /// Sends `call` through pacing, the credentials, the transport and the retry decision
    /// until it succeeds, fails for good, or `deadline` runs out.
    pub async fn send(&self, call: &Call, deadline: Deadline) -> Result<HttpResponse, P::Error> {
        let policy = &self.policy;
        let settings = &self.settings;
        let clock = &*self.clock;
        let request = label(call.method, &call.url);
        url_limit::check(&call.url, &request)?;
        let repeat = policy.repeat(call.method, &call.url);
        let retry_policy = RetryPolicy {
            max_retries: settings.max_retries,
            backoff_base: settings.backoff_base,
            backoff_cap: settings.backoff_cap,
        };
        let ran_out = |request: String, attempts: u32, last: Option<P::Error>| {
            policy.deadline_exceeded(DeadlineRanOut {
                request,
                limit: deadline.limit,
                attempts,
                last,
            })
        };
        let mut retries: u32 = 0;
        let mut retry_for: Option<String> = None;
        // Repeats asked for by the auth seam (a DPoP nonce, a renewed token).
        let mut auth_retries: u32 = 0;
        loop {
            let now = clock.now();
            let (pace, taken) = match &self.pacer_file {
                Some(file) => {
                    let clocks = || (clock.now(), pacer_file::system_now());
                    let slot = file.reserve(&self.pacer, &call.bucket, clocks);
                    (slot.wait, slot.taken)
                }
                None => (self.pacer.reserve(&call.bucket, now), None),
            };
            if !pace.is_zero() {
                if now + pace > deadline.ends {
                    return Err(policy.rate_limited(RateLimited {
                        request,
                        retry_after: Some(pace),
                        attempts: retries,
                        stop: RateLimitStop::PastDeadline,
                        answer: None,
                    }));
                }
                tracing::debug!(bucket = %call.bucket, wait_ms = u64::try_from(pace.as_millis()).unwrap_or(u64::MAX), "pacing: rate limit nearly spent");
                clock.sleep(pace).await;
            }

            // May ask for a token first, so before the request's own time budget is set.
            let auth_headers = self
                .auth
                .authorize(call.method, &call.url, deadline.ends)
                .await?;
            let left = deadline.left(clock.now());
            if left.is_zero() {
                return Err(ran_out(request, retries, None));
            }
            let timeout = left.min(settings.request_timeout);
            let attempt = Attempt {
                retries,
                retry_for: retry_for.as_deref(),
            };
            let mut headers = auth_headers.clone();
            headers.extend(policy.headers(call.method, call.body.is_some(), attempt));
            headers.extend(call.headers.iter().cloned());
            let http_request = HttpRequest {
                method: call.method,
                url: call.url.clone(),
                headers,
                body: call.body.clone(),
            };
            let attempts = retries + 1;
            tracing::trace!(request = %request, url = %call.url, attempt = attempts, "{} request", policy.log_name());
            let sent = clock.now();
            let outcome = self.transport.send_within(http_request, timeout).await;

            let failure = match outcome {
                None => {
                    let error = TransportError::new(
                        TransportErrorKind::Timeout,
                        format!("no complete answer in {}", seconds(timeout)),
                    );
                    if timeout < settings.request_timeout {
                        let last = policy.transport_error(request.clone(), error);
                        return Err(ran_out(request, attempts, Some(last)));
                    }
                    Failure::Transport(error)
                }
                Some(Err(error)) => Failure::Transport(error),
                Some(Ok(response)) => {
                    let budget = policy.budget(&response);
                    let request_id = policy.request_id(&response);
                    tracing::debug!(
                        request = %request,
                        status = response.status,
                        request_id = request_id.as_deref().unwrap_or(""),
                        attempt = attempts,
                        limit = ?budget.map(|b| b.limit),
                        remaining = ?budget.map(|b| b.remaining),
                        "{} response", policy.log_name()
                    );
                    let received = clock.now();
                    let news = self.pacer.observe(&call.bucket, budget, sent, received);
                    if let (Some(file), Some(budget)) = (&self.pacer_file, budget) {
                        let system_now = pacer_file::system_now();
                        let (key, times) = (&call.bucket, (sent, received));
                        file.answered(&self.pacer, key, budget, news, taken, times, system_now);
                    }
                    if response.is_success() {
                        return Ok(response);
                    }
                    match self
                        .auth
                        .on_rejection(&response, &auth_headers, auth_retries)
                    {
                        Verdict::Retry => {
                            auth_retries += 1;
                            continue;
                        }
                        Verdict::Fail(error) => return Err(error),
                        Verdict::Ordinary => {}
                    }
                    let error =
                        policy.answer_error(&without_echoed_credentials(&response, &auth_headers));
                    retry_for = request_id;
                    if response.status == 429 {
                        Failure::RateLimited(response, error)
                    } else if matches!(response.status, 500 | 502 | 503 | 504)
                        && repeat == Repeat::Safe
                    {
                        Failure::Unavailable(error, policy.unavailable_wait(&response))
                    } else {
                        return Err(error);
                    }
                }
            };

            // Whether and how long to wait before the next attempt (retry.rs).
            let retry = retries + 1;
            let (class, error, reason) = match failure {
                Failure::Transport(source) => {
                    let class = match repeat {
                        Repeat::Safe => transport_class(source.kind, settings.answer_timeout),
                        Repeat::RateLimitOnly => FailureClass::Permanent,
                    };
                    let source = TransportError::new(source.kind, policy.redact(&source.message));
                    retry_for = None;
                    let reason = source.to_string();
                    (
                        class,
                        policy.transport_error(request.clone(), source),
                        reason,
                    )
                }
                Failure::Unavailable(error, asked) => {
                    let reason = first_line(&error);
                    let class = match asked {
                        Some(wait) => FailureClass::RetryAfter { wait },
                        None => FailureClass::Transient,
                    };
                    (class, error, reason)
                }
                Failure::RateLimited(response, error) => {
                    let mut reset = policy.rate_limit_reset(&response);
                    // A 429 whose headers the pacer read waits for the window's end as the
                    // pacer places it (the measured clock offset, not a fixed margin).
                    if reset.wait.is_some() && policy.budget(&response).is_some() {
                        if let Some(refill) = self.pacer.until_refill(&call.bucket, clock.now()) {
                            reset.wait = Some(refill + backoff::jitter(REFILL_JITTER));
                        }
                    }
                    let class = FailureClass::RateLimited {
                        reset_wait: reset.wait,
                    };
                    let stop =
                        match decide(class, retries, clock.now(), deadline.ends, &retry_policy) {
                            Decision::Retry { wait, jitter } => {
                                let why = "rate limited (429)";
                                let retrying = Retrying {
                                    request: &request,
                                    why,
                                    retry,
                                };
                                retrying.pause(clock, settings, wait, jitter).await;
                                retries = retry;
                                continue;
                            }
                            Decision::Stop(Stop::PastDeadline) => RateLimitStop::PastDeadline,
                            Decision::Stop(_) => RateLimitStop::RetriesSpent,
                        };
                    tracing::warn!(request = %request, attempts, ?stop, "rate limited: giving up");
                    let backoff_wait = backoff(settings.backoff_base, settings.backoff_cap, retry);
                    return Err(policy.rate_limited(RateLimited {
                        request,
                        retry_after: reset.until_reset.or(reset.wait).or(Some(backoff_wait)),
                        attempts,
                        stop,
                        answer: Some((&response, error)),
                    }));
                }
            };
            match decide(class, retries, clock.now(), deadline.ends, &retry_policy) {
                Decision::Retry { wait, jitter } => {
                    let why = &format!("failed ({reason})");
                    let retrying = Retrying {
                        request: &request,
                        why,
                        retry,
                    };
                    retrying.pause(clock, settings, wait, jitter).await;
                    retries = retry;
                }
                Decision::Stop(Stop::PastDeadline) => {
                    return Err(ran_out(request, attempts, Some(error)))
                }
                Decision::Stop(Stop::CannotHelp | Stop::RetriesSpent) => return Err(error),
            }
        }
    }
}

/// A retry about to happen: what is retried, why, and its number.
struct Retrying<'a> {
    request: &'a str,
    why: &'a str,
    retry: u32,
}

impl Retrying<'_> {
    /// Says what is retried and why (an info line), then waits `wait` plus up to `jitter`.
    async fn pause(
        self,
        clock: &dyn Clock,
        settings: &HttpSettings,
        wait: Duration,
        jitter: Duration,
    ) {
        let wait = wait + backoff::jitter(jitter);
        tracing::info!(
            "{} {}; retry {} of {} in {:.1} s",
            self.request,
            self.why,
            self.retry,
            settings.max_retries,
            wait.as_secs_f64()
        );
        clock.sleep(wait).await;
    }
}

/// Why a call is retried, in one line: the first line of its error's text.
fn first_line(error: &impl std::fmt::Display) -> String {
    error
        .to_string()
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    use super::*;
    use crate::http::auth::HeaderAuth;
    use crate::http::clock::VirtualClock;
    use crate::http::pacer::Budget;
    use crate::http::policy::RateLimitReset;
    use crate::http::transport::BoxFuture;
    use crate::http::InvalidRequest;
    use crate::secret::Secret;

    /// Answers from a script, in order; records what was sent.
    struct Scripted {
        answers: Mutex<VecDeque<HttpResponse>>,
        sent: Mutex<Vec<HttpRequest>>,
    }

    impl Scripted {
        fn new(statuses: &[u16]) -> Arc<Self> {
            let answers = statuses
                .iter()
                .map(|&status| HttpResponse {
                    status,
                    headers: vec![("x-request-id".to_owned(), format!("id-{status}"))],
                    body: format!("answer {status}").into_bytes(),
                })
                .collect();
            Arc::new(Scripted {
                answers: Mutex::new(answers),
                sent: Mutex::new(Vec::new()),
            })
        }

        fn sent(&self) -> Vec<HttpRequest> {
            self.sent.lock().unwrap().clone()
        }
    }

    impl Transport for Scripted {
        fn send(
            &self,
            request: HttpRequest,
        ) -> BoxFuture<'_, Result<HttpResponse, TransportError>> {
            self.sent.lock().unwrap().push(request);
            let answer = self.answers.lock().unwrap().pop_front();
            Box::pin(async move {
                answer.ok_or_else(|| TransportError::new(TransportErrorKind::Other, "script ended"))
            })
        }
    }

    #[derive(Debug, PartialEq)]
    struct TestError(String);

    impl std::fmt::Display for TestError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl From<InvalidRequest> for TestError {
        fn from(error: InvalidRequest) -> Self {
            TestError(error.0)
        }
    }

    /// A SCIM-like vendor: POSTs are creates, `Retry-After`-less, no rate-limit headers.
    struct TestPolicy;

    impl VendorPolicy for TestPolicy {
        type Error = TestError;

        fn log_name(&self) -> &'static str {
            "test"
        }

        fn repeat(&self, method: Method, _url: &Url) -> Repeat {
            match method {
                Method::Post => Repeat::RateLimitOnly,
                _ => Repeat::Safe,
            }
        }

        fn headers(&self, _: Method, _: bool, attempt: Attempt<'_>) -> Vec<(String, String)> {
            vec![("x-attempt".to_owned(), (attempt.retries + 1).to_string())]
        }

        fn request_id(&self, response: &HttpResponse) -> Option<String> {
            response.header("x-request-id").map(str::to_owned)
        }

        fn budget(&self, _: &HttpResponse) -> Option<Budget> {
            None
        }

        fn rate_limit_reset(&self, _: &HttpResponse) -> RateLimitReset {
            RateLimitReset::default()
        }

        fn unavailable_wait(&self, response: &HttpResponse) -> Option<Duration> {
            crate::http::policy::retry_after(response, 0)
        }

        fn redact(&self, text: &str) -> String {
            text.replace("s3cret-token", "***")
        }

        fn answer_error(&self, response: &HttpResponse) -> TestError {
            TestError(format!(
                "[{}] {}",
                response.status,
                String::from_utf8_lossy(&response.body)
            ))
        }

        fn transport_error(&self, request: String, source: TransportError) -> TestError {
            TestError(format!("{request}: {source}"))
        }

        fn rate_limited(&self, stop: RateLimited<'_, TestError>) -> TestError {
            TestError(format!("rate limited after {} attempts", stop.attempts))
        }

        fn deadline_exceeded(&self, ran_out: DeadlineRanOut<TestError>) -> TestError {
            TestError(format!(
                "{} ran out of {} s after {} attempts; last: {}",
                ran_out.request,
                ran_out.limit.as_secs(),
                ran_out.attempts,
                ran_out.last.map(|e| e.0).unwrap_or_default()
            ))
        }
    }

    fn core(transport: Arc<Scripted>, clock: Arc<VirtualClock>) -> HttpCore<TestPolicy> {
        let auth = Arc::new(HeaderAuth::bearer(&Secret::new("s3cret-token")));
        HttpCore::new(transport, clock, auth, HttpSettings::default(), TestPolicy)
    }

    fn call(method: Method) -> Call {
        Call {
            method,
            url: "https://scim.example.com/v2/Users".parse().unwrap(),
            body: (method == Method::Post).then(|| b"{}".to_vec()),
            bucket: format!("{method} /v2/Users"),
            headers: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_get_answered_503_is_retried_after_a_backoff() {
        let transport = Scripted::new(&[503, 200]);
        let clock = Arc::new(VirtualClock::new());
        let core = core(transport.clone(), clock.clone());
        let answer = core
            .send(&call(Method::Get), core.fresh_deadline())
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
        let sent = transport.sent();
        assert_eq!(sent.len(), 2);
        // Each attempt carries the credentials and the vendor's headers for that attempt.
        assert_eq!(sent[1].header("authorization"), Some("Bearer s3cret-token"));
        assert_eq!(sent[0].header("x-attempt"), Some("1"));
        assert_eq!(sent[1].header("x-attempt"), Some("2"));
        // First backoff step: 1 s plus up to 25 % jitter.
        let sleeps = clock.sleeps();
        assert_eq!(sleeps.len(), 1);
        assert!(sleeps[0] >= Duration::from_secs(1) && sleeps[0] < Duration::from_millis(1250));
    }

    #[tokio::test]
    async fn a_post_answered_503_is_sent_once() {
        let transport = Scripted::new(&[503, 201]);
        let clock = Arc::new(VirtualClock::new());
        let core = core(transport.clone(), clock.clone());
        let error = core
            .send(&call(Method::Post), core.fresh_deadline())
            .await
            .unwrap_err();
        assert_eq!(error, TestError("[503] answer 503".to_owned()));
        assert_eq!(transport.sent().len(), 1);
        assert!(clock.sleeps().is_empty());
    }

    #[tokio::test]
    async fn a_deadline_that_runs_out_stops_the_retries_with_the_last_failure() {
        // Backoff 1, 2, 4 s: after the third 503 (3 s spent) a 4 s wait would pass a 5 s
        // deadline, so it is not started.
        let transport = Scripted::new(&[503, 503, 503, 200]);
        let clock = Arc::new(VirtualClock::new());
        let core = core(transport.clone(), clock.clone());
        let deadline = Deadline::after(clock.now(), Duration::from_secs(5));
        let error = core.send(&call(Method::Get), deadline).await.unwrap_err();
        assert_eq!(
            error.0,
            "GET /v2/Users ran out of 5 s after 3 attempts; last: [503] answer 503"
        );
        assert_eq!(transport.sent().len(), 3);
        assert_eq!(clock.sleeps().len(), 2);
        assert!(clock.slept() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn a_deadline_already_past_sends_nothing() {
        let transport = Scripted::new(&[200]);
        let clock = Arc::new(VirtualClock::new());
        let core = core(transport.clone(), clock.clone());
        let deadline = Deadline::after(clock.now(), Duration::from_secs(1));
        clock.advance(Duration::from_secs(2));
        let error = core.send(&call(Method::Get), deadline).await.unwrap_err();
        assert_eq!(
            error.0,
            "GET /v2/Users ran out of 1 s after 0 attempts; last: "
        );
        assert!(transport.sent().is_empty());
    }

    #[tokio::test]
    async fn transport_failures_are_redacted_and_a_post_is_not_repeated() {
        let transport = Scripted::new(&[]);
        let clock = Arc::new(VirtualClock::new());
        let core = core(transport.clone(), clock.clone());
        // The script is empty: the transport fails with "script ended" (Other: permanent).
        let error = core
            .send(&call(Method::Post), core.fresh_deadline())
            .await
            .unwrap_err();
        assert!(error.0.starts_with("POST /v2/Users: "), "{error}");
        assert_eq!(transport.sent().len(), 1);
        assert_eq!(core.policy().redact("Bearer s3cret-token"), "Bearer ***");
    }

    #[tokio::test]
    async fn a_503_that_says_retry_after_is_retried_after_exactly_that() {
        let transport = Scripted::new(&[503, 200]);
        transport.answers.lock().unwrap()[0]
            .headers
            .push(("retry-after".to_owned(), "7".to_owned()));
        let clock = Arc::new(VirtualClock::new());
        let core = core(transport.clone(), clock.clone());
        let answer = core
            .send(&call(Method::Get), core.fresh_deadline())
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(clock.sleeps(), [Duration::from_secs(7)]);
    }

    #[test]
    fn transport_failures_are_classed_for_the_decision() {
        let answer = Duration::from_secs(10);
        assert_eq!(
            transport_class(TransportErrorKind::Certificate, answer),
            FailureClass::Permanent
        );
        assert_eq!(
            transport_class(TransportErrorKind::Refused, answer),
            FailureClass::Unreachable
        );
        assert_eq!(
            transport_class(TransportErrorKind::Silent, answer),
            FailureClass::Silent { attempt: answer }
        );
        assert_eq!(
            transport_class(TransportErrorKind::Reset, answer),
            FailureClass::Transient
        );
    }
}
