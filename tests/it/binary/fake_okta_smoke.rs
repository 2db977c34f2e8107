//! Smoke tests of the fake Okta server, through a tiny blocking HTTP/1.1 client.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use fake_okta::{FakeOkta, Fault};
use serde_json::{json, Value};

// -------------------------------------------------------------------------------------------------
// A tiny blocking HTTP/1.1 client with keep-alive.

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The `rel="<rel>"` URL from the `link` header lines.
    fn link(&self, rel: &str) -> Option<String> {
        let want = format!("rel=\"{rel}\"");
        self.all("link").into_iter().find_map(|l| {
            let (url, params) = l.split_once(';')?;
            params.contains(&want).then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
        })
    }

    fn next(&self) -> Option<String> {
        self.link("next")
    }

    fn error_code(&self) -> String {
        let v = self.json();
        for k in [
            "errorCode",
            "errorSummary",
            "errorLink",
            "errorId",
            "errorCauses",
        ] {
            assert!(v.get(k).is_some(), "error body lacks {k}: {v}");
        }
        assert_eq!(v["errorLink"], v["errorCode"]);
        assert!(v["errorId"].as_str().unwrap().starts_with("oae"));
        v["errorCode"].as_str().unwrap().to_string()
    }
}

struct Client {
    addr: String,
    base: String,
    stream: Option<TcpStream>,
    auth: Option<String>,
}

impl Client {
    fn new(okta: &FakeOkta) -> Client {
        let base = okta.url();
        Client {
            addr: base.trim_start_matches("http://").to_string(),
            base,
            stream: None,
            auth: Some(format!("SSWS {}", FakeOkta::TOKEN)),
        }
    }

    fn anonymous(okta: &FakeOkta) -> Client {
        let mut c = Client::new(okta);
        c.auth = None;
        c
    }

    /// Sends raw request bytes and reads one response.
    fn raw(&mut self, bytes: &[u8]) -> std::io::Result<Resp> {
        if self.stream.is_none() {
            let s = TcpStream::connect(&self.addr)?;
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            self.stream = Some(s);
        }
        let result = self.exchange(bytes);
        let close = match &result {
            Ok(r) => r
                .header("connection")
                .is_some_and(|c| c.eq_ignore_ascii_case("close")),
            Err(_) => true,
        };
        if close {
            self.stream = None;
        }
        result
    }

    fn exchange(&mut self, bytes: &[u8]) -> std::io::Result<Resp> {
        let stream = self.stream.as_mut().unwrap();
        stream.write_all(bytes)?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 8192];
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "closed before a response",
                ));
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
        let mut body = buf[head_end + 4..].to_vec();
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        assert!(status_line.starts_with("HTTP/1.1 "), "{status_line}");
        let status: u16 = status_line[9..12].parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (k, v) = l.split_once(':').unwrap();
                (k.trim().to_string(), v.trim().to_string())
            })
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(0);
        while body.len() < len {
            let n = stream.read(&mut chunk)?;
            if n == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("body truncated at {} of {len} bytes", body.len()),
                ));
            }
            body.extend_from_slice(&chunk[..n]);
        }
        Ok(Resp {
            status,
            headers,
            body,
        })
    }

    /// `target` is a path (with query) or an absolute URL on the fake.
    fn send(&mut self, method: &str, target: &str, body: Option<&Value>) -> std::io::Result<Resp> {
        let target = target.strip_prefix(&self.base).unwrap_or(target);
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let mut req = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\nUser-Agent: fake-okta-smoke/1\r\n",
            self.addr
        );
        if let Some(a) = &self.auth {
            req.push_str(&format!("Authorization: {a}\r\n"));
        }
        if method != "GET" {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(&body);
        self.raw(&bytes)
    }

    fn get(&mut self, target: &str) -> Resp {
        self.send("GET", target, None).expect("GET")
    }

    fn post(&mut self, target: &str, body: Option<&Value>) -> Resp {
        self.send("POST", target, body).expect("POST")
    }
}

fn q(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn profile(login: &str, first: &str) -> Value {
    json!({"login": login, "email": login, "firstName": first, "lastName": "Tester"})
}

fn assert_common_headers(r: &Resp) {
    let date = r.header("date").expect("Date");
    chrono::DateTime::parse_from_rfc2822(date).unwrap_or_else(|e| panic!("Date {date:?}: {e}"));
    assert!(date.ends_with(" GMT"), "{date}");
    assert!(!r
        .header("x-okta-request-id")
        .expect("X-Okta-Request-Id")
        .is_empty());
    for h in [
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ] {
        r.header(h)
            .unwrap_or_else(|| panic!("{h} missing"))
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("{h} not a number"));
    }
}

// -------------------------------------------------------------------------------------------------

#[test]
fn requests_without_a_valid_token_get_401_e0000011() {
    let okta = FakeOkta::start();
    let mut anon = Client::anonymous(&okta);
    let r = anon.get("/api/v1/users/me");
    assert_eq!(r.status, 401);
    assert_eq!(r.error_code(), "E0000011");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_common_headers(&r);

    anon.auth = Some("SSWS wrong-token".into());
    assert_eq!(anon.get("/api/v1/users/me").status, 401);
    anon.auth = Some(format!("Bearer {}", FakeOkta::TOKEN));
    assert_eq!(anon.get("/api/v1/users/me").status, 401);

    let mut c = Client::new(&okta);
    let me = c.get("/api/v1/users/me");
    assert_eq!(me.status, 200);
    assert_common_headers(&me);
    assert_eq!(me.json()["id"], okta.admin_id());
    assert_eq!(me.json()["status"], "ACTIVE");

    let unknown = c.get("/api/v1/nothing/here");
    assert_eq!(
        (unknown.status, unknown.error_code().as_str()),
        (404, "E0000008")
    );
}

#[test]
fn create_lookup_activate_deactivate_activate() {
    let okta = FakeOkta::start();
    let mut c = Client::new(&okta);
    let login = r#"o"brien\x@example.com"#;

    let created = c.post(
        "/api/v1/users?activate=false&provider=true",
        Some(&json!({"profile": profile(login, "Owen")})),
    );
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let user = created.json();
    let id = user["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("00u") && id.len() == 20, "{id}");
    assert_eq!(user["status"], "STAGED");
    assert_eq!(user["activated"], Value::Null);
    assert_eq!(user["profile"]["login"], login);
    assert!(user["_links"]["activate"]["href"].is_string());

    // Duplicate login.
    let dup = c.post(
        "/api/v1/users?activate=false&provider=true",
        Some(&json!({"profile": profile(login, "Other")})),
    );
    assert_eq!((dup.status, dup.error_code().as_str()), (400, "E0000001"));
    assert_eq!(
        dup.json()["errorCauses"][0]["errorSummary"],
        "login: An object with this field already exists in the current organization"
    );

    // Lookup by login, with the quote and backslash escaped as in a JSON string.
    let filter = format!(
        r#"profile.login eq "{}""#,
        login.replace('\\', r"\\").replace('"', r#"\""#)
    );
    let found = c.get(&format!("/api/v1/users?filter={}", q(&filter)));
    assert_eq!(found.status, 200);
    let list = found.json();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(
        list[0]["_links"].as_object().unwrap().len(),
        1,
        "collection items carry _links.self only"
    );
    // Filters are case-sensitive.
    let upper = c.get(&format!(
        "/api/v1/users?filter={}",
        q(&filter
            .to_uppercase()
            .replace("PROFILE.LOGIN EQ", "profile.login eq"))
    ));
    assert_eq!(upper.json(), json!([]));
    // Unsupported filter.
    let bad = c.get(&format!(
        "/api/v1/users?filter={}",
        q(r#"profile.city eq "Dublin""#)
    ));
    assert_eq!((bad.status, bad.error_code().as_str()), (400, "E0000031"));

    // Activate (sendEmail=false → token object).
    let act = c.post(
        &format!("/api/v1/users/{id}/lifecycle/activate?sendEmail=false"),
        None,
    );
    assert_eq!(act.status, 200);
    assert!(act.json()["activationToken"].is_string());
    assert_eq!(okta.user(&id).unwrap()["status"], "PROVISIONED");

    // Partial update keeps other keys.
    let upd = c.post(
        &format!("/api/v1/users/{id}"),
        Some(&json!({"profile": {"title": "Analyst"}})),
    );
    assert_eq!(upd.status, 200);
    assert_eq!(upd.json()["profile"]["title"], "Analyst");
    assert_eq!(upd.json()["profile"]["firstName"], "Owen");

    // unsuspend on a non-suspended user.
    let uns = c.post(&format!("/api/v1/users/{id}/lifecycle/unsuspend"), None);
    assert_eq!((uns.status, uns.error_code().as_str()), (400, "E0000001"));

    // Deactivate, twice.
    let deact = c.post(&format!("/api/v1/users/{id}/lifecycle/deactivate"), None);
    assert_eq!((deact.status, deact.json()), (200, json!({})));
    assert_eq!(okta.user(&id).unwrap()["status"], "DEPROVISIONED");
    let again = c.post(&format!("/api/v1/users/{id}/lifecycle/deactivate"), None);
    assert_eq!(
        (again.status, again.error_code().as_str()),
        (404, "E0000007")
    );

    // DEPROVISIONED: still found by filter, left out of the unfiltered list, profile locked.
    let by_id = c.get(&format!(
        "/api/v1/users?filter={}",
        q(&format!(r#"id eq "{id}""#))
    ));
    assert_eq!(by_id.json()[0]["status"], "DEPROVISIONED");
    let all = c.get("/api/v1/users").json();
    assert!(all
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["id"] != id.as_str()));
    let locked = c.post(
        &format!("/api/v1/users/{id}"),
        Some(&json!({"profile": {"title": "X"}})),
    );
    assert_eq!(
        (locked.status, locked.error_code().as_str()),
        (403, "E0000038")
    );

    // Activate again (sendEmail defaults to true → {}).
    let react = c.post(&format!("/api/v1/users/{id}/lifecycle/activate"), None);
    assert_eq!((react.status, react.json()), (200, json!({})));
    assert_eq!(okta.user(&id).unwrap()["status"], "PROVISIONED");

    // An ACTIVE user cannot be activated.
    let active = okta.add_user(profile("ann@example.com", "Ann"), "ACTIVE");
    let r = c.post(
        &format!("/api/v1/users/{active}/lifecycle/activate?sendEmail=false"),
        None,
    );
    assert_eq!((r.status, r.error_code().as_str()), (403, "E0000016"));
    // Suspend / unsuspend.
    assert_eq!(
        c.post(&format!("/api/v1/users/{active}/lifecycle/suspend"), None)
            .status,
        200
    );
    assert_eq!(okta.user(&active).unwrap()["status"], "SUSPENDED");
    assert_eq!(
        c.post(&format!("/api/v1/users/{active}/lifecycle/unsuspend"), None)
            .status,
        200
    );
    assert_eq!(okta.user("ann@example.com").unwrap()["status"], "ACTIVE");

    // GET by id and by (URL-encoded) login; unknown → 404 E0000007.
    assert_eq!(
        c.get(&format!("/api/v1/users/{active}")).json()["id"],
        active.as_str()
    );
    assert_eq!(
        c.get("/api/v1/users/ann%40example.com").json()["id"],
        active.as_str()
    );
    let missing = c.get("/api/v1/users/missing%40example.com");
    assert_eq!(
        (missing.status, missing.error_code().as_str()),
        (404, "E0000007")
    );

    // Email filter, `or`.
    let either = format!(r#"profile.email eq "ann@example.com" or id eq "{id}""#);
    assert_eq!(
        c.get(&format!("/api/v1/users?filter={}", q(&either)))
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn profiles_are_validated_like_the_default_schema() {
    let okta = FakeOkta::start();
    let mut c = Client::new(&okta);
    let r = c.post(
        "/api/v1/users?activate=false",
        Some(&json!({"profile": {"login": "nofirst@example.com", "email": "nofirst@example.com", "lastName": "X"}})),
    );
    assert_eq!((r.status, r.error_code().as_str()), (400, "E0000001"));
    assert_eq!(
        r.json()["errorCauses"][0]["errorSummary"],
        "firstName: The field cannot be left blank"
    );
    let r = c.post(
        "/api/v1/users?activate=false",
        Some(&json!({"profile": {"login": "x@example.com", "email": "x@example.com", "firstName": "X", "lastName": "Y", "shoeSize": "9"}})),
    );
    assert_eq!((r.status, r.error_code().as_str()), (400, "E0000001"));
    assert_eq!(
        c.get("/api/v1/users?filter=id+eq+%22x%22").json(),
        json!([])
    );

    // A seeded user with a minimal profile can still be partially updated.
    let id = okta.add_user(json!({"login": "min@example.com"}), "ACTIVE");
    let r = c.post(
        &format!("/api/v1/users/{id}"),
        Some(&json!({"profile": {"department": "Ops"}})),
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let r = c.post(
        &format!("/api/v1/users/{id}"),
        Some(&json!({"profile": {"shoeSize": "9"}})),
    );
    assert_eq!(r.status, 400);
    okta.add_custom_property("shoeSize", "Shoe size");
    let r = c.post(
        &format!("/api/v1/users/{id}"),
        Some(&json!({"profile": {"shoeSize": "9"}})),
    );
    assert_eq!(r.status, 200);
    let schema = c.get("/api/v1/meta/schemas/user/default").json();
    assert_eq!(
        schema["definitions"]["custom"]["properties"]["shoeSize"]["title"],
        "Shoe size"
    );

    // Not JSON.
    let r = c.send("POST", "/api/v1/users", None).unwrap();
    assert_eq!((r.status, r.error_code().as_str()), (400, "E0000003"));
}

#[test]
fn lifecycle_post_without_content_length_gets_411() {
    let okta = FakeOkta::start();
    let id = okta.add_user(profile("len@example.com", "Len"), "STAGED");
    let mut c = Client::new(&okta);
    let raw = format!(
        "POST /api/v1/users/{id}/lifecycle/activate?sendEmail=false HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS {}\r\n\r\n",
        FakeOkta::TOKEN
    );
    let r = c.raw(raw.as_bytes()).unwrap();
    assert_eq!(r.status, 411);
    assert_common_headers(&r);
    assert_eq!(okta.user(&id).unwrap()["status"], "STAGED");
    // With Content-Length: 0 it works, on the same connection.
    let ok = c.post(
        &format!("/api/v1/users/{id}/lifecycle/activate?sendEmail=false"),
        None,
    );
    assert_eq!(ok.status, 200);
}

#[test]
fn apps_pagination_over_three_pages_and_assignments() {
    let okta = FakeOkta::start();
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(okta.add_app(&format!("app_{i}"), &format!("App {i}")));
    }
    okta.add_app("other", "Other");
    let mut c = Client::new(&okta);

    let mut url = "/api/v1/apps?q=app&limit=2".to_string();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let r = c.get(&url);
        assert_eq!(r.status, 200);
        pages += 1;
        let links = r.all("link");
        assert!(links.iter().any(|l| l.ends_with("rel=\"self\"")));
        for app in r.json().as_array().unwrap() {
            assert!(app["_links"]["logo"].is_array());
            assert!(app["_links"]["logo"][0]["href"].is_string());
            seen.push(app["id"].as_str().unwrap().to_string());
        }
        match r.next() {
            Some(next) => {
                assert_eq!(links.len(), 2, "one link line per relation");
                assert!(next.starts_with(&okta.url()), "{next}");
                assert!(
                    next.contains("q=app") && next.contains("limit=2") && next.contains("after="),
                    "{next}"
                );
                url = next;
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids);

    // limit is capped at 200.
    okta.set_page_limits("apps", 20, 3);
    assert_eq!(
        c.get("/api/v1/apps?limit=500")
            .json()
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // Apps of a user, directly and through a group.
    let user = okta.add_user(profile("app.user@example.com", "Apu"), "ACTIVE");
    okta.assign(&ids[1], &user, json!({"department": "Finance"}));
    let group = okta.add_group("App Group");
    okta.add_member(&group, &user);
    okta.assign_group(&ids[3], &group);
    let filter = q(&format!(r#"user.id eq "{user}""#));
    let mine = c.get(&format!("/api/v1/apps?filter={filter}")).json();
    let mine: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(mine, vec![ids[1].as_str(), ids[3].as_str()]);

    let au = c.get(&format!("/api/v1/apps/{}/users/{user}", ids[1]));
    assert_eq!(au.status, 200);
    assert_eq!(au.json()["scope"], "USER");
    assert_eq!(au.json()["profile"]["department"], "Finance");
    assert_eq!(
        c.get(&format!("/api/v1/apps/{}/users/{user}", ids[3]))
            .json()["scope"],
        "GROUP"
    );
    let none = c.get(&format!("/api/v1/apps/{}/users/{user}", ids[0]));
    assert_eq!((none.status, none.error_code().as_str()), (404, "E0000007"));
    assert!(none.json()["errorSummary"]
        .as_str()
        .unwrap()
        .ends_with("(AppUser)"));
}

#[test]
fn groups_search_get_and_members_paging() {
    let okta = FakeOkta::start();
    let g = okta.add_group("Engineering");
    okta.add_group("Engineering Leads");
    okta.add_group("Finance");
    let mut members = Vec::new();
    for i in 0..3 {
        let u = okta.add_user(profile(&format!("eng{i}@example.com"), "Eng"), "ACTIVE");
        okta.add_member(&g, &u);
        members.push(u);
    }
    let mut c = Client::new(&okta);
    let found = c.get("/api/v1/groups?q=eng").json();
    assert_eq!(found.as_array().unwrap().len(), 2);
    assert_eq!(found[0]["profile"]["name"], "Engineering");
    assert_eq!(
        c.get(&format!("/api/v1/groups/{g}")).json()["id"],
        g.as_str()
    );
    let missing = c.get("/api/v1/groups/00gmissing0000000000");
    assert_eq!(
        (missing.status, missing.error_code().as_str()),
        (404, "E0000007")
    );

    let mut url = format!("/api/v1/groups/{g}/users?limit=2");
    let mut seen = Vec::new();
    loop {
        let r = c.get(&url);
        for u in r.json().as_array().unwrap() {
            seen.push(u["id"].as_str().unwrap().to_string());
        }
        match r.next() {
            Some(n) => url = n,
            None => break,
        }
    }
    assert_eq!(seen, members);
}

#[test]
fn schema_has_base_and_custom_properties_with_titles() {
    let okta = FakeOkta::start();
    let mut c = Client::new(&okta);
    let s = c.get("/api/v1/meta/schemas/user/default").json();
    assert_eq!(
        s["definitions"]["base"]["properties"]["login"]["title"],
        "Username"
    );
    assert_eq!(
        s["definitions"]["base"]["properties"]["employeeNumber"]["title"],
        "Employee number"
    );
    assert!(s["definitions"]["custom"]["properties"]
        .as_object()
        .unwrap()
        .values()
        .all(|p| p["title"].is_string()));
}

#[test]
fn logs_polling_always_has_next_and_late_events_follow_the_cursor() {
    let okta = FakeOkta::start();
    let app = okta.add_app("workday", "Workday");
    okta.add_user(profile("dana@example.com", "Dana"), "ACTIVE");
    let uuids = okta.push_events(3, "2025-05-20T16:00:00.000Z");
    assert_eq!(uuids.len(), 3);
    let mut c = Client::new(&okta);

    let filter = format!(
        r#"(eventType eq "application.user_membership.add" or eventType eq "application.user_membership.remove") and(target.id co "{app}" or target.id co "0oaNOPE")"#
    );
    let first = c.get(&format!(
        "/api/v1/logs?since={}&limit=2&filter={}",
        q("2025-05-20T00:00:00Z"),
        q(&filter)
    ));
    assert_eq!(first.status, 200);
    let events = first.json();
    assert_eq!(events.as_array().unwrap().len(), 2);
    assert_eq!(events[0]["uuid"], uuids[0].as_str());
    assert_eq!(events[0]["target"].as_array().unwrap().len(), 3);
    assert_eq!(events[0]["target"][1]["id"], app.as_str());
    assert_eq!(events[0]["target"][2]["alternateId"], "dana@example.com");

    let second = c.get(&first.next().expect("next"));
    assert_eq!(second.json().as_array().unwrap().len(), 1);
    let third = c.get(&second.next().expect("next"));
    assert_eq!(third.json(), json!([]));
    let cursor = third
        .next()
        .expect("polling pages always have next, even empty ones");
    assert!(
        cursor.contains("filter=") && cursor.contains("since="),
        "{cursor}"
    );

    // A late event: persisted now, published before `since`.
    okta.push_event(json!({
        "uuid": "late-0001",
        "published": "2025-05-19T00:00:00.000Z",
        "eventType": "application.user_membership.remove",
        "target": [{"id": app, "type": "AppInstance"}]
    }));
    // Not matching the filter: skipped.
    okta.push_event(json!({"eventType": "user.session.start", "target": []}));
    let late = c.get(&cursor);
    assert_eq!(late.json().as_array().unwrap().len(), 1);
    assert_eq!(late.json()[0]["uuid"], "late-0001");
    let after_late = c.get(&late.next().unwrap());
    assert_eq!(after_late.json(), json!([]));
    assert!(after_late.next().is_some());

    // Bounded: published order, finite. The late event sorts first.
    let bounded = c.get(&format!(
        "/api/v1/logs?since={}&until={}&limit=3&filter={}",
        q("2025-05-01T00:00:00.000Z"),
        q("2025-06-01T00:00:00.000Z"),
        q(&filter)
    ));
    let b = bounded.json();
    assert_eq!(b.as_array().unwrap().len(), 3);
    assert_eq!(b[0]["uuid"], "late-0001");
    let last = c.get(&bounded.next().expect("more"));
    assert_eq!(last.json().as_array().unwrap().len(), 1);
    assert!(last.next().is_none(), "bounded queries end");

    // DESCENDING is finite too.
    let desc = c.get("/api/v1/logs?sortOrder=DESCENDING&limit=10").json();
    assert_eq!(desc.as_array().unwrap().len(), 5);

    // `published` may not be filtered on; a broken filter is rejected.
    let p = c.get(&format!(
        "/api/v1/logs?filter={}",
        q(r#"published gt "2025-01-01T00:00:00Z""#)
    ));
    assert_eq!((p.status, p.error_code().as_str()), (400, "E0000053"));
    let bad = c.get(&format!(
        "/api/v1/logs?filter={}",
        q(r#"eventType eqq "x""#)
    ));
    assert_eq!((bad.status, bad.error_code().as_str()), (400, "E0000053"));
}

#[test]
fn logs_large_pages() {
    let okta = FakeOkta::start();
    okta.push_events(2500, "2025-05-20T16:00:00.000Z");
    let mut c = Client::new(&okta);
    let started = Instant::now();
    let mut url = format!(
        "/api/v1/logs?since={}&limit=5000",
        q("2025-05-20T00:00:00Z")
    );
    let mut sizes = Vec::new();
    loop {
        let r = c.get(&url);
        let n = r.json().as_array().unwrap().len();
        sizes.push(n);
        url = r.next().expect("polling");
        if n == 0 {
            break;
        }
    }
    assert_eq!(sizes, vec![1000, 1000, 500, 0]);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        c.get("/api/v1/logs").json().as_array().unwrap().len(),
        100,
        "default limit"
    );
}

#[test]
fn rate_limit_headers_and_429_when_exhausted() {
    let okta = FakeOkta::start();
    okta.set_rate_limit(3, Duration::from_secs(60));
    let mut c = Client::new(&okta);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let r = c.get("/api/v1/users/me");
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-rate-limit-limit"), Some("3"));
        remaining.push(r.header("x-rate-limit-remaining").unwrap().to_string());
    }
    assert_eq!(remaining, vec!["2", "1", "0"]);
    let r = c.get("/api/v1/users/me");
    assert_eq!((r.status, r.error_code().as_str()), (429, "E0000047"));
    assert_eq!(r.header("x-rate-limit-remaining"), Some("0"));
    let reset: u64 = r.header("x-rate-limit-reset").unwrap().parse().unwrap();
    let date = chrono::DateTime::parse_from_rfc2822(r.header("date").unwrap())
        .unwrap()
        .timestamp() as u64;
    assert!(
        reset >= date + 59 && reset <= date + 61,
        "reset {reset} date {date}"
    );

    // The window starts with the first request after a reset.
    okta.set_rate_limit(1, Duration::from_millis(300));
    assert_eq!(c.get("/api/v1/users/me").status, 200);
    assert_eq!(c.get("/api/v1/users/me").status, 429);
    std::thread::sleep(Duration::from_millis(350));
    assert_eq!(c.get("/api/v1/users/me").status, 200, "a new window");
}

#[test]
fn every_fault_kind() {
    let okta = FakeOkta::start();
    let mut c = Client::new(&okta);

    okta.fail_next("/api/v1/logs", Fault::Status(503), 2);
    for _ in 0..2 {
        let r = c.get("/api/v1/logs");
        assert_eq!((r.status, r.error_code().as_str()), (503, "E0000009"));
        assert_common_headers(&r);
    }
    assert_eq!(c.get("/api/v1/logs").status, 200);

    okta.fail_next("*", Fault::RateLimit, 1);
    let r = c.get("/api/v1/users/me");
    assert_eq!((r.status, r.error_code().as_str()), (429, "E0000047"));
    assert_eq!(r.header("x-rate-limit-remaining"), Some("0"));
    assert_ne!(r.header("x-rate-limit-limit"), Some("0"));
    assert!(
        r.header("x-rate-limit-reset")
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );

    okta.fail_next("*", Fault::ConcurrencyLimit, 1);
    let r = c.get("/api/v1/users/me");
    assert_eq!((r.status, r.error_code().as_str()), (429, "E0000047"));
    assert_eq!(r.header("x-rate-limit-limit"), Some("0"));
    assert_eq!(r.header("x-rate-limit-remaining"), Some("0"));

    okta.fail_next("/api/v1/users", Fault::NonJson(502), 1);
    let r = c.get("/api/v1/users/me");
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());

    // Method-qualified matcher: GETs pass, the POST fails.
    okta.fail_next("POST /api/v1/users", Fault::Truncated, 1);
    assert_eq!(c.get("/api/v1/users/me").status, 200);
    let err = c
        .send(
            "POST",
            "/api/v1/users?activate=false",
            Some(&json!({"profile": profile("t@example.com", "T")})),
        )
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof, "{err}");
    assert!(
        okta.user("t@example.com").is_some(),
        "a truncated response was still processed"
    );

    okta.fail_next("/api/v1/users/me", Fault::Drop, 1);
    let err = c.send("GET", "/api/v1/users/me", None).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionAborted, "{err}");

    okta.fail_next(
        "/api/v1/users/me",
        Fault::Delay(Duration::from_millis(300)),
        1,
    );
    let t = Instant::now();
    assert_eq!(c.get("/api/v1/users/me").status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    assert_eq!(c.get("/api/v1/users/me").status, 200);
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[test]
fn requests_are_recorded_and_connection_close_is_honoured() {
    let okta = FakeOkta::start();
    let mut c = Client::new(&okta);
    c.post(
        "/api/v1/users?activate=false&provider=true",
        Some(&json!({"profile": profile("rec@example.com", "Rec")})),
    );
    c.get(&format!(
        "/api/v1/users?filter={}",
        q(r#"profile.login eq "rec@example.com""#)
    ));
    let reqs = okta.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(okta.request_count(), 2);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/api/v1/users");
    assert_eq!(
        reqs[0].query,
        vec![
            ("activate".to_string(), "false".to_string()),
            ("provider".to_string(), "true".to_string())
        ]
    );
    assert_eq!(
        reqs[0].header("Authorization"),
        Some(format!("SSWS {}", FakeOkta::TOKEN).as_str())
    );
    assert!(reqs[0].headers.iter().all(|(k, _)| *k == k.to_lowercase()));
    assert_eq!(
        reqs[0].json().unwrap()["profile"]["login"],
        "rec@example.com"
    );
    assert_eq!(
        reqs[1].param("filter"),
        Some(r#"profile.login eq "rec@example.com""#)
    );
    okta.reset_requests();
    assert_eq!(okta.request_count(), 0);

    let raw = format!(
        "GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS {}\r\nConnection: close\r\n\r\n",
        FakeOkta::TOKEN
    );
    let mut s = TcpStream::connect(okta.url().trim_start_matches("http://")).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap(); // returns only because the server closes
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"));
    assert!(text
        .to_ascii_lowercase()
        .contains("\r\nconnection: close\r\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usable_from_async_tests() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let okta = FakeOkta::start();
    let mut s = tokio::net::TcpStream::connect(okta.url().trim_start_matches("http://"))
        .await
        .unwrap();
    let raw = format!(
        "GET /api/v1/users/me HTTP/1.1\r\nHost: x\r\nAuthorization: SSWS {}\r\nConnection: close\r\n\r\n",
        FakeOkta::TOKEN
    );
    s.write_all(raw.as_bytes()).await.unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).await.unwrap();
    assert!(String::from_utf8_lossy(&all).starts_with("HTTP/1.1 200 OK"));
    drop(okta); // stops the server from inside a runtime without panicking
}

#[test]
fn concurrent_clients_and_no_recording() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let okta = FakeOkta::start();
    shareable(&okta);
    for i in 0..20 {
        okta.add_user(profile(&format!("c{i}@example.com"), "C"), "ACTIVE");
    }
    okta.set_recording(false);
    std::thread::scope(|scope| {
        for t in 0..8 {
            let okta = &okta;
            scope.spawn(move || {
                let mut c = Client::new(okta);
                for i in 0..25 {
                    let login = format!("c{}@example.com", (t + i) % 20);
                    let r = c.get(&format!(
                        "/api/v1/users?filter={}",
                        q(&format!(r#"profile.login eq "{login}""#))
                    ));
                    assert_eq!(r.json()[0]["profile"]["login"], login.as_str());
                }
            });
        }
    });
    assert_eq!(okta.request_count(), 200);
    assert!(okta.requests().is_empty());
}
