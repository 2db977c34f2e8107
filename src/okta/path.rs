//! Request paths: typed ids, and the one helper that turns a value into a path segment.
//!
//! [`segment`] percent-encodes everything but RFC 3986 unreserved characters
//! (`A-Z a-z 0-9 - . _ ~`), so `/`, `\`, `?`, `#`, `%`, spaces, `@` and non-ASCII all stay
//! inside ONE segment. The empty string, `.` and `..` cannot be one segment (URL parsers
//! collapse them) and are refused with [`OktaError::InvalidRequest`]; nothing is sent.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::okta::error::OktaError;

/// `value` as one percent-encoded path segment.
pub fn segment(value: &str) -> Result<String, OktaError> {
    crate::http::encode::path_segment(value).ok_or_else(|| {
        OktaError::InvalidRequest(format!(
            "{value:?} cannot be used as an id in a request path"
        ))
    })
}

/// A request path relative to the base URL (`users/00u1/lifecycle/activate`) and its shape
/// with ids replaced (`users/{id}/lifecycle/activate`), which keys the rate-limit bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Route {
    pub path: String,
    pub shape: &'static str,
}

/// Fills each `{id}` of `template` (left to right) with `ids` run through [`segment`].
pub(crate) fn route(template: &'static str, ids: &[&str]) -> Result<Route, OktaError> {
    let mut ids = ids.iter();
    let mut path = String::with_capacity(template.len());
    for (index, part) in template.split('/').enumerate() {
        if index > 0 {
            path.push('/');
        }
        if part == "{id}" {
            let id = ids
                .next()
                .ok_or_else(|| OktaError::InvalidRequest(format!("missing id for {template}")))?;
            path.push_str(&segment(id)?);
        } else {
            path.push_str(part);
        }
    }
    Ok(Route {
        path,
        shape: template,
    })
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// An Okta user id (`00u…`); a login also works where Okta accepts one.
    UserId
);
id_type!(
    /// An Okta application id (`0oa…`).
    AppId
);
id_type!(
    /// An Okta group id (`00g…`).
    GroupId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_are_unchanged() {
        assert_eq!(
            segment("00u5kq2w9xYbT3nJR0h7").unwrap(),
            "00u5kq2w9xYbT3nJR0h7"
        );
        assert_eq!(segment("a-b.c_d~e").unwrap(), "a-b.c_d~e");
    }

    #[test]
    fn hostile_values_stay_one_segment() {
        let cases = [
            ("../..", "..%2F.."),
            ("a/b?c#d", "a%2Fb%3Fc%23d"),
            ("100%", "100%25"),
            ("a b", "a%20b"),
            ("dana.lee@example.com", "dana.lee%40example.com"),
            (r"a\b", "a%5Cb"),
            ("x;y=z", "x%3By%3Dz"),
            ("é", "%C3%A9"),
            ("line\nbreak", "line%0Abreak"),
            (r#"" or id eq "x"#, "%22%20or%20id%20eq%20%22x"),
            ("...", "..."),
        ];
        for (value, encoded) in cases {
            let got = segment(value).unwrap();
            assert_eq!(got, encoded, "{value:?}");
            assert!(!got.contains('/') && !got.contains('?') && !got.contains('#'));
        }
    }

    #[test]
    fn dot_segments_and_empty_are_refused() {
        for value in ["", ".", ".."] {
            let error = segment(value).unwrap_err();
            assert!(matches!(error, OktaError::InvalidRequest(_)), "{error:?}");
        }
    }

    #[test]
    fn routes_fill_ids_in_order_and_keep_the_shape() {
        let r = route("apps/{id}/users/{id}", &["0oa1", "a/b"]).unwrap();
        assert_eq!(r.path, "apps/0oa1/users/a%2Fb");
        assert_eq!(r.shape, "apps/{id}/users/{id}");
        assert_eq!(route("users", &[]).unwrap().path, "users");
        assert_eq!(route("users/me", &[]).unwrap().path, "users/me");
        assert_eq!(route("{id}/x/", &["a"]).unwrap().path, "a/x/");
        assert!(route("users/{id}", &[".."]).is_err());
        assert!(route("users/{id}", &[]).is_err());
    }

    #[test]
    fn encoded_segments_survive_url_building() {
        let base: url::Url = "https://acme.okta.com/api/v1/".parse().unwrap();
        for value in ["../..", "a/b?c#d", "%2e%2e", ".%2E", r"..\.."] {
            let r = route("users/{id}", &[value]).unwrap();
            let mut url = base.clone();
            url.set_path(&format!("{}{}", base.path(), r.path));
            assert_eq!(url.path_segments().unwrap().count(), 4, "{url}");
            assert!(url.path().starts_with("/api/v1/users/"), "{url}");
            assert_eq!(url.query(), None);
            assert_eq!(url.fragment(), None);
        }
    }
}
