//! The application, app-assignment and group commands, end to end: each execution goes through
//! `okta_iam::commands::execute` (argument checks, params, handler, entry) against a loopback
//! wiremock server standing in for Okta; one test drives the real binary. Expected markdown is
//! written by hand from the tableToMarkdown rules (research/xsoar-protocol.md §3).

use crate::support as common;
use crate::support::okta_support;

use okta_support::{fixture, json as respond, TOKEN};
use serde_json::{json, Map, Value};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::harness;
use crate::support::okta_mock::{answer, answer_times, every, first_page, page_after};

const USER: &str = "00u5kq2w9xYbT3nJR0h7";
const APP: &str = "0oa7vhd1qPZr8xYt80h7";
const GROUP: &str = "00g2mz8k1sTQ4Ywp30h7";

const ASSIGNMENT_KEY: &str =
    "Okta.AppUserAssignment(val.UserID && val.UserID == obj.UserID && val.AppID && val.AppID == obj.AppID)";
const APPLICATION_KEY: &str = "Okta.Application(val.ID && val.ID == obj.ID)";
const GET_GROUP_KEY: &str = "GetGroup(val.id && val.id == obj.id)";
const IAM_GET_GROUP_KEY: &str = "IamGetGroup(val.id && val.id == obj.id)";

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/// Runs one command against `server` with the given calling-context `context` and returns its
/// only entry, as it is serialised on the wire.
async fn call_in(server: &MockServer, command: &str, args: Value, context: Value) -> Value {
    let runtime = harness::runtime(Map::new());
    let line = json!({
        "command": command,
        "args": args,
        "params": {"url": server.uri(), "apitoken": TOKEN},
        "context": context,
    });
    let execution = harness::execute_line(&runtime, &line).await;
    assert_eq!(execution.exception, None);
    assert_eq!(execution.entries.len(), 1, "{:?}", execution.entries);
    serde_json::to_value(&execution.entries[0]).expect("entry serialises")
}

async fn call(server: &MockServer, command: &str, args: Value) -> Value {
    call_in(server, command, args, json!({})).await
}

async fn list_applications(server: &MockServer, args: Value) -> Value {
    call(server, "okta-iam-list-applications", args).await
}

async fn list_user_applications(server: &MockServer, args: Value) -> Value {
    call(server, "okta-iam-list-user-applications", args).await
}

async fn app_user_assignment(server: &MockServer, args: Value) -> Value {
    call(server, "okta-get-app-user-assignment", args).await
}

async fn get_group(server: &MockServer, args: Value) -> Value {
    call(server, "iam-get-group", args).await
}

/// `okta-get-app-user-assignment` for [`USER`] and [`APP`].
async fn get_assignment(server: &MockServer) -> Value {
    app_user_assignment(server, json!({"user_id": USER, "application_id": APP})).await
}

/// Every request the server received, as `<server uri><path>?<query>` exactly as sent
/// (wiremock rebuilds the host from the request, so only path and query are taken from it).
async fn urls(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .expect("recording is on")
        .iter()
        .map(|r| format!("{}{}", server.uri(), &r.url[url::Position::BeforePath..]))
        .collect()
}

/// A JSON page, with a `rel="next"` link when `next` is given (and a `self` link always).
fn page(body: Value, this: &str, next: Option<&str>) -> ResponseTemplate {
    let mut template =
        respond(200, &body.to_string()).append_header("link", format!(r#"<{this}>; rel="self""#));
    if let Some(next) = next {
        template = template.append_header("link", format!(r#"<{next}>; rel="next""#));
    }
    template
}

fn app(id: &str, name: &str, label: &str, logo: Option<&str>) -> Value {
    let mut app = json!({
        "id": id,
        "name": name,
        "label": label,
        "status": "ACTIVE",
        "signOnMode": "SAML_2_0",
    });
    if let Some(href) = logo {
        app["_links"] = json!({
            "logo": [{"name": "medium", "href": href, "type": "image/png"}],
            "self": {"href": format!("https://acme.okta.com/api/v1/apps/{id}")},
        });
    }
    app
}

/// Key order matters (contract §8.17): compare the serialised text.
fn assert_same_text(actual: &Value, expected: &Value) {
    assert_eq!(
        serde_json::to_string(actual).unwrap(),
        serde_json::to_string(expected).unwrap()
    );
}

fn assert_error(entry: &Value, text: &str) {
    assert_eq!(entry["Type"], 4, "{entry}");
    assert_eq!(entry["ContentsFormat"], "text");
    assert_eq!(entry["EntryContext"], Value::Null);
    assert_eq!(entry["Contents"], text);
}

// ---------------------------------------------------------------------------------------------
// okta-get-app-user-assignment
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn app_user_assignment_assigned() {
    let server = MockServer::start().await;
    let body = json!({
        "id": USER,
        "externalId": null,
        "created": "2025-03-05T09:00:00.000Z",
        "scope": "USER",
        "status": "ACTIVE",
        "credentials": {"userName": "dana.lee@example.com"},
        "profile": {"title": "Analyst", "department": "Finance", "manager": null, "costCenter": ""},
    });
    answer_times(
        &server,
        "GET",
        &format!("/api/v1/apps/{APP}/users/{USER}"),
        respond(200, &body.to_string()),
        1,
    )
    .await;

    let entry = get_assignment(&server).await;

    assert_eq!(entry["Type"], 1);
    assert_eq!(entry["ContentsFormat"], "json");
    assert_same_text(&entry["Contents"], &body);
    let outputs = json!({
        "UserID": USER,
        "AppID": APP,
        "IsAssigned": true,
        "ProfileInApp": {"title": "Analyst", "department": "Finance", "manager": null, "costCenter": ""},
    });
    assert_same_text(&entry["EntryContext"], &json!({ ASSIGNMENT_KEY: outputs }));
    assert_eq!(
        entry["HumanReadable"],
        "### App User Assignment\n\
         |User ID|App ID|Is Assigned|\n\
         |---|---|---|\n\
         | 00u5kq2w9xYbT3nJR0h7 | 0oa7vhd1qPZr8xYt80h7 | true |\n\
         \n\
         ### Profile in App\n\
         |department|title|\n\
         |---|---|\n\
         | Finance | Analyst |\n"
    );
}

#[tokio::test]
async fn app_user_assignment_with_an_empty_profile() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &format!("/api/v1/apps/{APP}/users/{USER}"),
        respond(200, &fixture("app_user.json")),
    )
    .await;
    let entry = get_assignment(&server).await;
    assert_eq!(
        entry["EntryContext"][ASSIGNMENT_KEY],
        json!({"UserID": USER, "AppID": APP, "IsAssigned": true, "ProfileInApp": {}})
    );
    assert_eq!(
        entry["HumanReadable"],
        format!(
            "### App User Assignment\n|User ID|App ID|Is Assigned|\n|---|---|---|\n| {USER} | {APP} | true |\n\n### Profile in App\n**No entries.**\n"
        )
    );
}

#[tokio::test]
async fn app_user_assignment_not_assigned_is_a_result_not_an_error() {
    let server = MockServer::start().await;
    answer_times(
        &server,
        "GET",
        &format!("/api/v1/apps/{APP}/users/{USER}"),
        respond(404, &fixture("error_app_user_not_found.json")),
        1,
    )
    .await;

    let entry = get_assignment(&server).await;

    assert_eq!(entry["Type"], 1, "{entry}");
    let error_body: Value =
        serde_json::from_str(&fixture("error_app_user_not_found.json")).unwrap();
    assert_same_text(&entry["Contents"], &error_body);
    assert_same_text(
        &entry["EntryContext"],
        &json!({ ASSIGNMENT_KEY: {"UserID": USER, "AppID": APP, "IsAssigned": false} }),
    );
    assert_eq!(
        entry["HumanReadable"],
        "### App User Assignment\n|User ID|App ID|Is Assigned|\n|---|---|---|\n| 00u5kq2w9xYbT3nJR0h7 | 0oa7vhd1qPZr8xYt80h7 | false |\n"
    );
}

#[tokio::test]
async fn app_user_assignment_other_statuses_are_error_entries() {
    let server = MockServer::start().await;
    answer_times(&server, "GET", &format!("/api/v1/apps/{APP}/users/{USER}"), respond(
            403,
            r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorCauses":[]}"#,
        ), 1).await;
    let entry = get_assignment(&server).await;
    assert_error(
        &entry,
        "Failed to execute okta-get-app-user-assignment command. Error: You do not have permission to perform the requested action. ",
    );
}

#[tokio::test]
async fn app_user_assignment_404_without_a_json_body_is_an_error() {
    let server = MockServer::start().await;
    every(
        &server,
        "GET",
        ResponseTemplate::new(404).set_body_string("<html>not here</html>"),
    )
    .await;
    let entry = get_assignment(&server).await;
    assert_error(
        &entry,
        "Failed to execute okta-get-app-user-assignment command. Error: Error in API call [404] - Not Found\n<html>not here</html>",
    );
}

#[tokio::test]
async fn app_user_assignment_dot_segments_are_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(respond(200, &fixture("app_user.json")))
        .expect(0)
        .mount(&server)
        .await;
    for (args, argument, value) in [
        (
            json!({"user_id": USER, "application_id": ".."}),
            "application_id",
            "..",
        ),
        (
            json!({"user_id": ".", "application_id": APP}),
            "user_id",
            ".",
        ),
    ] {
        let entry = app_user_assignment(&server, args).await;
        assert_error(
            &entry,
            &format!(
                "Failed to execute okta-get-app-user-assignment command. Error: Invalid {argument}: \"{value}\" cannot be used as an id in a request path. Give the Okta id itself."
            ),
        );
    }
    assert!(urls(&server).await.is_empty());
}

#[tokio::test]
async fn app_user_assignment_ids_stay_one_path_segment() {
    let server = MockServer::start().await;
    every(
        &server,
        "GET",
        respond(404, &fixture("error_app_user_not_found.json")),
    )
    .await;
    let entry = app_user_assignment(
        &server,
        json!({"user_id": "dana.lee@example.com", "application_id": "../users/x?y#z"}),
    )
    .await;
    assert_eq!(entry["Type"], 1);
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].url.path(),
        "/api/v1/apps/..%2Fusers%2Fx%3Fy%23z/users/dana.lee%40example.com"
    );
    assert_eq!(requests[0].url.query(), None);
    // The outputs keep the arguments as given.
    assert_eq!(
        entry["EntryContext"][ASSIGNMENT_KEY]["AppID"],
        "../users/x?y#z"
    );
}

#[tokio::test]
async fn app_user_assignment_needs_both_arguments() {
    let server = MockServer::start().await;
    let entry = app_user_assignment(&server, json!({"user_id": USER})).await;
    assert_error(
        &entry,
        "Failed to execute okta-get-app-user-assignment command. Error: Missing required argument: application_id.",
    );
    assert!(urls(&server).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// okta-iam-list-applications
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_applications_first_page_byte_exact() {
    let server = MockServer::start().await;
    let base = format!("{}/api/v1/apps", server.uri());
    let next = format!("{base}?after=0oa2&limit=2&q=Work");
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .and(query_param("q", "Work"))
        .and(query_param("limit", "2"))
        .and(query_param_is_missing("after"))
        .respond_with(page(
            json!([
                app(
                    "0oa1",
                    "workday",
                    "Workday (HR portal)",
                    Some("https://ok12static.oktacdn.com/fs/bcg/4/gfs1")
                ),
                app(
                    "0oa2",
                    "salesforce",
                    "Salesforce | Sales",
                    Some("https://ok12static.oktacdn.com/fs/bcg/4/gfs2")
                ),
            ]),
            &format!("{base}?q=Work&limit=2"),
            Some(&next),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let entry = list_applications(&server, json!({"query": "Work", "limit": "2"})).await;

    // Page 0 only: the next link is not followed.
    assert_eq!(urls(&server).await, [format!("{base}?q=Work&limit=2")]);
    assert_eq!(entry["Type"], 1);
    let outputs = json!([
        {"ID": "0oa1", "Name": "workday", "Label": "Workday (HR portal)", "Logo": "![](https://ok12static.oktacdn.com/fs/bcg/4/gfs1)"},
        {"ID": "0oa2", "Name": "salesforce", "Label": "Salesforce | Sales", "Logo": "![](https://ok12static.oktacdn.com/fs/bcg/4/gfs2)"},
    ]);
    assert_same_text(&entry["Contents"], &outputs);
    assert_same_text(&entry["EntryContext"], &json!({ APPLICATION_KEY: outputs }));
    assert_eq!(
        entry["HumanReadable"],
        "### Okta Applications (1 - 2)\n\
         |ID|Name|Label|Logo|\n\
         |---|---|---|---|\n\
         | 0oa1 | workday | Workday (HR portal) | ![](https://ok12static.oktacdn.com/fs/bcg/4/gfs1) |\n\
         | 0oa2 | salesforce | Salesforce \\| Sales | ![](https://ok12static.oktacdn.com/fs/bcg/4/gfs2) |\n"
    );
}

/// page=2 over four pages: two hops along the `next` links, each requested exactly as Okta
/// wrote it (odd parameter order, encoded cursor, an extra parameter); page 3 is never read.
#[tokio::test]
async fn list_applications_page_two_follows_next_links_verbatim() {
    let server = MockServer::start().await;
    let base = format!("{}/api/v1/apps", server.uri());
    let first = format!("{base}?q=Work&limit=2");
    let second = format!("{base}?after=0oa2&limit=2&q=Work");
    let third = format!("{base}?limit=2&after=0oa4%3D%3D&q=Work&opaque=x%2By");
    let fourth = format!("{base}?after=0oa6&limit=2&q=Work");
    first_page(
        "/api/v1/apps",
        page(
            json!([
                app("0oa1", "workday", "Workday", Some("https://x/1")),
                app("0oa2", "box", "Box", Some("https://x/2"))
            ]),
            &first,
            Some(&second),
        ),
    )
    .expect(1)
    .mount(&server)
    .await;
    page_after(
        "/api/v1/apps",
        "0oa2",
        page(
            json!([
                app("0oa3", "github", "GitHub", Some("https://x/3")),
                app("0oa4", "jira", "Jira", Some("https://x/4"))
            ]),
            &second,
            Some(&third),
        ),
    )
    .expect(1)
    .mount(&server)
    .await;
    let mut slack = app("0oa6", "slack", "Slack", None);
    slack["_links"] = json!({"logo": []});
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .and(query_param("after", "0oa4=="))
        .and(query_param("opaque", "x+y"))
        .respond_with(page(
            json!([app("0oa5", "zoomus", "Zoom", None), slack]),
            &third,
            Some(&fourth),
        ))
        .expect(1)
        .mount(&server)
        .await;
    page_after(
        "/api/v1/apps",
        "0oa6",
        page(json!([app("0oa7", "okta", "Okta", None)]), &fourth, None),
    )
    .expect(0)
    .mount(&server)
    .await;

    let entry =
        list_applications(&server, json!({"query": "Work", "limit": "2", "page": "2"})).await;

    assert_eq!(urls(&server).await, [first, second, third]);
    assert_eq!(entry["Type"], 1);
    let outputs = json!([
        {"ID": "0oa5", "Name": "zoomus", "Label": "Zoom", "Logo": "![](None)"},
        {"ID": "0oa6", "Name": "slack", "Label": "Slack", "Logo": "![](None)"},
    ]);
    assert_same_text(&entry["EntryContext"], &json!({ APPLICATION_KEY: outputs }));
    assert_eq!(
        entry["HumanReadable"],
        "### Okta Applications (5 - 6)\n|ID|Name|Label|Logo|\n|---|---|---|---|\n| 0oa5 | zoomus | Zoom | ![](None) |\n| 0oa6 | slack | Slack | ![](None) |\n"
    );
}

#[tokio::test]
async fn list_applications_past_the_last_page_is_empty() {
    let server = MockServer::start().await;
    let base = format!("{}/api/v1/apps", server.uri());
    first_page(
        "/api/v1/apps",
        page(
            json!([app("0oa1", "workday", "Workday", None)]),
            &format!("{base}?limit=1"),
            Some(&format!("{base}?after=0oa1&limit=1")),
        ),
    )
    .expect(1)
    .mount(&server)
    .await;
    page_after(
        "/api/v1/apps",
        "0oa1",
        page(
            json!([app("0oa2", "box", "Box", None)]),
            &format!("{base}?after=0oa1&limit=1"),
            None,
        ),
    )
    .expect(1)
    .mount(&server)
    .await;

    let entry = list_applications(&server, json!({"limit": "1", "page": "5"})).await;

    assert_eq!(urls(&server).await.len(), 2);
    assert_eq!(entry["Type"], 1);
    assert_eq!(entry["Contents"], Value::Null);
    assert_eq!(entry["EntryContext"], json!({}));
    assert_eq!(
        entry["HumanReadable"],
        "### Okta Applications\n**No entries.**\n"
    );
}

#[tokio::test]
async fn list_applications_defaults_and_no_query() {
    let server = MockServer::start().await;
    answer(&server, "GET", "/api/v1/apps", respond(200, "[]")).await;

    let entry = list_applications(&server, json!({})).await;
    assert_eq!(
        entry["HumanReadable"],
        "### Okta Applications\n**No entries.**\n"
    );
    let entry = list_applications(&server, json!({"limit": 200, "page": " 0 ", "query": ""})).await;
    assert_eq!(entry["Type"], 1);
    let base = format!("{}/api/v1/apps", server.uri());
    assert_eq!(
        urls(&server).await,
        [format!("{base}?limit=50"), format!("{base}?limit=200")]
    );
}

#[tokio::test]
async fn list_applications_bad_page_or_limit_names_the_range() {
    let server = MockServer::start().await;
    let page_text = "page must be a whole number, 0 or more (0 is the first page).";
    let limit_text = "limit must be a whole number from 1 to 200.";
    let cases = [
        (
            json!({"page": "-1"}),
            format!("Invalid page \"-1\": {page_text}"),
        ),
        (
            json!({"page": "abc"}),
            format!("Invalid page \"abc\": {page_text}"),
        ),
        (
            json!({"page": "1.5"}),
            format!("Invalid page \"1.5\": {page_text}"),
        ),
        (json!({"page": -2}), format!("Invalid page -2: {page_text}")),
        (
            json!({"limit": "0"}),
            format!("Invalid limit \"0\": {limit_text}"),
        ),
        (
            json!({"limit": "201"}),
            format!("Invalid limit \"201\": {limit_text}"),
        ),
        (
            json!({"limit": "-5"}),
            format!("Invalid limit \"-5\": {limit_text}"),
        ),
        (
            json!({"limit": "ten"}),
            format!("Invalid limit \"ten\": {limit_text}"),
        ),
        (
            json!({"limit": 1000}),
            format!("Invalid limit 1000: {limit_text}"),
        ),
    ];
    for (args, message) in cases {
        let entry = list_applications(&server, args).await;
        assert_error(
            &entry,
            &format!("Failed to execute okta-iam-list-applications command. Error: {message}"),
        );
    }
    assert!(urls(&server).await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// okta-iam-list-user-applications
// ---------------------------------------------------------------------------------------------

async fn mount_user_apps(server: &MockServer) -> [String; 3] {
    let base = format!("{}/api/v1/apps", server.uri());
    let filter = format!("user.id eq \"{USER}\"");
    let first = format!("{base}?filter=user.id+eq+%22{USER}%22");
    let second = format!("{base}?after=0oa2&filter=user.id+eq+%22{USER}%22");
    let third = format!("{base}?filter=user.id+eq+%22{USER}%22&after=0oa3");
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .and(query_param("filter", filter.as_str()))
        .and(query_param_is_missing("after"))
        .respond_with(page(
            json!([
                app("0oa1", "workday", "Workday", Some("https://x/1")),
                app("0oa2", "box", "Box", None)
            ]),
            &first,
            Some(&second),
        ))
        .expect(1)
        .mount(server)
        .await;
    page_after(
        "/api/v1/apps",
        "0oa2",
        page(
            json!([app("0oa3", "github", "GitHub | Eng", None)]),
            &second,
            Some(&third),
        ),
    )
    .expect(1)
    .mount(server)
    .await;
    page_after(
        "/api/v1/apps",
        "0oa3",
        page(
            json!([{"id": "0oa4", "name": "legacy_app", "status": "INACTIVE"}]),
            &third,
            None,
        ),
    )
    .expect(1)
    .mount(server)
    .await;
    [first, second, third]
}

#[tokio::test]
async fn list_user_applications_reads_every_page() {
    let server = MockServer::start().await;
    let expected_urls = mount_user_apps(&server).await;

    let entry = list_user_applications(&server, json!({"user_id": USER})).await;

    assert_eq!(urls(&server).await, expected_urls);
    assert_eq!(entry["Type"], 1);
    let outputs = json!([
        {"ID": "0oa1", "Name": "workday", "Label": "Workday", "Status": "ACTIVE"},
        {"ID": "0oa2", "Name": "box", "Label": "Box", "Status": "ACTIVE"},
        {"ID": "0oa3", "Name": "github", "Label": "GitHub | Eng", "Status": "ACTIVE"},
        {"ID": "0oa4", "Name": "legacy_app", "Label": null, "Status": "INACTIVE"},
    ]);
    assert_same_text(&entry["Contents"], &outputs);
    assert_same_text(&entry["EntryContext"], &json!({ APPLICATION_KEY: outputs }));
    assert_eq!(
        entry["HumanReadable"],
        "### Okta User Applications\n\
         |ID|Name|Label|Status|\n\
         |---|---|---|---|\n\
         | 0oa1 | workday | Workday | ACTIVE |\n\
         | 0oa2 | box | Box | ACTIVE |\n\
         | 0oa3 | github | GitHub \\| Eng | ACTIVE |\n\
         | 0oa4 | legacy_app |  | INACTIVE |\n"
    );
}

#[tokio::test]
async fn list_user_applications_escapes_the_filter_value() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .and(query_param("filter", r#"user.id eq "a\"b\\c""#))
        .respond_with(respond(200, "[]"))
        .expect(1)
        .mount(&server)
        .await;
    let entry = list_user_applications(&server, json!({"user_id": r#"a"b\c"#})).await;
    assert_eq!(entry["Type"], 1, "{entry}");
    assert_eq!(entry["Contents"], Value::Null);
    assert_eq!(entry["EntryContext"], json!({}));
    assert_eq!(
        entry["HumanReadable"],
        "### Okta User Applications\n**No entries.**\n"
    );
}

#[tokio::test]
async fn list_user_applications_failure_on_a_later_page_is_an_error_entry() {
    let server = MockServer::start().await;
    let base = format!("{}/api/v1/apps", server.uri());
    first_page(
        "/api/v1/apps",
        page(
            json!([app("0oa1", "workday", "Workday", None)]),
            &format!("{base}?filter=x"),
            Some(&format!("{base}?after=0oa1")),
        ),
    )
    .mount(&server)
    .await;
    page_after("/api/v1/apps", "0oa1", respond(
            403,
            r#"{"errorCode":"E0000006","errorSummary":"You do not have permission to perform the requested action","errorCauses":[]}"#,
        ))
                .mount(&server)
        .await;
    let entry = list_user_applications(&server, json!({"user_id": USER})).await;
    assert_error(
        &entry,
        "Failed to execute okta-iam-list-user-applications command. Error: You do not have permission to perform the requested action. ",
    );
}

/// The same command through the real binary (`serve --state FILE`): the wire entry carries the
/// markdown byte for byte.
#[tokio::test(flavor = "multi_thread")]
async fn list_user_applications_through_the_binary() {
    let server = MockServer::start().await;
    mount_user_apps(&server).await;
    let dir = common::temp_dir("user-apps");
    let state = dir.join("state.json");
    let line = json!({
        "command": "okta-iam-list-user-applications",
        "args": {"user_id": USER},
        "params": {"url": server.uri(), "apitoken": TOKEN},
    });
    let input = format!("{line}\n");
    let output = tokio::task::spawn_blocking(move || {
        common::run(
            &["serve", "--state", state.to_str().unwrap()],
            input.as_bytes(),
        )
    })
    .await
    .unwrap();
    assert!(output.status.success());
    let lines = common::protocol_lines(&output.stdout);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[1], json!({"type": "completed"}));
    let entries = common::result_entries(&lines);
    assert_eq!(entries[0]["Type"], 1);
    assert_eq!(
        entries[0]["HumanReadable"],
        "### Okta User Applications\n|ID|Name|Label|Status|\n|---|---|---|---|\n| 0oa1 | workday | Workday | ACTIVE |\n| 0oa2 | box | Box | ACTIVE |\n| 0oa3 | github | GitHub \\| Eng | ACTIVE |\n| 0oa4 | legacy_app |  | INACTIVE |\n"
    );
    common::assert_no_secret(
        TOKEN,
        &[("stdout", &output.stdout), ("stderr", &output.stderr)],
    );
}

// ---------------------------------------------------------------------------------------------
// iam-get-group
// ---------------------------------------------------------------------------------------------

fn group_body() -> Value {
    json!({
        "id": GROUP,
        "created": "2024-09-10T08:00:00.000Z",
        "type": "OKTA_GROUP",
        "profile": {"name": "Finance Analysts", "description": "Analyst staff in Finance"},
    })
}

fn user(id: &str, status: &str, login: Option<&str>) -> Value {
    let mut user = json!({"id": id, "status": status});
    if let Some(login) = login {
        user["profile"] = json!({"login": login, "email": login});
    }
    user
}

/// Three pages of members; one deprovisioned, one without a profile.
async fn mount_members(server: &MockServer) -> [String; 3] {
    let base = format!("{}/api/v1/groups/{GROUP}/users", server.uri());
    let first = base.clone();
    let second = format!("{base}?after=00u2&limit=2");
    let third = format!("{base}?limit=2&after=00u4");
    first_page(
        &format!("/api/v1/groups/{GROUP}/users"),
        page(
            json!([
                user("00u1", "ACTIVE", Some("dana.lee@example.com")),
                user("00u2", "DEPROVISIONED", Some("gone@example.com")),
            ]),
            &first,
            Some(&second),
        ),
    )
    .expect(1)
    .mount(server)
    .await;
    page_after(
        &format!("/api/v1/groups/{GROUP}/users"),
        "00u2",
        page(
            json!([
                user("00u3", "SUSPENDED", Some("sam.roe@example.com")),
                user("00u4", "ACTIVE", None),
            ]),
            &second,
            Some(&third),
        ),
    )
    .expect(1)
    .mount(server)
    .await;
    page_after(
        &format!("/api/v1/groups/{GROUP}/users"),
        "00u4",
        page(
            json!([user("00u5", "ACTIVE", Some("kim.poe@example.com"))]),
            &third,
            None,
        ),
    )
    .expect(1)
    .mount(server)
    .await;
    [first, second, third]
}

#[tokio::test]
async fn get_group_by_name_with_members_over_three_pages() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups"))
        .and(query_param("q", "Finance Analysts"))
        .respond_with(respond(200, &fixture("groups_search.json")))
        .expect(1)
        .mount(&server)
        .await;
    answer_times(
        &server,
        "GET",
        &format!("/api/v1/groups/{GROUP}"),
        respond(200, &group_body().to_string()),
        1,
    )
    .await;
    let member_urls = mount_members(&server).await;

    let entry = call_in(
        &server,
        "iam-get-group",
        json!({"scim": "{\"displayName\": \"Finance Analysts\"}"}),
        json!({"IntegrationBrand": "Okta IAM", "IntegrationInstance": "okta-prod"}),
    )
    .await;

    let base = server.uri();
    let mut expected_urls = vec![
        format!("{base}/api/v1/groups?q=Finance+Analysts"),
        format!("{base}/api/v1/groups/{GROUP}"),
    ];
    expected_urls.extend(member_urls);
    assert_eq!(urls(&server).await, expected_urls);

    assert_eq!(entry["Type"], 1);
    let data = json!({
        "brand": "Okta IAM",
        "instanceName": "okta-prod",
        "success": true,
        "id": GROUP,
        "displayName": "Finance Analysts",
        "members": [
            {"value": "00u1", "display": "dana.lee@example.com"},
            {"value": "00u3", "display": "sam.roe@example.com"},
            {"value": "00u4", "display": null},
            {"value": "00u5", "display": "kim.poe@example.com"},
        ],
    });
    assert_same_text(&entry["Contents"], &data);
    assert_same_text(
        &entry["EntryContext"],
        &json!({ GET_GROUP_KEY: data, IAM_GET_GROUP_KEY: data }),
    );
    assert_eq!(
        entry["HumanReadable"],
        "### Okta Get Group:\n\
         |brand|displayName|id|instanceName|members|success|\n\
         |---|---|---|---|---|---|\n\
         | Okta IAM | Finance Analysts | 00g2mz8k1sTQ4Ywp30h7 | okta-prod | \
         {'value': '00u1', 'display': 'dana.lee@example.com'},<br>\
         {'value': '00u3', 'display': 'sam.roe@example.com'},<br>\
         {'value': '00u4', 'display': None},<br>\
         {'value': '00u5', 'display': 'kim.poe@example.com'} | true |\n"
    );
}

#[tokio::test]
async fn get_group_by_id_without_members() {
    let server = MockServer::start().await;
    answer_times(
        &server,
        "GET",
        &format!("/api/v1/groups/{GROUP}"),
        respond(200, &group_body().to_string()),
        1,
    )
    .await;

    // scim as a JSON object (not text); includeMembers in any case.
    let entry = get_group(&server, json!({"scim": {"id": GROUP, "displayName": "ignored when the id is given"}, "includeMembers": "False"})).await;

    assert_eq!(
        urls(&server).await,
        [format!("{}/api/v1/groups/{GROUP}", server.uri())]
    );
    let data = json!({
        "brand": "Okta IAM",
        "instanceName": "Okta IAM_instance_1",
        "success": true,
        "id": GROUP,
        "displayName": "Finance Analysts",
        "members": [],
    });
    assert_same_text(&entry["Contents"], &data);
    assert_same_text(
        &entry["EntryContext"],
        &json!({ GET_GROUP_KEY: data, IAM_GET_GROUP_KEY: data }),
    );
    assert_eq!(
        entry["HumanReadable"],
        "### Okta Get Group:\n|brand|displayName|id|instanceName|success|\n|---|---|---|---|---|\n| Okta IAM | Finance Analysts | 00g2mz8k1sTQ4Ywp30h7 | Okta IAM_instance_1 | true |\n"
    );
}

#[tokio::test]
async fn get_group_by_id_reads_all_members_by_default() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        &format!("/api/v1/groups/{GROUP}"),
        respond(200, &group_body().to_string()),
    )
    .await;
    mount_members(&server).await;
    let entry = get_group(&server, json!({"scim": format!("{{\"id\":\"{GROUP}\"}}")})).await;
    let members = entry["EntryContext"][GET_GROUP_KEY]["members"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = members
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["00u1", "00u3", "00u4", "00u5"]);
    assert_eq!(urls(&server).await.len(), 4);
}

#[tokio::test]
async fn get_group_not_found_by_name() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups"))
        .and(query_param("q", "Nobody"))
        .respond_with(respond(200, "[]"))
        .expect(1)
        .mount(&server)
        .await;

    let entry = get_group(&server, json!({"scim": "{\"displayName\": \"Nobody\"}"})).await;

    assert_eq!(urls(&server).await.len(), 1);
    assert_eq!(entry["Type"], 1);
    let data = json!({
        "brand": "Okta IAM",
        "instanceName": "Okta IAM_instance_1",
        "success": false,
        "errorCode": 404,
        "errorMessage": "Group Not Found",
        "details": [],
        "displayName": "Nobody",
    });
    assert_same_text(&entry["Contents"], &data);
    assert_same_text(
        &entry["EntryContext"],
        &json!({ GET_GROUP_KEY: data, IAM_GET_GROUP_KEY: data }),
    );
    assert_eq!(
        entry["HumanReadable"],
        "### Okta Get Group:\n|brand|displayName|errorCode|errorMessage|instanceName|success|\n|---|---|---|---|---|---|\n| Okta IAM | Nobody | 404 | Group Not Found | Okta IAM_instance_1 | false |\n"
    );
}

#[tokio::test]
async fn get_group_not_found_by_id() {
    let server = MockServer::start().await;
    let body = json!({
        "errorCode": "E0000007",
        "errorSummary": "Not found: Resource not found: 00gMissing (UserGroup)",
        "errorCauses": [],
    });
    answer_times(
        &server,
        "GET",
        "/api/v1/groups/00gMissing",
        respond(404, &body.to_string()),
        1,
    )
    .await;

    let entry = get_group(&server, json!({"scim": "{\"id\": \"00gMissing\"}"})).await;

    assert_eq!(entry["Type"], 1);
    let data = json!({
        "brand": "Okta IAM",
        "instanceName": "Okta IAM_instance_1",
        "success": false,
        "id": "00gMissing",
        "errorCode": 404,
        "errorMessage": "Group Not Found",
        "details": body,
    });
    assert_same_text(&entry["Contents"], &data);
    assert_same_text(
        &entry["EntryContext"],
        &json!({ GET_GROUP_KEY: data, IAM_GET_GROUP_KEY: data }),
    );
    assert_eq!(
        entry["HumanReadable"],
        "### Okta Get Group:\n\
         |brand|details|errorCode|errorMessage|id|instanceName|success|\n\
         |---|---|---|---|---|---|---|\n\
         | Okta IAM | errorCode: E0000007<br>errorSummary: Not found: Resource not found: 00gMissing (UserGroup)<br>errorCauses:  \
         | 404 | Group Not Found | 00gMissing | Okta IAM_instance_1 | false |\n"
    );
}

#[tokio::test]
async fn get_group_found_once_by_name_then_404_keeps_name_and_id() {
    let server = MockServer::start().await;
    answer(
        &server,
        "GET",
        "/api/v1/groups",
        respond(200, &fixture("groups_search.json")),
    )
    .await;
    answer(
        &server,
        "GET",
        &format!("/api/v1/groups/{GROUP}"),
        respond(
            404,
            r#"{"errorCode":"E0000007","errorSummary":"Not found"}"#,
        ),
    )
    .await;
    let entry = get_group(
        &server,
        json!({"scim": {"displayName": "Finance Analysts"}}),
    )
    .await;
    assert_same_text(
        &entry["Contents"],
        &json!({
            "brand": "Okta IAM",
            "instanceName": "Okta IAM_instance_1",
            "success": false,
            "id": GROUP,
            "errorCode": 404,
            "errorMessage": "Group Not Found",
            "details": {"errorCode": "E0000007", "errorSummary": "Not found"},
            "displayName": "Finance Analysts",
        }),
    );
}

#[tokio::test]
async fn get_group_other_errors_carry_okta_code_and_summary() {
    let server = MockServer::start().await;
    let forbidden = json!({
        "errorCode": "E0000006",
        "errorSummary": "You do not have permission to perform the requested action",
        "errorCauses": [],
    });
    answer(
        &server,
        "GET",
        &format!("/api/v1/groups/{GROUP}"),
        respond(403, &forbidden.to_string()),
    )
    .await;
    answer(
        &server,
        "GET",
        "/api/v1/groups",
        respond(401, &fixture("error_invalid_token.json")),
    )
    .await;

    let by_id = get_group(&server, json!({"scim": {"id": GROUP}})).await;
    assert_eq!(by_id["Type"], 1);
    assert_same_text(
        &by_id["Contents"],
        &json!({
            "brand": "Okta IAM",
            "instanceName": "Okta IAM_instance_1",
            "success": false,
            "id": GROUP,
            "errorCode": "E0000006",
            "errorMessage": "You do not have permission to perform the requested action",
            "details": forbidden,
        }),
    );

    let by_name = get_group(&server, json!({"scim": {"displayName": "Fin"}})).await;
    assert_eq!(by_name["Type"], 1);
    let invalid_token: Value = serde_json::from_str(&fixture("error_invalid_token.json")).unwrap();
    assert_same_text(
        &by_name["Contents"],
        &json!({
            "brand": "Okta IAM",
            "instanceName": "Okta IAM_instance_1",
            "success": false,
            "errorCode": "E0000011",
            "errorMessage": "Invalid token provided",
            "details": invalid_token,
            "displayName": "Fin",
        }),
    );
}

#[tokio::test]
async fn get_group_several_found_lists_them_without_members() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups"))
        .and(query_param("q", "Fin"))
        .respond_with(respond(
            200,
            &json!([
                {"id": "00g1", "type": "OKTA_GROUP", "profile": {"name": "Finance"}},
                {"id": "00g2", "type": "APP_GROUP", "profile": {"name": "Finance Analysts", "description": "x"}},
                {"id": "00g3", "type": "OKTA_GROUP"},
            ])
            .to_string(),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let entry = get_group(&server, json!({"scim": "{\"displayName\": \"Fin\"}"})).await;

    assert_eq!(
        urls(&server).await.len(),
        1,
        "no group or member request follows"
    );
    assert_eq!(entry["Type"], 1);
    let data = json!([
        {"brand": "Okta IAM", "instanceName": "Okta IAM_instance_1", "success": true, "id": "00g1", "displayName": "Finance"},
        {"brand": "Okta IAM", "instanceName": "Okta IAM_instance_1", "success": true, "id": "00g2", "displayName": "Finance Analysts"},
        {"brand": "Okta IAM", "instanceName": "Okta IAM_instance_1", "success": true, "id": "00g3"},
    ]);
    assert_same_text(&entry["Contents"], &data);
    assert_same_text(
        &entry["EntryContext"],
        &json!({ GET_GROUP_KEY: data, IAM_GET_GROUP_KEY: data }),
    );
    assert_eq!(
        entry["HumanReadable"],
        "### Okta Get Group:\n\
         |brand|displayName|id|instanceName|success|\n\
         |---|---|---|---|---|\n\
         | Okta IAM | Finance | 00g1 | Okta IAM_instance_1 | true |\n\
         | Okta IAM | Finance Analysts | 00g2 | Okta IAM_instance_1 | true |\n\
         | Okta IAM |  | 00g3 | Okta IAM_instance_1 | true |\n"
    );
}

#[tokio::test]
async fn get_group_bad_scim_is_an_error_entry() {
    let server = MockServer::start().await;
    let example = r#"{"displayName": "Finance Analysts"} or {"id": "00g2mz8k1sTQ4Ywp30h7"}"#;
    let prefix = "Failed to execute iam-get-group command. Error: ";
    let cases = [
        (
            json!({"scim": "{displayName: Finance}"}),
            format!("{prefix}The scim argument is not valid JSON: key must be a string at line 1 column 2. Expected a JSON object such as {example}."),
        ),
        (
            json!({"scim": "[\"Finance\"]"}),
            format!("{prefix}The scim argument must be a JSON object with 'id' and/or 'displayName', such as {example}."),
        ),
        (
            json!({"scim": "\"Finance\""}),
            format!("{prefix}The scim argument must be a JSON object with 'id' and/or 'displayName', such as {example}."),
        ),
        (
            json!({"scim": "{}"}),
            format!("{prefix}You must supply either 'id' or 'displayName' in the scim data, such as {example}."),
        ),
        (
            json!({"scim": {"id": "", "displayName": null, "members": []}}),
            format!("{prefix}You must supply either 'id' or 'displayName' in the scim data, such as {example}."),
        ),
        (
            json!({"scim": {"displayName": ["a"]}}),
            format!("{prefix}The scim 'displayName' must be a string; got [\"a\"]."),
        ),
        (
            json!({"scim": {"id": ".."}}),
            format!("{prefix}Invalid scim id: \"..\" cannot be used as an id in a request path. Give the Okta id itself."),
        ),
        (
            json!({}),
            format!("{prefix}Missing required argument: scim."),
        ),
        (
            json!({"scim": {"id": GROUP}, "includeMembers": "maybe"}),
            format!("{prefix}Invalid value \"maybe\" for argument includeMembers. Allowed values: true, false."),
        ),
    ];
    for (args, message) in cases {
        let entry = get_group(&server, args).await;
        assert_error(&entry, &message);
    }
    assert!(urls(&server).await.is_empty());
}

#[tokio::test]
async fn get_group_member_page_failure_is_an_error_entry() {
    let server = MockServer::start().await;
    let base = format!("{}/api/v1/groups/{GROUP}/users", server.uri());
    answer(
        &server,
        "GET",
        &format!("/api/v1/groups/{GROUP}"),
        respond(200, &group_body().to_string()),
    )
    .await;
    first_page(
        &format!("/api/v1/groups/{GROUP}/users"),
        page(
            json!([user("00u1", "ACTIVE", Some("dana.lee@example.com"))]),
            &base,
            Some(&format!("{base}?after=00u1")),
        ),
    )
    .mount(&server)
    .await;
    page_after(
        &format!("/api/v1/groups/{GROUP}/users"),
        "00u1",
        ResponseTemplate::new(400).set_body_string("bad cursor"),
    )
    .mount(&server)
    .await;
    let entry = get_group(&server, json!({"scim": {"id": GROUP}})).await;
    assert_error(
        &entry,
        "Failed to execute iam-get-group command. Error: Error in API call [400] - Bad Request\nbad cursor",
    );
}

#[test]
fn the_manifest_declares_the_new_commands() {
    let manifest = okta_iam::catalogue::manifest_yaml(&okta_iam::okta::vendor::OKTA).unwrap();
    for name in [
        "okta-get-app-user-assignment",
        "okta-iam-list-applications",
        "okta-iam-list-user-applications",
        "iam-get-group",
    ] {
        assert!(manifest.contains(&format!("  - name: {name}\n")), "{name}");
    }
    let spec = okta_iam::catalogue::find(&okta_iam::okta::vendor::OKTA, "iam-get-group").unwrap();
    assert!(spec
        .outputs
        .iter()
        .any(|o| o.path == "GetGroup.members.value"));
    let spec =
        okta_iam::catalogue::find(&okta_iam::okta::vendor::OKTA, "okta-iam-list-applications")
            .unwrap();
    let defaults: Vec<(&str, Option<&str>)> =
        spec.args.iter().map(|a| (a.name, a.default)).collect();
    assert_eq!(
        defaults,
        [("query", None), ("page", Some("0")), ("limit", Some("50"))]
    );
}
