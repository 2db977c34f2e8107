//! `/api/v1/logs` (okta-api.md §5): polling (persistence order, `next` always present)
//! and bounded/finite queries (published order, no `next` on the last page).

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::filter::{self, Op, Scalar};
use super::state::{now_iso, parse_ms, Event, State, View};
use fake_http::http::{Request, Response};

/// Top-level keys copied into `Event::proj`; filters on other paths parse the stored JSON.
const PROJECTED: &[&str] = &[
    "uuid",
    "published",
    "eventType",
    "legacyEventType",
    "displayMessage",
    "severity",
    "version",
    "actor",
    "outcome",
    "target",
    "transaction",
];

/// Attribute paths a generated event answers from `View::Flat`.
const FLAT: &[&str] = &[
    "uuid",
    "published",
    "eventType",
    "legacyEventType",
    "displayMessage",
    "severity",
    "actor.id",
    "actor.type",
    "actor.alternateId",
    "actor.displayName",
    "outcome.result",
    "transaction.type",
    "transaction.id",
    "transaction.detail.requestApiTokenId",
    "debugContext.debugData.requestId",
    "debugContext.debugData.appname",
    "target.id",
    "target.type",
    "target.alternateId",
    "target.displayName",
];

/// Cursor text: `<published ms>_<index>`. Opaque to clients.
fn parse_cursor(s: &str) -> Option<(i64, usize)> {
    let (a, b) = s.split_once('_')?;
    Some((a.parse().ok()?, b.parse().ok()?))
}

impl State {
    /// Appends an event in persistence order; fills `uuid` and `published` when missing.
    /// Returns its uuid.
    pub fn append_event(&mut self, mut event: Value) -> String {
        let Value::Object(map) = &mut event else {
            panic!("push_event: an event must be a JSON object");
        };
        if !map.get("uuid").is_some_and(Value::is_string) {
            map.insert("uuid".into(), json!(self.ids.uuid()));
        }
        if !map.get("published").is_some_and(Value::is_string) {
            map.insert("published".into(), json!(now_iso()));
        }
        let uuid = map["uuid"].as_str().unwrap_or_default().to_string();
        let published = map["published"].as_str().unwrap_or_default();
        let published_ms = parse_ms(published)
            .unwrap_or_else(|| panic!("push_event: published {published:?} is not ISO-8601"));
        let json = serde_json::to_string(&event)
            .unwrap_or_default()
            .into_boxed_str();
        let mut proj = Map::new();
        if let Value::Object(map) = event {
            for (k, v) in map {
                if PROJECTED.contains(&k.as_str()) {
                    proj.insert(k, v);
                }
            }
        }
        self.push_stored(Event {
            json,
            view: View::Json(Value::Object(proj)),
            published_ms,
        });
        uuid
    }

    /// `n` `application.user_membership.add` events published at `published`, over the
    /// existing apps and users round-robin (synthetic ones when there are none).
    /// Built from a text template (fast: benchmarks push tens of thousands).
    pub fn generate_membership_events(&mut self, n: usize, published: &str) -> Vec<String> {
        let published_ms = parse_ms(published)
            .unwrap_or_else(|| panic!("push_events: published {published:?} is not ISO-8601"));
        let arc = |s: &str| -> Arc<str> { Arc::from(s) };
        let apps: Vec<[Arc<str>; 3]> = self
            .apps
            .iter()
            .map(|a| {
                [
                    arc(a.obj["id"].as_str().unwrap_or_default()),
                    arc(a.obj["label"].as_str().unwrap_or_default()),
                    arc(a.obj["name"].as_str().unwrap_or_default()),
                ]
            })
            .collect();
        let apps = if apps.is_empty() {
            vec![[
                arc("0oa1fakeApp00000a0h7"),
                arc("Fake App"),
                arc("fake_app"),
            ]]
        } else {
            apps
        };
        let users: Vec<[Arc<str>; 3]> = self
            .users
            .iter()
            .enumerate()
            .filter(|(i, u)| *i != self.admin && !u.deleted)
            .map(|(_, u)| {
                let p = &u.obj["profile"];
                let display = match p["displayName"].as_str() {
                    Some(d) => d.to_string(),
                    None => format!(
                        "{} {}",
                        p["firstName"].as_str().unwrap_or_default(),
                        p["lastName"].as_str().unwrap_or_default()
                    )
                    .trim()
                    .to_string(),
                };
                [arc(u.id()), arc(u.login()), arc(&display)]
            })
            .collect();
        let admin = &self.users[self.admin];
        let (admin_id, admin_login) = (arc(admin.id()), arc(admin.login()));
        let token_id = arc(&self.ids.object("00T"));
        let shared = [
            ("eventType", arc("application.user_membership.add")),
            (
                "legacyEventType",
                arc("app.generic.provision.assign_user_to_app"),
            ),
            ("displayMessage", arc("Add user to application membership")),
            ("severity", arc("INFO")),
            ("published", arc(published)),
            ("actor.id", admin_id.clone()),
            ("actor.type", arc("User")),
            ("actor.alternateId", admin_login.clone()),
            ("actor.displayName", arc("Fake Admin")),
            ("outcome.result", arc("SUCCESS")),
            ("transaction.type", arc("WEB")),
            ("transaction.detail.requestApiTokenId", token_id.clone()),
        ];
        let esc = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let published_json = esc(published);
        let admin_json = (esc(&admin_id), esc(&admin_login));
        let mut out = Vec::with_capacity(n);
        self.events.reserve(n);
        for k in 0..n {
            let [app_id, app_label, app_name] = &apps[k % apps.len()];
            let synthetic;
            let [user_id, login, display] = match users.get(k % users.len().max(1)) {
                Some(u) => u,
                None => {
                    synthetic = [
                        arc(&format!("00u1fake{:09}0h7", k % 1_000_000_000)),
                        arc(&format!("user{k}@example.com")),
                        arc(&format!("User {k}")),
                    ];
                    &synthetic
                }
            };
            let uuid = self.ids.uuid();
            let req_id = self.ids.token(27);
            let session = self.ids.token(25);
            let app_user_id = self.ids.object("0ua");
            let (login_j, display_j, label_j) = (esc(login), esc(display), esc(app_label));
            let json = format!(
                concat!(
                    r#"{{"actor":{{"id":{admin_id},"type":"User","alternateId":{admin_login},"displayName":"Fake Admin","detailEntry":null}},"#,
                    r#""client":{{"userAgent":{{"rawUserAgent":"okta-iam/0.1 (linux)","os":"Linux","browser":"UNKNOWN"}},"zone":"null","device":"Unknown","id":null,"ipAddress":"203.0.113.10","#,
                    r#""geographicalContext":{{"city":"Dublin","state":"Leinster","country":"Ireland","postalCode":"D02","geolocation":{{"lat":53.3331,"lon":-6.2489}}}}}},"#,
                    r#""device":null,"#,
                    r#""authenticationContext":{{"authenticationProvider":null,"credentialProvider":null,"credentialType":null,"issuer":null,"interface":null,"authenticationStep":0,"externalSessionId":"{session}","rootSessionId":"{session}"}},"#,
                    r#""displayMessage":"Add user to application membership","eventType":"application.user_membership.add","#,
                    r#""outcome":{{"result":"SUCCESS","reason":null}},"published":{published},"#,
                    r#""securityContext":{{"asNumber":64496,"asOrg":"example transit","isp":"example isp","domain":"example.net","isProxy":false}},"#,
                    r#""severity":"INFO","#,
                    r#""debugContext":{{"debugData":{{"requestId":"{req_id}","requestUri":"/api/v1/apps/{app_id}/users","url":"/api/v1/apps/{app_id}/users?","appname":{app_name}}}}},"#,
                    r#""legacyEventType":"app.generic.provision.assign_user_to_app","#,
                    r#""transaction":{{"type":"WEB","id":"{req_id}","detail":{{"requestApiTokenId":"{token_id}"}}}},"#,
                    r#""uuid":"{uuid}","version":"0","#,
                    r#""request":{{"ipChain":[{{"ip":"203.0.113.10","version":"V4","source":null,"geographicalContext":{{"city":"Dublin","state":"Leinster","country":"Ireland","postalCode":"D02","geolocation":{{"lat":53.3331,"lon":-6.2489}}}}}}]}},"#,
                    r#""target":[{{"id":"{app_user_id}","type":"AppUser","alternateId":{login},"displayName":{display},"detailEntry":null}},"#,
                    r#"{{"id":"{app_id}","type":"AppInstance","alternateId":{label},"displayName":{label},"detailEntry":null}},"#,
                    r#"{{"id":"{user_id}","type":"User","alternateId":{login},"displayName":{display},"detailEntry":null}}]}}"#
                ),
                admin_id = admin_json.0,
                admin_login = admin_json.1,
                session = session,
                published = published_json,
                req_id = req_id,
                app_id = app_id,
                app_name = esc(app_name),
                token_id = token_id,
                uuid = uuid,
                app_user_id = app_user_id,
                login = login_j,
                display = display_j,
                label = label_j,
                user_id = user_id,
            );
            let mut flat: Vec<(&'static str, Arc<str>)> = Vec::with_capacity(shared.len() + 15);
            flat.extend(shared.iter().cloned());
            let req_id = arc(&req_id);
            flat.push(("uuid", arc(&uuid)));
            flat.push(("transaction.id", req_id.clone()));
            flat.push(("debugContext.debugData.requestId", req_id));
            flat.push(("debugContext.debugData.appname", app_name.clone()));
            for (id, ty, alt, disp) in [
                (arc(&app_user_id), "AppUser", login, display),
                (app_id.clone(), "AppInstance", app_label, app_label),
                (user_id.clone(), "User", login, display),
            ] {
                flat.push(("target.id", id));
                flat.push(("target.type", arc(ty)));
                flat.push(("target.alternateId", alt.clone()));
                flat.push(("target.displayName", disp.clone()));
            }
            self.push_stored(Event {
                json: json.into_boxed_str(),
                view: View::Flat(flat),
                published_ms,
            });
            out.push(uuid);
        }
        out
    }

    fn push_stored(&mut self, event: Event) {
        let published_ms = event.published_ms;
        let idx = self.events.len();
        self.events.push(event);
        let events = &self.events;
        let pos = if self
            .by_published
            .last()
            .is_none_or(|&j| events[j as usize].published_ms <= published_ms)
        {
            self.by_published.len()
        } else {
            self.by_published
                .partition_point(|&j| events[j as usize].published_ms <= published_ms)
        };
        self.by_published.insert(pos, idx as u32);
    }

    // -----------------------------------------------------------------------------------------
    // GET /logs

    pub fn logs(&mut self, req: &Request) -> Response {
        let limit = match req.param("limit") {
            None | Some("") => self.limits.logs.0,
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) => (n as usize).min(self.limits.logs.1),
                Err(_) => return self.bad_request("limit", "limit: must be between 0 and 1000"),
            },
        };
        let mut bound = |name: &str| -> Result<Option<i64>, Response> {
            match req.param(name) {
                None | Some("") => Ok(None),
                Some(v) => match parse_ms(v) {
                    Some(ms) => Ok(Some(ms)),
                    None => {
                        Err(self.bad_request(name, &format!("{name}: Invalid date format: {v}")))
                    }
                },
            }
        };
        let since = match bound("since") {
            Ok(v) => v,
            Err(r) => return r,
        };
        let until = match bound("until") {
            Ok(v) => v,
            Err(r) => return r,
        };
        let ascending = match req.param("sortOrder") {
            None | Some("") => true,
            Some(s) if s.eq_ignore_ascii_case("ASCENDING") => true,
            Some(s) if s.eq_ignore_ascii_case("DESCENDING") => false,
            Some(s) => {
                return self.bad_request("sortOrder", &format!("sortOrder: Invalid value {s}"))
            }
        };
        let expr = match req.param("filter").filter(|f| !f.trim().is_empty()) {
            None => None,
            Some(f) => match filter::parse(f) {
                Ok(e) => {
                    if e.any_attr(&|a| a == "published") {
                        return self.error(
                            400,
                            "E0000053",
                            "Invalid filter: the 'published' attribute cannot be filtered on; use since and until",
                            &[],
                        );
                    }
                    if !e.all(&|a, op| {
                        !(op == Op::Co
                            && matches!(
                                a,
                                "debugContext.debugData.url" | "debugContext.debugData.requestUri"
                            ))
                    }) {
                        return self.invalid_search();
                    }
                    Some(e)
                }
                Err(msg) => {
                    return self.error(400, "E0000053", &format!("Invalid filter: {msg}"), &[])
                }
            },
        };
        let keywords: Vec<String> = req
            .param("q")
            .map(|q| q.split_whitespace().map(str::to_lowercase).collect())
            .unwrap_or_default();
        if keywords.len() > 10 || keywords.iter().any(|k| k.chars().count() > 40) {
            return self.bad_request("q", "q: at most 10 keywords of at most 40 characters each");
        }
        let after = match req.param("after") {
            None | Some("") => None,
            Some(a) => match parse_cursor(a) {
                Some(c) => Some(c),
                None => return self.bad_request("after", "after: Invalid cursor"),
            },
        };
        let full_json = expr.as_ref().is_some_and(|e| {
            e.any_attr(&|a| !PROJECTED.contains(&a.split('.').next().unwrap_or("")))
        });
        let full_flat = expr
            .as_ref()
            .is_some_and(|e| e.any_attr(&|a| !FLAT.contains(&a)));
        let matches = |ev: &Event| -> bool {
            if let Some(e) = &expr {
                let ok = match &ev.view {
                    View::Json(v) if !full_json => e.eval(v, false),
                    View::Flat(pairs) if !full_flat => e.eval_by(
                        &|attr, _, out| {
                            out.extend(
                                pairs
                                    .iter()
                                    .filter(|(p, _)| *p == attr)
                                    .map(|(_, v)| Scalar::Str(v)),
                            )
                        },
                        false,
                    ),
                    _ => serde_json::from_str::<Value>(&ev.json).is_ok_and(|v| e.eval(&v, false)),
                };
                if !ok {
                    return false;
                }
            }
            if !keywords.is_empty() {
                let text = ev.json.to_lowercase();
                return keywords.iter().all(|k| text.contains(k.as_str()));
            }
            true
        };

        let events = &self.events;
        let mut page: Vec<usize> = Vec::new();
        let next: Option<String>;
        if until.is_none() && ascending {
            // Polling: persistence order; `since` (first request only) compares `published`.
            let (mut i, check_since) = match after {
                Some((_, idx)) => (idx.min(events.len()), false),
                None => (0, true),
            };
            while i < events.len() && page.len() < limit {
                let ev = &events[i];
                i += 1;
                if check_since && since.is_some_and(|s| ev.published_ms < s) {
                    continue;
                }
                if matches(ev) {
                    page.push(i - 1);
                }
            }
            let ms = match page.last() {
                Some(&j) => events[j].published_ms,
                None => after
                    .map(|(ms, _)| ms)
                    .unwrap_or_else(|| since.unwrap_or(0)),
            };
            next = Some(format!("{ms}_{i}"));
        } else {
            let key = |j: u32| (events[j as usize].published_ms, j as usize);
            // Without `until`, events published up to and including this millisecond count
            // (an event stored in the same millisecond as the query is not "in the future").
            let until_ms =
                until.unwrap_or_else(|| chrono::Utc::now().timestamp_millis().saturating_add(1));
            let order = &self.by_published;
            let mut more = false;
            if ascending {
                let mut p = match after {
                    Some(c) => order.partition_point(|&j| key(j) <= c),
                    None => since
                        .map(|s| order.partition_point(|&j| key(j).0 < s))
                        .unwrap_or(0),
                };
                while p < order.len() {
                    let j = order[p] as usize;
                    p += 1;
                    let ev = &events[j];
                    if ev.published_ms >= until_ms {
                        break;
                    }
                    if since.is_some_and(|s| ev.published_ms < s) || !matches(ev) {
                        continue;
                    }
                    if page.len() == limit {
                        more = true;
                        break;
                    }
                    page.push(j);
                }
            } else {
                let mut p = match after {
                    Some(c) => order.partition_point(|&j| key(j) < c),
                    None => order.partition_point(|&j| key(j).0 < until_ms),
                };
                while p > 0 {
                    p -= 1;
                    let j = order[p] as usize;
                    let ev = &events[j];
                    if since.is_some_and(|s| ev.published_ms < s) {
                        break;
                    }
                    if ev.published_ms >= until_ms || !matches(ev) {
                        continue;
                    }
                    if page.len() == limit {
                        more = true;
                        break;
                    }
                    page.push(j);
                }
            }
            next = match page.last() {
                Some(&j) if more => Some(format!("{}_{}", events[j].published_ms, j)),
                _ => None,
            };
        }
        let mut body = Vec::with_capacity(
            page.iter()
                .map(|&j| events[j].json.len() + 1)
                .sum::<usize>()
                + 2,
        );
        body.push(b'[');
        for (n, &j) in page.iter().enumerate() {
            if n > 0 {
                body.push(b',');
            }
            body.extend_from_slice(events[j].json.as_bytes());
        }
        body.push(b']');
        let mut resp = Response::json(200, body);
        resp.headers.extend(self.links(req, next.as_deref()));
        resp
    }
}
