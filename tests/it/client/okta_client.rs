//! The Okta client against a loopback wiremock server: headers, paths, queries, bodies,
//! error mapping, per resource.

use crate::support::okta_support;

use okta_iam::okta::{
    AppId, ErrorCode, Filter, GroupId, LogQuery, OktaError, SortOrder, UserId, UserStatus, UserView,
};
use okta_support::*;
use serde_json::{json, Map, Value};
use wiremock::matchers::{body_json, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer};

fn profile(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[tokio::test]
async fn every_request_carries_the_fixed_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(json(200, &fixture("user_active.json")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let me = client.users().me().await.unwrap();
    assert_eq!(me["id"], "00u5kq2w9xYbT3nJR0h7");

    let requests = server.received_requests().await.unwrap();
    let request = &requests[0];
    assert_eq!(
        header(request, "authorization"),
        Some(&*format!("SSWS {TOKEN}"))
    );
    assert_eq!(header(request, "accept"), Some("application/json"));
    assert_eq!(header(request, "content-type"), Some("application/json"));
    assert_eq!(
        header(request, "user-agent"),
        Some(&*format!("okta-iam/{}", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(header(request, "x-okta-retry-count"), None);
    assert_eq!(header_count(request, "authorization"), 1);
}

#[tokio::test]
async fn raw_objects_keep_okta_key_order_and_unknown_fields() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/00u5kq2w9xYbT3nJR0h7"))
        .respond_with(json(200, &fixture("user_active.json")))
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let user = client
        .users()
        .get(&UserId::new("00u5kq2w9xYbT3nJR0h7"))
        .await
        .unwrap();
    let keys: Vec<&str> = user
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "status",
            "created",
            "activated",
            "statusChanged",
            "lastLogin",
            "lastUpdated",
            "type",
            "profile",
            "credentials",
            "_links"
        ]
    );
    let profile_keys: Vec<&str> = user["profile"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        profile_keys,
        [
            "login",
            "email",
            "secondEmail",
            "firstName",
            "lastName",
            "zeta",
            "department"
        ]
    );
    let view = UserView(&user);
    assert_eq!(view.status(), Some(UserStatus::Active));
    assert_eq!(view.login(), Some("dana.lee@example.com"));
    assert_eq!(view.email(), Some("dana.lee@example.com"));
    assert_eq!(view.user_id(), Some(UserId::new("00u5kq2w9xYbT3nJR0h7")));
}

#[tokio::test]
async fn lookups_send_an_escaped_filter_form_encoded() {
    let server = MockServer::start().await;
    let hostile = r#"a" or id eq "x"#;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .and(query_param(
            "filter",
            r#"profile.login eq "a\" or id eq \"x""#,
        ))
        .respond_with(json(200, &format!("[{}]", fixture("user_active.json"))))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let users = client
        .users()
        .list_by_filter(&Filter::eq("profile.login", hostile))
        .await
        .unwrap();
    assert_eq!(users.len(), 1);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].url.query(),
        Some("filter=profile.login+eq+%22a%5C%22+or+id+eq+%5C%22x%22")
    );
}

#[tokio::test]
async fn ids_are_one_path_segment_and_dot_segments_are_never_sent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json(200, r#"{"id":"x"}"#))
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    client.users().get(&UserId::new("a/b?c#d")).await.unwrap();
    client
        .users()
        .get(&UserId::new("dana lee@example.com"))
        .await
        .unwrap();
    for id in ["..", ".", ""] {
        let error = client.users().get(&UserId::new(id)).await.unwrap_err();
        assert!(matches!(error, OktaError::InvalidRequest(_)), "{error:?}");
        assert_eq!(error.error_code(), ErrorCode::None);
    }
    let error = client
        .apps()
        .get_app_user(&AppId::new("0oa1"), &UserId::new(".."))
        .await
        .unwrap_err();
    assert!(matches!(error, OktaError::InvalidRequest(_)));

    let requests = server.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|r| r.url.path()).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/users/a%2Fb%3Fc%23d",
            "/api/v1/users/dana%20lee%40example.com"
        ]
    );
    assert!(requests.iter().all(|r| r.url.query().is_none()));
}

#[tokio::test]
async fn create_posts_the_profile_without_nulls_and_the_flags() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .and(query_param("activate", "false"))
        .and(query_param("provider", "true"))
        .and(body_json(
            json!({"profile": {"login": "a@b.c", "email": "a@b.c"}}),
        ))
        .respond_with(json(200, &fixture("user_active.json")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let created = client
        .users()
        .create(
            profile(json!({"login": "a@b.c", "email": "a@b.c", "mobilePhone": null})),
            false,
            true,
        )
        .await
        .unwrap();
    assert_eq!(created["status"], "ACTIVE");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].url.query(),
        Some("activate=false&provider=true")
    );
}

#[tokio::test]
async fn empty_lifecycle_posts_send_content_length_zero() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1/lifecycle/activate"))
        .and(query_param("sendEmail", "false"))
        .respond_with(json(
            200,
            r#"{"activationUrl":"https://acme.okta.com/welcome/tok","activationToken":"tok"}"#,
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1/lifecycle/deactivate"))
        .and(query_param_is_missing("sendEmail"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1/lifecycle/unsuspend"))
        .respond_with(json(200, "{}"))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let id = UserId::new("00u1");

    let activated = client.users().activate(&id, false).await.unwrap();
    assert_eq!(activated["activationToken"], "tok");
    assert_eq!(client.users().deactivate(&id).await.unwrap(), Value::Null);
    assert_eq!(client.users().unsuspend(&id).await.unwrap(), json!({}));

    for request in server.received_requests().await.unwrap() {
        assert_eq!(
            header(&request, "content-length"),
            Some("0"),
            "{}",
            request.url
        );
        assert_eq!(header_count(&request, "content-length"), 1);
        assert_eq!(header(&request, "transfer-encoding"), None);
        assert!(request.body.is_empty());
    }
}

#[tokio::test]
async fn partial_update_posts_the_profile() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1"))
        .and(body_json(
            json!({"profile": {"firstName": "Dana", "title": null}}),
        ))
        .respond_with(json(200, &fixture("user_active.json")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let updated = client
        .users()
        .update_profile(
            &UserId::new("00u1"),
            profile(json!({"firstName": "Dana", "title": null})),
        )
        .await
        .unwrap();
    assert_eq!(updated["profile"]["firstName"], "Dana");
    let request = &server.received_requests().await.unwrap()[0];
    let length: usize = header(request, "content-length").unwrap().parse().unwrap();
    assert_eq!(length, request.body.len());
}

#[tokio::test]
async fn app_user_assignment_and_its_404() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps/0oa1/users/00u1"))
        .respond_with(json(200, &fixture("app_user.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps/0oa1/users/00u2"))
        .respond_with(
            json(404, &fixture("error_app_user_not_found.json"))
                .insert_header("x-okta-request-id", "req404"),
        )
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let app = AppId::new("0oa1");

    let assigned = client
        .apps()
        .get_app_user(&app, &UserId::new("00u1"))
        .await
        .unwrap();
    assert_eq!(assigned["credentials"]["userName"], "dana.lee@example.com");

    let error = client
        .apps()
        .get_app_user(&app, &UserId::new("00u2"))
        .await
        .unwrap_err();
    assert!(error.is_not_found());
    assert_eq!(error.error_code(), ErrorCode::Okta("E0000007".into()));
    assert_eq!(error.request_id(), Some("req404"));
    let OktaError::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status, 404);
    assert_eq!(api.error_id.as_deref(), Some("oaeW1p0Xk2sQ7rZ9yB3nD4fGh"));
    assert_eq!(
        api.body,
        serde_json::from_str::<Value>(&fixture("error_app_user_not_found.json")).unwrap()
    );
    assert_eq!(
        error.to_string(),
        "Not found: Resource not found: 00u5kq2w9xYbT3nJR0h7 (AppUser). "
    );
}

#[tokio::test]
async fn app_lists_send_q_limit_and_the_user_filter() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .and(query_param("q", "work day"))
        .and(query_param("limit", "2"))
        .respond_with(json(200, r#"[{"id":"0oa1"},{"id":"0oa2"}]"#))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .and(query_param("filter", r#"user.id eq "00u1""#))
        .respond_with(json(200, r#"[{"id":"0oa3"}]"#))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let apps = client
        .apps()
        .list(Some("work day"), Some(2))
        .collect_all()
        .await
        .unwrap();
    assert_eq!(apps.len(), 2);
    let page = client
        .apps()
        .list_for_user(&UserId::new("00u1"))
        .next_page()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.items, vec![json!({"id": "0oa3"})]);
    assert_eq!(page.next, None);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests[0].url.query(), Some("q=work+day&limit=2"));
}

#[tokio::test]
async fn groups_search_get_and_a_refused_member_id() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups"))
        .and(query_param("q", "Finance"))
        .respond_with(json(200, &fixture("groups_search.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups/00g2mz8k1sTQ4Ywp30h7"))
        .respond_with(json(
            200,
            r#"{"id":"00g2mz8k1sTQ4Ywp30h7","profile":{"name":"Finance Analysts"}}"#,
        ))
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let found = client.groups().search("Finance").await.unwrap();
    assert_eq!(found[0]["profile"]["name"], "Finance Analysts");
    let group = client
        .groups()
        .get(&GroupId::new("00g2mz8k1sTQ4Ywp30h7"))
        .await
        .unwrap();
    assert_eq!(group["id"], "00g2mz8k1sTQ4Ywp30h7");

    let mut pager = client.groups().members(&GroupId::new(".."));
    let first = pager.next_page().await.unwrap();
    assert!(matches!(first, Err(OktaError::InvalidRequest(_))));
    assert!(pager.next_page().await.is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn user_schema_and_log_query_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/meta/schemas/user/default"))
        .respond_with(json(200, &fixture("schema_user_default.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .respond_with(json(200, &fixture("logs_page1.json")))
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let schema = client.schemas().user_default().await.unwrap();
    assert_eq!(
        schema["definitions"]["custom"]["properties"]["field1"]["title"],
        "description1"
    );

    let query = LogQuery {
        filter: Some(Filter::eq("eventType", "user.lifecycle.activate").into_string()),
        since: Some("2025-05-20T00:00:00.000Z".into()),
        until: Some("2025-05-21T00:00:00.000Z".into()),
        limit: Some(1000),
        sort_order: Some(SortOrder::Descending),
        q: Some("dana".into()),
    };
    let page = client
        .logs()
        .list(&query)
        .next_page()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let empty = client
        .logs()
        .list(&LogQuery::default())
        .next_page()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(empty.items.len(), 2);

    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[1].url.query(),
        Some("filter=eventType+eq+%22user.lifecycle.activate%22&since=2025-05-20T00%3A00%3A00.000Z&until=2025-05-21T00%3A00%3A00.000Z&limit=1000&sortOrder=DESCENDING&q=dana")
    );
    assert_eq!(requests[2].url.query(), None);
}

#[tokio::test]
async fn error_bodies_with_and_without_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/causes"))
        .respond_with(json(400, &fixture("error_duplicate_login.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/html"))
        .respond_with(wiremock::ResponseTemplate::new(502).set_body_raw(
            b"<html><body>Bad gateway</body></html>\n".to_vec(),
            "text/html",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/scope"))
        .respond_with(wiremock::ResponseTemplate::new(403).insert_header(
            "www-authenticate",
            r#"Bearer error="insufficient_scope", scope="okta.users.read""#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(json(401, &fixture("error_invalid_token.json")))
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let get = |id: &'static str| {
        let client = client.clone();
        async move { client.users().get(&UserId::new(id)).await.unwrap_err() }
    };

    let error = get("causes").await;
    assert_eq!(
        error.message_for_people(),
        "Api validation failed: login. Reason:\n1. login: An object with this field already exists in the current organization\n2. email: Does not match required pattern\n"
    );
    assert_eq!(error.error_code().to_value(), json!("E0000001"));

    let error = get("html").await;
    assert_eq!(
        error.to_string(),
        "Error in API call [502] - Bad Gateway\n<html><body>Bad gateway</body></html>"
    );
    assert_eq!(error.error_code().to_value(), json!(502));

    let error = get("scope").await;
    assert_eq!(error.to_string(), "Error in API call [403] - Forbidden\n");
    assert_eq!(error.error_code(), ErrorCode::Status(403));

    let error = client.users().me().await.unwrap_err();
    assert_eq!(error.to_string(), "Invalid token provided. ");
    assert_eq!(error.error_code().to_value(), json!("E0000011"));
    assert_eq!(error.status(), Some(401));
}

#[tokio::test]
async fn a_list_that_is_not_an_array_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups"))
        .respond_with(json(200, r#"{"not":"a list"}"#))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(json(200, r#"{"id": "#))
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let error = client.groups().search("x").await.unwrap_err();
    assert_eq!(
        error.to_string(),
        "Okta's answer to GET /api/v1/groups could not be read at $: expected a JSON array, found an object"
    );
    let error = client.users().me().await.unwrap_err();
    assert!(
        matches!(&error, OktaError::Decode { path, .. } if path == "line 1 column 7"),
        "{error:?}"
    );
    assert_eq!(error.error_code(), ErrorCode::None);
}
