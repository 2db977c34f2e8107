//! `/api/v1/groups`: search, get, members.

use serde_json::Value;

use crate::http::transport::Method;
use crate::okta::client::Client;
use crate::okta::error::OktaError;
use crate::okta::pagination::Pager;
use crate::okta::path::{route, GroupId};

/// The groups API. Get one with [`Client::groups`].
#[derive(Clone, Copy, Debug)]
pub struct Groups<'a> {
    client: &'a Client,
}

impl<'a> Groups<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Groups { client }
    }

    /// `GET groups?q=<q>`: prefix match on the group name. Okta does not page `q` results
    /// (up to 300), so this is one request.
    pub async fn search(&self, q: &str) -> Result<Vec<Value>, OktaError> {
        let route = route("groups", &[])?;
        let call = self
            .client
            .call(Method::Get, &route, &[("q", Some(q.to_owned()))]);
        self.client.json_array(call).await
    }

    /// `GET groups/{id}`.
    pub async fn get(&self, id: &GroupId) -> Result<Value, OktaError> {
        let route = route("groups/{id}", &[id.as_str()])?;
        self.client
            .json(self.client.call(Method::Get, &route, &[]))
            .await
    }

    /// `GET groups/{id}/users`, page by page. An id that cannot be a path segment makes the
    /// first `next_page` return the error.
    pub fn members(&self, id: &GroupId) -> Pager {
        self.client
            .pager_for(route("groups/{id}/users", &[id.as_str()]), &[])
    }
}
