//! Mount helpers for a wiremock server standing in for Okta: the arrange blocks the
//! dispatcher tests repeat, one line each. Each helper mounts exactly the mock its name says
//! (method, path, expectation), so what a test expects stays in the test.

use serde_json::Value;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// `GET /api/v1/users?filter=<filter>` answers `users` (a JSON array).
pub async fn users_found(server: &MockServer, filter: &str, users: Value) {
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param("filter", filter))
        .respond_with(ResponseTemplate::new(200).set_body_json(users))
        .mount(server)
        .await;
}

/// `GET /api/v1/users/<id>` (the user read back after a change) answers `user`.
pub async fn user_read_back(server: &MockServer, id: &str, user: Value) {
    answer(
        server,
        "GET",
        &format!("/api/v1/users/{id}"),
        ResponseTemplate::new(200).set_body_json(user),
    )
    .await;
}

/// Every request with this method, whatever its path, gets `template`.
pub async fn every(server: &MockServer, verb: &str, template: ResponseTemplate) {
    Mock::given(method(verb))
        .respond_with(template)
        .mount(server)
        .await;
}

/// `<verb> <path>` gets `template`, as often as it is asked.
pub async fn answer(server: &MockServer, verb: &str, url_path: &str, template: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(url_path))
        .respond_with(template)
        .mount(server)
        .await;
}

/// `<verb> <path>` gets `template`, and the server checks when dropped that it was asked
/// exactly `times` times.
pub async fn answer_times(
    server: &MockServer,
    verb: &str,
    url_path: &str,
    template: ResponseTemplate,
    times: u64,
) {
    Mock::given(method(verb))
        .and(path(url_path))
        .respond_with(template)
        .expect(times)
        .mount(server)
        .await;
}

/// The first page of a paged `GET <path>` (no `after` cursor) answers `page`; mount it with
/// the expectation the test wants (`.expect(1).mount(&server).await`).
pub fn first_page(url_path: &str, page: ResponseTemplate) -> Mock {
    Mock::given(method("GET"))
        .and(path(url_path))
        .and(query_param_is_missing("after"))
        .respond_with(page)
}

/// The page of `GET <path>` after the cursor `after` answers `page`.
pub fn page_after(url_path: &str, after: &str, page: ResponseTemplate) -> Mock {
    Mock::given(method("GET"))
        .and(path(url_path))
        .and(query_param("after", after))
        .respond_with(page)
}
