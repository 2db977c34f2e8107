//! The integration tests: one crate (one link step for the whole suite), with modules by the
//! level they drive.
//!
//! - [`protocol`]: the loop protocol and the state it keeps, through the real binary's pipes.
//! - [`dispatcher`]: commands through `okta_iam::commands::execute` (in process) or one
//!   `serve` process per test, against wiremock or the fake Okta.
//! - [`client`]: the Okta client, its pagination, retries, OAuth and cassettes.
//! - [`binary`]: the command line people and the XSOAR host meet: demo, call, faults,
//!   secrets, docs, the soak (`#[ignore]`).
//! - [`support`]: what the tests share (running the binary, the in-process harness, an
//!   in-memory protocol connection, wiremock helpers, test keys).
//!
//! Run one level or one file with a filter: `cargo test --test it client::retries`.

mod binary;
mod client;
mod dispatcher;
mod protocol;
mod support;
