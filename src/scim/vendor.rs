//! SCIM 2.0 as a vendor of the daemon (`--vendor scim`, integration `SCIM IAM`): its
//! package (names, params, the shared IAM commands only, the SCIM mappers; no fetch), its
//! HTTP cores (one per URL, credentials, `insecure` and `proxy`, kept for the daemon's
//! lifetime), its connector and its `test-module` check.

use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::catalogue::CommandSpec;
use crate::commands::{self, CommandError, CommandResult, Daemon, Invocation};
use crate::http::auth::HeaderAuth;
use crate::http::call::HttpCore;
use crate::http::cassette::{RecordingOptions, RecordingTransport};
use crate::http::client_cache::{ClientCache, CLIENT_CACHE_CAPACITY};
use crate::http::{ReqwestTransport, TokioClock, Transport, TransportOptions};
use crate::iam::{Connector, ConnectorError};
use crate::output::Entry;
use crate::params::Params;
use crate::scim::client::ScimClient;
use crate::scim::connector::ScimConnector;
use crate::scim::error::ScimError;
use crate::scim::params::{ScimAuth, ScimParamsError, ScimSettings, PARAMS, TOKEN_ENV};
use crate::scim::policy::ScimPolicy;
use crate::scim::resource::PROFILE_MAPPERS;
use crate::state::LocalBoxFuture;
use crate::vendor::{DemoContent, Vendor, VendorPackage, VendorService};

/// The SCIM vendor.
pub struct Scim;

/// The one SCIM vendor value, as registered in [`crate::vendors::registry`].
pub static SCIM: Scim = Scim;

/// The command families SCIM serves: the shared IAM ones (no vendor-specific commands, no
/// fetch).
pub const FAMILIES: &[&[CommandSpec]] = &[
    commands::test_module::COMMANDS,
    commands::users::COMMANDS,
    commands::groups::COMMANDS,
];

/// The most `test-module` spends on the server, retries included.
pub const TEST_MODULE_DEADLINE: Duration = Duration::from_secs(15);

impl Vendor for Scim {
    fn name(&self) -> &'static str {
        "scim"
    }

    fn package(&self) -> VendorPackage {
        VendorPackage {
            vendor: "scim",
            integration_id: "SCIM IAM",
            default_instance: "SCIM IAM_instance_1",
            description: "Provision users to any SCIM 2.0 app (RFC 7643/7644): the identity lifecycle commands of the IAM integrations, with presets for GitHub, Atlassian, AWS IAM Identity Center and Slack. Served by the okta-iam daemon.",
            category: "Authentication & Identity Management",
            pack_name: "ScimIAMDaemon",
            pack_description: "SCIM IAM served by the okta-iam daemon: the user lifecycle commands and groups of any SCIM 2.0 app, as an IAM integration for the identity lifecycle playbooks.",
            file_stem: "ScimIAMDaemon",
            params: PARAMS,
            families: FAMILIES,
            listed_internal: &["get-mapping-fields"],
            profile_mappers: PROFILE_MAPPERS,
            fetch: None,
            remote_sync_out: false,
            demo: Some(DemoContent {
                cassette: include_str!("../../fixtures/demo/scim/cassette.json"),
                commands: include_str!("../../fixtures/demo/scim/commands.ndjson"),
                params: include_str!("../../fixtures/demo/scim/params.json"),
                heading: "okta-iam demo --vendor scim: the SCIM IAM lifecycle, answered by the cassette built\n\
                          into the binary (recorded from the project's fake SCIM server; no app, no network).\n",
                requests_label: "SCIM",
            }),
            readme: include_str!("../../pack/scim/README.md"),
            keywords: &["SCIM", "IAM", "ILM", "identity lifecycle", "provisioning"],
        }
    }

    fn start(&self) -> Box<dyn VendorService> {
        Box::new(ScimService::default())
    }
}

/// What makes two instance configurations need different HTTP cores.
#[derive(PartialEq, Eq)]
struct CoreKey {
    base_url: String,
    /// The bearer token or the basic user name and password.
    auth: ScimAuth,
    insecure: bool,
    proxy: bool,
}

/// What one daemon keeps of SCIM: an HTTP core per instance configuration (so `serve`
/// reuses connections; bounded), and the cassette recorder.
pub struct ScimService {
    recorder: Mutex<Option<Arc<RecordingTransport>>>,
    cores: Mutex<ClientCache<CoreKey, Arc<HttpCore<ScimPolicy>>>>,
}

impl Default for ScimService {
    fn default() -> Self {
        ScimService {
            recorder: Mutex::new(None),
            cores: Mutex::new(ClientCache::new(CLIENT_CACHE_CAPACITY)),
        }
    }
}

impl ScimService {
    /// The checked settings of these params. The token may come from `SCIM_API_TOKEN`;
    /// offline (replay, the demo) a missing one is a placeholder that goes nowhere.
    pub fn settings(&self, daemon: &Daemon, params: &Params) -> Result<ScimSettings, CommandError> {
        let env_token = std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty());
        match ScimSettings::from_params(params, env_token) {
            Err(ScimParamsError::MissingToken) if daemon.http.offline => {
                Ok(ScimSettings::from_params(params, Some("offline".into()))?)
            }
            other => Ok(other?),
        }
    }

    /// A client for these settings (its core cached per configuration), with a fresh
    /// command deadline.
    pub fn client(
        &self,
        daemon: &Daemon,
        params: &Params,
        settings: &ScimSettings,
    ) -> Result<ScimClient, CommandError> {
        let secret = match &settings.auth {
            ScimAuth::Bearer(token) => token.clone(),
            ScimAuth::Basic { password, .. } => password.clone(),
        };
        let key = CoreKey {
            base_url: settings.base_url.to_string(),
            auth: settings.auth.clone(),
            insecure: params.boolean("insecure", false)?,
            proxy: params.boolean("proxy", false)?,
        };
        let mut cores = self.cores.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(core) = cores.get(&key) {
            return Ok(ScimClient::new(core, settings.base_url.clone()));
        }
        let http = daemon.http.settings;
        let options = TransportOptions {
            settings: http,
            insecure: key.insecure,
            proxy: key.proxy,
        };
        let transport: Arc<dyn Transport> = match (&daemon.http.transport, &daemon.http.record_to) {
            (Some(transport), _) => transport.clone(),
            (None, Some(path)) => {
                let mut recorder = self.recorder.lock().unwrap_or_else(PoisonError::into_inner);
                match recorder.as_ref() {
                    Some(transport) => transport.clone(),
                    None => {
                        let recording = RecordingOptions {
                            transport: options,
                            origin: settings.base_url.origin().ascii_serialization(),
                            secret: secret.clone(),
                        };
                        let transport =
                            RecordingTransport::new(recording, path.clone(), daemon.now())
                                .map_err(|e| CommandError::param(e.0))?;
                        let transport = Arc::new(transport);
                        *recorder = Some(transport.clone());
                        transport
                    }
                }
            }
            (None, None) => {
                Arc::new(ReqwestTransport::new(options).map_err(|e| CommandError::param(e.0))?)
            }
        };
        let auth = match &settings.auth {
            ScimAuth::Bearer(token) => HeaderAuth::bearer(token),
            ScimAuth::Basic { username, password } => HeaderAuth::basic(username, password),
        };
        let core = Arc::new(HttpCore::new(
            transport,
            Arc::new(TokioClock),
            Arc::new(auth),
            http,
            ScimPolicy::new(secret),
        ));
        cores.insert(key, core.clone());
        Ok(ScimClient::new(core, settings.base_url.clone()))
    }
}

impl VendorService for ScimService {
    fn connector(
        &self,
        daemon: &Daemon,
        params: &Params,
    ) -> Result<Box<dyn Connector>, CommandError> {
        let settings = self.settings(daemon, params)?;
        let client = self.client(daemon, params, &settings)?;
        Ok(Box::new(ScimConnector::new(client, settings)))
    }

    fn test_module<'a>(&'a self, inv: Invocation<'a>) -> LocalBoxFuture<'a, CommandResult> {
        Box::pin(check(self, inv))
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// SCIM's `test-module`: the params, the mapper names, then `GET /ServiceProviderConfig`
/// (falling back to `GET /Users?count=1` for a server without it), within
/// [`TEST_MODULE_DEADLINE`].
async fn check(service: &ScimService, inv: Invocation<'_>) -> CommandResult {
    let settings = service.settings(inv.daemon, &inv.params)?;
    crate::commands::test_module::check_mapper_params(&inv)?;
    let client = service
        .client(inv.daemon, &inv.params, &settings)?
        .within(TEST_MODULE_DEADLINE);
    let base = settings.base_url.as_str();
    // Discovery endpoints may answer without authentication (RFC 7644 §4), so a
    // ServiceProviderConfig alone proves neither the token nor the right to list users:
    // /Users?count=1 always follows it.
    let outcome = match client.service_provider_config().await {
        Err(error) if matches!(error.status(), Some(404 | 405 | 501)) => client.probe_users().await,
        Err(error) => Err(error),
        Ok(_) => client.probe_users().await,
    };
    match outcome {
        Ok(()) => Ok(vec![Entry::text("ok")]),
        Err(error) => Err(CommandError::connector(explain(&error, base))),
    }
}

/// A failed `test-module` request in words that say what to fix.
fn explain(error: &ScimError, base: &str) -> String {
    match error.status() {
        Some(401) => format!(
            "The SCIM server at {base} refused the credentials (401): check the credentials param (the bearer token, or with auth_type basic the user name and password). {error}"
        ),
        Some(403) => format!(
            "The SCIM server at {base} accepted the credentials but may not list users (403): give the token the app's provisioning (SCIM) permission. {error}"
        ),
        Some(404) => format!(
            "The SCIM server at {base} has no /Users (404): check that the url param is the SCIM base URL, everything before /Users. {error}"
        ),
        _ => ConnectorError::from(error.clone()).message,
    }
}
