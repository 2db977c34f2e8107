//! The async Okta Management API v1 client.
//!
//! ```no_run
//! # async fn demo() -> Result<(), okta_iam::okta::OktaError> {
//! use okta_iam::okta::{filter::Filter, Client, ClientConfig};
//! use okta_iam::secret::Secret;
//!
//! let config = ClientConfig::new(
//!     "https://acme.okta.com/api/v1/".parse().unwrap(),
//!     Secret::new("00token"),
//! );
//! let client = Client::new(config)?;          // once per instance; keeps its connection pool
//! let command = client.for_command();         // one deadline for everything below
//! let users = command.users().list_by_filter(&Filter::eq("profile.login", "dana@example.com")).await?;
//! let mut pager = command.groups().members(&"00g2mz8k1sTQ4Ywp30h7".into());
//! while let Some(page) = pager.next_page().await {
//!     let page = page?;
//!     // page.items: Vec<serde_json::Value>; page.next: where to resume
//! }
//! # Ok(()) }
//! ```
//!
//! # What lives where
//!
//! | file | what |
//! |---|---|
//! | `client.rs` | [`ClientConfig`] (URL, credentials, TLS, proxy, OAuth, and the shared [`crate::http::HttpSettings`]), [`Client`] and request building; every call goes through the HTTP core's loop ([`crate::http::call::HttpCore`]: pacing, sending, retries, deadline) |
//! | `policy.rs` | [`policy::OktaPolicy`]: Okta's rules for that loop (which requests are safe to repeat, the headers, `X-Rate-Limit-*` read into a budget, [`OktaError`] built from an answer, the token redacted) |
//! | `users.rs`, `apps.rs`, `groups.rs`, `logs.rs`, `schemas.rs` | one handler per API area ([`Users`], [`Apps`], [`Groups`], [`Logs`], [`Schemas`]); they name paths, queries and bodies only. [`UserView`] reads id / status / `profile.login` / `profile.email` off a raw user |
//! | `error.rs` | [`OktaError`], the one error type; [`ErrorCode`] for the IAM `errorCode` output |
//! | `pagination.rs` | `Link` header parsing, [`Page`], [`RawPage`] (items kept as Okta's bytes) and [`Pager`] |
//! | `log_event.rs` | [`LogEvent`]: a System Log event as Okta's text, with the few fields the commands read |
//! | `filter.rs` | [`filter::Filter`] and [`filter::quote`]: the only way values enter filter expressions |
//! | `path.rs` | typed ids ([`UserId`], [`AppId`], [`GroupId`]) and [`path::segment`]: the only way values enter paths |
//! | `rate_limit.rs` | Okta's `X-Rate-Limit-*` headers, the reset wait measured against `Date`, and the [`crate::http::pacer::Budget`] each answer gives the pacer |
//! | `buckets.rs` | Okta's rate-limit buckets (endpoint families): the pacing key of each request |
//! | `auth/` | Okta's credentials behind the HTTP core's [`auth::AuthProvider`] seam: the API token (`SSWS`), or OAuth 2.0 with DPoP, and what a refusal means; see its module docs and `docs/oauth.md` |
//! | `connector.rs` | [`connector::OktaConnector`]: Okta behind the IAM layer's `Connector` trait |
//! | `params.rs` | [`params::PARAMS`], Okta's instance params (the manifest's configuration), and [`params::OktaParams`]: the url as `<url>/api/v1/`, the API token (`OKTA_API_TOKEN`), the OAuth settings |
//! | `vendor.rs` | [`vendor::Okta`]: Okta as a vendor of the daemon (package, client cache, connector, test-module check) |
//! | `test_module.rs` | Okta's `test-module` check |
//! | `token_cache.rs` | the OAuth access token kept in the integration context between executions |
//!
//! Built on the vendor-neutral HTTP core ([`crate::http`]): the [`Transport`] seam, the
//! [`Clock`], [`crate::http::HttpSettings`] and their defaults, pacing, the retry decision
//! ([`crate::http::retry::decide`]), backoff and jitter, failure words, the resolver, the URL
//! limit, cassettes, the client cache and the request loop itself ([`crate::http::call`]).
//! The seams' types are re-exported here ([`Clock`], [`Transport`], [`HttpRequest`], ...) so
//! callers that name them under `okta` keep working. What stays here is Okta's, told to the
//! loop by [`policy::OktaPolicy`]: which requests are safe to repeat, what a 429 means
//! (ordinary or concurrency), the error type and its `errorCode`; and paging by `Link`.
//!
//! Raw Okta objects are returned as `serde_json::Value` with Okta's key order kept
//! (`preserve_order`); unknown fields stay, missing ones read as absent.
//!
//! # Requests
//!
//! Every request carries the headers of the [`auth::AuthProvider`] (`Authorization: SSWS
//! <token>`; with OAuth `Authorization: DPoP <token>` and a `DPoP` proof, or `Bearer`),
//! `Accept: application/json`,
//! `Content-Type: application/json` and `User-Agent: okta-iam/<version>`; a POST or PUT
//! without a body carries `Content-Length: 0` (Okta answers 411 otherwise). Query strings
//! are `application/x-www-form-urlencoded` (spaces as `+`, `"` as `%22`, `@` as `%40`), as
//! the reference integration sent them. Redirects are not followed. Environment proxies are
//! used only when `proxy` is true; certificates are checked unless `insecure` is true. The
//! token is only ever put in the `Authorization` header: it is in no URL, error or log line
//! (request `Debug` output shows it as `***`, and error bodies are scrubbed of it).
//!
//! # Deadlines (defaults)
//!
//! The fields of [`ClientConfig::settings`], a [`crate::http::HttpSettings`] as every
//! vendor's client has (the daemon's come from `--connect-timeout` and the like):
//!
//! | setting | default | meaning |
//! |---|---|---|
//! | `connect_timeout` | 10 s | establishing a connection (a name lookup: half of it) |
//! | `answer_timeout` | 10 s | the first byte of an answer, connecting included |
//! | `max_response_bytes` | 64 MiB | the largest answer body read |
//! | `request_timeout` | 30 s | one request, send to last byte |
//! | `command_deadline` | 120 s | everything one command does: requests, retries, waits |
//! | `max_retries` | 5 | retries of one call (at most 6 requests) |
//! | `backoff_base` / `backoff_cap` | 1 s / 16 s | exponential backoff steps |
//!
//! [`Client::for_command`] fixes the deadline at now + `command_deadline` for every call and
//! pager made through that clone; a client not made by `for_command` gives each call its own
//! `command_deadline`. A request never runs past the deadline (its timeout is the smaller of
//! `request_timeout` and the time left), and a wait that would end after the deadline is not
//! started: the call fails at once.
//!
//! # Retries
//!
//! - **429, ordinary**: wait until `X-Rate-Limit-Reset`, measured against the response's
//!   `Date` (not the local clock), plus 1 s, plus up to 0.5 s of jitter, then retry. With
//!   `Date` or `Reset` missing: the exponential backoff instead. When the retry budget is
//!   spent, or the wait would pass the deadline, the call fails with
//!   [`OktaError::RateLimited`], whose [`OktaError::error_code`] is `E0000047`.
//! - **429, concurrency** (`X-Rate-Limit-Limit: 0` and `Remaining: 0`, where the reset is
//!   only an estimate): exponential backoff.
//! - **500, 502, 503, 504, and broken connections** (reset, timeout mid-answer): exponential
//!   backoff (`backoff_base · 2^(n-1)`, at most `backoff_cap`, plus up to 25 % jitter), only
//!   for requests that are safe to repeat: GETs, the lifecycle POSTs (activate, deactivate,
//!   unsuspend) and the partial profile update `POST users/{id}`.
//! - **Failures a retry cannot fix** are not retried: an untrusted certificate, a failed TLS
//!   handshake, an answer over `max_response_bytes`, a URL over 65,534 bytes.
//! - **Nothing reachable** (a name that does not resolve, a DNS server that does not answer,
//!   a refused connection): one quick retry after 0.5 s.
//! - **A server that stays silent** for `answer_timeout` (10 s): one retry, only when a whole
//!   second attempt fits before the deadline. The decision is [`crate::http::retry::decide`];
//!   the words of each failure are in [`crate::http::failure`].
//!
//! # Bounds
//!
//! Every wait and size that the network controls is bounded: a name lookup (half of
//! `connect_timeout`), the first byte of an answer (`answer_timeout`), an answer
//! (`request_timeout`, and `max_response_bytes`: 64 MiB by default), a rate-limit reset (not
//! believed beyond 5 minutes; a `Date` outside 2000–2100 is replaced by the local clock),
//! and the whole command (`command_deadline`).
//! - **A create** (`POST users`) is retried after a 429 (Okta did not process it) and never
//!   after a 5xx or a timeout: that error is returned, since the user may exist now.
//! - Any other answer (4xx other than 429, other 5xx) is returned at once as [`OktaError::Api`] (Okta error
//!   body) or [`OktaError::Http`] (any other body).
//! - **Authentication** (OAuth only): a 401 renews the access token, and a `use_dpop_nonce`
//!   challenge is answered with the nonce; at most two such repeats per call, not counted as
//!   retries (no retry headers). A 403 for a missing scope fails at once, naming the scope.
//! - Retries send `X-Okta-Retry-For: <X-Okta-Request-Id of the failed answer>` and
//!   `X-Okta-Retry-Count: <n>`.
//!
//! # Pacing
//!
//! `X-Rate-Limit-Limit/Remaining/Reset` are read on every answer (the smallest value when a
//! header is repeated, as lines or comma-joined). The client keeps one window per Okta bucket
//! ([`buckets`]: `/api/v1/users` for list and create, `GET /api/v1/users/{idOrLogin}`,
//! `/api/v1/users/{id}` for writes and lifecycle, `/api/v1/apps*`, `/api/v1/logs`, ...),
//! shared by all its clones (so by every command of a `serve` process); buckets whose
//! answers report the same window share one. When `Remaining` is at or below 10 % of
//! `Limit` (at least 2), the requests left are spread evenly over what remains of the
//! window; at 0 they wait for the window to end, placed on the local clock with the measured
//! offset of Okta's clock (`Date`), not a fixed margin ([`crate::http::pacer`]). A pacing
//! wait past the deadline fails the call
//! at once with [`OktaError::RateLimited`].
//!
//! # Testing
//!
//! Waits and the deadline read the [`Clock`]. With real sockets (wiremock) tests use
//! [`VirtualClock`], whose sleeps return at once and are recorded, because paused tokio time
//! auto-advances while the runtime waits on real I/O and would fire request timeouts early.
//! Tests without real I/O can use the default [`TokioClock`] with
//! `#[tokio::test(start_paused = true)]`.

mod apps;
pub mod auth;
pub mod buckets;
mod client;
pub mod commands;
pub mod connector;
mod error;
pub mod filter;
mod groups;
pub mod log_event;
mod logs;
mod pagination;
pub mod params;
pub mod path;
pub mod policy;
pub mod rate_limit;
mod schemas;
pub mod test_module;
mod token_cache;
mod users;
pub mod vendor;

pub use apps::Apps;
pub use client::{
    Client, ClientConfig, DEFAULT_ANSWER_TIMEOUT, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP,
    DEFAULT_COMMAND_DEADLINE, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT, USER_AGENT,
};
// The HTTP core's seams, still reachable at their old paths (tests, benches, examples and
// the fuzz crate name them here).
pub use crate::http::clock::{Clock, TokioClock, VirtualClock};
pub use crate::http::transport::{
    BoxFuture, HttpRequest, HttpResponse, Method, ReqwestTransport, Transport, TransportError,
    TransportErrorKind,
};
pub use error::{ApiError, ErrorCode, OktaError, RateLimitStop, RATE_LIMIT_ERROR_CODE};
pub use filter::Filter;
pub use groups::Groups;
pub use log_event::LogEvent;
pub use logs::{LogQuery, Logs, SortOrder};
pub use pagination::{next_link, parse_link_header, Link, Page, Pager, RawPage};
pub use path::{AppId, GroupId, UserId};
pub use schemas::Schemas;
pub use users::{UserStatus, UserView, Users};
