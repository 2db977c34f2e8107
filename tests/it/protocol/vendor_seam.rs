//! A vendor is one module plus one registration line: a vendor written here, in the tests
//! (a scripted in-memory connector, its own brand, params and mappers), registered through
//! the same `Registry::register` call the binary's vendors use, serves the IAM user commands
//! through the real dispatcher and the real protocol loop. Nothing of Okta is involved.

use std::any::Any;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{json, Map, Value};

use okta_iam::catalogue::CommandSpec;
use okta_iam::commands::{self, CommandResult, Daemon, Invocation};
use okta_iam::iam::{
    Connector, ConnectorError, ConnectorResult, ErrorKind, GroupLookup, GroupMember, GroupSearch,
    LifecycleState, VendorGroup, VendorUser,
};
use okta_iam::output::Entry;
use okta_iam::params::Params;
use okta_iam::protocol::{serve, ServeConfig, StateMode};
use okta_iam::state::LocalBoxFuture;
use okta_iam::vendor::{
    ContentItem, DefaultMappers, Registry, Vendor, VendorPackage, VendorService,
};

// ---- the vendor module: everything a new vendor writes ----------------------------------

const INCOMING: &str = r#"{
  "id": "User Profile - Scripted (Incoming)", "name": "User Profile - Scripted (Incoming)",
  "description": "", "type": "mapping-incoming", "version": -1, "fromVersion": "6.0.0",
  "defaultIncidentType": "", "feed": false,
  "mapping": {"User Profile": {"dontMapEventToLabels": false, "internalMapping": {
    "Email": {"simple": "mail", "complex": null},
    "Display Name": {"simple": "name", "complex": null}
  }}}
}"#;

const OUTGOING: &str = r#"{
  "id": "User Profile - Scripted (Outgoing)", "name": "User Profile - Scripted (Outgoing)",
  "description": "", "type": "mapping-outgoing", "version": -1, "fromVersion": "6.0.0",
  "defaultIncidentType": "", "feed": false,
  "mapping": {
    "User Profile - Create": {"dontMapEventToLabels": true, "internalMapping": {
      "mail": {"simple": "email", "complex": null},
      "name": {"simple": "displayname", "complex": null}
    }},
    "User Profile - Update": {"dontMapEventToLabels": true, "internalMapping": {
      "mail": {"simple": "email", "complex": null},
      "name": {"simple": "displayname", "complex": null}
    }}
  }
}"#;

/// The shared IAM command families, as any IAM vendor serves them.
const FAMILIES: &[&[CommandSpec]] = &[
    commands::test_module::COMMANDS,
    commands::users::COMMANDS,
    commands::groups::COMMANDS,
];

struct Scripted;

static SCRIPTED: Scripted = Scripted;

impl Vendor for Scripted {
    fn name(&self) -> &'static str {
        "scripted"
    }

    fn package(&self) -> VendorPackage {
        VendorPackage {
            vendor: "scripted",
            integration_id: "Scripted IAM",
            default_instance: "Scripted IAM_instance_1",
            description: "An in-memory vendor for tests.",
            category: "Authentication & Identity Management",
            pack_name: "ScriptedIAM",
            pack_description: "",
            file_stem: "ScriptedIAM",
            params: &[],
            families: FAMILIES,
            listed_internal: &[],
            profile_mappers: DefaultMappers {
                incoming: ContentItem {
                    id: "User Profile - Scripted (Incoming)",
                    file_name: "incoming.json",
                    json: INCOMING,
                },
                outgoing: ContentItem {
                    id: "User Profile - Scripted (Outgoing)",
                    file_name: "outgoing.json",
                    json: OUTGOING,
                },
            },
            fetch: None,
            remote_sync_out: false,
            demo: None,
            readme: "",
            keywords: &[],
        }
    }

    fn start(&self) -> Box<dyn VendorService> {
        Box::new(ScriptedService::default())
    }
}

/// The vendor's "server": its users and every call made to it.
#[derive(Default)]
struct Directory {
    users: Vec<VendorUser>,
    calls: Vec<String>,
    next_id: u32,
}

#[derive(Default)]
struct ScriptedService {
    directory: Arc<Mutex<Directory>>,
}

impl VendorService for ScriptedService {
    fn connector(
        &self,
        _daemon: &Daemon,
        _params: &Params,
    ) -> Result<Box<dyn Connector>, commands::CommandError> {
        Ok(Box::new(ScriptedConnector {
            directory: self.directory.clone(),
        }))
    }

    fn test_module<'a>(&'a self, inv: Invocation<'a>) -> LocalBoxFuture<'a, CommandResult> {
        Box::pin(async move {
            inv.connector()?
                .find_user("mail", "probe@example.invalid")
                .await?;
            Ok(vec![Entry::text("ok")])
        })
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

struct ScriptedConnector {
    directory: Arc<Mutex<Directory>>,
}

impl ScriptedConnector {
    fn with<T>(&self, f: impl FnOnce(&mut Directory) -> T) -> T {
        f(&mut self
            .directory
            .lock()
            .unwrap_or_else(PoisonError::into_inner))
    }

    /// Applies `change` to the stored user `id` and returns it as it is after.
    fn change(
        &self,
        id: &str,
        call: String,
        change: impl FnOnce(&mut VendorUser),
    ) -> ConnectorResult<VendorUser> {
        self.with(|directory| {
            directory.calls.push(call);
            let user = directory
                .users
                .iter_mut()
                .find(|user| user.id == id)
                .ok_or(ConnectorError {
                    kind: ErrorKind::NotFound,
                    code: json!(404),
                    message: "no such user".into(),
                    created: None,
                })?;
            change(user);
            user.raw["state"] = json!(format!("{:?}", user.state));
            Ok(user.clone())
        })
    }
}

fn scripted_user(id: String, profile: Map<String, Value>) -> VendorUser {
    let mail = profile
        .get("mail")
        .and_then(Value::as_str)
        .map(str::to_string);
    VendorUser {
        raw: json!({"id": id, "state": "Active", "profile": profile}),
        id,
        username: mail.clone(),
        email: mail,
        state: LifecycleState::Active,
        vendor_status: "on".into(),
    }
}

impl Connector for ScriptedConnector {
    fn lookup_attributes(&self) -> &'static [&'static str] {
        &["id", "mail"]
    }

    fn find_user<'a>(
        &'a self,
        attribute: &'a str,
        value: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<VendorUser>>> {
        Box::pin(async move {
            self.with(|directory| {
                directory.calls.push(format!("find {attribute}={value}"));
                Ok(directory
                    .users
                    .iter()
                    .filter(|user| match attribute {
                        "id" => user.id == value,
                        _ => user.email.as_deref() == Some(value),
                    })
                    .cloned()
                    .collect())
            })
        })
    }

    fn create_user(
        &self,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'_, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            self.with(|directory| {
                directory.next_id += 1;
                let user = scripted_user(format!("s-{}", directory.next_id), profile);
                directory.calls.push(format!("create {}", user.id));
                directory.users.push(user.clone());
                Ok(user)
            })
        })
    }

    fn update_user<'a>(
        &'a self,
        user: &'a VendorUser,
        profile: Map<String, Value>,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            self.change(&user.id, format!("update {}", user.id), |stored| {
                for (key, value) in profile {
                    stored.raw["profile"][key.as_str()] = value;
                }
            })
        })
    }

    fn enable_user<'a>(
        &'a self,
        user: &'a VendorUser,
    ) -> LocalBoxFuture<'a, ConnectorResult<Option<VendorUser>>> {
        Box::pin(async move {
            if user.state.is_enabled() {
                return Ok(None);
            }
            self.change(&user.id, format!("enable {}", user.id), |stored| {
                stored.state = LifecycleState::Active;
            })
            .map(Some)
        })
    }

    fn disable_user<'a>(
        &'a self,
        user: &'a VendorUser,
    ) -> LocalBoxFuture<'a, ConnectorResult<VendorUser>> {
        Box::pin(async move {
            self.change(&user.id, format!("disable {}", user.id), |stored| {
                stored.state = LifecycleState::Deprovisioned;
            })
        })
    }

    fn incoming_source(&self, user: &VendorUser) -> Value {
        user.raw["profile"].clone()
    }

    fn schema_fields(&self) -> LocalBoxFuture<'_, ConnectorResult<Vec<(String, String)>>> {
        Box::pin(async {
            Ok(vec![
                ("mail".into(), "Mail".into()),
                ("name".into(), "Name".into()),
            ])
        })
    }

    fn find_group<'a>(
        &'a self,
        lookup: &'a GroupLookup,
    ) -> LocalBoxFuture<'a, ConnectorResult<GroupSearch>> {
        Box::pin(async move {
            Ok(match lookup {
                GroupLookup::Id(id) if id == "g-1" => GroupSearch::Found(VendorGroup {
                    key: id.clone(),
                    id: json!(id),
                    display_name: json!("Finance"),
                }),
                _ => GroupSearch::NotFound {
                    id: None,
                    details: json!([]),
                },
            })
        })
    }

    fn group_members<'a>(
        &'a self,
        _group_id: &'a str,
    ) -> LocalBoxFuture<'a, ConnectorResult<Vec<GroupMember>>> {
        Box::pin(async move {
            self.with(|directory| {
                Ok(directory
                    .users
                    .iter()
                    .filter(|user| user.state != LifecycleState::Deprovisioned)
                    .map(|user| GroupMember {
                        value: json!(user.id),
                        display: json!(user.email),
                    })
                    .collect())
            })
        })
    }

    fn vendor_label(&self) -> &'static str {
        "Scripted"
    }
}

// ---- the test ---------------------------------------------------------------------------

fn line(command: &str, args: Value) -> String {
    json!({"command": command, "args": args}).to_string()
}

fn profile(value: Value) -> Value {
    json!({"user-profile": value.to_string()})
}

/// Runs `lines` through the protocol loop of a daemon serving `vendor`; the result entries
/// of each execution, and the vendor's call log.
async fn serve_lines(vendor: &'static dyn Vendor, lines: &[String]) -> (Vec<Value>, Vec<String>) {
    // The vendor's default mappers, as the CLI loads them.
    let daemon = Daemon::with_vendor(vendor, Map::new(), vendor.package().mappers());
    let state = tempfile::tempdir().unwrap();
    let config = ServeConfig::new(StateMode::Local(state.path().join("state.json")));
    let input = lines.join("\n") + "\n";
    let mut output = Vec::new();
    serve(input.as_bytes(), &mut output, &daemon, &config)
        .await
        .unwrap();
    let results = String::from_utf8(output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|m| m["type"] == "result")
        .map(|m| m["results"][0].clone())
        .collect();
    let service = daemon
        .service()
        .as_any()
        .downcast_ref::<ScriptedService>()
        .unwrap();
    let calls = service.directory.lock().unwrap().calls.clone();
    (results, calls)
}

#[tokio::test]
async fn a_vendor_registered_in_the_tests_serves_the_iam_user_commands() {
    let registry = Registry::new().register(&SCRIPTED);
    assert_eq!(registry.names(), ["scripted"]);
    // The binary's registry with the test vendor added the same way.
    let registry = okta_iam::vendors::registry().register(&SCRIPTED);
    assert_eq!(registry.names(), ["okta", "scim", "scripted"]);
    let vendor = registry.find("scripted").unwrap();

    let dana = json!({"email": "dana@example.com", "displayname": "Dana Lee"});
    let lines = [
        line("test-module", json!({})),
        line("iam-create-user", profile(dana.clone())),
        line(
            "iam-get-user",
            profile(json!({"email": "dana@example.com"})),
        ),
        line(
            "iam-update-user",
            profile(json!({"email": "dana@example.com", "displayname": "Dana Smith"})),
        ),
        line(
            "iam-disable-user",
            profile(json!({"email": "dana@example.com"})),
        ),
        line(
            "iam-disable-user",
            profile(json!({"email": "dana@example.com"})),
        ),
        line(
            "iam-enable-user",
            profile(json!({"email": "dana@example.com"})),
        ),
        line("iam-get-group", json!({"scim": "{\"id\": \"g-1\"}"})),
        line("okta-iam-list-applications", json!({})),
    ];
    let (results, calls) = serve_lines(vendor, &lines).await;
    assert_eq!(results.len(), lines.len(), "{results:#?}");

    assert_eq!(results[0]["Contents"], "ok");

    let created = &results[1]["Contents"];
    // The brand and instance a context without them gets are the vendor's.
    assert_eq!(created["brand"], "Scripted IAM");
    assert_eq!(created["instanceName"], "Scripted IAM_instance_1");
    assert_eq!(created["action"], "create");
    assert_eq!(created["success"], true);
    assert_eq!(created["active"], true);
    assert_eq!(created["id"], "s-1");
    assert_eq!(created["email"], "dana@example.com");
    assert_eq!(created["details"]["profile"]["name"], "Dana Lee");
    assert!(results[1]["HumanReadable"]
        .as_str()
        .unwrap()
        .starts_with("### Create User Results (Scripted IAM)"));

    let got = &results[2];
    assert_eq!(got["Contents"]["action"], "get");
    assert_eq!(got["Contents"]["id"], "s-1");
    // The incoming mapper of the vendor made the user profile.
    let user_profile = &got["EntryContext"]["IAM.UserProfile(val.email && val.email == obj.email)"];
    assert_eq!(user_profile["Display Name"], "Dana Lee");
    assert_eq!(user_profile["Email"], "dana@example.com");

    assert_eq!(results[3]["Contents"]["action"], "update");
    assert_eq!(
        results[3]["Contents"]["details"]["profile"]["name"],
        "Dana Smith"
    );

    assert_eq!(results[4]["Contents"]["action"], "disable");
    assert_eq!(results[4]["Contents"]["active"], false);
    // Deprovisioned in the vendor's lifecycle state: the second disable is a skip, no call.
    assert_eq!(results[5]["Contents"]["skipped"], true);
    assert_eq!(
        results[5]["Contents"]["reason"],
        "User is already disabled."
    );

    assert_eq!(results[6]["Contents"]["action"], "enable");
    assert_eq!(results[6]["Contents"]["active"], true);

    let group = &results[7]["Contents"];
    assert_eq!(group["displayName"], "Finance");
    assert_eq!(
        group["members"],
        json!([{"value": "s-1", "display": "dana@example.com"}])
    );
    assert!(results[7]["HumanReadable"]
        .as_str()
        .unwrap()
        .starts_with("### Scripted Get Group:"));

    // Okta's own commands are not this vendor's: the error names the integration serving it.
    assert_eq!(results[8]["Type"], 4);
    assert!(results[8]["Contents"]
        .as_str()
        .unwrap()
        .starts_with("okta-iam-list-applications is a command of the Okta IAM integration, not of Scripted IAM. Run `okta-iam commands --vendor scripted`"));

    assert_eq!(
        calls,
        [
            "find mail=probe@example.invalid",
            "find mail=dana@example.com",
            "create s-1",
            "find mail=dana@example.com",
            "find mail=dana@example.com",
            "update s-1",
            "find mail=dana@example.com",
            "disable s-1",
            "find mail=dana@example.com",
            "find mail=dana@example.com",
            "enable s-1",
        ]
    );
}
