//! The fake org: data, ids, rate-limit bucket, fault queue, request log, and the router
//! (the bucket, queue and log are `fake_http`'s).
//! Everything runs under one mutex; handlers are synchronous and small.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use super::oauth::{scope_for, Access, OAuthServer};
use fake_http::http::{Request, Response};
use fake_http::{Bucket, Fault, FaultQueue, Recorder, Routes};

use super::TOKEN;

// ---------------------------------------------------------------------------------------------
// Ids and times

/// Unique, Okta-looking ids: a bijective mix of a counter, in base 62.
pub struct IdGen {
    counter: u64,
    seed: u64,
}

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn mix(mut z: u64) -> u64 {
    // splitmix64 finalizer: a bijection on u64.
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

fn b62(mut n: u64, width: usize, out: &mut String) {
    let mut digits = Vec::with_capacity(width);
    for _ in 0..width {
        digits.push(B62[(n % 62) as usize]);
        n /= 62;
    }
    out.extend(digits.iter().rev().map(|&b| b as char));
}

impl IdGen {
    pub fn new() -> IdGen {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        IdGen {
            counter: 0,
            seed: mix(nanos ^ (u64::from(std::process::id()) << 32)),
        }
    }

    fn bump(&mut self) -> u64 {
        self.counter += 1;
        mix(self.counter.wrapping_add(self.seed))
    }

    /// `prefix` (3 chars) + 14 chars + `0h7`: 20 chars, like `00u5kq2w9xYbT3nJR0h7`.
    pub fn object(&mut self, prefix: &str) -> String {
        let n = self.bump();
        let mut s = String::with_capacity(20);
        s.push_str(prefix);
        b62(self.seed >> 40, 3, &mut s);
        b62(n, 11, &mut s);
        s.push_str("0h7");
        s
    }

    /// A token of `len` base-62 chars (request ids, error ids, activation tokens).
    pub fn token(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len + 11);
        while s.len() < len {
            let n = self.bump();
            b62(n, 11, &mut s);
        }
        s.truncate(len);
        s
    }

    /// An RFC 4122 version-1-looking UUID.
    pub fn uuid(&mut self) -> String {
        let a = self.bump();
        let b = mix(a);
        format!(
            "{:08x}-{:04x}-11f0-{:04x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            ((b >> 48) as u16 & 0x3fff) | 0x8000,
            b & 0xffff_ffff_ffff
        )
    }
}

pub fn now_iso() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

pub fn http_date() -> String {
    chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

pub fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Parses an ISO-8601 date-time into epoch milliseconds. Accepts RFC 3339, and also a
/// missing offset (taken as UTC).
pub fn parse_ms(s: &str) -> Option<i64> {
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(d.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, fmt) {
            return Some(d.and_utc().timestamp_millis());
        }
    }
    None
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Data

pub struct User {
    /// The user object without `_links`, in Okta's key order.
    pub obj: Value,
    pub has_password: bool,
    pub federated: bool,
    pub deleted: bool,
}

impl User {
    pub fn id(&self) -> &str {
        self.obj["id"].as_str().unwrap_or_default()
    }
    pub fn status(&self) -> &str {
        self.obj["status"].as_str().unwrap_or_default()
    }
    pub fn login(&self) -> &str {
        self.obj["profile"]["login"].as_str().unwrap_or_default()
    }
    pub fn email(&self) -> &str {
        self.obj["profile"]["email"].as_str().unwrap_or_default()
    }
}

pub struct App {
    /// The full application object, `_links` included.
    pub obj: Value,
}

pub struct Group {
    pub obj: Value,
    pub members: Vec<usize>,
}

pub struct Event {
    /// The event serialised once, as sent.
    pub json: Box<str>,
    /// What filters look at without parsing `json`.
    pub view: View,
    pub published_ms: i64,
}

pub enum View {
    /// The top-level keys filters usually touch (`logs::PROJECTED`) of a pushed event.
    Json(Value),
    /// `(attribute path, string value)` pairs of a generated event (`logs::FLAT`).
    Flat(Vec<(&'static str, std::sync::Arc<str>)>),
}

/// `(default, max)` page sizes per endpoint.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub users: (usize, usize),
    pub apps: (usize, usize),
    pub app_users: (usize, usize),
    pub groups: (usize, usize),
    pub group_users: (usize, usize),
    pub logs: (usize, usize),
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            users: (200, 200),
            apps: (20, 200),
            app_users: (50, 500),
            groups: (10_000, 10_000),
            group_users: (1000, 10_000),
            logs: (100, 1000),
        }
    }
}

pub const PROFILE_BASE: &[(&str, &str)] = &[
    ("login", "Username"),
    ("firstName", "First name"),
    ("lastName", "Last name"),
    ("middleName", "Middle name"),
    ("honorificPrefix", "Honorific prefix"),
    ("honorificSuffix", "Honorific suffix"),
    ("email", "Primary email"),
    ("title", "Title"),
    ("displayName", "Display name"),
    ("nickName", "Nickname"),
    ("profileUrl", "Profile Url"),
    ("secondEmail", "Secondary email"),
    ("mobilePhone", "Mobile phone"),
    ("primaryPhone", "Primary phone"),
    ("streetAddress", "Street address"),
    ("city", "City"),
    ("state", "State"),
    ("zipCode", "Zip code"),
    ("countryCode", "Country code"),
    ("postalAddress", "Postal Address"),
    ("preferredLanguage", "Preferred language"),
    ("locale", "Locale"),
    ("timezone", "Time zone"),
    ("userType", "User type"),
    ("employeeNumber", "Employee number"),
    ("costCenter", "Cost center"),
    ("organization", "Organization"),
    ("division", "Division"),
    ("department", "Department"),
    ("managerId", "ManagerId"),
    ("manager", "Manager"),
];

pub const REQUIRED: &[&str] = &["login", "email", "firstName", "lastName"];

pub struct State {
    pub base: String,
    pub ids: IdGen,
    pub user_type_id: String,
    pub schema_id: String,
    pub users: Vec<User>,
    pub user_by_id: HashMap<String, usize>,
    pub user_by_login: HashMap<String, usize>,
    pub user_by_email: HashMap<String, Vec<usize>>,
    pub admin: usize,
    pub apps: Vec<App>,
    pub app_by_id: HashMap<String, usize>,
    /// (app, user) → direct AppUser object.
    pub app_users: HashMap<(usize, usize), Value>,
    pub app_user_order: HashMap<usize, Vec<usize>>,
    pub user_apps: HashMap<usize, Vec<usize>>,
    pub app_groups: HashMap<usize, Vec<usize>>,
    pub group_apps: HashMap<usize, Vec<usize>>,
    pub groups: Vec<Group>,
    pub group_by_id: HashMap<String, usize>,
    pub user_groups: HashMap<usize, Vec<usize>>,
    pub events: Vec<Event>,
    /// Event indices sorted by (published, persistence index).
    pub by_published: Vec<u32>,
    pub limits: Limits,
    pub bucket: Bucket,
    pub faults: FaultQueue,
    pub recorder: Recorder,
    pub custom_props: Vec<(String, String, String)>,
    pub validate_profiles: bool,
    pub oauth: OAuthServer,
}

impl State {
    pub fn new(base: String) -> State {
        let mut ids = IdGen::new();
        let user_type_id = ids.object("oty");
        let schema_id = ids.object("osc");
        let mut s = State {
            base,
            ids,
            user_type_id,
            schema_id,
            users: Vec::new(),
            user_by_id: HashMap::new(),
            user_by_login: HashMap::new(),
            user_by_email: HashMap::new(),
            admin: 0,
            apps: Vec::new(),
            app_by_id: HashMap::new(),
            app_users: HashMap::new(),
            app_user_order: HashMap::new(),
            user_apps: HashMap::new(),
            app_groups: HashMap::new(),
            group_apps: HashMap::new(),
            groups: Vec::new(),
            group_by_id: HashMap::new(),
            user_groups: HashMap::new(),
            events: Vec::new(),
            by_published: Vec::new(),
            limits: Limits::default(),
            bucket: Bucket::new(1_000_000, Duration::from_secs(60)),
            faults: FaultQueue::default(),
            recorder: Recorder::default(),
            custom_props: vec![
                ("hireDate".into(), "Hire date".into(), "string".into()),
                ("isContractor".into(), "Contractor".into(), "boolean".into()),
            ],
            validate_profiles: true,
            oauth: OAuthServer::default(),
        };
        let admin = s.insert_user(
            json!({
                "login": "fake.admin@example.com",
                "email": "fake.admin@example.com",
                "firstName": "Fake",
                "lastName": "Admin",
                "displayName": "Fake Admin",
                "mobilePhone": null,
                "secondEmail": null
            }),
            "ACTIVE",
            true,
            false,
        );
        s.admin = admin;
        s
    }

    // -----------------------------------------------------------------------------------------
    // Request entry points

    /// The normal path: 411, rate bucket, authentication, routing.
    pub fn respond(&mut self, req: &Request) -> Response {
        if matches!(req.method.as_str(), "POST" | "PUT") && !req.has_length && !req.chunked {
            // Okta's edge answers this itself, with an HTML page.
            let resp = Response::html(411);
            return self.finish(resp, false);
        }
        if req.path == "/oauth2/v1/token" {
            let base = self.base.clone();
            let resp = self.oauth.token(req, &base);
            return self.finish(resp, false);
        }
        let (limit, remaining, reset, exhausted) = self.bucket.touch(true);
        let oauth = if exhausted {
            Access::NotOAuth
        } else {
            let base = self.base.clone();
            self.oauth
                .authorise(req, &base, scope_for(&req.method, &req.path))
        };
        let resp = if let Access::Refused(refusal) = oauth {
            refusal
        } else if matches!(oauth, Access::Granted) {
            self.route(req)
        } else if exhausted {
            self.error(
                429,
                "E0000047",
                "API call exceeded rate limit due to too many requests.",
                &[],
            )
        } else if !self.authorised(req) {
            self.error(401, "E0000011", "Invalid token provided", &[])
        } else {
            self.route(req)
        };
        self.finish_with(resp, limit, remaining, reset)
    }

    /// The response for a queued fault (everything but `Delay`, `Drop` and `Truncated`).
    pub fn fault_response(&mut self, fault: &Fault) -> Response {
        match fault {
            Fault::Status(code) => {
                let code = *code;
                let (ecode, summary) = status_error(code);
                let resp = self.error(code, ecode, summary, &[]);
                self.finish(resp, false)
            }
            Fault::RateLimit => {
                let resp = self.error(
                    429,
                    "E0000047",
                    "API call exceeded rate limit due to too many requests.",
                    &[],
                );
                let limit = self.bucket.limit;
                self.finish_with(resp, limit, 0, epoch_secs() + 1)
            }
            Fault::ConcurrencyLimit => {
                let resp = self.error(
                    429,
                    "E0000047",
                    "API call exceeded rate limit due to too many requests.",
                    &[],
                );
                self.finish_with(resp, 0, 0, epoch_secs() + 1)
            }
            Fault::NonJson(code) => {
                let resp = Response::html(*code);
                self.finish(resp, false)
            }
            Fault::Truncated | Fault::Drop | Fault::Delay(_) => {
                let resp = self.error(500, "E0000009", "Internal Server Error", &[]);
                self.finish(resp, false)
            }
        }
    }

    fn authorised(&self, req: &Request) -> bool {
        match req.header("authorization") {
            Some(v) => {
                let mut parts = v.splitn(2, ' ');
                let scheme = parts.next().unwrap_or("");
                let token = parts.next().unwrap_or("").trim();
                scheme.eq_ignore_ascii_case("SSWS") && token == TOKEN
            }
            None => false,
        }
    }

    fn finish(&mut self, resp: Response, consume: bool) -> Response {
        let (limit, remaining, reset, _) = self.bucket.touch(consume);
        self.finish_with(resp, limit, remaining, reset)
    }

    fn finish_with(
        &mut self,
        mut resp: Response,
        limit: u32,
        remaining: u32,
        reset: u64,
    ) -> Response {
        let mut headers = vec![
            ("Date".to_string(), http_date()),
            ("X-Okta-Request-Id".to_string(), self.ids.token(27)),
            ("X-Rate-Limit-Limit".to_string(), limit.to_string()),
            ("X-Rate-Limit-Remaining".to_string(), remaining.to_string()),
            ("X-Rate-Limit-Reset".to_string(), reset.to_string()),
        ];
        headers.append(&mut resp.headers);
        resp.headers = headers;
        resp
    }

    // -----------------------------------------------------------------------------------------
    // Response helpers

    pub fn error(&mut self, status: u16, code: &str, summary: &str, causes: &[String]) -> Response {
        let body = json!({
            "errorCode": code,
            "errorSummary": summary,
            "errorLink": code,
            "errorId": format!("oae{}", self.ids.token(22)),
            "errorCauses": causes.iter().map(|c| json!({"errorSummary": c})).collect::<Vec<_>>(),
        });
        Response::json(status, serde_json::to_vec(&body).unwrap_or_default())
    }

    pub fn not_found(&mut self, what: &str, kind: &str) -> Response {
        self.error(
            404,
            "E0000007",
            &format!("Not found: Resource not found: {what} ({kind})"),
            &[],
        )
    }

    pub fn bad_request(&mut self, field: &str, cause: &str) -> Response {
        let causes = if cause.is_empty() {
            vec![]
        } else {
            vec![cause.to_string()]
        };
        self.error(
            400,
            "E0000001",
            &format!("Api validation failed: {field}"),
            &causes,
        )
    }

    pub fn invalid_search(&mut self) -> Response {
        self.error(400, "E0000031", "Invalid search criteria.", &[])
    }

    pub fn ok(&self, v: &Value) -> Response {
        Response::json(200, serde_json::to_vec(v).unwrap_or_default())
    }

    /// `self` and, when there is one, `next` link lines. `next` keeps every query parameter
    /// but `after`, and adds `after=<cursor>`.
    pub fn links(&self, req: &Request, after: Option<&str>) -> Vec<(String, String)> {
        let mut out = Vec::with_capacity(2);
        let self_url = match &req.raw_query {
            Some(q) if !q.is_empty() => format!("{}{}?{}", self.base, req.path, q),
            _ => format!("{}{}", self.base, req.path),
        };
        out.push(("link".to_string(), format!("<{self_url}>; rel=\"self\"")));
        if let Some(cursor) = after {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in &req.query {
                if k != "after" {
                    ser.append_pair(k, v);
                }
            }
            ser.append_pair("after", cursor);
            out.push((
                "link".to_string(),
                format!("<{}{}?{}>; rel=\"next\"", self.base, req.path, ser.finish()),
            ));
        }
        out
    }

    /// Parses `limit`: absent or negative → default; above max → max; not a number → error.
    pub fn limit(
        &mut self,
        req: &Request,
        (default, max): (usize, usize),
    ) -> Result<usize, Response> {
        match req.param("limit") {
            None | Some("") => Ok(default),
            Some(v) => match v.trim().parse::<i64>() {
                Ok(n) if n < 0 => Ok(default),
                Ok(n) => Ok((n as usize).min(max)),
                Err(_) => Err(self.bad_request("limit", "limit: The value must be a number")),
            },
        }
    }

    pub fn parse_body(&mut self, req: &Request) -> Result<Value, Response> {
        if req.body.iter().all(u8::is_ascii_whitespace) {
            return Err(self.error(
                400,
                "E0000003",
                "The request body was not well-formed.",
                &[],
            ));
        }
        match serde_json::from_slice::<Value>(&req.body) {
            Ok(v) if v.is_object() => Ok(v),
            _ => Err(self.error(
                400,
                "E0000003",
                "The request body was not well-formed.",
                &[],
            )),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Routing

    fn route(&mut self, req: &Request) -> Response {
        let Some(rest) = req.path.strip_prefix("/api/v1/") else {
            return self.path_not_found();
        };
        let segs: Vec<String> = rest
            .trim_end_matches('/')
            .split('/')
            .map(percent_decode)
            .collect();
        let s: Vec<&str> = segs.iter().map(String::as_str).collect();
        let m = req.method.as_str();
        match (m, s.as_slice()) {
            ("GET", ["users"]) => self.list_users(req),
            ("POST", ["users"]) => self.create_user(req),
            ("GET", ["users", id]) => self.get_user(id),
            ("POST", ["users", id]) => self.update_user(req, id, false),
            ("PUT", ["users", id]) => self.update_user(req, id, true),
            ("DELETE", ["users", id]) => self.delete_user(id),
            ("POST", ["users", id, "lifecycle", action]) => self.lifecycle(req, id, action),
            ("GET", ["users", id, "groups"]) => self.user_groups_list(id),
            ("GET", ["meta", "schemas", "user", which]) => self.schema(which),
            ("GET", ["apps"]) => self.list_apps(req),
            ("GET", ["apps", app]) => self.get_app(app),
            ("GET", ["apps", app, "users"]) => self.list_app_users(req, app),
            ("POST", ["apps", app, "users"]) => self.assign_via_api(req, app),
            ("GET", ["apps", app, "users", user]) => self.get_app_user(app, user),
            ("POST", ["apps", app, "users", user]) => self.update_app_user(req, app, user),
            ("DELETE", ["apps", app, "users", user]) => self.unassign(app, user),
            ("GET", ["groups"]) => self.list_groups(req),
            ("GET", ["groups", id]) => self.get_group(id),
            ("GET", ["groups", id, "users"]) => self.list_group_users(req, id),
            ("PUT", ["groups", id, "users", user]) => self.membership(id, user, true),
            ("DELETE", ["groups", id, "users", user]) => self.membership(id, user, false),
            ("GET", ["logs"]) => self.logs(req),
            (_, path) => {
                let known = matches!(
                    path,
                    ["users"]
                        | ["users", _]
                        | ["users", _, "lifecycle", _]
                        | ["users", _, "groups"]
                        | ["meta", "schemas", "user", _]
                        | ["apps"]
                        | ["apps", _]
                        | ["apps", _, "users"]
                        | ["apps", _, "users", _]
                        | ["groups"]
                        | ["groups", _]
                        | ["groups", _, "users"]
                        | ["groups", _, "users", _]
                        | ["logs"]
                );
                if known {
                    self.error(
                        405,
                        "E0000022",
                        "The endpoint does not support the provided HTTP method",
                        &[],
                    )
                } else {
                    self.path_not_found()
                }
            }
        }
    }

    fn path_not_found(&mut self) -> Response {
        self.error(404, "E0000008", "The requested path was not found", &[])
    }

    // -----------------------------------------------------------------------------------------
    // Test-side helpers

    pub fn page_limits_mut(&mut self, endpoint: &str) -> &mut (usize, usize) {
        match endpoint {
            "users" => &mut self.limits.users,
            "apps" => &mut self.limits.apps,
            "app_users" => &mut self.limits.app_users,
            "groups" => &mut self.limits.groups,
            "group_users" => &mut self.limits.group_users,
            "logs" => &mut self.limits.logs,
            other => panic!(
                "unknown endpoint {other:?}: use users, apps, app_users, groups, group_users or logs"
            ),
        }
    }

    pub fn set_rate_limit(&mut self, limit: u32, window: Duration) {
        self.bucket = Bucket::new(limit, window);
    }
}

impl Routes for State {
    /// Records the request and takes the first matching queued fault.
    fn begin(&mut self, req: &Request) -> Option<Fault> {
        self.recorder.record(req);
        self.faults.take(req)
    }

    fn respond(&mut self, req: &Request) -> Response {
        State::respond(self, req)
    }

    fn fault_response(&mut self, fault: &Fault) -> Response {
        State::fault_response(self, fault)
    }

    fn malformed_request(&self) -> Response {
        Response::json(
            400,
            br#"{"errorCode":"E0000003","errorSummary":"The request body was not well-formed.","errorLink":"E0000003","errorId":"oaeBadRequest00000000000","errorCauses":[]}"#.to_vec(),
        )
    }
}

/// Okta error code and summary for an injected status.
fn status_error(code: u16) -> (&'static str, &'static str) {
    match code {
        400 => ("E0000001", "Api validation failed"),
        401 => ("E0000011", "Invalid token provided"),
        403 => (
            "E0000006",
            "You do not have permission to perform the requested action",
        ),
        404 => ("E0000007", "Not found: Resource not found"),
        405 => (
            "E0000022",
            "The endpoint does not support the provided HTTP method",
        ),
        409 => (
            "E0000112",
            "Unable to update this user at this time. Try again in a few minutes.",
        ),
        429 => (
            "E0000047",
            "API call exceeded rate limit due to too many requests.",
        ),
        c if c >= 500 => ("E0000009", "Internal Server Error"),
        _ => ("E0000001", "Api validation failed"),
    }
}
