//! A local, stateful fake of a SCIM 2.0 server (RFC 7643/7644), for the integration tests
//! and the SCIM demo cassette (never a real app). It serves plain HTTP/1.1 on 127.0.0.1 from
//! its own thread (the `fake_http` crate's server, faults and request log).
//!
//! Endpoints, under `/scim/v2` ([`BASE_PATH`]), all behind `Authorization: Bearer
//! <`[`TOKEN`]`>`: `GET ServiceProviderConfig`; `GET Users` (`filter` of one `eq` on
//! `userName` (case-insensitive), `externalId`, `id`, `displayName`, `emails.value`,
//! `emails[type eq "work"].value` or `groups.value`; `startIndex`/`count` paging, at most
//! [`MAX_COUNT`] a page); `POST Users` (409 `uniqueness` on a taken `userName`, 400
//! `invalidValue` without one); `GET|PUT|PATCH|DELETE Users/{id}` (an `ETag` on every user,
//! `If-Match` checked: 412 on a stale one); `GET Groups` (`displayName eq` filter, paging);
//! `GET Groups/{id}` (with every member). No `/Schemas`: a 404, as many apps answer.
//! Errors are RFC 7644 §3.12 bodies (`status`, `scimType`, `detail`).

mod filter;
mod state;

use std::sync::MutexGuard;

use fake_http::Server;
use serde_json::Value;

pub use fake_http::{Fault, RecordedRequest};
use state::State;

/// The bearer token the fake accepts.
pub const TOKEN: &str = "fake-scim-token-0123456789";
/// Where the SCIM endpoints live on the fake's origin.
pub const BASE_PATH: &str = "/scim/v2";
/// The most resources one page holds.
pub const MAX_COUNT: usize = 50;

/// The running fake. Dropping it stops the server.
pub struct FakeScim {
    server: Server<State>,
}

impl FakeScim {
    /// Binds 127.0.0.1:0 and serves from a background thread.
    pub fn start() -> FakeScim {
        FakeScim {
            server: Server::start("fake-scim", State::new),
        }
    }

    /// `http://127.0.0.1:<port>` (no base path).
    pub fn url(&self) -> String {
        self.server.url()
    }

    /// The SCIM base URL: `http://127.0.0.1:<port>/scim/v2`.
    pub fn base_url(&self) -> String {
        format!("{}{BASE_PATH}", self.url())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.server.lock()
    }

    /// Stores a user (a SCIM User resource; `userName` required) and returns its id.
    pub fn add_user(&self, user: Value) -> String {
        self.state()
            .insert_user(user)
            .expect("add_user: a valid, unique user")
    }

    /// Stores a group with these member ids and returns its id.
    pub fn add_group(&self, display_name: &str, member_ids: &[&str]) -> String {
        self.state().insert_group(display_name, member_ids)
    }

    /// The user as `GET /Users/{id}` returns it.
    pub fn user(&self, id: &str) -> Option<Value> {
        self.state().user(id).cloned()
    }

    /// Every stored user.
    pub fn users(&self) -> Vec<Value> {
        self.state().users.clone()
    }

    /// The next `times` requests whose path starts with `matcher` (e.g. `"POST /scim/v2/Users"`)
    /// get `fault`.
    pub fn push_fault(&self, matcher: &str, fault: Fault, times: usize) {
        self.state().faults.push(matcher, fault, times);
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().recorder.requests.clone()
    }
}
