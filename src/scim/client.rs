//! The SCIM client: `/Users`, `/Groups`, `/Schemas` and `/ServiceProviderConfig` on the
//! shared HTTP core ([`crate::http::call::HttpCore`] with [`ScimPolicy`]).
//!
//! - Ids are one percent-encoded path segment ([`crate::scim::path::segment`]); filter
//!   values are JSON literals ([`crate::scim::filter`]).
//! - Lists are `ListResponse`s read by `startIndex`/`count` until `totalResults`, a short or
//!   empty page; a list that is not done after [`MAX_PAGES`] pages is an error (never a
//!   silently cut list).
//! - Writes to a user send `If-Match` with the ETag the user was read with (its `ETag`
//!   header, else `meta.version`); a 412 leads to one re-read and one retry with the fresh
//!   ETag, never a write without one.
//! - A create is sent once: after a 5xx or a timeout the user may exist, so it is not
//!   repeated (the policy retries it after a 429 only).

use std::sync::Arc;

use serde_json::{json, Map, Value};
use url::Url;

use crate::http::call::{Call, HttpCore};
use crate::http::deadline::Deadline;
use crate::http::transport::{HttpResponse, Method};
use crate::scim::error::ScimError;
use crate::scim::path::segment;
use crate::scim::policy::ScimPolicy;

/// The PatchOp message schema (RFC 7644 §3.5.2).
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The core User schema (RFC 7643 §4.1).
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The ListResponse message schema.
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// Items asked for per page.
pub const PAGE_SIZE: u64 = 100;
/// The most pages one listing reads (a server that never says it is done cannot loop us).
pub const MAX_PAGES: u64 = 100;

/// A resource as read, with the ETag to write it back with.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub body: Value,
    pub etag: Option<String>,
}

impl Resource {
    fn from_answer(response: &HttpResponse) -> Result<Resource, ScimError> {
        let body: Value = serde_json::from_slice(&response.body).map_err(|_| {
            ScimError::Unexpected(format!(
                "The SCIM server answered {} with a body that is not JSON.",
                response.status
            ))
        })?;
        let etag = response
            .header("etag")
            .map(str::to_owned)
            .or_else(|| {
                body.pointer("/meta/version")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .filter(|e| !e.is_empty());
        Ok(Resource { body, etag })
    }

    pub fn id(&self) -> Option<&str> {
        self.body.get("id").and_then(Value::as_str)
    }
}

/// One SCIM server, for one command (its deadline).
#[derive(Clone)]
pub struct ScimClient {
    core: Arc<HttpCore<ScimPolicy>>,
    /// The base URL, ending in `/`.
    base: Url,
    deadline: Deadline,
}

impl ScimClient {
    pub fn new(core: Arc<HttpCore<ScimPolicy>>, base: Url) -> Self {
        let deadline = core.fresh_deadline();
        ScimClient {
            core,
            base,
            deadline,
        }
    }

    /// The same client with a fresh command deadline.
    pub fn for_command(&self) -> ScimClient {
        ScimClient::new(self.core.clone(), self.base.clone())
    }

    /// This client with its deadline brought forward to at most `limit` from now (the
    /// `test-module` check answers quickly whatever the network does).
    pub fn within(&self, limit: std::time::Duration) -> ScimClient {
        let now = self.core.clock().now();
        ScimClient {
            deadline: self.deadline.within(now, limit),
            ..self.clone()
        }
    }

    /// `<base><relative>` (each part of `relative` already a path segment) with `query`.
    fn url(&self, relative: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{relative}", self.base.path()));
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                pairs.append_pair(name, value);
            }
        }
        url
    }

    fn user_url(&self, id: &str) -> Result<Url, ScimError> {
        let id = segment(id).map_err(ScimError::InvalidRequest)?;
        Ok(self.url(&format!("Users/{id}"), &[]))
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        if_match: Option<&str>,
        bucket: &str,
    ) -> Result<HttpResponse, ScimError> {
        let call = Call {
            method,
            url,
            body: body.map(|b| b.to_string().into_bytes()),
            bucket: format!("{method} {bucket}"),
            headers: if_match
                .map(|etag| vec![("if-match".to_owned(), etag.to_owned())])
                .unwrap_or_default(),
        };
        self.core.send(&call, self.deadline).await
    }

    /// `GET /ServiceProviderConfig`.
    pub async fn service_provider_config(&self) -> Result<Value, ScimError> {
        let url = self.url("ServiceProviderConfig", &[]);
        let answer = self
            .send(Method::Get, url, None, None, "/ServiceProviderConfig")
            .await?;
        Ok(Resource::from_answer(&answer)?.body)
    }

    /// `GET /Users?count=1`: whether the credentials may list users.
    pub async fn probe_users(&self) -> Result<(), ScimError> {
        let url = self.url("Users", &[("count", "1")]);
        self.send(Method::Get, url, None, None, "/Users").await?;
        Ok(())
    }

    /// `GET /Schemas` (the `Resources` of its ListResponse, or a bare array).
    pub async fn schemas(&self) -> Result<Vec<Value>, ScimError> {
        let url = self.url("Schemas", &[]);
        let answer = self.send(Method::Get, url, None, None, "/Schemas").await?;
        let body = Resource::from_answer(&answer)?.body;
        Ok(match body {
            Value::Array(items) => items,
            other => other
                .get("Resources")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
        })
    }

    /// `GET /Users/{id}`; `None` on 404; an error when the server answers with another user
    /// (see [`same_resource`]).
    pub async fn get_user(&self, id: &str) -> Result<Option<Resource>, ScimError> {
        let url = self.user_url(id)?;
        match self.send(Method::Get, url, None, None, "/Users/{id}").await {
            Ok(answer) => {
                let resource = Resource::from_answer(&answer)?;
                same_resource("user", id, resource.id())?;
                Ok(Some(resource))
            }
            Err(error) if error.status() == Some(404) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Users matching `filter`, every page (bounded).
    pub async fn find_users(&self, filter: &str) -> Result<Vec<Value>, ScimError> {
        self.list("Users", "/Users", Some(filter)).await
    }

    /// Groups matching `filter` (or all), every page (bounded).
    pub async fn find_groups(&self, filter: Option<&str>) -> Result<Vec<Value>, ScimError> {
        self.list("Groups", "/Groups", filter).await
    }

    /// `GET /Groups/{id}`; `None` on 404; an error when the server answers with another
    /// group.
    pub async fn get_group(&self, id: &str) -> Result<Option<Value>, ScimError> {
        let asked = id;
        let id = segment(id).map_err(ScimError::InvalidRequest)?;
        let url = self.url(&format!("Groups/{id}"), &[]);
        match self
            .send(Method::Get, url, None, None, "/Groups/{id}")
            .await
        {
            Ok(answer) => {
                let resource = Resource::from_answer(&answer)?;
                same_resource("group", asked, resource.id())?;
                Ok(Some(resource.body))
            }
            Err(error) if error.status() == Some(404) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// A ListResponse read by `startIndex`/`count` to its end; more than [`MAX_PAGES`] pages
    /// is an error.
    async fn list(
        &self,
        relative: &str,
        bucket: &str,
        filter: Option<&str>,
    ) -> Result<Vec<Value>, ScimError> {
        let mut items = Vec::new();
        let mut start: u64 = 1;
        for _ in 0..MAX_PAGES {
            let start_text = start.to_string();
            let count_text = PAGE_SIZE.to_string();
            let mut query = vec![
                ("startIndex", start_text.as_str()),
                ("count", count_text.as_str()),
            ];
            if let Some(filter) = filter {
                query.insert(0, ("filter", filter));
            }
            let url = self.url(relative, &query);
            let answer = self.send(Method::Get, url, None, None, bucket).await?;
            let body = Resource::from_answer(&answer)?.body;
            let page: Vec<Value> = body
                .get("Resources")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = body.get("totalResults").and_then(Value::as_u64);
            let got = page.len() as u64;
            items.extend(page);
            let done = got == 0
                || total.is_none_or(|total| items.len() as u64 >= total)
                || got
                    < body
                        .get("itemsPerPage")
                        .and_then(Value::as_u64)
                        .unwrap_or(got);
            if done {
                return Ok(items);
            }
            start += got;
        }
        Err(ScimError::Unexpected(format!(
            "GET {bucket}: the list did not end after {MAX_PAGES} pages of {PAGE_SIZE} ({} items read); narrow the lookup.",
            items.len()
        )))
    }

    /// `POST /Users`, sent once.
    pub async fn create_user(&self, user: &Value) -> Result<Resource, ScimError> {
        let url = self.url("Users", &[]);
        let answer = self
            .send(Method::Post, url, Some(user), None, "/Users")
            .await?;
        Resource::from_answer(&answer)
    }

    /// `DELETE /Users/{id}`.
    pub async fn delete_user(&self, id: &str, etag: Option<&str>) -> Result<(), ScimError> {
        let url = self.user_url(id)?;
        self.send(Method::Delete, url, None, etag, "/Users/{id}")
            .await?;
        Ok(())
    }

    /// `PATCH /Users/{id}` with `operations`, `If-Match` the read ETag; one re-read and
    /// retry on 412. Returns the user as it is after the change.
    pub async fn patch_user(
        &self,
        current: &Resource,
        operations: Vec<Value>,
    ) -> Result<Resource, ScimError> {
        let body = json!({"schemas": [PATCH_OP], "Operations": operations});
        self.write_user(current, |_| Some(body.clone()), Method::Patch)
            .await
    }

    /// `PUT /Users/{id}` of the read user with `changes` merged in, `If-Match` the read
    /// ETag; on 412 the user is read again and the changes merged into the fresh copy.
    pub async fn put_user(
        &self,
        current: &Resource,
        changes: &Map<String, Value>,
    ) -> Result<Resource, ScimError> {
        self.write_user(
            current,
            |fresh| {
                let mut body = fresh.body.clone();
                if let Some(object) = body.as_object_mut() {
                    object.remove("meta");
                    for (key, value) in changes {
                        merge(object, key, value);
                    }
                }
                Some(body)
            },
            Method::Put,
        )
        .await
    }

    async fn write_user(
        &self,
        current: &Resource,
        body_for: impl Fn(&Resource) -> Option<Value>,
        method: Method,
    ) -> Result<Resource, ScimError> {
        let id = current
            .id()
            .ok_or_else(|| ScimError::Unexpected("The SCIM user has no id.".into()))?
            .to_owned();
        let first = self
            .send(
                method,
                self.user_url(&id)?,
                body_for(current).as_ref(),
                current.etag.as_deref(),
                "/Users/{id}",
            )
            .await;
        let answer = match first {
            Err(error) if error.status() == Some(412) => {
                let fresh = self.get_user(&id).await?.ok_or_else(|| {
                    ScimError::Unexpected(format!(
                        "The SCIM user {id} disappeared during the update."
                    ))
                })?;
                self.send(
                    method,
                    self.user_url(&id)?,
                    body_for(&fresh).as_ref(),
                    fresh.etag.as_deref(),
                    "/Users/{id}",
                )
                .await?
            }
            other => other?,
        };
        if answer.status == 204 || answer.body.is_empty() {
            return self.get_user(&id).await?.ok_or_else(|| {
                ScimError::Unexpected(format!("The SCIM user {id} is gone after the update."))
            });
        }
        Resource::from_answer(&answer)
    }
}

/// Refuses an answer to `GET /<kind>s/{asked}` that is a resource with another id. Ids are
/// case-exact (RFC 7643 §3.1), but a server or a proxy in front of it may decode the `%2F`
/// of an encoded id and route `/Users/{victim}%2F` (or `x%2F..%2F{victim}`) to another
/// resource; every write goes to the id of the resource read, so that resource must be the
/// one asked for.
fn same_resource(kind: &str, asked: &str, answered: Option<&str>) -> Result<(), ScimError> {
    match answered {
        Some(answered) if answered != asked => Err(ScimError::Unexpected(format!(
            "The SCIM server answered the request for the {kind} with id {asked:?} with \
             another {kind} ({answered:?}); nothing was done with it. Check the id."
        ))),
        _ => Ok(()),
    }
}

/// `value` into `object[key]`; complex (object) attributes are merged one level deep, so a
/// change of `name.givenName` keeps `name.familyName`.
pub fn merge(object: &mut Map<String, Value>, key: &str, value: &Value) {
    match (object.get_mut(key), value) {
        (Some(Value::Object(existing)), Value::Object(changes)) => {
            for (k, v) in changes {
                existing.insert(k.clone(), v.clone());
            }
        }
        _ => {
            object.insert(key.to_owned(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_for_another_id_is_refused() {
        assert!(same_resource("user", "u1", Some("u1")).is_ok());
        assert!(same_resource("user", "u1", None).is_ok());
        let err = same_resource("user", "u1/", Some("u1")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "The SCIM server answered the request for the user with id \"u1/\" with another \
             user (\"u1\"); nothing was done with it. Check the id."
        );
        assert!(
            same_resource("group", "G", Some("g")).is_err(),
            "ids are case-exact"
        );
    }

    #[test]
    fn complex_attributes_merge_one_level_deep() {
        let mut user = json!({"name": {"givenName": "A", "familyName": "B"}, "title": "x"});
        let object = user.as_object_mut().unwrap();
        merge(object, "name", &json!({"givenName": "C"}));
        merge(object, "title", &json!("y"));
        assert_eq!(
            user,
            json!({"name": {"givenName": "C", "familyName": "B"}, "title": "y"})
        );
    }
}
