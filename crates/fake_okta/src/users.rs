//! `/api/v1/users…` and `/api/v1/meta/schemas/user/default` (okta-api.md §2).

use serde_json::{json, Map, Value};

use super::filter::{self, Expr, Op};
use super::state::{now_iso, State, User, PROFILE_BASE, REQUIRED};
use fake_http::http::{Request, Response};

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@') && !s.contains(' ')
        }
        None => false,
    }
}

impl State {
    // -----------------------------------------------------------------------------------------
    // Storage

    /// Stores a user (no validation) and returns its index.
    pub fn insert_user(
        &mut self,
        mut profile: Value,
        status: &str,
        has_password: bool,
        federated: bool,
    ) -> usize {
        let id = self.ids.object("00u");
        let now = now_iso();
        if let Value::Object(p) = &mut profile {
            p.entry("mobilePhone").or_insert(Value::Null);
            p.entry("secondEmail").or_insert(Value::Null);
        }
        let activated = if matches!(status, "STAGED") {
            Value::Null
        } else {
            json!(now)
        };
        let mut credentials = Map::new();
        if has_password {
            credentials.insert("password".into(), json!({}));
        }
        let provider = if federated { "FEDERATION" } else { "OKTA" };
        credentials.insert(
            "provider".into(),
            json!({"type": provider, "name": provider}),
        );
        let obj = json!({
            "id": id,
            "status": status,
            "created": now,
            "activated": activated,
            "statusChanged": activated,
            "lastLogin": null,
            "lastUpdated": now,
            "passwordChanged": if has_password { json!(now) } else { Value::Null },
            "type": {"id": self.user_type_id},
            "profile": profile,
            "credentials": credentials,
        });
        let idx = self.users.len();
        self.users.push(User {
            obj,
            has_password,
            federated,
            deleted: false,
        });
        self.user_by_id.insert(id, idx);
        self.index_user(idx);
        idx
    }

    fn index_user(&mut self, idx: usize) {
        let login = self.users[idx].login().to_lowercase();
        let email = self.users[idx].email().to_lowercase();
        if !login.is_empty() {
            self.user_by_login.insert(login, idx);
        }
        if !email.is_empty() {
            self.user_by_email.entry(email).or_default().push(idx);
        }
    }

    fn unindex_user(&mut self, idx: usize) {
        let login = self.users[idx].login().to_lowercase();
        let email = self.users[idx].email().to_lowercase();
        if self.user_by_login.get(&login) == Some(&idx) {
            self.user_by_login.remove(&login);
        }
        if let Some(v) = self.user_by_email.get_mut(&email) {
            v.retain(|&i| i != idx);
            if v.is_empty() {
                self.user_by_email.remove(&email);
            }
        }
    }

    /// By id, or by login (case-insensitive). Deleted users are gone.
    pub fn find_user(&self, key: &str) -> Option<usize> {
        let idx = self
            .user_by_id
            .get(key)
            .or_else(|| self.user_by_login.get(&key.to_lowercase()))
            .copied()?;
        (!self.users[idx].deleted).then_some(idx)
    }

    pub fn user_href(&self, id: &str) -> String {
        format!("{}/api/v1/users/{id}", self.base)
    }

    /// The user as a single GET returns it (full `_links`), or as a collection item
    /// (`_links.self` only).
    pub fn render_user(&self, idx: usize, full: bool) -> Value {
        let u = &self.users[idx];
        let mut obj = u.obj.clone();
        let href = self.user_href(u.id());
        let mut links = Map::new();
        if full {
            let post = |action: &str| json!({"href": format!("{href}/lifecycle/{action}"), "method": "POST"});
            let actions: &[&str] = match u.status() {
                "STAGED" => &["activate"],
                "PROVISIONED" => &["reactivate", "resetPassword", "deactivate"],
                "ACTIVE" => &["suspend", "resetPassword", "expirePassword", "deactivate"],
                "SUSPENDED" => &["unsuspend", "resetPassword", "deactivate"],
                "LOCKED_OUT" => &["unlock", "resetPassword", "deactivate"],
                "PASSWORD_EXPIRED" | "RECOVERY" => &["resetPassword", "deactivate"],
                "DEPROVISIONED" => &["activate", "delete"],
                _ => &["deactivate"],
            };
            for &a in actions {
                let link = match a {
                    "resetPassword" => post("reset_password"),
                    "expirePassword" => post("expire_password"),
                    "delete" => json!({"href": href, "method": "DELETE"}),
                    other => post(other),
                };
                links.insert(a.to_string(), link);
            }
            if u.status() != "STAGED" {
                if u.has_password {
                    links.insert(
                        "changePassword".into(),
                        json!({"href": format!("{href}/credentials/change_password"), "method": "POST"}),
                    );
                }
                links.insert(
                    "schema".into(),
                    json!({"href": format!("{}/api/v1/meta/schemas/user/{}", self.base, self.schema_id)}),
                );
                links.insert(
                    "type".into(),
                    json!({"href": format!("{}/api/v1/meta/types/user/{}", self.base, self.user_type_id)}),
                );
            }
        }
        links.insert("self".into(), json!({"href": href}));
        if let Value::Object(o) = &mut obj {
            o.insert("_links".into(), Value::Object(links));
        }
        obj
    }

    fn allowed_profile_key(&self, key: &str) -> bool {
        PROFILE_BASE.iter().any(|(k, _)| *k == key)
            || self.custom_props.iter().any(|(k, _, _)| k == key)
    }

    /// Validates a profile; `own` is the user being updated (for the uniqueness check). With
    /// `partial`, required fields are checked only when sent (a POST update of a user whose
    /// stored profile lacks a required field still succeeds, as it would on a real org where
    /// every stored profile has them).
    fn check_profile(
        &mut self,
        profile: &Map<String, Value>,
        own: Option<usize>,
        partial: bool,
    ) -> Result<(), Response> {
        let mut causes: Vec<(String, String)> = Vec::new();
        if self.validate_profiles {
            for key in profile.keys() {
                if !self.allowed_profile_key(key) {
                    causes.push((
                        key.clone(),
                        format!("{key}: Property name '{key}' is not defined in profile"),
                    ));
                }
            }
            for &key in REQUIRED {
                if partial && !profile.contains_key(key) {
                    continue;
                }
                let blank = match profile.get(key) {
                    None | Some(Value::Null) => true,
                    Some(Value::String(s)) => s.trim().is_empty(),
                    Some(_) => false,
                };
                if blank {
                    causes.push((
                        key.to_string(),
                        format!("{key}: The field cannot be left blank"),
                    ));
                }
            }
            if let Some(Value::String(l)) = profile.get("login") {
                if !l.trim().is_empty() && !looks_like_email(l) {
                    causes.push((
                        "login".into(),
                        "login: Username must be in the form of an email address".into(),
                    ));
                }
            }
            if let Some(Value::String(e)) = profile.get("email") {
                if !e.trim().is_empty() && !looks_like_email(e) {
                    causes.push((
                        "email".into(),
                        "email: Does not match required pattern".into(),
                    ));
                }
            }
        }
        if causes.is_empty() {
            if let Some(Value::String(l)) = profile.get("login") {
                if let Some(&other) = self.user_by_login.get(&l.to_lowercase()) {
                    if Some(other) != own && !self.users[other].deleted {
                        causes.push((
                            "login".into(),
                            "login: An object with this field already exists in the current organization".into(),
                        ));
                    }
                }
            }
        }
        if causes.is_empty() {
            return Ok(());
        }
        let field = causes[0].0.clone();
        let texts: Vec<String> = causes.into_iter().map(|(_, t)| t).collect();
        Err(self.error(
            400,
            "E0000001",
            &format!("Api validation failed: {field}"),
            &texts,
        ))
    }

    // -----------------------------------------------------------------------------------------
    // GET /users

    /// Candidate users for an expression, from the id/login/email indexes, when it can be
    /// answered from them (then still evaluated in full).
    fn candidates(&self, e: &Expr) -> Option<Vec<usize>> {
        match e {
            Expr::Cmp {
                attr,
                op: Op::Eq,
                value: filter::Lit::Str(s),
                ..
            } => match attr.as_str() {
                "id" => Some(self.user_by_id.get(s).copied().into_iter().collect()),
                "profile.login" => Some(
                    self.user_by_login
                        .get(&s.to_lowercase())
                        .copied()
                        .into_iter()
                        .collect(),
                ),
                "profile.email" => Some(
                    self.user_by_email
                        .get(&s.to_lowercase())
                        .cloned()
                        .unwrap_or_default(),
                ),
                _ => None,
            },
            Expr::Or(a, b) => {
                let mut v = self.candidates(a)?;
                v.extend(self.candidates(b)?);
                Some(v)
            }
            Expr::And(a, b) => self.candidates(a).or_else(|| self.candidates(b)),
            _ => None,
        }
    }

    pub fn list_users(&mut self, req: &Request) -> Response {
        let filter = req.param("filter").filter(|f| !f.trim().is_empty());
        let search = req.param("search").filter(|f| !f.trim().is_empty());
        if filter.is_some() && search.is_some() {
            return self.error(
                400,
                "E0000033",
                "Bad request. Can't specify a search query and filter in the same request.",
                &[],
            );
        }
        if let Some(q) = req
            .param("q")
            .filter(|_| filter.is_none() && search.is_none())
        {
            // People-picker prefix match: not paged, DEPROVISIONED left out, default limit 10.
            let limit = match self.limit(req, (10, 200)) {
                Ok(l) => l,
                Err(r) => return r,
            };
            let q = q.to_lowercase();
            let hits: Vec<Value> = (0..self.users.len())
                .filter(|&i| {
                    let u = &self.users[i];
                    !u.deleted
                        && u.status() != "DEPROVISIONED"
                        && ["firstName", "lastName", "email"].iter().any(|k| {
                            u.obj["profile"][*k]
                                .as_str()
                                .is_some_and(|v| v.to_lowercase().starts_with(&q))
                        })
                })
                .take(limit)
                .map(|i| self.render_user(i, false))
                .collect();
            let mut resp = self.ok(&Value::Array(hits));
            resp.headers.extend(self.links(req, None));
            return resp;
        }
        let (expr, ci) = match (filter, search) {
            (Some(f), _) => {
                let Ok(e) = filter::parse(f) else {
                    return self.invalid_search();
                };
                let ok = e.all(&|attr, op| match attr {
                    "id" | "status" | "profile.login" | "profile.email" | "profile.firstName"
                    | "profile.lastName" => op == Op::Eq,
                    "lastUpdated" => matches!(op, Op::Eq | Op::Gt | Op::Ge | Op::Lt | Op::Le),
                    _ => false,
                });
                if !ok {
                    return self.invalid_search();
                }
                (Some(e), false)
            }
            (None, Some(s)) => {
                let Ok(e) = filter::parse(s) else {
                    return self.invalid_search();
                };
                (Some(e), true)
            }
            (None, None) => (None, false),
        };
        let limit = match self.limit(req, self.limits.users) {
            Ok(l) => l,
            Err(r) => return r,
        };
        let after_idx = match req.param("after") {
            None | Some("") => None,
            Some(a) => match self.user_by_id.get(a) {
                Some(&i) => Some(i),
                None => return self.error(400, "E0000029", "Invalid paging request.", &[]),
            },
        };
        let candidates: Box<dyn Iterator<Item = usize>> =
            match expr.as_ref().and_then(|e| self.candidates(e)) {
                Some(mut v) => {
                    v.sort_unstable();
                    v.dedup();
                    Box::new(v.into_iter())
                }
                None => Box::new(0..self.users.len()),
            };
        let mut page = Vec::new();
        let mut more = false;
        for i in candidates {
            if after_idx.is_some_and(|a| i <= a) {
                continue;
            }
            let u = &self.users[i];
            if u.deleted {
                continue;
            }
            let hit = match &expr {
                None => u.status() != "DEPROVISIONED",
                Some(e) => e.eval(&u.obj, ci),
            };
            if hit {
                if page.len() == limit {
                    more = true;
                    break;
                }
                page.push(i);
            }
        }
        let cursor = if more {
            page.last().map(|&i| self.users[i].id().to_string())
        } else {
            None
        };
        let body: Vec<Value> = page.iter().map(|&i| self.render_user(i, false)).collect();
        let mut resp = self.ok(&Value::Array(body));
        resp.headers.extend(self.links(req, cursor.as_deref()));
        resp
    }

    pub fn get_user(&mut self, key: &str) -> Response {
        let idx = if key == "me" {
            Some(self.admin)
        } else {
            self.find_user(key)
        };
        match idx {
            Some(i) => {
                let v = self.render_user(i, true);
                self.ok(&v)
            }
            None => self.not_found(key, "User"),
        }
    }

    // -----------------------------------------------------------------------------------------
    // POST /users

    pub fn create_user(&mut self, req: &Request) -> Response {
        let body = match self.parse_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let bool_param = |name: &str, default: bool| match req.param(name) {
            Some(v) => v.eq_ignore_ascii_case("true"),
            None => default,
        };
        let activate = bool_param("activate", true);
        let provider = bool_param("provider", false);
        let Some(profile) = body.get("profile").and_then(Value::as_object).cloned() else {
            return self.bad_request("profile", "profile: The field cannot be left blank");
        };
        let has_password = body["credentials"]["password"]["value"].is_string()
            || body["credentials"]["password"]["hash"].is_object();
        let provider_type = body["credentials"]["provider"]["type"]
            .as_str()
            .unwrap_or("OKTA");
        let federated = provider && matches!(provider_type, "FEDERATION" | "SOCIAL");
        if req.param("nextLogin") == Some("changePassword") {
            if !activate {
                return self.error(
                    400,
                    "E0000125",
                    "Api validation failed: activate. nextLogin=changePassword requires activate=true",
                    &[],
                );
            }
            if !has_password {
                return self.error(
                    400,
                    "E0000124",
                    "Api validation failed: password. nextLogin=changePassword requires a password",
                    &[],
                );
            }
        }
        if let Err(r) = self.check_profile(&profile, None, false) {
            return r;
        }
        let mut group_idx = Vec::new();
        if let Some(ids) = body.get("groupIds").and_then(Value::as_array) {
            for g in ids {
                match g.as_str().and_then(|g| self.group_by_id.get(g)) {
                    Some(&gi) => group_idx.push(gi),
                    None => return self.bad_request("groupIds", "groupIds: Invalid group id"),
                }
            }
        }
        let status = if !activate {
            "STAGED"
        } else if has_password || federated {
            "ACTIVE"
        } else {
            "PROVISIONED"
        };
        let idx = self.insert_user(Value::Object(profile), status, has_password, federated);
        if let Some(q) = body["credentials"]["recovery_question"]["question"].as_str() {
            let q = q.to_string();
            if let Some(c) = self.users[idx].obj["credentials"].as_object_mut() {
                c.insert("recovery_question".into(), json!({"question": q}));
            }
        }
        for gi in group_idx {
            self.add_membership(gi, idx);
        }
        let v = self.render_user(idx, true);
        self.ok(&v)
    }

    // -----------------------------------------------------------------------------------------
    // POST/PUT /users/{id}

    pub fn update_user(&mut self, req: &Request, key: &str, replace: bool) -> Response {
        let Some(idx) = self.find_user(key) else {
            return self.not_found(key, "User");
        };
        let body = match self.parse_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        if self.users[idx].status() == "DEPROVISIONED" {
            return self.error(
                403,
                "E0000038",
                "This operation is not allowed in the user's current status.",
                &[],
            );
        }
        let new_profile = match body.get("profile") {
            Some(Value::Object(p)) => {
                let mut merged = if replace {
                    Map::new()
                } else {
                    self.users[idx].obj["profile"]
                        .as_object()
                        .cloned()
                        .unwrap_or_default()
                };
                for (k, v) in p {
                    merged.insert(k.clone(), v.clone());
                }
                if replace {
                    // Keys not sent are removed; Okta returns these two as null.
                    merged.entry("mobilePhone").or_insert(Value::Null);
                    merged.entry("secondEmail").or_insert(Value::Null);
                }
                Some(merged)
            }
            Some(_) => return self.bad_request("profile", "profile: The value must be an object"),
            None if replace => {
                return self.bad_request("profile", "profile: The field cannot be left blank")
            }
            None => None,
        };
        if let (Some(Value::Object(sent)), Some(merged)) = (body.get("profile"), &new_profile) {
            let checked = if replace { merged } else { sent };
            if let Err(r) = self.check_profile(checked, Some(idx), !replace) {
                return r;
            }
        }
        let now = now_iso();
        let new_password = body["credentials"]["password"]["value"].is_string();
        self.unindex_user(idx);
        {
            let u = &mut self.users[idx];
            if let Some(p) = new_profile {
                u.obj["profile"] = Value::Object(p);
            }
            if new_password {
                u.has_password = true;
                u.obj["passwordChanged"] = json!(now);
                if let Some(c) = u.obj["credentials"].as_object_mut() {
                    c.insert("password".into(), json!({}));
                }
            }
            u.obj["lastUpdated"] = json!(now);
        }
        self.index_user(idx);
        let v = self.render_user(idx, true);
        self.ok(&v)
    }

    // -----------------------------------------------------------------------------------------
    // DELETE /users/{id}

    pub fn delete_user(&mut self, key: &str) -> Response {
        let Some(idx) = self.find_user(key) else {
            return self.not_found(key, "User");
        };
        if self.users[idx].status() == "DEPROVISIONED" {
            self.unindex_user(idx);
            self.users[idx].deleted = true;
        } else {
            self.set_status(idx, "DEPROVISIONED");
        }
        Response::empty(204)
    }

    // -----------------------------------------------------------------------------------------
    // POST /users/{id}/lifecycle/{action}

    pub fn set_status(&mut self, idx: usize, status: &str) {
        let now = now_iso();
        let u = &mut self.users[idx];
        let from = u.status().to_string();
        u.obj["status"] = json!(status);
        u.obj["statusChanged"] = json!(now);
        u.obj["lastUpdated"] = json!(now);
        if matches!(from.as_str(), "STAGED" | "DEPROVISIONED")
            && matches!(status, "ACTIVE" | "PROVISIONED")
        {
            u.obj["activated"] = json!(now);
        }
    }

    fn activation_token(&mut self) -> Value {
        let tok = self.ids.token(20);
        json!({
            "activationUrl": format!("{}/tokens/{tok}/verify", self.base),
            "activationToken": tok,
        })
    }

    pub fn lifecycle(&mut self, req: &Request, key: &str, action: &str) -> Response {
        let Some(idx) = self.find_user(key) else {
            return self.not_found(key, "User");
        };
        let status = self.users[idx].status().to_string();
        let send_email = |default: bool| match req.param("sendEmail") {
            Some(v) => v.eq_ignore_ascii_case("true"),
            None => default,
        };
        let not_allowed = "This operation is not allowed in the user's current status.";
        match action {
            "activate" => match status.as_str() {
                "STAGED" | "DEPROVISIONED" => {
                    let u = &self.users[idx];
                    let to = if u.has_password || u.federated {
                        "ACTIVE"
                    } else {
                        "PROVISIONED"
                    };
                    self.set_status(idx, to);
                    if send_email(true) {
                        self.ok(&json!({}))
                    } else {
                        let t = self.activation_token();
                        self.ok(&t)
                    }
                }
                "PROVISIONED" => self.error(403, "E0000038", not_allowed, &[]),
                _ => self.error(
                    403,
                    "E0000016",
                    "Activation failed because the user is already active",
                    &[],
                ),
            },
            "reactivate" => match status.as_str() {
                "PROVISIONED" | "RECOVERY" => {
                    if send_email(false) {
                        self.ok(&json!({}))
                    } else {
                        let t = self.activation_token();
                        self.ok(&t)
                    }
                }
                _ => self.error(403, "E0000038", not_allowed, &[]),
            },
            "deactivate" => {
                if status == "DEPROVISIONED" {
                    self.not_found(key, "User")
                } else {
                    self.set_status(idx, "DEPROVISIONED");
                    self.ok(&json!({}))
                }
            }
            "suspend" => {
                if status == "ACTIVE" {
                    self.set_status(idx, "SUSPENDED");
                    self.ok(&json!({}))
                } else {
                    self.bad_request("suspendUser", "Cannot suspend a user that is not active")
                }
            }
            "unsuspend" => {
                if status == "SUSPENDED" {
                    self.set_status(idx, "ACTIVE");
                    self.ok(&json!({}))
                } else {
                    self.bad_request(
                        "unsuspendUser",
                        "Cannot unsuspend a user that is not suspended",
                    )
                }
            }
            "unlock" => {
                if status == "LOCKED_OUT" {
                    self.set_status(idx, "ACTIVE");
                    self.ok(&json!({}))
                } else {
                    self.error(
                        403,
                        "E0000032",
                        "Unlock is not allowed for this user.",
                        &["The user is not locked out.".to_string()],
                    )
                }
            }
            "expire_password" => {
                if status == "ACTIVE" {
                    self.set_status(idx, "PASSWORD_EXPIRED");
                    let v = self.render_user(idx, true);
                    self.ok(&v)
                } else {
                    self.error(403, "E0000038", not_allowed, &[])
                }
            }
            _ => self.error(404, "E0000008", "The requested path was not found", &[]),
        }
    }

    // -----------------------------------------------------------------------------------------
    // GET /users/{id}/groups

    pub fn user_groups_list(&mut self, key: &str) -> Response {
        let Some(idx) = self.find_user(key) else {
            return self.not_found(key, "User");
        };
        let groups: Vec<Value> = self
            .user_groups
            .get(&idx)
            .map(|g| g.iter().map(|&gi| self.groups[gi].obj.clone()).collect())
            .unwrap_or_default();
        self.ok(&Value::Array(groups))
    }

    // -----------------------------------------------------------------------------------------
    // GET /meta/schemas/user/default

    pub fn schema(&mut self, which: &str) -> Response {
        if which != "default" && which != self.schema_id {
            return self.not_found(which, "UserSchema");
        }
        let mut base = Map::new();
        for (name, title) in PROFILE_BASE {
            let mut p = Map::new();
            p.insert("title".into(), json!(title));
            p.insert("type".into(), json!("string"));
            match *name {
                "login" => {
                    p.insert("required".into(), json!(true));
                    p.insert("mutability".into(), json!("READ_WRITE"));
                    p.insert("scope".into(), json!("NONE"));
                    p.insert("minLength".into(), json!(5));
                    p.insert("maxLength".into(), json!(100));
                    p.insert("pattern".into(), json!(".+"));
                }
                "email" | "secondEmail" => {
                    if *name == "email" {
                        p.insert("required".into(), json!(true));
                    }
                    p.insert("format".into(), json!("email"));
                }
                "firstName" | "lastName" => {
                    p.insert("required".into(), json!(true));
                    p.insert("minLength".into(), json!(1));
                    p.insert("maxLength".into(), json!(50));
                }
                "profileUrl" => {
                    p.insert("format".into(), json!("uri"));
                }
                "managerId" | "manager" => {}
                _ => {}
            }
            p.insert(
                "permissions".into(),
                json!([{"principal": "SELF", "action": if *name == "login" { "READ_ONLY" } else { "READ_WRITE" }}]),
            );
            base.insert(name.to_string(), Value::Object(p));
        }
        let mut custom = Map::new();
        for (name, title, ty) in &self.custom_props {
            custom.insert(
                name.clone(),
                json!({
                    "title": title,
                    "description": format!("{title} (custom attribute)"),
                    "type": ty,
                    "mutability": "READ_WRITE",
                    "scope": "NONE",
                    "permissions": [{"principal": "SELF", "action": "READ_ONLY"}],
                    "master": {"type": "PROFILE_MASTER"}
                }),
            );
        }
        let id = format!("{}/api/v1/meta/schemas/user/{}", self.base, self.schema_id);
        let v = json!({
            "id": id,
            "$schema": "http://json-schema.org/draft-04/schema#",
            "name": "user",
            "title": "User",
            "description": "Okta user profile template with default permission settings",
            "lastUpdated": "2024-11-02T10:15:00.000Z",
            "created": "2024-11-02T10:15:00.000Z",
            "definitions": {
                "custom": {
                    "id": "#custom",
                    "type": "object",
                    "properties": custom,
                    "required": []
                },
                "base": {
                    "id": "#base",
                    "type": "object",
                    "properties": base,
                    "required": REQUIRED
                }
            },
            "type": "object",
            "properties": {
                "profile": {
                    "allOf": [{"$ref": "#/definitions/custom"}, {"$ref": "#/definitions/base"}]
                }
            },
            "_links": {
                "self": {"href": format!("{}/api/v1/meta/schemas/user/{}", self.base, self.schema_id), "method": "GET", "rel": "self"},
                "type": {"href": format!("{}/api/v1/meta/types/user/{}", self.base, self.user_type_id)}
            }
        });
        self.ok(&v)
    }
}
