//! Link-header pagination against a loopback wiremock server: a three-page walk with both
//! header forms, the loop guard, resuming from a saved URL, and refusing other origins.

use crate::support::okta_support;

use okta_iam::okta::{GroupId, LogQuery, OktaError};
use okta_support::*;
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn three_pages_with_both_link_header_forms() {
    let server = MockServer::start().await;
    let base = format!("{}/api/v1/logs", server.uri());
    // Page 1: one header line per relation (as Okta sends them).
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param_is_missing("after"))
        .respond_with(
            json(200, &fixture("logs_page1.json"))
                .append_header("link", format!(r#"<{base}?since=2025-05-20T00%3A00%3A00.000Z&limit=2>; rel="self""#))
                .append_header("link", format!(r#"<{base}?since=2025-05-20T00%3A00%3A00.000Z&limit=2&after=1716200000000_1>; rel="next""#)),
        )
        .expect(1)
        .mount(&server)
        .await;
    // Page 2: one comma-joined value, with a comma and a semicolon inside the next URL.
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "1716200000000_1"))
        .respond_with(json(200, &fixture("logs_page2.json")).insert_header(
            "link",
            format!(r#"<{base}?after=1716200000000_1>; rel="self", <{base}?since=2025-05-20T00%3A00%3A00.000Z&limit=2&after=17162,0000;0002>; rel="next""#),
        ))
        .expect(1)
        .mount(&server)
        .await;
    // Page 3: self only, the end.
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "17162,0000;0002"))
        .respond_with(json(200, &fixture("logs_page3.json")).insert_header(
            "link",
            format!(r#"<{base}?after=17162,0000;0002>; rel="self""#),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let query = LogQuery {
        since: Some("2025-05-20T00:00:00.000Z".into()),
        limit: Some(2),
        ..Default::default()
    };
    let mut pager = client.for_command().logs().list(&query);
    let mut uuids = Vec::new();
    let mut nexts = Vec::new();
    while let Some(page) = pager.next_page().await {
        let page = page.unwrap();
        uuids.extend(
            page.items
                .iter()
                .map(|e| e["uuid"].as_str().unwrap().to_owned()),
        );
        nexts.push(page.next.map(|u| u.to_string()));
    }
    assert_eq!(pager.pages(), 3);
    assert_eq!(uuids.len(), 6);
    assert!(
        uuids[0].ends_with("41") && uuids[5].ends_with("53"),
        "{uuids:?}"
    );
    assert_eq!(
        nexts,
        [
            Some(format!(
                "{base}?since=2025-05-20T00%3A00%3A00.000Z&limit=2&after=1716200000000_1"
            )),
            Some(format!(
                "{base}?since=2025-05-20T00%3A00%3A00.000Z&limit=2&after=17162,0000;0002"
            )),
            None
        ]
    );
    assert!(pager.next_page().await.is_none());

    // The next links were followed exactly as given.
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests[0].url.query(),
        Some("since=2025-05-20T00%3A00%3A00.000Z&limit=2")
    );
    assert_eq!(
        requests[1].url.query(),
        Some("since=2025-05-20T00%3A00%3A00.000Z&limit=2&after=1716200000000_1")
    );
    assert_eq!(
        requests[2].url.query(),
        Some("since=2025-05-20T00%3A00%3A00.000Z&limit=2&after=17162,0000;0002")
    );
    assert!(requests
        .iter()
        .all(|r| header(r, "authorization").is_some()));
}

#[tokio::test]
async fn group_members_collected_across_pages_with_a_relative_next() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups/00g1/users"))
        .and(query_param_is_missing("after"))
        .respond_with(json(200, r#"[{"id":"00u1"},{"id":"00u2"}]"#).insert_header(
            "link",
            r#"</api/v1/groups/00g1/users?after=00u2>; rel="next""#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups/00g1/users"))
        .and(query_param("after", "00u2"))
        .respond_with(json(200, r#"[{"id":"00u3"}]"#))
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let members = client
        .groups()
        .members(&GroupId::new("00g1"))
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<_> = members.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["00u1", "00u2", "00u3"]);
}

#[tokio::test]
async fn a_next_equal_to_the_current_url_ends_the_walk() {
    let server = MockServer::start().await;
    let url = format!("{}/api/v1/apps?limit=1", server.uri());
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .respond_with(
            json(200, r#"[{"id":"0oa1"}]"#)
                .append_header("link", format!(r#"<{url}>; rel="self""#))
                .append_header("link", format!(r#"<{url}>; rel="next""#)),
        )
        .mount(&server)
        .await;
    let (client, _) = client(&server);

    let mut pager = client.apps().list(None, Some(1));
    let page = pager.next_page().await.unwrap().unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.next, None);
    assert!(pager.next_page().await.is_none());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_next_on_another_origin_is_refused_and_never_sent() {
    let server = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .respond_with(json(200, r#"[{"id":"0oa1"}]"#).insert_header(
            "link",
            format!(
                r#"<{}/api/v1/apps?after=0oa1>; rel="next""#,
                elsewhere.uri()
            ),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json(200, "[]"))
        .mount(&elsewhere)
        .await;
    let (client, _) = client(&server);

    let mut pager = client.apps().list(None, None);
    let first = pager.next_page().await.unwrap().unwrap();
    assert_eq!(first.items.len(), 1);
    let second = pager.next_page().await.unwrap();
    let error = second.unwrap_err();
    assert!(matches!(error, OktaError::InvalidRequest(_)), "{error:?}");
    assert!(error
        .to_string()
        .starts_with("refusing to send the API token to"));
    assert!(!error.to_string().contains(TOKEN));
    // Finished, but the URL that failed is kept.
    assert!(pager.next_page().await.is_none());
    assert!(pager.next_url().is_some());
    assert!(elsewhere.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn logs_resume_from_a_saved_next_url_as_is() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/logs"))
        .and(query_param("after", "1716200000000_9"))
        .respond_with(json(200, &fixture("logs_page3.json")))
        .expect(1)
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let saved = format!(
        "{}/api/v1/logs?limit=100&sortOrder=ASCENDING&after=1716200000000_9&since=2025-05-20T00%3A00%3A00.000Z",
        server.uri()
    );

    let page = client
        .logs()
        .resume(&saved)
        .unwrap()
        .next_page()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let requests = server.received_requests().await.unwrap();
    let sent = &requests[0].url;
    assert_eq!(
        format!("{}?{}", sent.path(), sent.query().unwrap()),
        saved.strip_prefix(&server.uri()).unwrap()
    );

    for bad in [
        "https://evil.example.com/api/v1/logs?after=1".to_owned(),
        format!("{}/api/v1/users?after=1", server.uri()),
        format!("{}/other/api/v1/logs", server.uri()),
        "not a url".to_owned(),
    ] {
        let error = client.logs().resume(&bad).unwrap_err();
        assert!(
            matches!(error, OktaError::InvalidRequest(_)),
            "{bad}: {error:?}"
        );
    }
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
