//! okta-iam: an Okta IAM integration for Cortex XSOAR, as one Rust daemon.
//!
//! Layout:
//! - [`protocol`]: NDJSON framing on stdin/stdout and the serve loop (generic over its reader
//!   and writer, so tests drive it with in-memory buffers).
//! - [`state`]: integration context and last run, asked of the host (engine mode) or kept in a
//!   local file (local mode), behind one trait.
//! - [`catalogue`]: one definition per command; drives dispatch, argument checking and the
//!   manifest.
//! - [`vendor`]: what makes a vendor (the composition root of one integration: package,
//!   client service, connector, test-module check); [`vendors`]: the registration line of
//!   each vendor this binary serves (`--vendor`).
//! - [`commands`]: the dispatcher (its [`commands::Daemon`] holds the vendor) and one file
//!   per command family; handlers only.
//! - [`params`]: instance params of any vendor: merging, booleans, the base-url rule,
//!   redaction (each vendor reads its own: [`okta::params`]).
//! - [`iam`]: the vendor-neutral IAM user lifecycle behind the `Connector` trait.
//! - [`host`]: what only the XSOAR server has (mapObject, searchIndicators), in engine mode.
//! - [`http`]: the vendor-neutral HTTP core: transport seam, clock, settings, retry decision,
//!   backoff, failure words, resolver, URL limit, auth seam, cassettes, client cache.
//! - [`okta`]: the Okta vendor: its definition, its v1 client organised by resource, auth,
//!   errors, rate-limit headers and pager, built on [`http`]; its connector and test-module
//!   check.
//! - [`mapper`]: the XSOAR mapper engine and the built-in mappers.
//! - [`output`]: entries and `tableToMarkdown`.
//! - [`cli`]: the command line: subcommands and options, help, exit codes, start-up checks,
//!   the demo walkthrough, the progress line of `okta-iam call`.
//! - [`secret`]: the redacted token type.
//! - [`time`]: the one place that reads times from text (ISO-8601, relative, HTTP dates) and
//!   writes them (`2017-05-03T16:22:18.000Z`).
//! - [`xsoar`]: the XSOAR package: the relay, the integration manifest and the content pack.

// Code in `src/` does not panic on input: no unwrap/expect/panic, no unchecked indexing or
// slicing, no truncating casts. `#[cfg(test)]` code is exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

pub mod catalogue;
pub mod cli;
pub mod commands;
pub mod host;
pub mod http;
pub mod iam;
pub mod mapper;
pub mod okta;
pub mod output;
pub mod params;
pub mod protocol;
pub mod secret;
pub mod state;
pub mod time;
pub mod vendor;
pub mod vendors;
pub mod xsoar;
