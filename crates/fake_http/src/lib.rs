//! The vendor-neutral core of the local fake API servers the tests, benchmarks and examples
//! run against (never a real vendor). A vendor's fake (`fake_okta`) supplies its routes, auth
//! and error bodies as a [`Routes`]; this crate supplies the rest:
//!
//! - [`server`]: [`Server`] binds 127.0.0.1:0 and serves plain HTTP/1.1 from its own thread
//!   and tokio runtime (so sync tests that spawn a binary and async tests can both use it),
//!   applying queued faults around the vendor's answers.
//! - [`http`]: request parsing and response encoding (keep-alive, chunked bodies,
//!   `Expect: 100-continue`, `Connection: close`).
//! - [`faults`]: [`Fault`] and the queue of faults for upcoming requests (statuses, rate
//!   limits, HTML pages, truncated bodies, dropped connections, delays).
//! - [`rate_limit`]: one fixed-window [`Bucket`] with the numbers a vendor puts in its
//!   rate-limit headers.
//! - [`recorder`]: the log of requests as received ([`RecordedRequest`]).

pub mod faults;
pub mod http;
pub mod rate_limit;
pub mod recorder;
pub mod server;

pub use faults::{Fault, FaultQueue};
pub use rate_limit::Bucket;
pub use recorder::{RecordedRequest, Recorder};
pub use server::{Routes, Server};
