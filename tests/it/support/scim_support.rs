//! The SCIM client and connector set-up shared by the SCIM client suites (wiremock and
//! `scim2-server`): a real HTTP core (reqwest on loopback, a virtual clock, a bearer token,
//! the SCIM request policy) and a connector built from instance params, as the daemon does.

use std::sync::Arc;

use okta_iam::http::auth::HeaderAuth;
use okta_iam::http::call::HttpCore;
use okta_iam::http::{HttpSettings, ReqwestTransport, TransportOptions, VirtualClock};
use okta_iam::params::Params;
use okta_iam::scim::client::ScimClient;
use okta_iam::scim::connector::ScimConnector;
use okta_iam::scim::params::ScimSettings;
use okta_iam::scim::policy::ScimPolicy;
use okta_iam::secret::Secret;
use serde_json::{json, Value};

/// The HTTP core a SCIM client runs on: default settings, `token` as the bearer token (and
/// the secret the policy redacts), `clock` for every wait.
pub fn scim_core(token: &str, clock: Arc<VirtualClock>) -> Arc<HttpCore<ScimPolicy>> {
    let settings = HttpSettings::default();
    let transport = ReqwestTransport::new(TransportOptions {
        settings,
        insecure: false,
        proxy: false,
    })
    .expect("reqwest transport");
    let token = Secret::new(token);
    Arc::new(HttpCore::new(
        Arc::new(transport),
        clock,
        Arc::new(HeaderAuth::bearer(&token)),
        settings,
        ScimPolicy::new(token),
    ))
}

/// A connector for the SCIM server at `url` (the instance param), with `token` as the
/// credentials and `extra` params (`preset`, `update_method`, ...) on top; panics if the
/// params do not check.
pub fn scim_connector(url: &str, token: &str, extra: Value) -> ScimConnector {
    let mut values = json!({"url": url, "credentials": {"password": token}});
    for (name, value) in extra.as_object().expect("extra params are an object") {
        values[name] = value.clone();
    }
    let params = Params::from_map(values.as_object().expect("params").clone());
    let settings = ScimSettings::from_params(&params, None).expect("the SCIM params check");
    let core = scim_core(token, Arc::new(VirtualClock::new()));
    ScimConnector::new(ScimClient::new(core, settings.base_url.clone()), settings)
}

/// `okta-iam serve --vendor scim --state <a temporary file>` (local mode: the daemon maps);
/// the state directory lives as long as the daemon.
pub fn serve_scim(name: &str) -> super::Daemon {
    let dir = super::temp_dir(name);
    let state = dir.join("state.json");
    let state = state.to_str().expect("a UTF-8 temporary path");
    super::Daemon::spawn(&["serve", "--vendor", "scim", "--state", state], &[]).keeping(dir)
}
