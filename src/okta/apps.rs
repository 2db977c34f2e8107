//! `/api/v1/apps`: application lists and app-user assignments.

use serde_json::Value;

use crate::http::transport::Method;
use crate::okta::client::Client;
use crate::okta::error::OktaError;
use crate::okta::filter::Filter;
use crate::okta::pagination::Pager;
use crate::okta::path::{route, AppId, UserId};

/// The applications API. Get one with [`Client::apps`].
#[derive(Clone, Copy, Debug)]
pub struct Apps<'a> {
    client: &'a Client,
}

impl<'a> Apps<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Apps { client }
    }

    /// `GET apps?q=<q>&limit=<limit>` (absent values left out), page by page.
    pub fn list(&self, q: Option<&str>, limit: Option<u32>) -> Pager {
        self.pager(&[
            ("q", q.map(str::to_owned)),
            ("limit", limit.map(|l| l.to_string())),
        ])
    }

    /// `GET apps?filter=user.id eq "<id>"`: the apps assigned to a user (directly or through
    /// a group), page by page.
    pub fn list_for_user(&self, user: &UserId) -> Pager {
        let filter = Filter::eq("user.id", user.as_str());
        self.pager(&[("filter", Some(filter.into_string()))])
    }

    /// `GET apps/{app}/users/{user}`. A user who is not assigned gives
    /// `OktaError::Api` with status 404 (`E0000007`) and the body.
    pub async fn get_app_user(&self, app: &AppId, user: &UserId) -> Result<Value, OktaError> {
        let route = route("apps/{id}/users/{id}", &[app.as_str(), user.as_str()])?;
        self.client
            .json(self.client.call(Method::Get, &route, &[]))
            .await
    }

    fn pager(&self, query: &[(&str, Option<String>)]) -> Pager {
        self.client.pager_for(route("apps", &[]), query)
    }
}
