//! Link-header pagination.
//!
//! Okta sends one `link:` line per relation (`rel="self"`, `rel="next"`); proxies may join
//! them into one comma-separated value. [`parse_link_header`] handles both, and URLs that
//! contain `,` or `;` inside `<…>`. A [`Pager`] fetches one page per
//! [`Pager::next_page`] call and follows `next` exactly as given, so callers can stop early
//! and memory stays one page. It ends when there is no `next`, or when `next` equals the
//! URL just fetched (loop guard, logged at debug level: the System Log's last page links to
//! itself for polling). A `next` on another origin is refused (the token would go with it),
//! and so is a `next` to another path than the page's own: a list only continues on its own
//! endpoint, so `/api/v1/logs` never pages into `/api/v1/users` (paging ends with an error).

use serde_json::Value;
use url::Url;

use crate::http::transport::{HttpResponse, Method};
use crate::okta::client::{decode_array, label, Call, Client};
use crate::okta::error::OktaError;

/// One `Link` header entry: the URL as written between `<` and `>` and its `rel` values
/// (lowercased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    pub rels: Vec<String>,
}

/// Parses every `Link` header value given (one per header line; each may hold several
/// comma-separated links). Malformed parts are skipped.
pub fn parse_link_header<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Link> {
    let mut links = Vec::new();
    for value in values {
        parse_one(value, &mut links);
    }
    links
}

/// The `rel="next"` URL of a response, as written.
pub fn next_link(response: &HttpResponse) -> Option<String> {
    parse_link_header(response.header_values("link"))
        .into_iter()
        .find(|link| link.rels.iter().any(|rel| rel == "next"))
        .map(|link| link.url)
}

fn parse_one(text: &str, out: &mut Vec<Link>) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        if bytes[i] != b'<' {
            i = skip_past_link(bytes, i);
            continue;
        }
        let Some(close) = text[i + 1..].find('>') else {
            break;
        };
        let url = text[i + 1..i + 1 + close].trim().to_owned();
        i += close + 2;
        let mut rels = Vec::new();
        loop {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] != b';' {
                break;
            }
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            let name_start = i;
            while i < bytes.len() && !matches!(bytes[i], b'=' | b';' | b',') {
                i += 1;
            }
            let name = text[name_start..i].trim();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                    while i < bytes.len() && bytes[i] != b'"' {
                        if bytes[i] == b'\\' && i + 1 < bytes.len() {
                            i += 1;
                        }
                        let ch = text[i..].chars().next().unwrap_or('\0');
                        value.push(ch);
                        i += ch.len_utf8();
                    }
                    i += 1;
                } else {
                    let start = i;
                    while i < bytes.len() && !matches!(bytes[i], b';' | b',') {
                        i += 1;
                    }
                    value = text[start..i].trim().to_owned();
                }
            }
            if name.eq_ignore_ascii_case("rel") {
                rels = value
                    .split_ascii_whitespace()
                    .map(str::to_ascii_lowercase)
                    .collect();
            }
        }
        out.push(Link { url, rels });
        if i < bytes.len() && bytes[i] != b',' {
            i = skip_past_link(bytes, i);
        }
    }
}

/// The index after the next top-level `,` (quoted strings and `<…>` skipped), or the end.
fn skip_past_link(bytes: &[u8], mut i: usize) -> usize {
    let mut quoted = false;
    let mut bracketed = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quoted => i += 1,
            b'"' if !bracketed => quoted = !quoted,
            b'<' if !quoted => bracketed = true,
            b'>' if !quoted => bracketed = false,
            b',' if !quoted && !bracketed => return i + 1,
            _ => {}
        }
        i += 1;
    }
    i
}

/// One page of a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Page {
    /// The objects of this page, key order kept.
    pub items: Vec<Value>,
    /// The `next` link, resolved against the page URL; `None` on the last page. Save it to
    /// resume later.
    pub next: Option<Url>,
}

/// Walks a list one page at a time.
///
/// ```no_run
/// # async fn demo(client: okta_iam::okta::Client) -> Result<(), okta_iam::okta::OktaError> {
/// let mut pager = client.groups().members(&"00g1".into());
/// while let Some(page) = pager.next_page().await {
///     for member in page?.items { /* ... */ }
/// }
/// # Ok(()) }
/// ```
///
/// After an error the pager is finished; [`Pager::next_url`] still gives the URL that failed,
/// to resume from later.
#[derive(Debug)]
pub struct Pager {
    client: Client,
    bucket: String,
    pending: Option<Url>,
    /// An error found while building the first request (an id that cannot be a path
    /// segment), returned by the first `next_page`.
    deferred: Option<OktaError>,
    finished: bool,
    pages: u64,
}

impl Pager {
    pub(crate) fn new(client: Client, first: Url, bucket: String) -> Pager {
        Pager {
            client,
            bucket,
            pending: Some(first),
            deferred: None,
            finished: false,
            pages: 0,
        }
    }

    /// A pager whose first `next_page` returns `error`.
    pub(crate) fn failed(client: Client, error: OktaError) -> Pager {
        Pager {
            client,
            bucket: String::new(),
            pending: None,
            deferred: Some(error),
            finished: false,
            pages: 0,
        }
    }

    /// The next page, `None` when the list is done (or after an error).
    pub async fn next_page(&mut self) -> Option<Result<Page, OktaError>> {
        if self.finished {
            return None;
        }
        if let Some(error) = self.deferred.take() {
            self.finished = true;
            return Some(Err(error));
        }
        let url = self.pending.clone()?;
        let result = self.fetch(&url).await;
        match &result {
            Ok(page) => {
                self.pages += 1;
                crate::http::paging::page_fetched(page.items.len());
                self.pending = page.next.clone();
                self.finished = self.pending.is_none();
            }
            Err(_) => self.finished = true,
        }
        Some(result)
    }

    /// The URL the next call fetches (or the one that just failed); `None` at the end.
    pub fn next_url(&self) -> Option<&Url> {
        self.pending.as_ref()
    }

    /// Pages fetched so far.
    pub fn pages(&self) -> u64 {
        self.pages
    }

    /// Every remaining item of every remaining page.
    pub async fn collect_all(mut self) -> Result<Vec<Value>, OktaError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await {
            all.extend(page?.items);
        }
        Ok(all)
    }

    async fn fetch(&self, url: &Url) -> Result<Page, OktaError> {
        self.client.check_own_url(url)?;
        let request = label(Method::Get, url);
        let response = self
            .client
            .send(Call {
                method: Method::Get,
                url: url.clone(),
                body: None,
                bucket: self.bucket.clone(),
            })
            .await?;
        let items = decode_array(&request, &response.body)?;
        let next = match next_link(&response) {
            None => None,
            Some(written) => match url.join(&written) {
                Ok(next) if next == *url => {
                    // Normal for the System Log, whose last page links to itself for polling.
                    tracing::debug!(request = %request, "the next link repeats the current page; stopping");
                    None
                }
                Ok(next) if next.path() != url.path() => {
                    return Err(OktaError::InvalidRequest(format!(
                        "Okta's next link for {request} points to another endpoint ({}); \
                         paging stopped there, since a list only continues on its own endpoint.",
                        next.path()
                    )))
                }
                Ok(next) => Some(next),
                Err(e) => {
                    return Err(OktaError::Decode {
                        request,
                        path: "Link header".to_owned(),
                        message: format!("the next link is not a URL: {e}"),
                    })
                }
            },
        };
        Ok(Page { items, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rels(links: &[Link]) -> Vec<(String, Vec<String>)> {
        links
            .iter()
            .map(|l| (l.url.clone(), l.rels.clone()))
            .collect()
    }

    #[test]
    fn separate_header_lines() {
        let links = parse_link_header([
            r#"<https://acme.okta.com/api/v1/users?limit=200>; rel="self""#,
            r#"<https://acme.okta.com/api/v1/users?after=00u5kq2w9xYbT3nJR0h7&limit=200>; rel="next""#,
        ]);
        assert_eq!(
            rels(&links),
            vec![
                (
                    "https://acme.okta.com/api/v1/users?limit=200".to_owned(),
                    vec!["self".to_owned()]
                ),
                (
                    "https://acme.okta.com/api/v1/users?after=00u5kq2w9xYbT3nJR0h7&limit=200"
                        .to_owned(),
                    vec!["next".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn one_comma_joined_value() {
        let links = parse_link_header([
            r#"<https://acme.okta.com/api/v1/logs?limit=100&sortOrder=ASCENDING&since=2025-05-20T00%3A00%3A00.000Z>; rel="self", <https://acme.okta.com/api/v1/logs?limit=100&sortOrder=ASCENDING&after=1716200000000_1&since=2025-05-20T00%3A00%3A00.000Z>; rel="next""#,
        ]);
        assert_eq!(links.len(), 2);
        assert_eq!(links[1].rels, vec!["next"]);
        assert!(links[1].url.contains("after=1716200000000_1"));
    }

    #[test]
    fn commas_and_semicolons_inside_the_url() {
        let links = parse_link_header([
            r#"<https://a.example/api/v1/x?f=a,b;c&g=1>; rel="self",<https://a.example/api/v1/x?f=a,b;c&after=2>;rel=next"#,
        ]);
        assert_eq!(
            rels(&links),
            vec![
                (
                    "https://a.example/api/v1/x?f=a,b;c&g=1".to_owned(),
                    vec!["self".to_owned()]
                ),
                (
                    "https://a.example/api/v1/x?f=a,b;c&after=2".to_owned(),
                    vec!["next".to_owned()]
                ),
            ]
        );
    }

    #[test]
    fn extra_params_case_and_multiple_rels() {
        let links = parse_link_header([
            r#"<https://a.example/1>; title="a, b; c"; REL="Next Last"; type=text/html"#,
        ]);
        assert_eq!(links[0].rels, vec!["next", "last"]);
        assert_eq!(links[0].url, "https://a.example/1");
    }

    #[test]
    fn garbage_is_skipped() {
        let links = parse_link_header([
            r#"nonsense, <https://a.example/2>; rel="next", <unterminated"#,
            "",
            r#"; rel="next""#,
        ]);
        assert_eq!(
            rels(&links),
            vec![("https://a.example/2".to_owned(), vec!["next".to_owned()])]
        );
    }

    #[test]
    fn next_link_of_a_response() {
        let response = HttpResponse {
            status: 200,
            headers: vec![
                (
                    "link".into(),
                    r#"<https://a.example/p1>; rel="self""#.into(),
                ),
                (
                    "link".into(),
                    r#"<https://a.example/p2>; rel="next""#.into(),
                ),
            ],
            body: b"[]".to_vec(),
        };
        assert_eq!(
            next_link(&response).as_deref(),
            Some("https://a.example/p2")
        );
        let last = HttpResponse {
            headers: vec![(
                "link".into(),
                r#"<https://a.example/p1>; rel="self""#.into(),
            )],
            ..response
        };
        assert_eq!(next_link(&last), None);
    }
}
