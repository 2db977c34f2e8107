//! Hostile lookup values and ids against wiremock, byte for byte: the exact query and path
//! that went out for values with quotes, backslashes, ` or `, `) and (`, newlines and
//! unicode, and ids with `/`, `..`, `?`, `#`, `%2F` and spaces, for reads and for writes.
//! (The same values against a real server, where they must find and change nobody else:
//! `scim_server.rs`.)

use crate::support::scim_support::scim_connector;
use okta_iam::iam::connector::Connector;
use okta_iam::scim::connector::ScimConnector;
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn connector(server: &MockServer) -> ScimConnector {
    scim_connector(&format!("{}/scim/v2", server.uri()), "tok", json!({}))
}

/// The raw (still encoded) `path?query` of every request wiremock received, in order.
async fn sent(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| match r.url.query() {
            Some(query) => format!("{} {}?{query}", r.method, r.url.path()),
            None => format!("{} {}", r.method, r.url.path()),
        })
        .collect()
}

#[tokio::test]
async fn hostile_lookup_values_go_out_as_one_escaped_literal() {
    let cases: &[(&str, &str, &str)] = &[
        ("userName", "q\"uote", "userName+eq+%22q%5C%22uote%22"),
        (
            "userName",
            "back\\slash",
            "userName+eq+%22back%5C%5Cslash%22",
        ),
        (
            "userName",
            "x\" or userName pr or \"",
            "userName+eq+%22x%5C%22+or+userName+pr+or+%5C%22%22",
        ),
        ("userName", "a) and (b", "userName+eq+%22a%29+and+%28b%22"),
        (
            "userName",
            "new\nline\r",
            "userName+eq+%22new%5Cnline%5Cr%22",
        ),
        (
            "userName",
            "ünï☃&count=1000#",
            "userName+eq+%22%C3%BCn%C3%AF%E2%98%83%26count%3D1000%23%22",
        ),
        (
            "email",
            "a\"] or [type eq \"home",
            "emails%5Btype+eq+%22work%22+and+value+eq+%22a%5C%22%5D+or+%5Btype+eq+%5C%22home%22%5D",
        ),
        (
            "externalId",
            "x\\\" or \\\"",
            "externalId+eq+%22x%5C%5C%5C%22+or+%5C%5C%5C%22%22",
        ),
    ];
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex("^/scim/v2/Users$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "totalResults": 0, "Resources": []})))
        .mount(&server)
        .await;
    let connector = connector(&server);
    for (attribute, value, _) in cases {
        let found = connector.find_user(attribute, value).await.unwrap();
        assert!(found.is_empty());
    }
    let expected: Vec<String> = cases
        .iter()
        .map(|(_, _, filter)| format!("GET /scim/v2/Users?filter={filter}&startIndex=1&count=100"))
        .collect();
    assert_eq!(sent(&server).await, expected);
}

#[tokio::test]
async fn hostile_ids_go_out_as_one_segment_for_reads_and_writes() {
    let cases: &[(&str, &str)] = &[
        ("../Groups", "..%2FGroups"),
        ("u1/..", "u1%2F.."),
        ("x/../u1", "x%2F..%2Fu1"),
        ("u1?filter=userName pr", "u1%3Ffilter%3DuserName%20pr"),
        ("u1#frag", "u1%23frag"),
        ("%2F..%2Fu1", "%252F..%252Fu1"),
        ("a b", "a%20b"),
        ("ü/☃", "%C3%BC%2F%E2%98%83"),
    ];
    let server = MockServer::start().await;
    // Every id is "found" as itself (so the writes go out too), and every write answers the
    // user with that id.
    for verb in ["GET", "PATCH"] {
        Mock::given(method(verb))
            .and(path_regex("^/scim/v2/Users/[^/]+$"))
            .respond_with(|request: &wiremock::Request| {
                let raw = request.url.path().rsplit('/').next().unwrap_or_default();
                let id = percent_decode(raw);
                ResponseTemplate::new(200).set_body_json(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "id": id, "userName": "ghost", "active": true,
                    "meta": {"version": "W/\"1\""}}))
            })
            .mount(&server)
            .await;
    }
    let connector = connector(&server);
    let mut expected = Vec::new();
    for (id, segment) in cases {
        let user = connector.find_user("id", id).await.unwrap().remove(0);
        assert_eq!(user.id, *id);
        connector.disable_user(&user).await.unwrap();
        let path = format!("/scim/v2/Users/{segment}");
        expected.extend([
            format!("GET {path}"),
            format!("GET {path}"),
            format!("PATCH {path}"),
        ]);
    }
    assert_eq!(sent(&server).await, expected);
    // Nothing is sent for ids that cannot be one segment.
    for id in ["", ".", ".."] {
        assert!(connector.find_user("id", id).await.is_err());
    }
    assert_eq!(sent(&server).await.len(), expected.len());
}

/// `%XX` sequences decoded (the mock's view of the id it was asked for).
fn percent_decode(raw: &str) -> Value {
    let bytes = raw.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Value::String(String::from_utf8(out).unwrap())
}
