//! The fake's state (users, groups, versions) and its routes.

use fake_http::http::{Request, Response};
use fake_http::{Fault, FaultQueue, Recorder, Routes};
use serde_json::{json, Map, Value};

use crate::filter;
use crate::{BASE_PATH, MAX_COUNT, TOKEN};

const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Every resource carries this fixed time, so recordings do not depend on the clock.
const STAMP: &str = "2024-01-01T00:00:00Z";

pub struct State {
    url: String,
    pub users: Vec<Value>,
    groups: Vec<Value>,
    next_id: u64,
    pub faults: FaultQueue,
    pub recorder: Recorder,
}

fn error(status: u16, scim_type: Option<&str>, detail: &str) -> Response {
    let mut body = json!({"schemas": [ERROR], "status": status.to_string(), "detail": detail});
    if let Some(scim_type) = scim_type {
        body["scimType"] = json!(scim_type);
    }
    scim_json(status, &body)
}

fn ok(status: u16, body: &Value) -> Response {
    scim_json(status, body)
}

/// A body in SCIM's media type (RFC 7644 §3.1).
fn scim_json(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("Content-Type".into(), "application/scim+json".into())],
        body: body.to_string().into_bytes(),
    }
}

fn with_etag(status: u16, resource: &Value) -> Response {
    let version = resource
        .pointer("/meta/version")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    ok(status, resource).header("etag", version)
}

/// `%XX` decoded (ids arrive as one percent-encoded path segment).
fn decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&segment[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl State {
    pub fn new(url: String) -> State {
        State {
            url,
            users: Vec::new(),
            groups: Vec::new(),
            next_id: 1,
            faults: FaultQueue::default(),
            recorder: Recorder::default(),
        }
    }

    fn new_id(&mut self, prefix: &str) -> String {
        let id = format!("{prefix}{:04}", self.next_id);
        self.next_id += 1;
        id
    }

    fn meta(&self, kind: &str, id: &str, version: u64) -> Value {
        json!({"resourceType": kind, "created": STAMP, "lastModified": STAMP,
            "location": format!("{}{BASE_PATH}/{kind}s/{id}", self.url),
            "version": format!("W/\"{version}\"")})
    }

    fn version_of(resource: &Value) -> u64 {
        resource
            .pointer("/meta/version")
            .and_then(Value::as_str)
            .and_then(|v| v.trim_start_matches("W/").trim_matches('"').parse().ok())
            .unwrap_or(0)
    }

    pub fn user(&self, id: &str) -> Option<&Value> {
        self.users.iter().find(|u| u["id"] == id)
    }

    fn user_index(&self, id: &str) -> Option<usize> {
        self.users.iter().position(|u| u["id"] == id)
    }

    fn user_name_taken(&self, name: &str, except: Option<&str>) -> bool {
        self.users.iter().any(|u| {
            u["userName"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
                && except.is_none_or(|id| u["id"] != id)
        })
    }

    /// Checks and stores a new user; its id, or the error answer.
    pub fn insert_user(&mut self, mut user: Value) -> Result<String, Response> {
        let Some(object) = user.as_object_mut() else {
            return Err(error(
                400,
                Some("invalidSyntax"),
                "The body is not a JSON object.",
            ));
        };
        let name = match object.get("userName").and_then(Value::as_str) {
            Some(name) if !name.trim().is_empty() => name.to_string(),
            _ => return Err(error(400, Some("invalidValue"), "userName is required.")),
        };
        if self.user_name_taken(&name, None) {
            return Err(error(
                409,
                Some("uniqueness"),
                &format!("userName '{name}' is already taken."),
            ));
        }
        let id = self.new_id("u");
        object.insert("id".into(), json!(id));
        object.entry("active").or_insert(json!(true));
        object.entry("schemas").or_insert(json!([USER_SCHEMA]));
        object.remove("groups");
        let meta = self.meta("User", &id, 1);
        object.insert("meta".into(), meta);
        self.users.push(user);
        Ok(id)
    }

    pub fn insert_group(&mut self, display_name: &str, member_ids: &[&str]) -> String {
        let id = self.new_id("g");
        let members: Vec<Value> = member_ids
            .iter()
            .map(|m| {
                let display = self
                    .user(m)
                    .and_then(|u| u.get("displayName").or_else(|| u.get("userName")))
                    .cloned()
                    .unwrap_or(Value::Null);
                json!({"value": m, "display": display, "type": "User"})
            })
            .collect();
        let meta = self.meta("Group", &id, 1);
        self.groups.push(json!({"schemas": [GROUP_SCHEMA], "id": id,
            "displayName": display_name, "members": members, "meta": meta}));
        id
    }

    /// A user as answered: with the groups it is a member of.
    fn render_user(&self, user: &Value) -> Value {
        let mut user = user.clone();
        let groups: Vec<Value> = self
            .groups
            .iter()
            .filter(|g| {
                g["members"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|m| m["value"] == user["id"])
            })
            .map(|g| json!({"value": g["id"], "display": g["displayName"]}))
            .collect();
        if !groups.is_empty() {
            user["groups"] = json!(groups);
        }
        user
    }

    fn list(&self, req: &Request, resources: Vec<Value>) -> Response {
        let filtered: Vec<Value> = match req.param("filter") {
            None => resources,
            Some(text) => match filter::parse(text) {
                Some(eq) => resources
                    .into_iter()
                    .filter(|r| filter::matches(r, &eq))
                    .collect(),
                None => {
                    return error(
                        400,
                        Some("invalidFilter"),
                        &format!("Unsupported filter: {text}"),
                    )
                }
            },
        };
        let start = req
            .param("startIndex")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let count = req
            .param("count")
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(MAX_COUNT)
            .min(MAX_COUNT);
        let page: Vec<Value> = filtered
            .iter()
            .skip(start - 1)
            .take(count)
            .cloned()
            .collect();
        ok(
            200,
            &json!({"schemas": [LIST_RESPONSE], "totalResults": filtered.len(),
                "itemsPerPage": page.len(), "startIndex": start, "Resources": page}),
        )
    }

    /// 412 when `If-Match` names another version than `resource`'s.
    fn precondition(req: &Request, resource: &Value) -> Option<Response> {
        let wanted = req.header("if-match")?;
        let current = resource.pointer("/meta/version").and_then(Value::as_str)?;
        (wanted != "*" && wanted != current).then(|| {
            error(
                412,
                Some("invalidVers"),
                "The resource changed since it was read (If-Match does not match).",
            )
        })
    }

    fn bump(&mut self, index: usize) {
        let version = Self::version_of(&self.users[index]) + 1;
        let id = self.users[index]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.users[index]["meta"] = self.meta("User", &id, version);
    }

    fn replace_user(&mut self, index: usize, body: &Value) -> Response {
        let Some(new) = body.as_object() else {
            return error(400, Some("invalidSyntax"), "The body is not a JSON object.");
        };
        let id = self.users[index]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = new
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if name.is_empty() {
            return error(400, Some("invalidValue"), "userName is required.");
        }
        if self.user_name_taken(name, Some(&id)) {
            return error(
                409,
                Some("uniqueness"),
                &format!("userName '{name}' is already taken."),
            );
        }
        let mut user: Map<String, Value> = new.clone();
        user.insert("id".into(), json!(id));
        user.insert("meta".into(), self.users[index]["meta"].clone());
        user.remove("groups");
        user.entry("schemas").or_insert(json!([USER_SCHEMA]));
        self.users[index] = Value::Object(user);
        self.bump(index);
        with_etag(200, &self.render_user(&self.users[index]))
    }

    fn patch_user(&mut self, index: usize, body: &Value) -> Response {
        if body["schemas"] != json!([PATCH_OP]) {
            return error(400, Some("invalidSyntax"), "The body is not a PatchOp.");
        }
        let Some(operations) = body["Operations"].as_array() else {
            return error(400, Some("invalidSyntax"), "Operations is missing.");
        };
        let mut user = self.users[index].clone();
        for operation in operations {
            let op = operation["op"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let path = operation["path"].as_str();
            let value = operation.get("value").cloned().unwrap_or(Value::Null);
            let Some(object) = user.as_object_mut() else {
                break;
            };
            match (op.as_str(), path) {
                ("add" | "replace", None) => match value.as_object() {
                    Some(values) => {
                        for (k, v) in values {
                            object.insert(k.clone(), v.clone());
                        }
                    }
                    None => {
                        return error(
                            400,
                            Some("invalidValue"),
                            "A patch without a path needs an object value.",
                        )
                    }
                },
                ("add" | "replace", Some(path)) => set_path(object, path, value),
                ("remove", Some(path)) => {
                    object.remove(path);
                }
                _ => {
                    return error(
                        400,
                        Some("invalidSyntax"),
                        &format!("Unsupported op '{op}'."),
                    )
                }
            }
        }
        if user["userName"].as_str().is_none_or(str::is_empty) {
            return error(400, Some("invalidValue"), "userName is required.");
        }
        let id = user["id"].as_str().unwrap_or_default().to_string();
        if self.user_name_taken(user["userName"].as_str().unwrap_or_default(), Some(&id)) {
            return error(409, Some("uniqueness"), "userName is already taken.");
        }
        if user["id"] != self.users[index]["id"] {
            return error(400, Some("mutability"), "id is read-only.");
        }
        self.users[index] = user;
        self.bump(index);
        with_etag(200, &self.render_user(&self.users[index]))
    }

    fn users_route(&mut self, req: &Request, rest: &str) -> Response {
        let body: Option<Value> = serde_json::from_slice(&req.body).ok();
        if rest.is_empty() {
            return match req.method.as_str() {
                "GET" => {
                    let users = self.users.iter().map(|u| self.render_user(u)).collect();
                    self.list(req, users)
                }
                "POST" => match body {
                    None => error(400, Some("invalidSyntax"), "The body is not JSON."),
                    Some(body) => match self.insert_user(body) {
                        Ok(id) => {
                            let user = self.user(&id).cloned().unwrap_or_default();
                            with_etag(201, &self.render_user(&user))
                        }
                        Err(response) => response,
                    },
                },
                _ => error(405, None, "Method not allowed."),
            };
        }
        let id = decode(rest);
        let Some(index) = self.user_index(&id) else {
            return error(404, None, &format!("User {id} not found."));
        };
        if req.method != "GET" {
            if let Some(stale) = Self::precondition(req, &self.users[index]) {
                return stale;
            }
        }
        match (req.method.as_str(), body) {
            ("GET", _) => with_etag(200, &self.render_user(&self.users[index])),
            ("PUT", Some(body)) => self.replace_user(index, &body),
            ("PATCH", Some(body)) => self.patch_user(index, &body),
            ("DELETE", _) => {
                self.users.remove(index);
                for group in &mut self.groups {
                    if let Some(members) = group["members"].as_array_mut() {
                        members.retain(|m| m["value"] != id.as_str());
                    }
                }
                Response::empty(204)
            }
            ("PUT" | "PATCH", None) => error(400, Some("invalidSyntax"), "The body is not JSON."),
            _ => error(405, None, "Method not allowed."),
        }
    }

    fn groups_route(&mut self, req: &Request, rest: &str) -> Response {
        if req.method != "GET" {
            return error(405, None, "The fake's groups are read-only.");
        }
        if rest.is_empty() {
            return self.list(req, self.groups.clone());
        }
        let id = decode(rest);
        match self.groups.iter().find(|g| g["id"] == id.as_str()) {
            Some(group) => with_etag(200, group),
            None => error(404, None, &format!("Group {id} not found.")),
        }
    }

    fn service_provider_config(&self) -> Response {
        ok(
            200,
            &json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
                "patch": {"supported": true}, "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
                "filter": {"supported": true, "maxResults": MAX_COUNT},
                "changePassword": {"supported": false}, "sort": {"supported": false},
                "etag": {"supported": true},
                "authenticationSchemes": [{"type": "oauthbearertoken", "name": "Bearer token",
                    "description": "A bearer token in the Authorization header."}]}),
        )
    }

    fn respond(&mut self, req: &Request) -> Response {
        if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            return error(401, None, "A valid bearer token is required.");
        }
        let Some(path) = req.path.strip_prefix(BASE_PATH) else {
            return error(404, None, "Not a SCIM endpoint.");
        };
        let path = path.trim_start_matches('/');
        let (resource, rest) = path.split_once('/').unwrap_or((path, ""));
        match resource {
            "ServiceProviderConfig" if req.method == "GET" => self.service_provider_config(),
            "Users" => self.users_route(req, rest),
            "Groups" => self.groups_route(req, rest),
            _ => error(404, None, &format!("No endpoint {}.", req.path)),
        }
    }
}

/// `value` at `path` (`title`, or `name.givenName` one level deep).
fn set_path(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        Some((outer, inner)) if !outer.contains('[') => {
            let entry = object.entry(outer).or_insert_with(|| json!({}));
            if let Some(nested) = entry.as_object_mut() {
                nested.insert(inner.to_string(), value);
            }
        }
        _ => {
            object.insert(path.to_string(), value);
        }
    }
}

impl Routes for State {
    fn begin(&mut self, req: &Request) -> Option<Fault> {
        self.recorder.record(req);
        self.faults.take(req)
    }

    fn respond(&mut self, req: &Request) -> Response {
        State::respond(self, req)
    }

    fn fault_response(&mut self, fault: &Fault) -> Response {
        match fault {
            Fault::RateLimit | Fault::ConcurrencyLimit => {
                error(429, None, "Too many requests.").header("retry-after", "1")
            }
            Fault::Status(status) => error(*status, None, "Injected failure."),
            Fault::NonJson(status) => Response::html(*status),
            _ => error(500, None, "Injected failure."),
        }
    }

    fn malformed_request(&self) -> Response {
        error(400, Some("invalidSyntax"), "The request could not be read.")
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn ids_are_percent_decoded() {
        assert_eq!(decode("a%2Fb%22"), "a/b\"");
        assert_eq!(decode("plain"), "plain");
        assert_eq!(decode("bad%zz"), "bad%zz");
    }
}
