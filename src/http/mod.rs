//! The vendor-neutral HTTP core: everything a vendor's API client shares, whatever the API.
//!
//! A vendor module (today [`crate::okta`]) builds its client on these pieces and keeps only
//! what is its own: routes, paging links, its error type, its rate-limit headers and its
//! credentials. Nothing here names a vendor.
//!
//! # What lives where
//!
//! | file | what |
//! |---|---|
//! | `env.rs` | [`HttpEnv`]: a daemon's start-up HTTP options (settings, transport override, cassette to record to, offline) |
//! | `settings.rs` | [`HttpSettings`]: timeouts, size cap, command deadline, retry budget, and their defaults |
//! | `transport.rs` | the [`Transport`] seam ([`HttpRequest`] in, [`HttpResponse`] out) and [`ReqwestTransport`] |
//! | `clock.rs` | the [`Clock`] seam for deadlines and waits; [`VirtualClock`] for tests |
//! | `call.rs` | [`call::HttpCore`]: the one request loop (pace, authorise, send, classify, decide, back off) every vendor's client sends through |
//! | `policy.rs` | [`policy::VendorPolicy`]: what a vendor tells the loop (requests safe to repeat, headers, rate-limit reading, its errors, redactions) |
//! | `deadline.rs` | [`deadline::Deadline`]: the end of a command's time budget |
//! | `retry.rs` | [`retry::decide`]: whether and when to retry a failure, a pure function of (failure, attempt, now, deadline) |
//! | `backoff.rs` | exponential backoff steps and jitter |
//! | `pacer.rs` | [`pacer::Pacer`]: one pacing window per server bucket, from a [`pacer::Budget`] the vendor reads off its rate-limit headers |
//! | `pacer_file.rs` | [`pacer_file::PacerFile`]: the pacer's view carried between processes, a small file per org URL in the temp directory |
//! | `shared_count.rs` | [`shared_count::SharedCount`]: the count of a window's last requests that the processes of an org take from, kept in the pacing file |
//! | `server_clock.rs` | [`server_clock::ServerClock`]: the server's `Date` against the local clock, measured from the answers, to place resets |
//! | `failure.rs` | network failures named in words (certificate, DNS, refused, silence, size) |
//! | `resolve.rs` | name lookups with a time limit ([`resolve::TimedResolver`]) |
//! | `encode.rs` | a value as one path segment or one filter literal |
//! | `url_limit.rs` | the longest URL sent, and the message when one is longer |
//! | `auth.rs` | the [`auth::AuthProvider`] seam: the headers that authorise each attempt, and what a refusal means; [`auth::HeaderAuth`], one fixed `Authorization` header (bearer, basic, or a vendor's scheme) |
//! | `paging.rs` | [`paging::page_fetched`]: how paging reports progress, to an observer set by the front end |
//! | `cassette.rs` | recorded traffic: [`cassette::RecordingTransport`] and [`cassette::ReplayTransport`] behind the transport seam |
//! | `client_cache.rs` | [`client_cache::ClientCache`]: the clients a `serve` process keeps, least recently used dropped |
//!
//! Errors: the pieces that can refuse a request before it is sent (a transport that cannot
//! be set up, a URL over the limit, a cassette that cannot be recorded to) return
//! [`InvalidRequest`], which each vendor turns into its own error type.

pub mod auth;
pub mod backoff;
pub mod call;
pub mod cassette;
pub mod client_cache;
pub mod clock;
pub mod deadline;
pub mod encode;
pub mod env;
pub mod failure;
pub mod pacer;
pub mod pacer_file;
pub mod paging;
pub mod policy;
pub mod resolve;
pub mod retry;
pub mod server_clock;
pub mod settings;
pub mod shared_count;
pub mod transport;
pub mod url_limit;

pub use clock::{Clock, TokioClock, VirtualClock};
pub use env::HttpEnv;
pub use settings::HttpSettings;
pub use transport::{
    BoxFuture, HttpRequest, HttpResponse, Method, ReqwestTransport, Transport, TransportError,
    TransportErrorKind, TransportOptions,
};

/// A request that cannot be sent as asked, in words for people (the message is shown as is).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidRequest(pub String);
