//! okta-iam: an Okta IAM integration for Cortex XSOAR, as one Rust daemon.
//!
//! Layout, from the entry point down (the layers, one request's path from stdin to the HTTP
//! call and back, and adding a vendor: `docs/architecture.md`):
//! - [`cli`]: the command line: subcommands and options (`--vendor`), help, exit codes,
//!   start-up checks, the demo walkthrough, the progress line of `okta-iam call`.
//! - [`vendors`]: the vendors this binary serves, one registration line each.
//! - [`okta`]: the Okta vendor: its definition (`okta::vendor`: package, client cache,
//!   OAuth token cache, `test-module` check), its v1 client organised by resource on [`http`]
//!   with Okta's policy, auth, errors, rate-limit headers and pager, its connector, and its
//!   own command families (apps, configuration, System Log, fetch-incidents).
//! - [`vendor`]: what makes a vendor: the composition root of one integration (package,
//!   params, default mappers, command families, the service that builds its connector).
//! - [`protocol`]: NDJSON framing on stdin/stdout and the serve loop (generic over its reader
//!   and writer, so tests drive it with in-memory buffers).
//! - [`commands`]: the dispatcher ([`commands::execute`], the one path of every execution;
//!   its [`commands::Daemon`] holds the vendor), command errors by kind, typed arguments, and
//!   the command families every IAM vendor shares (test-module, the user commands,
//!   iam-get-group).
//! - [`catalogue`]: one definition per command and per instance param; drives dispatch,
//!   argument checking, the manifest and `docs/commands.md`.
//! - [`iam`]: the vendor-neutral IAM user lifecycle and group lookup behind the `Connector`
//!   trait.
//! - [`http`]: the vendor-neutral HTTP core: transport seam, clock, settings, pacing, retry
//!   decision, backoff, failure words, resolver, URL limit, auth seam, paging progress,
//!   cassettes, client cache.
//! - [`output`]: entries, the IAM results' entries and their output keys, `tableToMarkdown`,
//!   spooled entries.
//! - [`state`]: integration context and last run, asked of the host (engine mode) or kept in a
//!   local file (local mode), behind one trait.
//! - [`params`]: instance params of any vendor: merging, booleans, the base-url rule,
//!   redaction (each vendor reads its own: [`okta::params`]).
//! - [`mapper`]: the XSOAR mapper engine.
//! - [`host`]: what only the XSOAR server has (mapObject, searchIndicators), in engine mode.
//! - [`xsoar`]: the XSOAR package: the relay, the integration manifest and the content pack.
//! - [`secret`]: the redacted token type.
//! - [`allocator`]: how soon the binary's allocator returns freed memory (the binary and the
//!   benchmark harness both set it).
//! - [`json_object`]: a key of a JSON object read without hashing when the object is small.
//! - [`time`]: the one place that reads times from text (ISO-8601, relative, HTTP dates) and
//!   writes them (`2017-05-03T16:22:18.000Z`).

// Code in `src/` does not panic on input: no unwrap/expect/panic, no unchecked indexing or
// slicing, no truncating casts. `#[cfg(test)]` code is exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

pub mod allocator;
pub mod catalogue;
pub mod cli;
pub mod commands;
pub mod host;
pub mod http;
pub mod iam;
pub mod json_object;
pub mod mapper;
pub mod okta;
pub mod output;
pub mod params;
pub mod protocol;
pub mod scim;
pub mod secret;
pub mod state;
pub mod time;
pub mod vendor;
pub mod vendors;
pub mod xsoar;
