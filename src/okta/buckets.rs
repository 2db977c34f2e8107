//! Okta's rate-limit buckets: which bucket a request counts against, the key the pacer
//! ([`crate::http::pacer`]) keeps one window for.
//!
//! Okta counts management requests per endpoint family, not per path (its rate-limit pages:
//! "Management rate limits"; the table of defaults was last published in 2025): buckets are
//! picked by exact match first, then by longest prefix, and some are per method:
//!
//! | bucket | requests |
//! |---|---|
//! | `/api/v1/users` | `GET` (list, search) and `POST` (create) of the collection |
//! | `GET /api/v1/users/{idOrLogin}` | reading one user |
//! | `/api/v1/users/{id}` | `POST`/`PUT`/`DELETE` of one user, and (longest prefix) its lifecycle and other sub-resources |
//! | `/api/v1/apps/{id}` | one app, exactly |
//! | `/api/v1/apps*` | everything else under apps (its users, the collection) |
//! | `/api/v1/groups/{id}` | one group, exactly |
//! | `/api/v1/groups*` | everything else under groups (its members, the collection) |
//! | `/api/v1/logs` | the System Log |
//! | `/api/v1` | every other call |
//!
//! Okta does not publish every edge (the lifecycle paths, a group's members); where a guess
//! is wrong the pacer corrects it: keys whose answers report one window share it, so a key
//! that is too fine costs nothing, and the headers of each answer are always believed.

use crate::http::transport::Method;

/// The Okta bucket of `method` on `shape` (a path relative to `/api/v1/`, ids replaced by
/// `{id}`), as a pacing key under `base_path` (`/api/v1/`).
pub fn bucket(base_path: &str, method: Method, shape: &str) -> String {
    // The first three segments decide (no shape needs more); read without a list.
    let mut segments = shape.split('/').filter(|s| !s.is_empty());
    let first_three = [segments.next(), segments.next(), segments.next()];
    let (prefix, family) = match first_three {
        [Some("users"), None, _] => ("", "users"),
        [Some("users"), Some("me" | "{id}"), None] if method == Method::Get => {
            ("GET ", "users/{idOrLogin}")
        }
        [Some("users"), Some("me" | "{id}"), _] => ("", "users/{id}"),
        [Some("apps"), Some("{id}"), None] => ("", "apps/{id}"),
        [Some("apps"), ..] => ("", "apps*"),
        [Some("groups"), Some("{id}"), None] => ("", "groups/{id}"),
        [Some("groups"), ..] => ("", "groups*"),
        [Some("logs"), ..] => ("", "logs"),
        _ => ("", ""),
    };
    let mut key = String::with_capacity(prefix.len() + base_path.len() + family.len());
    key.push_str(prefix);
    key.push_str(base_path);
    key.push_str(family);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(method: Method, shape: &str) -> String {
        bucket("/api/v1/", method, shape)
    }

    #[test]
    fn the_user_requests_fall_into_okta_s_three_user_buckets() {
        // Lookup and create share the collection's bucket.
        assert_eq!(key(Method::Get, "users"), "/api/v1/users");
        assert_eq!(key(Method::Post, "users"), "/api/v1/users");
        // Reading one user has its own.
        assert_eq!(
            key(Method::Get, "users/{id}"),
            "GET /api/v1/users/{idOrLogin}"
        );
        assert_eq!(
            key(Method::Get, "users/me"),
            "GET /api/v1/users/{idOrLogin}"
        );
        // Writes to one user and its lifecycle share one.
        for (method, shape) in [
            (Method::Post, "users/{id}"),
            (Method::Put, "users/{id}"),
            (Method::Delete, "users/{id}"),
            (Method::Post, "users/{id}/lifecycle/activate"),
            (Method::Post, "users/{id}/lifecycle/deactivate"),
            (Method::Get, "users/{id}/groups"),
        ] {
            assert_eq!(key(method, shape), "/api/v1/users/{id}", "{method} {shape}");
        }
    }

    #[test]
    fn apps_groups_logs_and_the_rest() {
        assert_eq!(key(Method::Get, "apps/{id}"), "/api/v1/apps/{id}");
        assert_eq!(key(Method::Get, "apps"), "/api/v1/apps*");
        assert_eq!(key(Method::Get, "apps/{id}/users/{id}"), "/api/v1/apps*");
        assert_eq!(key(Method::Get, "groups/{id}"), "/api/v1/groups/{id}");
        assert_eq!(key(Method::Get, "groups/{id}/users"), "/api/v1/groups*");
        assert_eq!(key(Method::Get, "groups"), "/api/v1/groups*");
        assert_eq!(key(Method::Get, "logs"), "/api/v1/logs");
        assert_eq!(key(Method::Get, "meta/schemas/user/default"), "/api/v1/");
        assert_eq!(key(Method::Get, "users/unknown"), "/api/v1/");
        assert_eq!(key(Method::Get, ""), "/api/v1/");
        assert_eq!(
            key(Method::Get, "/users//{id}/"),
            "GET /api/v1/users/{idOrLogin}"
        );
        // Another base path (a proxy's prefix) is kept.
        assert_eq!(
            bucket("/okta/api/v1/", Method::Get, "logs"),
            "/okta/api/v1/logs"
        );
    }
}
