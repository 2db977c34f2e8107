//! `/api/v1/apps…` and `/api/v1/groups…` (okta-api.md §3, §4).

use serde_json::{json, Value};

use super::filter::{self, Expr, Lit, Op};
use super::state::{now_iso, State};
use fake_http::http::{Request, Response};

impl State {
    // -----------------------------------------------------------------------------------------
    // Storage

    pub fn insert_app(&mut self, name: &str, label: &str) -> usize {
        let id = self.ids.object("0oa");
        let kid = self.ids.token(43);
        let now = now_iso();
        let href = format!("{}/api/v1/apps/{id}", self.base);
        let obj = json!({
            "id": id,
            "orn": format!("orn:okta:idp:00o1fake0org0000h7:apps:{name}:{id}"),
            "name": name,
            "label": label,
            "status": "ACTIVE",
            "lastUpdated": now,
            "created": now,
            "accessibility": {"selfService": false, "errorRedirectUrl": null, "loginRedirectUrl": null},
            "visibility": {
                "autoLaunch": false,
                "autoSubmitToolbar": false,
                "hide": {"iOS": false, "web": false},
                "appLinks": {"login": true}
            },
            "features": [],
            "signOnMode": "SAML_2_0",
            "credentials": {
                "userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"},
                "signing": {"kid": kid}
            },
            "settings": {
                "app": {},
                "notifications": {"vpn": {"network": {"connection": "DISABLED"}, "message": null, "helpUrl": null}},
                "manualProvisioning": false,
                "implicitAssignment": false
            },
            "_links": {
                "help": {"href": format!("{}/app/{name}/{id}/setup/help/SAML_2_0/external-doc", self.base), "type": "text/html"},
                "metadata": {"href": format!("{href}/sso/saml/metadata"), "type": "application/xml"},
                "appLinks": [{"name": "login", "href": format!("{}/home/{name}/{id}/30", self.base), "type": "text/html"}],
                "groups": {"href": format!("{href}/groups")},
                "logo": [{"name": "medium", "href": format!("https://ok12static.oktacdn.com/fs/bcg/4/gfs{}", &id[3..]), "type": "image/png"}],
                "users": {"href": format!("{href}/users")},
                "deactivate": {"href": format!("{href}/lifecycle/deactivate")},
                "self": {"href": href}
            }
        });
        let idx = self.apps.len();
        self.apps.push(super::state::App { obj });
        self.app_by_id.insert(id, idx);
        idx
    }

    fn app_id(&self, idx: usize) -> &str {
        self.apps[idx].obj["id"].as_str().unwrap_or_default()
    }

    /// Assigns directly (scope USER), replacing an existing direct assignment.
    pub fn insert_assignment(
        &mut self,
        app: usize,
        user: usize,
        profile: Value,
        user_name: Option<String>,
    ) -> Value {
        let now = now_iso();
        let app_id = self.app_id(app).to_string();
        let user_id = self.users[user].id().to_string();
        let user_name = user_name.unwrap_or_else(|| self.users[user].login().to_string());
        let obj = json!({
            "id": user_id,
            "externalId": null,
            "created": now,
            "lastUpdated": now,
            "scope": "USER",
            "status": "ACTIVE",
            "statusChanged": now,
            "passwordChanged": null,
            "syncState": "DISABLED",
            "credentials": {"userName": user_name},
            "profile": if profile.is_object() { profile } else { json!({}) },
            "_links": {
                "app": {"href": format!("{}/api/v1/apps/{app_id}", self.base)},
                "user": {"href": self.user_href(&user_id)}
            }
        });
        if self.app_users.insert((app, user), obj.clone()).is_none() {
            self.app_user_order.entry(app).or_default().push(user);
            self.user_apps.entry(user).or_default().push(app);
        }
        obj
    }

    pub fn remove_assignment(&mut self, app: usize, user: usize) -> bool {
        if self.app_users.remove(&(app, user)).is_none() {
            return false;
        }
        if let Some(v) = self.app_user_order.get_mut(&app) {
            v.retain(|&u| u != user);
        }
        if let Some(v) = self.user_apps.get_mut(&user) {
            v.retain(|&a| a != app);
        }
        true
    }

    pub fn assign_group_to_app(&mut self, app: usize, group: usize) {
        let list = self.app_groups.entry(app).or_default();
        if !list.contains(&group) {
            list.push(group);
            self.group_apps.entry(group).or_default().push(app);
        }
    }

    /// Apps assigned to a user, directly or through a group, in app order.
    pub fn apps_for_user(&self, user: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.user_apps.get(&user).cloned().unwrap_or_default();
        for g in self.user_groups.get(&user).into_iter().flatten() {
            v.extend(self.group_apps.get(g).into_iter().flatten().copied());
        }
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The AppUser object: the direct assignment, or a GROUP-scoped one derived from a group.
    pub fn app_user(&self, app: usize, user: usize) -> Option<Value> {
        if self.users[user].deleted {
            return None;
        }
        if let Some(v) = self.app_users.get(&(app, user)) {
            return Some(v.clone());
        }
        let via = self
            .user_groups
            .get(&user)?
            .iter()
            .copied()
            .find(|g| self.app_groups.get(&app).is_some_and(|gs| gs.contains(g)))?;
        let u = &self.users[user];
        let app_id = self.app_id(app);
        let group_id = self.groups[via].obj["id"].as_str().unwrap_or_default();
        let when = self.groups[via].obj["lastMembershipUpdated"].clone();
        Some(json!({
            "id": u.id(),
            "externalId": null,
            "created": when,
            "lastUpdated": when,
            "scope": "GROUP",
            "status": "ACTIVE",
            "statusChanged": when,
            "passwordChanged": null,
            "syncState": "DISABLED",
            "credentials": {"userName": u.login()},
            "profile": {},
            "_links": {
                "app": {"href": format!("{}/api/v1/apps/{app_id}", self.base)},
                "user": {"href": self.user_href(u.id())},
                "group": {"href": format!("{}/api/v1/groups/{group_id}", self.base), "name": self.groups[via].obj["profile"]["name"]}
            }
        }))
    }

    // -----------------------------------------------------------------------------------------
    // GET /apps

    pub fn list_apps(&mut self, req: &Request) -> Response {
        let limit = match self.limit(req, self.limits.apps) {
            Ok(l) => l,
            Err(r) => return r,
        };
        let q = req
            .param("q")
            .filter(|q| !q.is_empty())
            .map(str::to_lowercase);
        // Only one `eq` expression (legacy docs).
        let mut only: Option<Vec<usize>> = None;
        let mut attr_match: Option<(String, Value)> = None;
        let mut expand_user: Option<usize> = None;
        if let Some(f) = req.param("filter").filter(|f| !f.trim().is_empty()) {
            match filter::parse(f) {
                Ok(Expr::Cmp {
                    attr,
                    op: Op::Eq,
                    value,
                    ..
                }) => {
                    let value = match value {
                        Lit::Str(s) => Value::String(s),
                        Lit::Bool(b) => Value::Bool(b),
                        _ => return self.invalid_search(),
                    };
                    match (attr.as_str(), &value) {
                        ("user.id", Value::String(uid)) => {
                            let u = self.find_user(uid).filter(|&u| self.users[u].id() == uid);
                            only = Some(u.map(|u| self.apps_for_user(u)).unwrap_or_default());
                            if let Some(e) = req.param("expand") {
                                if e.strip_prefix("user/") == Some(uid.as_str()) {
                                    expand_user = u;
                                }
                            }
                        }
                        ("group.id", Value::String(gid)) => {
                            only = Some(
                                self.group_by_id
                                    .get(gid)
                                    .and_then(|g| self.group_apps.get(g))
                                    .cloned()
                                    .map(|mut v| {
                                        v.sort_unstable();
                                        v
                                    })
                                    .unwrap_or_default(),
                            );
                        }
                        ("status" | "name" | "id" | "signOnMode", _) => {
                            attr_match = Some((attr, value))
                        }
                        _ => return self.invalid_search(),
                    }
                }
                _ => return self.invalid_search(),
            }
        }
        let after = match req.param("after") {
            None | Some("") => None,
            Some(a) => match self.app_by_id.get(a) {
                Some(&i) => Some(i),
                None => return self.error(400, "E0000029", "Invalid paging request.", &[]),
            },
        };
        let candidates: Vec<usize> = match only {
            Some(v) => v,
            None => (0..self.apps.len()).collect(),
        };
        let mut page = Vec::new();
        let mut more = false;
        for i in candidates {
            if after.is_some_and(|a| i <= a) {
                continue;
            }
            let obj = &self.apps[i].obj;
            if obj["status"] == "DELETED" {
                continue;
            }
            if let Some(q) = &q {
                let hit = ["name", "label"].iter().any(|k| {
                    obj[*k]
                        .as_str()
                        .is_some_and(|v| v.to_lowercase().starts_with(q))
                });
                if !hit {
                    continue;
                }
            }
            if let Some((attr, value)) = &attr_match {
                if &obj[attr.as_str()] != value {
                    continue;
                }
            }
            if page.len() == limit {
                more = true;
                break;
            }
            page.push(i);
        }
        let cursor = if more {
            page.last().map(|&i| self.app_id(i).to_string())
        } else {
            None
        };
        let body: Vec<Value> = page
            .iter()
            .map(|&i| {
                let mut obj = self.apps[i].obj.clone();
                if let Some(u) = expand_user {
                    if let (Some(au), Value::Object(o)) = (self.app_user(i, u), &mut obj) {
                        o.insert("_embedded".into(), json!({"user": au}));
                    }
                }
                obj
            })
            .collect();
        let mut resp = self.ok(&Value::Array(body));
        resp.headers.extend(self.links(req, cursor.as_deref()));
        resp
    }

    pub fn get_app(&mut self, app: &str) -> Response {
        match self.app_by_id.get(app) {
            Some(&i) => {
                let v = self.apps[i].obj.clone();
                self.ok(&v)
            }
            None => self.not_found(app, "AppInstance"),
        }
    }

    // -----------------------------------------------------------------------------------------
    // /apps/{app}/users

    fn assigned_users(&self, app: usize) -> Vec<usize> {
        let mut v: Vec<usize> = self.app_user_order.get(&app).cloned().unwrap_or_default();
        for g in self.app_groups.get(&app).into_iter().flatten() {
            for &m in &self.groups[*g].members {
                if !v.contains(&m) {
                    v.push(m);
                }
            }
        }
        v.retain(|&u| !self.users[u].deleted);
        v
    }

    pub fn list_app_users(&mut self, req: &Request, app: &str) -> Response {
        let Some(&ai) = self.app_by_id.get(app) else {
            return self.not_found(app, "AppInstance");
        };
        let limit = match self.limit(req, self.limits.app_users) {
            Ok(l) => l,
            Err(r) => return r,
        };
        let mut all = self.assigned_users(ai);
        if let Some(q) = req
            .param("q")
            .filter(|q| !q.is_empty())
            .map(str::to_lowercase)
        {
            all.retain(|&u| {
                let p = &self.users[u].obj["profile"];
                ["firstName", "lastName", "email", "login"].iter().any(|k| {
                    p[*k]
                        .as_str()
                        .is_some_and(|v| v.to_lowercase().starts_with(&q))
                })
            });
        }
        let start = match req.param("after") {
            None | Some("") => 0,
            Some(a) => match all.iter().position(|&u| self.users[u].id() == a) {
                Some(p) => p + 1,
                None => return self.error(400, "E0000029", "Invalid paging request.", &[]),
            },
        };
        let end = (start + limit).min(all.len());
        let page = &all[start.min(end)..end];
        let cursor = (end < all.len() && !page.is_empty())
            .then(|| self.users[page[page.len() - 1]].id().to_string());
        let expand = req.param("expand") == Some("user");
        let body: Vec<Value> = page
            .iter()
            .filter_map(|&u| {
                let mut v = self.app_user(ai, u)?;
                if expand {
                    if let Value::Object(o) = &mut v {
                        o.insert(
                            "_embedded".into(),
                            json!({"user": self.render_user(u, false)}),
                        );
                    }
                }
                Some(v)
            })
            .collect();
        let mut resp = self.ok(&Value::Array(body));
        resp.headers.extend(self.links(req, cursor.as_deref()));
        resp
    }

    pub fn get_app_user(&mut self, app: &str, user: &str) -> Response {
        let Some(&ai) = self.app_by_id.get(app) else {
            return self.not_found(app, "AppInstance");
        };
        match self.find_user(user).and_then(|u| self.app_user(ai, u)) {
            Some(v) => self.ok(&v),
            None => self.not_found(user, "AppUser"),
        }
    }

    pub fn assign_via_api(&mut self, req: &Request, app: &str) -> Response {
        let Some(&ai) = self.app_by_id.get(app) else {
            return self.not_found(app, "AppInstance");
        };
        let body = match self.parse_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let Some(uid) = body["id"].as_str() else {
            return self.bad_request("id", "id: The field cannot be left blank");
        };
        let Some(ui) = self.find_user(uid) else {
            return self.not_found(uid, "User");
        };
        if self.app_users.contains_key(&(ai, ui)) {
            return self.error(
                409,
                "E0000062",
                "The specified user is already assigned to the application.",
                &[],
            );
        }
        if matches!(self.users[ui].status(), "DEPROVISIONED" | "SUSPENDED") {
            return self.error(
                403,
                "E0000117",
                "You cannot assign apps or update app profiles for an inactive user.",
                &[],
            );
        }
        let user_name = body["credentials"]["userName"].as_str().map(str::to_string);
        let v = self.insert_assignment(ai, ui, body["profile"].clone(), user_name);
        self.ok(&v)
    }

    pub fn update_app_user(&mut self, req: &Request, app: &str, user: &str) -> Response {
        let Some(&ai) = self.app_by_id.get(app) else {
            return self.not_found(app, "AppInstance");
        };
        let body = match self.parse_body(req) {
            Ok(b) => b,
            Err(r) => return r,
        };
        let Some(ui) = self
            .find_user(user)
            .filter(|u| self.app_users.contains_key(&(ai, *u)))
        else {
            return self.not_found(user, "AppUser");
        };
        let now = now_iso();
        let Some(v) = self.app_users.get_mut(&(ai, ui)) else {
            return self.not_found(user, "AppUser");
        };
        if let (Some(Value::Object(p)), Some(Value::Object(cur))) =
            (body.get("profile"), v.get_mut("profile"))
        {
            for (k, val) in p {
                cur.insert(k.clone(), val.clone());
            }
        }
        if let Some(name) = body["credentials"]["userName"].as_str() {
            v["credentials"]["userName"] = json!(name);
        }
        v["lastUpdated"] = json!(now);
        let v = v.clone();
        self.ok(&v)
    }

    pub fn unassign(&mut self, app: &str, user: &str) -> Response {
        let Some(&ai) = self.app_by_id.get(app) else {
            return self.not_found(app, "AppInstance");
        };
        match self.find_user(user) {
            Some(ui) if self.remove_assignment(ai, ui) => Response::empty(204),
            _ => self.not_found(user, "AppUser"),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Groups

    pub fn insert_group(&mut self, name: &str) -> usize {
        let id = self.ids.object("00g");
        let now = now_iso();
        let href = format!("{}/api/v1/groups/{id}", self.base);
        let obj = json!({
            "id": id,
            "created": now,
            "lastUpdated": now,
            "lastMembershipUpdated": now,
            "objectClass": ["okta:user_group"],
            "type": "OKTA_GROUP",
            "profile": {"name": name, "description": null},
            "_links": {
                "logo": [
                    {"name": "medium", "href": format!("{}/assets/img/logos/groups/odyssey/okta-medium.png", self.base), "type": "image/png"},
                    {"name": "large", "href": format!("{}/assets/img/logos/groups/odyssey/okta-large.png", self.base), "type": "image/png"}
                ],
                "users": {"href": format!("{href}/users")},
                "apps": {"href": format!("{href}/apps")}
            }
        });
        let idx = self.groups.len();
        self.groups.push(super::state::Group {
            obj,
            members: Vec::new(),
        });
        self.group_by_id.insert(id, idx);
        idx
    }

    pub fn add_membership(&mut self, group: usize, user: usize) {
        let g = &mut self.groups[group];
        if !g.members.contains(&user) {
            g.members.push(user);
            g.obj["lastMembershipUpdated"] = json!(now_iso());
            self.user_groups.entry(user).or_default().push(group);
        }
    }

    fn remove_membership(&mut self, group: usize, user: usize) {
        let g = &mut self.groups[group];
        let before = g.members.len();
        g.members.retain(|&u| u != user);
        if g.members.len() != before {
            g.obj["lastMembershipUpdated"] = json!(now_iso());
        }
        if let Some(v) = self.user_groups.get_mut(&user) {
            v.retain(|&x| x != group);
        }
    }

    pub fn list_groups(&mut self, req: &Request) -> Response {
        if let Some(q) = req.param("q").filter(|q| !q.is_empty()) {
            // Prefix on profile.name, not paged.
            let limit = match self.limit(req, (300, 10_000)) {
                Ok(l) => l,
                Err(r) => return r,
            };
            let q = q.to_lowercase();
            let hits: Vec<Value> = self
                .groups
                .iter()
                .filter(|g| {
                    g.obj["profile"]["name"]
                        .as_str()
                        .is_some_and(|n| n.to_lowercase().starts_with(&q))
                })
                .take(limit)
                .map(|g| g.obj.clone())
                .collect();
            let mut resp = self.ok(&Value::Array(hits));
            resp.headers.extend(self.links(req, None));
            return resp;
        }
        let filter = req.param("filter").filter(|f| !f.trim().is_empty());
        let search = req.param("search").filter(|f| !f.trim().is_empty());
        let (expr, ci) = match (filter, search) {
            (Some(_), Some(_)) => {
                return self.error(
                    400,
                    "E0000033",
                    "Bad request. Can't specify a search query and filter in the same request.",
                    &[],
                )
            }
            (Some(f), None) => match filter::parse(f) {
                Ok(e)
                    if e.all(&|attr, op| match attr {
                        "id" | "type" => op == Op::Eq,
                        "lastUpdated" | "lastMembershipUpdated" => {
                            matches!(op, Op::Eq | Op::Gt | Op::Ge | Op::Lt | Op::Le)
                        }
                        _ => false,
                    }) =>
                {
                    (Some(e), false)
                }
                _ => return self.invalid_search(),
            },
            (None, Some(s)) => match filter::parse(s) {
                Ok(e) => (Some(e), true),
                Err(_) => return self.invalid_search(),
            },
            (None, None) => (None, false),
        };
        let limit = match self.limit(req, self.limits.groups) {
            Ok(l) => l,
            Err(r) => return r,
        };
        let after = match req.param("after") {
            None | Some("") => None,
            Some(a) => match self.group_by_id.get(a) {
                Some(&i) => Some(i),
                None => return self.error(400, "E0000029", "Invalid paging request.", &[]),
            },
        };
        let mut page = Vec::new();
        let mut more = false;
        for (i, g) in self.groups.iter().enumerate() {
            if after.is_some_and(|a| i <= a) {
                continue;
            }
            if expr.as_ref().is_some_and(|e| !e.eval(&g.obj, ci)) {
                continue;
            }
            if page.len() == limit {
                more = true;
                break;
            }
            page.push(i);
        }
        let cursor = if more {
            page.last().map(|&i| {
                self.groups[i].obj["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
        } else {
            None
        };
        let body: Vec<Value> = page.iter().map(|&i| self.groups[i].obj.clone()).collect();
        let mut resp = self.ok(&Value::Array(body));
        resp.headers.extend(self.links(req, cursor.as_deref()));
        resp
    }

    pub fn get_group(&mut self, id: &str) -> Response {
        match self.group_by_id.get(id) {
            Some(&g) => {
                let v = self.groups[g].obj.clone();
                self.ok(&v)
            }
            None => self.not_found(id, "UserGroup"),
        }
    }

    pub fn list_group_users(&mut self, req: &Request, id: &str) -> Response {
        let Some(&gi) = self.group_by_id.get(id) else {
            return self.not_found(id, "UserGroup");
        };
        let limit = match self.limit(req, self.limits.group_users) {
            Ok(l) => l,
            Err(r) => return r,
        };
        let members: Vec<usize> = self.groups[gi]
            .members
            .iter()
            .copied()
            .filter(|&u| !self.users[u].deleted)
            .collect();
        let start = match req.param("after") {
            None | Some("") => 0,
            Some(a) => match members.iter().position(|&u| self.users[u].id() == a) {
                Some(p) => p + 1,
                None => return self.error(400, "E0000029", "Invalid paging request.", &[]),
            },
        };
        let end = (start + limit).min(members.len());
        let page = &members[start.min(end)..end];
        let cursor = (end < members.len() && !page.is_empty())
            .then(|| self.users[page[page.len() - 1]].id().to_string());
        let body: Vec<Value> = page.iter().map(|&u| self.render_user(u, false)).collect();
        let mut resp = self.ok(&Value::Array(body));
        resp.headers.extend(self.links(req, cursor.as_deref()));
        resp
    }

    pub fn membership(&mut self, id: &str, user: &str, add: bool) -> Response {
        let Some(&gi) = self.group_by_id.get(id) else {
            return self.not_found(id, "UserGroup");
        };
        let Some(ui) = self.find_user(user) else {
            return self.not_found(user, "User");
        };
        if self.groups[gi].obj["type"] != "OKTA_GROUP" {
            return self.error(
                403,
                "E0000006",
                "You do not have permission to perform the requested action",
                &[],
            );
        }
        if add {
            self.add_membership(gi, ui);
        } else {
            self.remove_membership(gi, ui);
        }
        Response::empty(204)
    }
}
