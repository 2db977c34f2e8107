//! The API token never appears in a log line (at TRACE, our crate and its dependencies) nor
//! in any error's `Display` or `Debug`, whatever the call does.
//!
//! It installs a global subscriber (with the `log` bridge, so reqwest's and hyper's own lines
//! are captured too), so it runs alone in a child process of the test binary
//! (`support::process::run_alone`).

use crate::support::oauth_keys;
use crate::support::okta_support;
use okta_iam::okta::params::OktaParams;

use std::io::Write;
use std::sync::{Arc, Mutex};

use okta_iam::okta::{ClientConfig, Filter, GroupId, HttpRequest, Method, OktaError, UserId};
use okta_iam::secret::Secret;
use okta_support::*;
use serde_json::Map;
use tracing_subscriber::util::SubscriberInitExt;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The OAuth access token of this test; it must show up nowhere either.
const OAUTH_TOKEN: &str = "oauth-ACCESS-token-NEVER-print-0123456789";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Buffer {
        self.clone()
    }
}

/// Answers with every request header in the body, as a careless proxy might.
struct EchoHeaders {
    status: u16,
    json: bool,
}

impl Respond for EchoHeaders {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let auth = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let proof = request
            .headers
            .get("dpop")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let auth = format!("{auth} {proof}");
        let body = if self.json {
            serde_json::json!({
                "errorCode": "E0000011",
                "errorSummary": format!("Invalid token provided: {auth}"),
                "errorCauses": [{"errorSummary": format!("header was {auth}")}],
            })
            .to_string()
        } else {
            format!("<html>proxy error; you sent Authorization: {auth}</html>")
        };
        ResponseTemplate::new(self.status).set_body_string(body)
    }
}

#[tokio::test]
async fn the_token_appears_in_no_log_line_and_no_error() {
    if !crate::support::process::run_alone(
        "client::secrets::the_token_appears_in_no_log_line_and_no_error",
    ) {
        return;
    }
    let buffer = Buffer::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(buffer.clone())
        .finish()
        .try_init()
        .expect("the only subscriber of this binary");

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(json(200, &fixture("user_active.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(rate_limited(1, "req-429"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(json(200, "[]"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/json-echo"))
        .respond_with(EchoHeaders {
            status: 401,
            json: true,
        })
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/html-echo"))
        .respond_with(EchoHeaders {
            status: 502,
            json: false,
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .respond_with(json(503, &fixture("error_unavailable.json")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups"))
        .respond_with(json(200, "{}"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps"))
        .respond_with(json(200, "[]").insert_header(
            "link",
            r#"<https://elsewhere.example/api/v1/apps?after=1>; rel="next""#,
        ))
        .mount(&server)
        .await;
    let (client, _) = client(&server);
    let mut outputs: Vec<String> = vec![format!("{client:?}"), format!("{:?}", client.config())];
    let mut errors: Vec<OktaError> = Vec::new();

    // Successes.
    client.users().me().await.unwrap();
    client
        .users()
        .list_by_filter(&Filter::eq("profile.login", "a@b.c"))
        .await
        .unwrap();

    // Failures of every kind.
    for id in ["json-echo", "html-echo", ".."] {
        errors.push(client.users().get(&UserId::new(id)).await.unwrap_err());
    }
    errors.push(
        client
            .users()
            .create(Map::new(), false, true)
            .await
            .unwrap_err(),
    );
    errors.push(client.groups().search("x").await.unwrap_err());
    let mut pager = client.apps().list(None, None);
    pager.next_page().await.unwrap().unwrap();
    errors.push(pager.next_page().await.unwrap().unwrap_err());
    errors.push(
        client
            .groups()
            .members(&GroupId::new(""))
            .next_page()
            .await
            .unwrap()
            .unwrap_err(),
    );
    errors.push(
        client
            .logs()
            .resume("https://elsewhere.example/api/v1/logs")
            .unwrap_err(),
    );
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut closed = ClientConfig::new(
        format!("http://127.0.0.1:{port}/api/v1/").parse().unwrap(),
        Secret::new(TOKEN),
    );
    closed.settings.max_retries = 0;
    let (unreachable, _) = client_with(closed);
    errors.push(unreachable.users().me().await.unwrap_err());

    let request = HttpRequest {
        method: Method::Get,
        url: "https://acme.okta.com/api/v1/users/me".parse().unwrap(),
        headers: vec![("authorization".into(), format!("SSWS {TOKEN}"))],
        body: None,
    };
    outputs.push(format!("{request:?}"));

    // OAuth with DPoP: the access token, assertion, proofs and key stay out of errors and
    // logs too, even when an answer echoes the request's credentials.
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(json(
            200,
            &serde_json::json!({"token_type": "DPoP", "expires_in": 3600, "access_token": OAUTH_TOKEN}).to_string(),
        ))
        .mount(&server)
        .await;
    let settings = okta_iam::params::Params::from_map(
        serde_json::json!({"use_oauth": true, "client_id": "0oa-secrets", "private_key": oauth_keys::rsa_private_pem()})
            .as_object()
            .unwrap()
            .clone(),
    )
    .oauth()
    .unwrap()
    .unwrap();
    let mut oauth_config = okta_support::config(&server);
    oauth_config.token = Secret::default();
    oauth_config.oauth = Some(settings.clone());
    let (oauth_client, _) = client_with(oauth_config);
    outputs.push(format!("{oauth_client:?}"));
    outputs.push(format!("{settings:?}"));
    for id in ["json-echo", "html-echo"] {
        errors.push(
            oauth_client
                .users()
                .get(&UserId::new(id))
                .await
                .unwrap_err(),
        );
    }
    assert!(
        errors[errors.len() - 2]
            .to_string()
            .contains("DPoP *** ***"),
        "{}",
        errors[errors.len() - 2]
    );

    assert_eq!(errors.len(), 11);
    for error in &errors {
        outputs.push(error.to_string());
        outputs.push(format!("{error:?}"));
        outputs.push(error.message_for_people());
        tracing::error!(error = %error, debug = ?error, "reported");
    }
    // The echoed token was scrubbed, not just left out.
    assert!(errors[0].to_string().contains("SSWS ***"), "{}", errors[0]);
    assert!(errors[1].to_string().contains("SSWS ***"), "{}", errors[1]);

    let key_lines: Vec<String> = oauth_keys::rsa_private_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_owned)
        .collect();
    let requests = server.received_requests().await.unwrap();
    let mut jwts: Vec<String> = requests
        .iter()
        .filter_map(|r| {
            r.headers
                .get("dpop")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        })
        .collect();
    jwts.extend(
        requests
            .iter()
            .filter(|r| r.url.path() == "/oauth2/v1/token")
            .map(|r| {
                oauth_keys::field(&oauth_keys::form(&r.body), "client_assertion")
                    .unwrap()
                    .to_owned()
            }),
    );
    assert!(jwts.len() >= 3, "an assertion and proofs were sent");
    let all = format!(
        "{}\n{}",
        outputs.join("\n"),
        String::from_utf8_lossy(&buffer.0.lock().unwrap())
    );
    assert!(!all.contains(OAUTH_TOKEN), "access token in:\n{all}");
    assert!(!all.contains("eyJ"), "a JWT in:\n{all}");
    for line in &key_lines {
        assert!(!all.contains(line.as_str()), "the private key in:\n{all}");
    }
    for jwt in &jwts {
        assert!(
            !all.contains(&jwt[jwt.len() - 30..]),
            "an assertion or proof in:\n{all}"
        );
    }

    for output in &outputs {
        assert!(!output.contains(TOKEN), "token in: {output}");
    }
    let log = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("okta response"), "nothing was logged?\n{log}");
    assert!(log.contains("rate limited (429)"), "{log}");
    assert!(log.lines().count() > 20, "{log}");
    assert!(!log.contains(TOKEN), "token in the log:\n{log}");
    assert!(
        !log.contains(&TOKEN[8..30]),
        "part of the token in the log:\n{log}"
    );
}
