//! The longest URL a request can have.
//!
//! The HTTP stack refuses a URI of 65,535 bytes or more, with an error that names no cause
//! ("Parsed Url is not a valid Uri"). The client checks every URL before sending it and fails
//! the call with a message that says which query parameter is too long, and by how much.

use url::Url;

use crate::http::InvalidRequest;

/// The longest URL sent: what the HTTP stack accepts.
pub const MAX_URL_BYTES: usize = 65_534;

/// `value` as it will be in a query string (`application/x-www-form-urlencoded`), in bytes.
pub fn encoded_len(value: &str) -> usize {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .map(str::len)
        .sum()
}

/// Refuses `url` when it is over [`MAX_URL_BYTES`]; `request` is `METHOD /path`.
pub fn check(url: &Url, request: &str) -> Result<(), InvalidRequest> {
    let length = url.as_str().len();
    if length <= MAX_URL_BYTES {
        return Ok(());
    }
    let longest = url
        .query_pairs()
        .map(|(name, value)| (name.into_owned(), encoded_len(&value)))
        .max_by_key(|(_, len)| *len);
    let mut message = format!(
        "The request {request} would need a URL of {length} bytes; at most {MAX_URL_BYTES} can be sent."
    );
    if let Some((name, len)) = longest {
        message.push_str(&format!(
            " Its {name} query parameter alone is {len} bytes: shorten what it is built from."
        ));
    }
    Err(InvalidRequest(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_urls_are_refused_naming_the_parameter() {
        let base = "https://acme.okta.com/api/v1/users?filter=";
        let ok: Url = format!("{base}{}", "a".repeat(1000)).parse().unwrap();
        assert!(check(&ok, "GET /api/v1/users").is_ok());
        let long: Url = format!("{base}{}&limit=2", "a".repeat(70_000))
            .parse()
            .unwrap();
        let error = check(&long, "GET /api/v1/users").unwrap_err().to_string();
        assert_eq!(
            error,
            format!(
                "The request GET /api/v1/users would need a URL of {} bytes; at most 65534 can be sent. Its filter query parameter alone is 70000 bytes: shorten what it is built from.",
                long.as_str().len()
            )
        );
        assert_eq!(encoded_len("a b\"@"), "a+b%22%40".len());
    }
}
