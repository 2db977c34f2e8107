//! `/api/v1/logs`: the System Log, page by page, and resuming from a saved `next` URL.

use url::Url;

use crate::http::transport::Method;
use crate::okta::client::Client;
use crate::okta::error::OktaError;
use crate::okta::pagination::Pager;
use crate::okta::path::route;

/// `sortOrder` of a System Log query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortOrder {
    Ascending,
    Descending,
}

impl SortOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Ascending => "ASCENDING",
            SortOrder::Descending => "DESCENDING",
        }
    }
}

/// A System Log query. Every field is optional and left out when `None`; values are sent as
/// given (`since`/`until` as ISO-8601 strings, `filter` a complete expression built with
/// [`crate::okta::filter`] or configured by an administrator).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogQuery {
    pub filter: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub limit: Option<u32>,
    pub sort_order: Option<SortOrder>,
    pub q: Option<String>,
}

/// The System Log API. Get one with [`Client::logs`].
#[derive(Clone, Copy, Debug)]
pub struct Logs<'a> {
    client: &'a Client,
}

impl<'a> Logs<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Logs { client }
    }

    /// `GET logs?filter=&since=&until=&limit=&sortOrder=&q=`, page by page. A polling query
    /// (no `until`, ascending) always has a `next` link: stop on an empty page.
    pub fn list(&self, query: &LogQuery) -> Pager {
        self.client.pager_for(
            route("logs", &[]),
            &[
                ("filter", query.filter.clone()),
                ("since", query.since.clone()),
                ("until", query.until.clone()),
                ("limit", query.limit.map(|l| l.to_string())),
                ("sortOrder", query.sort_order.map(|s| s.as_str().to_owned())),
                ("q", query.q.clone()),
            ],
        )
    }

    /// A pager that starts at a saved `next` URL, sent exactly as saved (no parameters
    /// added). Refused unless it is a System Log URL on the base URL's origin.
    pub fn resume(&self, next_url: &str) -> Result<Pager, OktaError> {
        let route = route("logs", &[])?;
        let url = Url::parse(next_url).map_err(|e| {
            OktaError::InvalidRequest(format!("the saved System Log URL is not a URL: {e}"))
        })?;
        self.client.check_own_url(&url)?;
        let logs_path = self.client.url(&route, &[]);
        if url.path() != logs_path.path() {
            return Err(OktaError::InvalidRequest(format!(
                "the saved URL {} is not a System Log URL",
                url.path()
            )));
        }
        Ok(self
            .client
            .pager(url, self.client.bucket(Method::Get, &route)))
    }
}
