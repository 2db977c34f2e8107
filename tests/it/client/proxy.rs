//! Environment proxies are used only when `proxy` is true.
//!
//! It sets `HTTP_PROXY`/`HTTPS_PROXY`, which are process-wide, so it runs alone in a child
//! process of the test binary (`support::process::run_alone`).

use crate::support::okta_support;

use okta_support::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

#[tokio::test]
async fn environment_proxies_only_when_asked() {
    if !crate::support::process::run_alone("client::proxy::environment_proxies_only_when_asked") {
        return;
    }
    let okta = MockServer::start().await;
    let proxy = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(json(200, r#"{"via":"direct"}"#))
        .mount(&okta)
        .await;
    // A forward proxy gets the absolute URL; wiremock matches its path all the same.
    Mock::given(method("GET"))
        .and(path("/api/v1/users/me"))
        .respond_with(json(200, r#"{"via":"proxy"}"#))
        .mount(&proxy)
        .await;
    for name in ["NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"] {
        std::env::remove_var(name);
    }
    for name in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy"] {
        std::env::set_var(name, proxy.uri());
    }

    // Default: proxy = false, so the environment is ignored.
    let (direct, _) = client(&okta);
    assert_eq!(direct.users().me().await.unwrap()["via"], "direct");
    assert!(proxy.received_requests().await.unwrap().is_empty());

    // proxy = true: the environment's proxy carries the request.
    let mut config = config(&okta);
    config.proxy = true;
    let (proxied, _) = client_with(config);
    assert_eq!(proxied.users().me().await.unwrap()["via"], "proxy");
    assert_eq!(okta.received_requests().await.unwrap().len(), 1);
    let through = proxy.received_requests().await.unwrap();
    assert_eq!(through.len(), 1);
    assert_eq!(
        header(&through[0], "authorization"),
        Some(&*format!("SSWS {TOKEN}"))
    );
}
