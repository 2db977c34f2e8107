//! Okta as a vendor of the daemon: its package (names, params, commands, mappers, pack
//! content), its clients (one per instance configuration, kept for the daemon's lifetime),
//! its connector, its OAuth token kept between executions and its `test-module` check.

use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};

use crate::catalogue::CommandSpec;
use crate::commands::{self, CommandError, CommandResult, Daemon, Invocation};
use crate::http::cassette::RecordingTransport;
use crate::http::client_cache::{ClientCache, CLIENT_CACHE_CAPACITY};
use crate::iam::Connector;
use crate::okta::auth::OAuthSettings;
use crate::okta::commands as okta_commands;
use crate::okta::connector::OktaConnector;
use crate::okta::params::{OktaParams, OktaParamsError, PARAMS};
use crate::okta::token_cache;
use crate::okta::{Client, ClientConfig, OktaError};
use crate::params::Params;
use crate::secret::Secret;
use crate::state::{LocalBoxFuture, StateStore};
use crate::vendor::{
    AfterCommit, ContentItem, DefaultMappers, DemoContent, FetchContent, Vendor, VendorPackage,
    VendorService,
};

/// Name of the default incoming mapper (Okta user → User Profile).
pub const INCOMING_DEFAULT: &str = "User Profile - Okta (Incoming)";
/// Name of the default outgoing mapper (User Profile → Okta user profile).
pub const OUTGOING_DEFAULT: &str = "User Profile - Okta (Outgoing)";

/// The Okta vendor.
pub struct Okta;

/// The one Okta vendor value, as registered in [`crate::vendors::registry`].
pub static OKTA: Okta = Okta;

/// Every command family Okta serves, in manifest order.
pub const FAMILIES: &[&[CommandSpec]] = &[
    commands::test_module::COMMANDS,
    commands::users::COMMANDS,
    okta_commands::apps::COMMANDS,
    commands::groups::COMMANDS,
    okta_commands::config::COMMANDS,
    okta_commands::logs::COMMANDS,
    okta_commands::fetch::COMMANDS,
];

impl Vendor for Okta {
    fn name(&self) -> &'static str {
        "okta"
    }

    fn package(&self) -> VendorPackage {
        VendorPackage {
            vendor: "okta",
            integration_id: "Okta IAM",
            default_instance: "Okta IAM_instance_1",
            description: "Integrate with Okta's Identity Access Management service to execute CRUD operations on employee lifecycle processes. Served by the okta-iam daemon.",
            category: "Authentication & Identity Management",
            pack_name: "OktaIAMDaemon",
            pack_description: "Okta IAM served by the okta-iam daemon: user lifecycle commands, applications, groups, the System Log and incident fetching, as a drop-in for the Okta IAM integration.",
            file_stem: "OktaIAMDaemon",
            params: PARAMS,
            families: FAMILIES,
            listed_internal: &["get-mapping-fields"],
            profile_mappers: DefaultMappers {
                incoming: ContentItem {
                    id: INCOMING_DEFAULT,
                    file_name: "classifier-mapper-incoming-User-Profile-Okta.json",
                    json: include_str!(
                        "../../mappers/classifier-mapper-incoming-User-Profile-Okta.json"
                    ),
                },
                outgoing: ContentItem {
                    id: OUTGOING_DEFAULT,
                    file_name: "classifier-mapper-outgoing-Okta-User-Profile.json",
                    json: include_str!(
                        "../../mappers/classifier-mapper-outgoing-Okta-User-Profile.json"
                    ),
                },
            },
            fetch: Some(FetchContent {
                classifier: ContentItem {
                id: "Okta IAM - App Sync (classifier)",
                file_name: "classifier-Okta_IAM_App_Sync.json",
                json: include_str!("../../pack/okta/classifier-Okta_IAM_App_Sync.json"),
                },
                incident_mapper: ContentItem {
                    id: "Okta IAM - App Sync (mapper)",
                    file_name: "classifier-mapper-incoming-Okta_IAM_App_Sync.json",
                    json: include_str!(
                        "../../pack/okta/classifier-mapper-incoming-Okta_IAM_App_Sync.json"
                    ),
                },
            }),
            remote_sync_out: true,
            demo: Some(DemoContent {
                cassette: include_str!("../../fixtures/demo/cassette.json"),
                commands: include_str!("../../fixtures/demo/commands.ndjson"),
                params: include_str!("../../fixtures/demo/params.json"),
                heading: "okta-iam demo: the Okta IAM lifecycle, answered by the cassette built into the binary\n\
                          (recorded from the project's fake Okta; no org, no network).\n",
                requests_label: "Okta",
            }),
            readme: include_str!("../../pack/okta/README.md"),
            keywords: &["Okta", "IAM", "ILM", "identity lifecycle"],
        }
    }

    fn start(&self) -> Box<dyn VendorService> {
        Box::new(OktaService::new())
    }
}

/// What one daemon keeps of Okta: a client per instance configuration (so `serve` reuses
/// connections; bounded), the checked OAuth settings, and the cassette recorder.
pub struct OktaService {
    recorder: Mutex<Option<Arc<RecordingTransport>>>,
    clients: Mutex<ClientCache<ClientKey, Client>>,
    /// Checked OAuth settings by a digest of their params, so the key is read and checked
    /// once per configuration, not at every command.
    oauth_settings: Mutex<Vec<(String, OAuthSettings)>>,
    /// The last `url` param that passed the url rule, so it is checked (parsed) once, not at
    /// every command.
    checked_url: Mutex<String>,
}

/// What makes two instance configurations need different clients.
#[derive(PartialEq, Eq)]
struct ClientKey {
    /// The `url` param as given. The base URL is a pure function of it, so it is parsed only
    /// when a client is made, not on every command.
    url: String,
    /// The API token, or (OAuth) the settings' identity.
    credentials: Secret,
    insecure: bool,
    proxy: bool,
}

impl Default for OktaService {
    fn default() -> Self {
        OktaService::new()
    }
}

impl OktaService {
    pub fn new() -> Self {
        OktaService {
            recorder: Mutex::new(None),
            clients: Mutex::new(ClientCache::new(CLIENT_CACHE_CAPACITY)),
            oauth_settings: Mutex::new(Vec::new()),
            checked_url: Mutex::new(String::new()),
        }
    }

    /// The API token of these params; offline, a missing one is replaced by a placeholder
    /// that goes nowhere.
    pub fn token(&self, daemon: &Daemon, params: &Params) -> Result<Secret, OktaParamsError> {
        match params.token() {
            Err(OktaParamsError::MissingToken) if daemon.http.offline => Ok(Secret::new("offline")),
            other => other,
        }
    }

    /// The OAuth settings of these params (`None` without `use_oauth`).
    pub fn oauth_settings(
        &self,
        daemon: &Daemon,
        params: &Params,
    ) -> Result<Option<OAuthSettings>, OktaParamsError> {
        if !params.use_oauth()? {
            return Ok(None);
        }
        let digest = params.oauth_digest();
        let mut known = self
            .oauth_settings
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some((_, settings)) = known.iter().find(|(d, _)| *d == digest) {
            return Ok(Some(settings.clone()));
        }
        let settings = params.oauth_settings(daemon.http.offline)?;
        if let Some(settings) = &settings {
            if known.len() >= 16 {
                known.remove(0);
            }
            known.push((digest, settings.clone()));
        }
        Ok(settings)
    }

    /// The `url` param, after the url rule ([`OktaParams::base_url`]'s errors).
    fn checked_url(&self, params: &Params) -> Result<String, OktaParamsError> {
        let url = params.string("url").ok_or(OktaParamsError::MissingUrl)?;
        let mut checked = self
            .checked_url
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *checked != url {
            params.base_url()?;
            checked.clone_from(&url);
        }
        Ok(url)
    }

    /// The Okta client for these params (cached per configuration), with a fresh command
    /// deadline.
    pub fn client(&self, daemon: &Daemon, params: &Params) -> Result<Client, CommandError> {
        let oauth = self.oauth_settings(daemon, params)?;
        let key = ClientKey {
            url: self.checked_url(params)?,
            credentials: match &oauth {
                Some(settings) => Secret::new(format!("oauth|{}", settings.identity())),
                None => self.token(daemon, params)?,
            },
            insecure: params.boolean("insecure", false)?,
            proxy: params.boolean("proxy", false)?,
        };
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(&key) {
            return Ok(client.for_command());
        }
        let base_url = params.base_url()?;
        let token = match oauth {
            Some(_) => Secret::default(),
            None => key.credentials.clone(),
        };
        let mut config = ClientConfig::new(base_url, token);
        config.oauth = oauth;
        config.insecure = key.insecure;
        config.proxy = key.proxy;
        config.settings = daemon.http.settings;
        let client = match (&daemon.http.transport, &daemon.http.record_to) {
            (Some(transport), _) => Client::with_transport(config, transport.clone()),
            (None, Some(path)) => {
                let mut recorder = self.recorder.lock().unwrap_or_else(PoisonError::into_inner);
                let transport = match recorder.as_ref() {
                    Some(transport) => transport.clone(),
                    None => {
                        let transport =
                            RecordingTransport::new(&config, path.clone(), daemon.now())
                                .map_err(OktaError::from)?;
                        let transport = Arc::new(transport);
                        *recorder = Some(transport.clone());
                        transport
                    }
                };
                Client::with_transport(config, transport)
            }
            (None, None) => Client::new(config)?,
        };
        let command_client = client.for_command();
        clients.insert(key, client);
        Ok(command_client)
    }
}

/// The Okta service of the daemon running `inv`: Okta's own commands get their client here.
pub fn service<'a>(inv: &Invocation<'a>) -> Result<&'a OktaService, CommandError> {
    inv.daemon
        .service()
        .as_any()
        .downcast_ref::<OktaService>()
        .ok_or_else(|| {
            CommandError::internal(format!(
                "This command is Okta's; this daemon serves the vendor '{}'.",
                inv.daemon.vendor.name()
            ))
        })
}

/// The Okta client for `inv`'s params (see [`OktaService::client`]).
pub fn client(inv: &Invocation<'_>) -> Result<Client, CommandError> {
    service(inv)?.client(inv.daemon, &inv.params)
}

impl VendorService for OktaService {
    fn connector(
        &self,
        daemon: &Daemon,
        params: &Params,
    ) -> Result<Box<dyn Connector>, CommandError> {
        Ok(Box::new(OktaConnector::new(self.client(daemon, params)?)))
    }

    fn test_module<'a>(&'a self, inv: Invocation<'a>) -> LocalBoxFuture<'a, CommandResult> {
        Box::pin(crate::okta::test_module::check(self, inv))
    }

    fn before_command<'a>(
        &'a self,
        daemon: &'a Daemon,
        params: &'a Params,
        state: &'a mut dyn StateStore,
    ) -> LocalBoxFuture<'a, Result<Option<Box<dyn AfterCommit>>, CommandError>> {
        Box::pin(async move {
            let client = token_cache::load(self, daemon, params, state).await?;
            Ok(client.map(|client| Box::new(SaveToken(client)) as Box<dyn AfterCommit>))
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// After a successful execution: a token issued since the last save is kept.
struct SaveToken(Client);

impl AfterCommit for SaveToken {
    fn after_commit<'a>(&'a self, state: &'a mut dyn StateStore) -> LocalBoxFuture<'a, ()> {
        Box::pin(token_cache::save(&self.0, state))
    }
}

/// Okta's embedded default user-profile mappers (for callers that need no daemon: tests,
/// benchmarks, examples).
pub fn default_mappers() -> crate::mapper::MapperRegistry {
    OKTA.package().mappers()
}

/// Okta's brand and default instance name of a calling context.
pub fn context_defaults() -> crate::vendor::ContextDefaults {
    OKTA.context_defaults()
}
