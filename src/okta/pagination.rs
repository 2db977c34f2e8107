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

use serde_json::value::RawValue;
use serde_json::Value;
use url::Url;

use crate::http::transport::{HttpResponse, Method};
use crate::okta::client::{decode_array, decode_raw_array, label, Call, Client};
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
    let mut rest = text;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            break;
        }
        let Some(after_open) = rest.strip_prefix('<') else {
            rest = skip_past_link(rest);
            continue;
        };
        let Some((url, after_url)) = after_open.split_once('>') else {
            break;
        };
        let url = url.trim().to_owned();
        rest = after_url;
        let mut rels = Vec::new();
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
            let Some(after_semicolon) = rest.strip_prefix(';') else {
                break;
            };
            let (name, after_name) = split_before(
                after_semicolon.trim_start_matches(|c: char| c.is_ascii_whitespace()),
                |c| matches!(c, '=' | ';' | ','),
            );
            rest = after_name;
            let name = name.trim();
            let mut value = String::new();
            if let Some(after_equals) = rest.strip_prefix('=') {
                rest = after_equals.trim_start_matches(|c: char| c.is_ascii_whitespace());
                if let Some(quoted) = rest.strip_prefix('"') {
                    let (unquoted, after_quote) = unquote(quoted);
                    value = unquoted;
                    rest = after_quote;
                } else {
                    let (raw, after_value) = split_before(rest, |c| matches!(c, ';' | ','));
                    value = raw.trim().to_owned();
                    rest = after_value;
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
        if !rest.is_empty() && !rest.starts_with(',') {
            rest = skip_past_link(rest);
        }
    }
}

/// `text` split before the first character `stop` accepts (all of it, and `""`, if none does).
fn split_before(text: &str, stop: impl Fn(char) -> bool) -> (&str, &str) {
    let at = text.find(stop).unwrap_or(text.len());
    // `find` answers a character boundary, so the split always succeeds.
    text.split_at_checked(at).unwrap_or((text, ""))
}

/// A quoted-string's content (after the opening `"`) with `\` escapes resolved, and the text
/// after the closing `"` (`""` when it is missing). A `\` at the very end stays as it is.
fn unquote(quoted: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = quoted.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => value.push(chars.next().unwrap_or('\\')),
            other => value.push(other),
        }
    }
    (value, chars.as_str())
}

/// The text after the next top-level `,` (quoted strings and `<…>` skipped), or `""`.
fn skip_past_link(text: &str) -> &str {
    let mut quoted = false;
    let mut bracketed = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                chars.next();
            }
            '"' if !bracketed => quoted = !quoted,
            '<' if !quoted => bracketed = true,
            '>' if !quoted => bracketed = false,
            ',' if !quoted && !bracketed => return chars.as_str(),
            _ => {}
        }
    }
    ""
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

/// One page of a list whose items are kept as the bytes Okta sent ([`Pager::next_raw_page`]):
/// the System Log's events are read only in part and passed on as they came.
#[derive(Debug)]
pub struct RawPage {
    pub items: Vec<Box<RawValue>>,
    /// As [`Page::next`].
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
        let (items, next) = match self.advance(decode_array).await? {
            Ok(page) => page,
            Err(error) => return Some(Err(error)),
        };
        Some(Ok(Page { items, next }))
    }

    /// [`Pager::next_page`] with each item kept as Okta's bytes, unparsed.
    pub async fn next_raw_page(&mut self) -> Option<Result<RawPage, OktaError>> {
        let (items, next) = match self.advance(decode_raw_array).await? {
            Ok(page) => page,
            Err(error) => return Some(Err(error)),
        };
        Some(Ok(RawPage { items, next }))
    }

    /// Fetches the pending page and decodes its items with `decode`.
    async fn advance<T>(
        &mut self,
        decode: fn(&str, &[u8]) -> Result<Vec<T>, OktaError>,
    ) -> Option<Result<(Vec<T>, Option<Url>), OktaError>> {
        if self.finished {
            return None;
        }
        if let Some(error) = self.deferred.take() {
            self.finished = true;
            return Some(Err(error));
        }
        let url = self.pending.clone()?;
        let result = self.fetch(&url, decode).await;
        match &result {
            Ok((items, next)) => {
                self.pages += 1;
                crate::http::paging::page_fetched(items.len());
                self.pending = next.clone();
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

    async fn fetch<T>(
        &self,
        url: &Url,
        decode: fn(&str, &[u8]) -> Result<Vec<T>, OktaError>,
    ) -> Result<(Vec<T>, Option<Url>), OktaError> {
        self.client.check_own_url(url)?;
        let request = label(Method::Get, url);
        let response = self
            .client
            .send(Call {
                method: Method::Get,
                url: url.clone(),
                body: None,
                bucket: self.bucket.clone(),
                headers: Vec::new(),
            })
            .await?;
        let items = decode(&request, &response.body)?;
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
        Ok((items, next))
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
    fn quoted_escapes_text_after_params_and_non_ascii() {
        let links = parse_link_header([
            r#"<https://a.example/ü>; title="say \"hi\", ü"; rel="next" junk, <https://a.example/3>; rel=\"x\"; REL="last""#,
            r#"<https://a.example/4>;rel="next\"#,
        ]);
        assert_eq!(
            rels(&links),
            vec![
                ("https://a.example/ü".to_owned(), vec!["next".to_owned()]),
                ("https://a.example/3".to_owned(), vec!["last".to_owned()]),
                ("https://a.example/4".to_owned(), vec!["next\\".to_owned()]),
            ]
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
