//! What makes a vendor: the composition root of one IAM integration.
//!
//! A vendor is one module (Okta: [`crate::okta::vendor`]; SCIM 2.0: [`crate::scim::vendor`])
//! that implements [`Vendor`] and one line in [`crate::vendors::registry`]. The vendor says:
//!
//! - its name for `--vendor`, its brand and default instance name, its instance params, its
//!   manifest header and pack content, its default user-profile mappers (embedded), and its
//!   command families: all in [`VendorPackage`];
//! - how to reach it: [`Vendor::start`] builds the [`VendorService`] one daemon keeps for its
//!   lifetime (client caches), which builds a [`Connector`] from each execution's params and
//!   runs the vendor's `test-module` check.
//!
//! The dispatcher ([`crate::commands`]) holds the vendor and its service and knows nothing
//! else about it; the shared IAM commands reach the vendor through [`Connector`] only.
//!
//! # Adding a vendor
//!
//! 1. `src/<vendor>/`: the client of its API (on the shared transport, clock and retry
//!    machinery), its [`Connector`] (users, lifecycle states, groups, schema fields), and
//!    `vendor.rs` with a unit struct implementing [`Vendor`] and a [`VendorService`] that
//!    keeps its clients, builds its connector from params and runs its `test-module` check.
//! 2. Its [`VendorPackage`]: brand, default instance name, params (its own joined with
//!    [`crate::iam::params::shared`]), manifest header, the embedded default mappers
//!    (`mappers/`) and pack content (`pack/<vendor>/`), its [`FetchContent`] when it fetches
//!    incidents, its [`DemoContent`] when it has a demo, and its command families: the shared
//!    IAM ones (`commands::test_module`, `commands::users`, `commands::groups`) plus its own.
//! 3. One line in [`crate::vendors::registry`]: `.register(&crate::<vendor>::vendor::VENDOR)`.
//!
//! `serve`, `call`, `demo`, `manifest`, `pack` and `commands` then take `--vendor <name>`.
//! `tests/it/protocol/vendor_seam.rs` is a complete vendor written this way, in a test; the
//! steps in full, with the HTTP core, the fake server and the tests: `docs/architecture.md`.

use std::any::Any;

use crate::catalogue::{CommandSpec, ParamSpec};
use crate::commands::{CommandError, CommandResult, Daemon, Invocation};
use crate::iam::Connector;
use crate::mapper::MapperRegistry;
use crate::params::Params;
pub use crate::protocol::message::ContextDefaults;
use crate::state::{LocalBoxFuture, StateStore};

/// One content item of the pack (a mapper or classifier), in XSOAR's export JSON.
#[derive(Debug, Clone, Copy)]
pub struct ContentItem {
    /// The item's `id` (and `name`): what the integration YAML and the params refer to.
    pub id: &'static str,
    /// The file name in the pack's `Classifiers/` directory.
    pub file_name: &'static str,
    pub json: &'static str,
}

/// The user-profile mappers `mapper-in` and `mapper-out` default to.
#[derive(Debug, Clone, Copy)]
pub struct DefaultMappers {
    pub incoming: ContentItem,
    pub outgoing: ContentItem,
}

impl DefaultMappers {
    /// Both, incoming first.
    pub fn items(&self) -> [ContentItem; 2] {
        [self.incoming, self.outgoing]
    }
}

/// The pack content of a vendor that fetches incidents: the incident classifier and its
/// incoming mapper (the manifest's `defaultclassifier` and `defaultmapperin`).
#[derive(Debug, Clone, Copy)]
pub struct FetchContent {
    pub classifier: ContentItem,
    pub incident_mapper: ContentItem,
}

impl FetchContent {
    /// Both, classifier first.
    pub fn items(&self) -> [ContentItem; 2] {
        [self.classifier, self.incident_mapper]
    }
}

/// The demo built into the binary (`okta-iam demo --vendor <name>`): a cassette recorded from
/// the project's fake of the vendor, the command script it answers, the instance params,
/// and the words the walkthrough uses.
#[derive(Debug, Clone, Copy)]
pub struct DemoContent {
    pub cassette: &'static str,
    pub commands: &'static str,
    pub params: &'static str,
    /// The walkthrough's first lines.
    pub heading: &'static str,
    /// The vendor as the summary names its requests ("Okta requests").
    pub requests_label: &'static str,
}

/// Everything the daemon, the manifest and the pack need to know about one vendor.
#[derive(Debug, Clone, Copy)]
pub struct VendorPackage {
    /// The name `--vendor` takes ([`Vendor::name`]): the relay of the manifest serves it.
    pub vendor: &'static str,
    /// Integration id, name and display name (`commonfields.id`, `name`, `display`); also
    /// the brand a calling context without `IntegrationBrand` gets.
    pub integration_id: &'static str,
    /// The instance name a calling context without `IntegrationInstance` gets.
    pub default_instance: &'static str,
    pub description: &'static str,
    pub category: &'static str,
    /// The pack's directory name and `name` in `pack_metadata.json`.
    pub pack_name: &'static str,
    pub pack_description: &'static str,
    /// The file name stem of the integration in the pack (`Integrations/<stem>/<stem>.yml`).
    pub file_stem: &'static str,
    /// The instance params (the manifest's `configuration`).
    pub params: &'static [ParamSpec],
    /// Every command family the vendor serves, in manifest order.
    pub families: &'static [&'static [CommandSpec]],
    /// Internal commands the manifest lists anyway (`get-mapping-fields` for `ismappable`).
    pub listed_internal: &'static [&'static str],
    /// The user profile mappers, embedded.
    pub profile_mappers: DefaultMappers,
    /// What a vendor that fetches incidents adds (`isfetch`, the classifier and incident
    /// mapper); `None` for a vendor without `fetch-incidents`.
    pub fetch: Option<FetchContent>,
    /// Whether the manifest declares `isremotesyncout` (Okta's drop-in keeps the reference's
    /// `true`).
    pub remote_sync_out: bool,
    /// The demo (`okta-iam demo`), when the vendor has one.
    pub demo: Option<DemoContent>,
    /// The pack README (markdown; `{image}` is replaced by the Docker image).
    pub readme: &'static str,
    pub keywords: &'static [&'static str],
}

impl VendorPackage {
    /// A mapper registry holding the default user-profile mappers (origin
    /// `builtin:mappers/<file name>` in messages).
    pub fn mappers(&self) -> MapperRegistry {
        let files = self
            .profile_mappers
            .items()
            .map(|item| (format!("builtin:mappers/{}", item.file_name), item.json));
        MapperRegistry::embedded(&files)
    }

    /// Every content item of the pack: the profile mappers, then the fetch content.
    pub fn content_items(&self) -> Vec<ContentItem> {
        let mut items: Vec<ContentItem> = self.profile_mappers.items().into();
        items.extend(self.fetch.iter().flat_map(FetchContent::items));
        items
    }

    /// Every command, in manifest order.
    pub fn commands(&self) -> impl Iterator<Item = &'static CommandSpec> {
        self.families.iter().flat_map(|family| family.iter())
    }
}

/// A vendor: implemented by a unit struct in the vendor's module, registered in
/// [`crate::vendors::registry`].
pub trait Vendor: Sync {
    /// The name `--vendor` takes (`okta`).
    fn name(&self) -> &'static str;

    /// Names, params, commands, mappers and pack content.
    fn package(&self) -> VendorPackage;

    /// What one daemon keeps of this vendor for its lifetime.
    fn start(&self) -> Box<dyn VendorService>;

    /// The brand and instance name of a calling context that names none.
    fn context_defaults(&self) -> ContextDefaults {
        let package = self.package();
        ContextDefaults {
            brand: package.integration_id,
            instance: package.default_instance,
        }
    }

    /// The command of that name, if the vendor serves it.
    fn find(&self, command: &str) -> Option<&'static CommandSpec> {
        self.package().commands().find(|spec| spec.name == command)
    }
}

/// One daemon's access to a vendor (its client caches live here).
pub trait VendorService: Send + Sync {
    /// The vendor behind the IAM layer, built from this execution's params. A param that
    /// does not fit (a missing URL or token) is the error of the command that needs it.
    fn connector(
        &self,
        daemon: &Daemon,
        params: &Params,
    ) -> Result<Box<dyn Connector>, CommandError>;

    /// The vendor's `test-module` check: `ok`, or an error naming what to fix. It checks the
    /// mapper params with [`crate::commands::test_module::check_mapper_params`] (shared by
    /// every vendor), then its own params and a request that proves the credentials.
    fn test_module<'a>(&'a self, inv: Invocation<'a>) -> LocalBoxFuture<'a, CommandResult>;

    /// Runs before every command, after its params are merged: what the vendor keeps
    /// between executions is offered to this one (Okta: its OAuth token). The returned hook
    /// runs after a successful execution's state commit.
    fn before_command<'a>(
        &'a self,
        _daemon: &'a Daemon,
        _params: &'a Params,
        _state: &'a mut dyn StateStore,
    ) -> LocalBoxFuture<'a, Result<Option<Box<dyn AfterCommit>>, CommandError>> {
        Box::pin(async { Ok(None) })
    }

    /// For the vendor's own command families, which need their own client.
    fn as_any(&self) -> &dyn Any;
}

/// Work a vendor does after a successful execution's state commit.
pub trait AfterCommit {
    fn after_commit<'a>(&'a self, state: &'a mut dyn StateStore) -> LocalBoxFuture<'a, ()>;
}

/// The vendors one binary serves; [`crate::vendors::registry`] lists them.
#[derive(Clone, Default)]
pub struct Registry {
    vendors: Vec<&'static dyn Vendor>,
}

impl Registry {
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds a vendor; the first one registered is the default.
    pub fn register(mut self, vendor: &'static dyn Vendor) -> Self {
        self.vendors.push(vendor);
        self
    }

    /// The vendor `--vendor NAME` names.
    pub fn find(&self, name: &str) -> Option<&'static dyn Vendor> {
        self.vendors.iter().copied().find(|v| v.name() == name)
    }

    /// The vendor served when none is named (the first registered).
    pub fn default_vendor(&self) -> Option<&'static dyn Vendor> {
        self.vendors.first().copied()
    }

    /// Every registered vendor, in registration order.
    pub fn vendors(&self) -> impl Iterator<Item = &'static dyn Vendor> + '_ {
        self.vendors.iter().copied()
    }

    /// The names, in registration order.
    pub fn names(&self) -> Vec<&'static str> {
        self.vendors.iter().map(|v| v.name()).collect()
    }

    /// The vendor of that name, or the message a person sees for an unknown one.
    pub fn resolve(&self, name: &str) -> Result<&'static dyn Vendor, String> {
        self.find(name).ok_or_else(|| {
            format!(
                "Unknown vendor '{name}'. This binary serves: {}.",
                self.names().join(", ")
            )
        })
    }
}
