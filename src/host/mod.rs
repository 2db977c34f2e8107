//! What only the XSOAR server has, asked for in engine mode through the state store's host
//! request path (`StateStore::execute_command`; inside XSOAR the relay bridges each request
//! to the `demisto` object).
//!
//! - [`map_object`]: `mapObject`, so mappers a user customised in XSOAR apply; the built-in
//!   mapper engine maps when the server cannot.
//! - [`user_profiles`]: the `User Profile` indicators `fetch-incidents` enriches events with
//!   (`searchIndicators` in engine mode, a JSON file in local mode), and the enrichment.

pub mod map_object;
pub mod user_profiles;
