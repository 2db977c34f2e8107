//! A local, stateful, fast fake of the Okta Management API v1, for integration tests and
//! benchmarks (never a real Okta). It serves plain HTTP/1.1 on 127.0.0.1 from its own thread
//! and tokio runtime, so sync tests (spawning the binary) and async tests can both use it.
//!
//! A dev-dependency of the tests, benchmarks and examples (`fake_okta::FakeOkta`). The HTTP
//! server, fault injection, rate-limit bucket and request log are the vendor-neutral
//! `fake_http` crate's; this crate holds Okta's routes, state, errors and OAuth server.
//! Behaviour follows okta-api.md (§1 headers/errors/rate limits/Link paging,
//! §2 users and lifecycle, §3 apps and app users, §4 groups, §5 System Log, §7 checklist).
//!
//! Endpoints (all under `/api/v1`): `GET users/me`; `GET users` (`filter` on id, status,
//! profile.login/email/firstName/lastName with `eq`, lastUpdated ranges; `search`; `q`;
//! `limit`/`after` paging); `POST users` (`activate`, `provider`, `nextLogin`); `GET|POST|PUT|
//! DELETE users/{id or login}`; `POST users/{id}/lifecycle/{activate,reactivate,deactivate,
//! suspend,unsuspend,unlock,expire_password}`; `GET users/{id}/groups`;
//! `GET meta/schemas/user/default`; `GET apps` (`q`, `limit`, `after`, one `eq` filter on
//! status/name/id/signOnMode/user.id/group.id, `expand=user/{id}`); `GET apps/{id}`;
//! `GET|POST apps/{id}/users`; `GET|POST|DELETE apps/{id}/users/{user}`; `GET groups` (`q`,
//! `search`, `filter`, paging); `GET groups/{id}`; `GET groups/{id}/users`; `PUT|DELETE
//! groups/{id}/users/{user}`; `GET logs` (`since`, `until`, `limit`, `sortOrder`, `filter`,
//! `q`, `after`). OAuth 2.0 (`oauth.rs`): `POST /oauth2/v1/token` for apps registered with
//! [`FakeOkta::register_oauth_app`], and `Bearer`/`DPoP` tokens on every endpoint above, each
//! checked for the scope Okta requires.
//!
//! Notes: every response has `Date`, `X-Okta-Request-Id` and `X-Rate-Limit-*`; a POST/PUT
//! without `Content-Length` (and not chunked) gets an HTML 411 before authentication (reqwest
//! sends no `Content-Length` for an empty body unless the header is set explicitly). Logs:
//! no `until` + ascending = polling (persistence order, `since` compares `published` on the
//! first request only, `next` always present); otherwise finite, ordered by `published`, no
//! default `since` window and no 90-day retention (tests use fixed dates).
//!
//! ```text
//! let okta = FakeOkta::start();
//! let id = okta.add_user(json!({"login": "dana@example.com", "email": "dana@example.com",
//!                               "firstName": "Dana", "lastName": "Lee"}), "ACTIVE");
//! // point the client at okta.url() with `Authorization: SSWS {FakeOkta::TOKEN}`
//! ```
#![allow(dead_code)]

mod apps;
mod filter;
mod logs;
mod oauth;
mod state;
mod users;

use std::sync::MutexGuard;
use std::time::Duration;

use fake_http::Server;
use serde_json::Value;

use state::State;

pub use fake_http::{Fault, RecordedRequest};

#[allow(unused_imports)]
pub use oauth::{AppKey, OAuthApp};

/// The API token the fake accepts (`Authorization: SSWS <TOKEN>`).
pub const TOKEN: &str = "fake-okta-token-0123456789";

/// The running fake. Dropping it stops the server.
pub struct FakeOkta {
    server: Server<State>,
}

impl FakeOkta {
    /// The API token the fake accepts.
    pub const TOKEN: &'static str = TOKEN;

    /// Binds 127.0.0.1:0 and serves from a background thread.
    pub fn start() -> FakeOkta {
        FakeOkta {
            server: Server::start("fake-okta", State::new),
        }
    }

    /// `http://127.0.0.1:<port>` (no `/api/v1`).
    pub fn url(&self) -> String {
        self.server.url()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.server.lock()
    }

    // ------------------------------------------------------------------------------------------
    // Seeding

    /// Stores a user with this profile and status (no validation) and returns its new id
    /// (`00u…`, 20 chars). `profile.login` is required.
    pub fn add_user(&self, profile: Value, status: &str) -> String {
        assert!(
            profile.get("login").is_some_and(Value::is_string),
            "add_user: profile.login is required"
        );
        let mut s = self.state();
        let login = profile["login"].as_str().unwrap_or_default().to_lowercase();
        assert!(
            !s.user_by_login.contains_key(&login),
            "add_user: login {login:?} already exists"
        );
        let idx = s.insert_user(profile, status, status == "ACTIVE", false);
        s.users[idx].id().to_string()
    }

    /// The user (by id or login) as `GET /api/v1/users/{id}` returns it.
    pub fn user(&self, id: &str) -> Option<Value> {
        let s = self.state();
        let idx = s.find_user(id)?;
        Some(s.render_user(idx, true))
    }

    /// All stored users (collection form), deleted ones left out, DEPROVISIONED ones included.
    pub fn users(&self) -> Vec<Value> {
        let s = self.state();
        (0..s.users.len())
            .filter(|&i| !s.users[i].deleted)
            .map(|i| s.render_user(i, false))
            .collect()
    }

    /// Sets a user's status directly (e.g. `LOCKED_OUT`, `SUSPENDED`).
    pub fn set_user_status(&self, id: &str, status: &str) {
        let mut s = self.state();
        let idx = s
            .find_user(id)
            .unwrap_or_else(|| panic!("set_user_status: no user {id}"));
        s.set_status(idx, status);
    }

    /// The id of the admin user that `GET /api/v1/users/me` returns.
    pub fn admin_id(&self) -> String {
        let s = self.state();
        s.users[s.admin].id().to_string()
    }

    /// Stores an ACTIVE SAML app and returns its id (`0oa…`).
    pub fn add_app(&self, name: &str, label: &str) -> String {
        let mut s = self.state();
        let idx = s.insert_app(name, label);
        s.apps[idx].obj["id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Assigns a user to an app directly (AppUser scope USER) with this app profile.
    pub fn assign(&self, app_id: &str, user_id: &str, profile: Value) {
        let mut s = self.state();
        let app = *s
            .app_by_id
            .get(app_id)
            .unwrap_or_else(|| panic!("assign: no app {app_id}"));
        let user = s
            .find_user(user_id)
            .unwrap_or_else(|| panic!("assign: no user {user_id}"));
        s.insert_assignment(app, user, profile, None);
    }

    /// Assigns a group to an app: its members get the app with AppUser scope GROUP.
    pub fn assign_group(&self, app_id: &str, group_id: &str) {
        let mut s = self.state();
        let app = *s
            .app_by_id
            .get(app_id)
            .unwrap_or_else(|| panic!("assign_group: no app {app_id}"));
        let group = *s
            .group_by_id
            .get(group_id)
            .unwrap_or_else(|| panic!("assign_group: no group {group_id}"));
        s.assign_group_to_app(app, group);
    }

    /// Stores an OKTA_GROUP and returns its id (`00g…`).
    pub fn add_group(&self, name: &str) -> String {
        let mut s = self.state();
        let idx = s.insert_group(name);
        s.groups[idx].obj["id"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn add_member(&self, group_id: &str, user_id: &str) {
        let mut s = self.state();
        let group = *s
            .group_by_id
            .get(group_id)
            .unwrap_or_else(|| panic!("add_member: no group {group_id}"));
        let user = s
            .find_user(user_id)
            .unwrap_or_else(|| panic!("add_member: no user {user_id}"));
        s.add_membership(group, user);
    }

    /// Adds a custom profile attribute to the user schema (and to the accepted profile keys).
    pub fn add_custom_property(&self, name: &str, title: &str) {
        let mut s = self.state();
        if !s.custom_props.iter().any(|(n, _, _)| n == name) {
            s.custom_props
                .push((name.into(), title.into(), "string".into()));
        }
    }

    /// Profile validation on create/update (unknown attributes, required base fields, email
    /// formats). On by default; uniqueness of `login` is always enforced.
    pub fn set_profile_validation(&self, on: bool) {
        self.state().validate_profiles = on;
    }

    // ------------------------------------------------------------------------------------------
    // System Log

    /// Appends an event to the System Log in persistence order. `uuid` and `published` are
    /// filled in when missing (`published` = now).
    pub fn push_event(&self, event: Value) {
        self.state().append_event(event);
    }

    /// Appends `n` generated `application.user_membership.add` events (three targets:
    /// AppUser, AppInstance, User), all published at `published`, cycling over the stored apps
    /// and the stored non-admin users (synthetic ones when there are none). Returns the uuids.
    pub fn push_events(&self, n: usize, published: &str) -> Vec<String> {
        self.state().generate_membership_events(n, published)
    }

    /// Number of System Log events stored.
    pub fn event_count(&self) -> usize {
        self.state().events.len()
    }

    // ------------------------------------------------------------------------------------------
    // Behaviour knobs

    /// Sets `(default, max)` page sizes for an endpoint: `users` (200, 200), `apps` (20, 200),
    /// `app_users` (50, 500), `groups` (10000, 10000), `group_users` (1000, 10000),
    /// `logs` (100, 1000).
    pub fn set_page_limits(&self, endpoint: &str, default: usize, max: usize) {
        *self.state().page_limits_mut(endpoint) = (default, max);
    }

    /// One bucket for all requests. Every response carries `X-Rate-Limit-Limit`,
    /// `-Remaining` and `-Reset` (epoch seconds); once exhausted, requests get 429 E0000047
    /// until the window (started by the first request after a reset) ends.
    /// Default: 1,000,000 per 60 s.
    pub fn set_rate_limit(&self, limit: u32, window: Duration) {
        self.state().set_rate_limit(limit, window);
    }

    /// The next `times` requests whose path starts with `matcher` (or any request for `"*"`)
    /// get `fault`. A matcher may start with a method: `"POST /api/v1/users"`. Rules are tried
    /// in the order added.
    pub fn fail_next(&self, matcher: &str, fault: Fault, times: usize) {
        self.state().faults.push(matcher, fault, times);
    }

    /// Registers an API Services app for OAuth 2.0 (client credentials, JWT assertion).
    pub fn register_oauth_app(&self, app: OAuthApp) {
        self.state().oauth.register(app);
    }

    /// Access tokens issued so far.
    pub fn oauth_tokens_issued(&self) -> usize {
        self.state().oauth.tokens_issued
    }

    /// Every token request's outcome, in order: `issued` or the OAuth `error`.
    pub fn oauth_outcomes(&self) -> Vec<String> {
        self.state().oauth.outcomes.clone()
    }

    /// Revokes every issued access token.
    pub fn revoke_oauth_tokens(&self) {
        self.state().oauth.revoke_all();
    }

    /// How long issued tokens live (default 3600 s).
    pub fn set_oauth_token_lifetime(&self, seconds: u64) {
        self.state().oauth.token_lifetime = seconds;
    }

    /// Drops queued faults.
    pub fn clear_faults(&self) {
        self.state().faults.clear();
    }

    // ------------------------------------------------------------------------------------------
    // Request log

    /// Every request received since the last reset (when recording is on).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state().recorder.requests.clone()
    }

    /// Number of requests received since the last reset (counted even when not recording).
    pub fn request_count(&self) -> usize {
        self.state().recorder.count
    }

    pub fn reset_requests(&self) {
        self.state().recorder.reset();
    }

    /// Keep (default) or stop keeping request copies; benchmarks may turn it off.
    pub fn set_recording(&self, on: bool) {
        self.state().recorder.recording = on;
    }
}
