//! OAuth 2.0 for service apps against a loopback wiremock server: the client assertion, DPoP
//! proofs and nonces, one token for many requests, renewal before expiry and after a 401,
//! and errors a person can act on.

use crate::support::oauth_keys;
use crate::support::okta_support;

use std::sync::Arc;
use std::time::Duration;

use oauth_keys::*;
use okta_iam::okta::auth::OAuthSettings;
use okta_iam::okta::params::OktaParams;
use okta_iam::okta::{Client, OktaError, UserId, VirtualClock};
use okta_iam::params::Params;
use okta_iam::secret::Secret;
use okta_support::*;
use serde_json::{json, Value};
use wiremock::matchers::{header_exists, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "0oa-test-service-app";
const ACCESS_TOKEN: &str = "eyJ-ACCESS-token-NEVER-print-0123456789";
const SECOND_TOKEN: &str = "eyJ-SECOND-access-token-NEVER-print-987";
const USER: &str = "00u5kq2w9xYbT3nJR0h7";

fn settings(extra: Value) -> OAuthSettings {
    let mut params = json!({
        "use_oauth": true,
        "client_id": CLIENT_ID,
        "private_key": {"identifier": "", "password": rsa_private_pem()},
    });
    for (k, v) in extra.as_object().unwrap() {
        params[k] = v.clone();
    }
    Params::from_map(params.as_object().unwrap().clone())
        .oauth()
        .expect("valid OAuth params")
        .expect("use_oauth is on")
}

fn oauth_client(server: &MockServer, settings: OAuthSettings) -> (Client, Arc<VirtualClock>) {
    let mut config = okta_support::config(server);
    config.token = Secret::default();
    config.oauth = Some(settings);
    client_with(config)
}

fn token_url(server: &MockServer) -> String {
    format!("{}/oauth2/v1/token", server.uri())
}

fn token_answer(token: &str, kind: &str, expires_in: u64) -> ResponseTemplate {
    json(
        200,
        &json!({"token_type": kind, "expires_in": expires_in, "access_token": token,
                "scope": "okta.users.read okta.users.manage"})
        .to_string(),
    )
}

async fn mount_user(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/users/{USER}")))
        .respond_with(json(200, &fixture("user_active.json")))
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == wanted)
        .collect()
}

#[tokio::test]
async fn the_assertion_verifies_with_the_public_key_and_carries_the_right_claims() {
    let (ec_pem, x, y) = ec_key();
    let cases = [
        (
            json!({"key_id": "test-kid-1", "dpop": "off"}),
            PublicKey::RsaPem(rsa_public_pem()),
            "RS256",
        ),
        (
            json!({"private_key": ec_pem, "jwt_algorithm": "ES256", "dpop": "off"}),
            PublicKey::Ec { x, y },
            "ES256",
        ),
    ];
    for (extra, public, algorithm) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/v1/token"))
            .respond_with(token_answer(ACCESS_TOKEN, "Bearer", 3600))
            .expect(1)
            .mount(&server)
            .await;
        mount_user(&server).await;
        let (client, _) = oauth_client(&server, settings(extra.clone()));
        client.users().get(&UserId::new(USER)).await.unwrap();

        let token_requests = requests_to(&server, "/oauth2/v1/token").await;
        let request = &token_requests[0];
        assert_eq!(
            header(request, "content-type"),
            Some("application/x-www-form-urlencoded")
        );
        assert_eq!(header(request, "dpop"), None, "dpop is off");
        let fields = form(&request.body);
        assert_eq!(field(&fields, "grant_type"), Some("client_credentials"));
        assert_eq!(
            field(&fields, "client_assertion_type"),
            Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        );
        assert_eq!(
            field(&fields, "scope"),
            Some("okta.users.read okta.users.manage okta.apps.read okta.groups.read okta.logs.read okta.schemas.read")
        );
        let assertion = field(&fields, "client_assertion").expect("client_assertion");
        let (jwt_header, claims) = verify_assertion(assertion, &public, &token_url(&server))
            .unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        assert_eq!(format!("{:?}", jwt_header.alg), algorithm);
        assert_eq!(
            jwt_header.kid.as_deref(),
            extra.get("key_id").and_then(Value::as_str)
        );
        assert_eq!(claims["iss"], CLIENT_ID);
        assert_eq!(claims["sub"], CLIENT_ID);
        assert_eq!(claims["aud"], token_url(&server));
        let iat = claims["iat"].as_i64().unwrap();
        let exp = claims["exp"].as_i64().unwrap();
        assert!(exp > iat && exp - iat <= 300, "exp {exp} iat {iat}");
        assert!((iat - chrono::Utc::now().timestamp()).abs() < 60);
        assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 16));
        // And a wrong public key does not verify it.
        let (_, ox, oy) = ec_key();
        assert!(verify_assertion(
            assertion,
            &PublicKey::Ec { x: ox, y: oy },
            &token_url(&server)
        )
        .is_err());

        let user_requests = requests_to(&server, &format!("/api/v1/users/{USER}")).await;
        assert_eq!(
            header(&user_requests[0], "authorization"),
            Some(&*format!("Bearer {ACCESS_TOKEN}"))
        );
        assert_eq!(header(&user_requests[0], "dpop"), None);
    }
}

#[tokio::test]
async fn dpop_proofs_bind_method_url_and_token_and_the_token_nonce_exchange_works() {
    let server = MockServer::start().await;
    // The first token request (no nonce) gets `use_dpop_nonce`, as Okta answers.
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .and(header_exists("dpop"))
        .respond_with(
            json(
                400,
                r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof."}"#,
            )
            .insert_header("dpop-nonce", "server-nonce-1"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(ACCESS_TOKEN, "DPoP", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(json(200, "[]"))
        .mount(&server)
        .await;
    let (client, _) = oauth_client(&server, settings(json!({"dpop": "auto"})));
    let filter = okta_iam::okta::Filter::eq("profile.login", "dana@example.com");
    client.users().list_by_filter(&filter).await.unwrap();

    let token_requests = requests_to(&server, "/oauth2/v1/token").await;
    assert_eq!(token_requests.len(), 2, "one nonce retry");
    let (first, first_jkt) = verify_proof(header(&token_requests[0], "dpop").unwrap()).unwrap();
    let (second, second_jkt) = verify_proof(header(&token_requests[1], "dpop").unwrap()).unwrap();
    assert_eq!(first["htm"], "POST");
    assert_eq!(first["htu"], token_url(&server));
    assert!(first.get("nonce").is_none() && first.get("ath").is_none());
    assert_eq!(second["nonce"], "server-nonce-1");
    assert_ne!(first["jti"], second["jti"]);
    assert_eq!(first_jkt, second_jkt, "one key per process");

    let resource = &requests_to(&server, "/api/v1/users").await[0];
    assert_eq!(
        header(resource, "authorization"),
        Some(&*format!("DPoP {ACCESS_TOKEN}"))
    );
    let (claims, jkt) = verify_proof(header(resource, "dpop").unwrap()).unwrap();
    assert_eq!(
        jkt, first_jkt,
        "the resource proof uses the key the token is bound to"
    );
    assert_eq!(claims["htm"], "GET");
    assert_eq!(
        claims["htu"],
        format!("{}/api/v1/users", server.uri()),
        "htu has no query"
    );
    assert_eq!(claims["ath"], ath(ACCESS_TOKEN));
    assert!((claims["iat"].as_i64().unwrap() - chrono::Utc::now().timestamp()).abs() < 60);
}

#[tokio::test]
async fn a_resource_nonce_challenge_is_answered_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(ACCESS_TOKEN, "DPoP", 3600))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/users/{USER}")))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header(
                    "www-authenticate",
                    r#"DPoP algs="ES256", error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#,
                )
                .insert_header("dpop-nonce", "resource-nonce-7"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_user(&server).await;
    let (client, _) = oauth_client(&server, settings(json!({"dpop": "on"})));
    client.users().get(&UserId::new(USER)).await.unwrap();
    let requests = requests_to(&server, &format!("/api/v1/users/{USER}")).await;
    assert_eq!(requests.len(), 2);
    let (first, _) = verify_proof(header(&requests[0], "dpop").unwrap()).unwrap();
    let (second, _) = verify_proof(header(&requests[1], "dpop").unwrap()).unwrap();
    assert!(first.get("nonce").is_none());
    assert_eq!(second["nonce"], "resource-nonce-7");
    assert_eq!(
        header(&requests[1], "x-okta-retry-count"),
        None,
        "a nonce retry is not a failure retry"
    );
}

#[tokio::test]
async fn one_token_request_serves_a_thousand_commands() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(ACCESS_TOKEN, "DPoP", 3600))
        .expect(1)
        .mount(&server)
        .await;
    mount_user(&server).await;
    let (client, _) = oauth_client(&server, settings(json!({})));
    for _ in 0..1000 {
        client
            .for_command()
            .users()
            .get(&UserId::new(USER))
            .await
            .unwrap();
    }
    let resource = requests_to(&server, &format!("/api/v1/users/{USER}")).await;
    assert_eq!(resource.len(), 1000);
    let jtis: std::collections::HashSet<String> = resource
        .iter()
        .map(|r| {
            verify_proof(header(r, "dpop").unwrap()).unwrap().0["jti"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(jtis.len(), 1000, "a fresh proof per request");
}

#[tokio::test]
async fn concurrent_requests_share_one_token_request() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(
            token_answer(ACCESS_TOKEN, "Bearer", 3600).set_delay(Duration::from_millis(50)),
        )
        .expect(1)
        .mount(&server)
        .await;
    mount_user(&server).await;
    let (client, _) = oauth_client(&server, settings(json!({"dpop": "off"})));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = client.for_command();
        tasks.spawn(async move { client.users().get(&UserId::new(USER)).await.map(drop) });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
}

#[tokio::test]
async fn the_token_is_renewed_a_minute_before_it_expires() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(ACCESS_TOKEN, "Bearer", 3600))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(SECOND_TOKEN, "Bearer", 3600))
        .mount(&server)
        .await;
    mount_user(&server).await;
    let (client, clock) = oauth_client(&server, settings(json!({"dpop": "off"})));
    let get = || async {
        client
            .for_command()
            .users()
            .get(&UserId::new(USER))
            .await
            .unwrap()
    };
    get().await;
    clock.advance(Duration::from_secs(3600 - 61));
    get().await;
    assert_eq!(requests_to(&server, "/oauth2/v1/token").await.len(), 1);
    clock.advance(Duration::from_secs(2));
    get().await;
    assert_eq!(requests_to(&server, "/oauth2/v1/token").await.len(), 2);
    let resource = requests_to(&server, &format!("/api/v1/users/{USER}")).await;
    let shown: Vec<&str> = resource
        .iter()
        .map(|r| header(r, "authorization").unwrap())
        .collect();
    assert_eq!(
        shown,
        [
            format!("Bearer {ACCESS_TOKEN}"),
            format!("Bearer {ACCESS_TOKEN}"),
            format!("Bearer {SECOND_TOKEN}")
        ]
    );
}

#[tokio::test]
async fn a_401_renews_the_token_once() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(ACCESS_TOKEN, "Bearer", 3600))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(SECOND_TOKEN, "Bearer", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/users/{USER}")))
        .and(wiremock::matchers::header(
            "authorization",
            format!("Bearer {ACCESS_TOKEN}").as_str(),
        ))
        .respond_with(
            json(401, r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oae1","errorCauses":[]}"#)
                .insert_header("www-authenticate", r#"Bearer error="invalid_token", error_description="The token has been revoked.""#),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    mount_user(&server).await;
    let (client, _) = oauth_client(&server, settings(json!({"dpop": "off"})));
    client.users().get(&UserId::new(USER)).await.unwrap();
    assert_eq!(requests_to(&server, "/oauth2/v1/token").await.len(), 2);
    let resource = requests_to(&server, &format!("/api/v1/users/{USER}")).await;
    assert_eq!(resource.len(), 2);
    assert_eq!(
        header(&resource[1], "authorization"),
        Some(&*format!("Bearer {SECOND_TOKEN}"))
    );
    // The renewed token serves the next command without another token request.
    client
        .for_command()
        .users()
        .get(&UserId::new(USER))
        .await
        .unwrap();
    assert_eq!(requests_to(&server, "/oauth2/v1/token").await.len(), 2);
}

#[tokio::test]
async fn a_401_that_persists_fails_instead_of_looping() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(ACCESS_TOKEN, "Bearer", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/users/{USER}")))
        .respond_with(json(401, r#"{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorLink":"E0000011","errorId":"oae1","errorCauses":[]}"#))
        .mount(&server)
        .await;
    let (client, _) = oauth_client(&server, settings(json!({"dpop": "off"})));
    let error = client.users().get(&UserId::new(USER)).await.unwrap_err();
    assert_eq!(error.status(), Some(401));
    let resource = requests_to(&server, &format!("/api/v1/users/{USER}")).await;
    assert_eq!(
        resource.len(),
        3,
        "the first try and at most two auth retries"
    );
}

#[tokio::test]
async fn a_missing_scope_is_named() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(ACCESS_TOKEN, "DPoP", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/groups"))
        .respond_with(ResponseTemplate::new(403).insert_header(
            "www-authenticate",
            r#"DPoP algs="RS256 ES256", authorization_uri="http://acme.okta.com/oauth2/v1/authorize", realm="http://acme.okta.com", scope="okta.groups.read", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="/api/v1/groups""#,
        ))
        .mount(&server)
        .await;
    let (client, _) = oauth_client(&server, settings(json!({})));
    let error = client.groups().search("eng").await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("scope okta.groups.read"), "{text}");
    assert!(text.contains("Okta API Scopes"), "{text}");
    assert_eq!(error.status(), Some(403));
    assert!(!text.contains(ACCESS_TOKEN));
}

#[tokio::test]
async fn token_endpoint_refusals_say_what_to_fix() {
    let cases = [
        (
            r#"{"error":"invalid_scope","error_description":"The following scopes are not allowed: 'okta.logs.read'"}"#,
            "The OAuth app was not granted the scope okta.logs.read (invalid_scope",
        ),
        (
            r#"{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}"#,
            "Okta refused the OAuth client (invalid_client: The client_assertion signature is invalid.). Check the Client ID parameter (client_id), and that the app's public key with key ID kid-9 matches",
        ),
        (
            r#"{"error":"invalid_dpop_proof","error_description":"The DPoP proof JWT is invalid."}"#,
            "Okta rejected the DPoP proof of the token request",
        ),
    ];
    for (body, expected) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth2/v1/token"))
            .respond_with(json(400, body).insert_header("x-okta-request-id", "reqTOKEN1"))
            .expect(1)
            .mount(&server)
            .await;
        let (client, _) = oauth_client(&server, settings(json!({"key_id": "kid-9", "dpop": "on"})));
        let error = client.users().get(&UserId::new(USER)).await.unwrap_err();
        assert!(matches!(error, OktaError::Auth { .. }), "{error:?}");
        let text = error.to_string();
        assert!(text.contains(expected), "{text}");
        assert_eq!(error.request_id(), Some("reqTOKEN1"));
        assert!(requests_to(&server, &format!("/api/v1/users/{USER}"))
            .await
            .is_empty());
    }
}

#[tokio::test]
async fn auto_falls_back_to_bearer_when_the_app_takes_no_dpop() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .and(header_exists("dpop"))
        .respond_with(json(
            400,
            r#"{"error":"invalid_dpop_proof","error_description":"DPoP proof JWT was provided but the client is not configured to use DPoP."}"#,
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(ACCESS_TOKEN, "Bearer", 3600))
        .mount(&server)
        .await;
    mount_user(&server).await;
    let (client, _) = oauth_client(&server, settings(json!({"dpop": "auto"})));
    client.users().get(&UserId::new(USER)).await.unwrap();
    let resource = &requests_to(&server, &format!("/api/v1/users/{USER}")).await[0];
    assert_eq!(
        header(resource, "authorization"),
        Some(&*format!("Bearer {ACCESS_TOKEN}"))
    );
    assert_eq!(header(resource, "dpop"), None);
    // `on` does not fall back.
    let (client, _) = oauth_client(&server, settings(json!({"dpop": "on"})));
    let error = client.users().get(&UserId::new(USER)).await.unwrap_err();
    assert!(error.to_string().contains("DPoP"), "{error}");
}

#[test]
fn contradictory_settings_name_the_param() {
    let (ec_pem, _, _) = ec_key();
    let cases = [
        (
            json!({"use_oauth": true, "private_key": rsa_private_pem()}),
            "(client_id)",
        ),
        (
            json!({"use_oauth": "true", "client_id": "x"}),
            "(private_key)",
        ),
        (
            json!({"use_oauth": true, "client_id": "x", "private_key": ec_pem, "jwt_algorithm": "RS256"}),
            "is an EC key, but jwt_algorithm is RS256",
        ),
        (
            json!({"use_oauth": true, "client_id": "x", "private_key": rsa_private_pem(), "jwt_algorithm": "ES256"}),
            "is an RSA key, but jwt_algorithm is ES256",
        ),
        (
            json!({"use_oauth": true, "client_id": "x", "private_key": rsa_private_pem(), "jwt_algorithm": "HS256"}),
            "(jwt_algorithm) must be RS256 or ES256",
        ),
        (
            json!({"use_oauth": true, "client_id": "x", "private_key": rsa_private_pem(), "dpop": "maybe"}),
            "(dpop) must be auto, on or off",
        ),
        (
            json!({"use_oauth": true, "client_id": "x", "private_key": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}),
            "(private_key) is not a PEM private key",
        ),
        (
            json!({"use_oauth": "yes"}),
            "'use_oauth' must be true or false",
        ),
    ];
    for (params, expected) in cases {
        let error = Params::from_map(params.as_object().unwrap().clone())
            .oauth()
            .unwrap_err()
            .to_string();
        assert!(error.contains(expected), "{error}");
        assert!(!error.contains("AAAA") && !error.contains("MII"), "{error}");
    }
    let off = Params::from_map(json!({"client_id": "x"}).as_object().unwrap().clone());
    assert!(off.oauth().unwrap().is_none());
}

#[tokio::test]
async fn a_busy_token_endpoint_is_asked_again_after_a_backoff() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(json(503, r#"{"error":"temporarily_unavailable"}"#))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(token_answer(ACCESS_TOKEN, "Bearer", 3600))
        .mount(&server)
        .await;
    mount_user(&server).await;
    let (client, clock) = oauth_client(&server, settings(json!({"dpop": "off"})));
    client.users().get(&UserId::new(USER)).await.unwrap();
    let requests = requests_to(&server, "/oauth2/v1/token").await;
    assert_eq!(requests.len(), 2);
    let assertions: Vec<String> = requests
        .iter()
        .map(|r| {
            field(&form(&r.body), "client_assertion")
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_ne!(assertions[0], assertions[1], "a fresh assertion each time");
    let sleeps = clock.sleeps();
    assert_eq!(sleeps.len(), 1, "{sleeps:?}");
    assert!(sleeps[0] >= Duration::from_secs(1) && sleeps[0] <= Duration::from_millis(1250));

    // Still failing after the retries: an error that says to try later.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth2/v1/token"))
        .respond_with(json(503, r#"{"error":"temporarily_unavailable"}"#))
        .expect(3)
        .mount(&server)
        .await;
    let (client, _) = oauth_client(&server, settings(json!({"dpop": "off"})));
    let error = client.users().get(&UserId::new(USER)).await.unwrap_err();
    assert!(
        error.to_string().contains("could not issue a token now"),
        "{error}"
    );
}
