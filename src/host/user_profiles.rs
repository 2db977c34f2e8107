//! The `User Profile` indicators `fetch-incidents` enriches System Log events with, as the
//! Python integration does: each event whose first `User` target (its `alternateId`) matches
//! a User Profile by email gets that profile's fields merged into its top level and the
//! profile under `UserProfile`; an event for a user XSOAR does not know is dropped (logged);
//! an event without a `User` target is kept with `UserProfile: {}`.
//!
//! Where the profiles come from:
//! - engine mode: `searchIndicators` (`{"query":"type:\"User Profile\"","size":2000,"page":P}`,
//!   reply `{"iocs":[...],"total":N}`), page by page; a server that answers with the error
//!   marker (it has no `searchIndicators`) means no enrichment and no drop, with a warning;
//! - local mode: the JSON file of `--user-profiles FILE` (a list of indicators as
//!   `searchIndicators` returns them, or of bare profiles with an `email`), read at each fetch;
//!   without the flag, events are not enriched, and a warning says so once.
//!
//! Emails match without regard to case (*chosen*: the Python integration compares exactly).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Once;

use serde_json::{json, Map, Value};
use tracing::{info, warn};

use crate::commands::{CommandError, Daemon};
use crate::okta::commands::fetch;
use crate::state::{StateError, StateStore};

/// The indicator query, as the Python integration sends it.
pub const QUERY: &str = "type:\"User Profile\"";
/// Indicators per `searchIndicators` page.
pub const PAGE_SIZE: u64 = 2000;
/// At most this many pages are read in one fetch (a server whose `total` never ends).
pub const MAX_PAGES: u64 = 500;

/// User Profiles by lowercased email.
#[derive(Debug, Clone, Default)]
pub struct UserProfiles {
    by_email: HashMap<String, Map<String, Value>>,
}

impl UserProfiles {
    /// From indicators (`CustomFields` holds the profile) or bare profiles.
    pub fn from_indicators(items: &[Value]) -> UserProfiles {
        let mut by_email = HashMap::new();
        for item in items {
            let fields = match item.get("CustomFields") {
                Some(Value::Object(fields)) => fields,
                _ => match item {
                    Value::Object(fields) => fields,
                    _ => continue,
                },
            };
            if let Some(email) = fields.get("email").and_then(Value::as_str) {
                by_email
                    .entry(email.trim().to_lowercase())
                    .or_insert_with(|| fields.clone());
            }
        }
        UserProfiles { by_email }
    }

    pub fn len(&self) -> usize {
        self.by_email.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_email.is_empty()
    }

    fn get(&self, email: &str) -> Option<&Map<String, Value>> {
        self.by_email.get(&email.trim().to_lowercase())
    }

    /// Reads `--user-profiles FILE`.
    pub fn from_file(path: &Path) -> Result<UserProfiles, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("Cannot read the User Profiles file {}: {e}", path.display()))?;
        match serde_json::from_str::<Value>(&text) {
            // A list of indicators, or a search reply holding one under `iocs`.
            Ok(value) => match value
                .as_array()
                .or_else(|| value.get("iocs").and_then(Value::as_array))
            {
                Some(items) => Ok(UserProfiles::from_indicators(items)),
                None => Err(format!(
                    "The User Profiles file {} must hold a JSON list of User Profile indicators.",
                    path.display()
                )),
            },
            Err(e) => Err(format!(
                "The User Profiles file {} is not valid JSON: {e}",
                path.display()
            )),
        }
    }

    /// Every User Profile indicator the server has, page by page.
    pub async fn search(host: &mut dyn StateStore) -> Result<UserProfiles, StateError> {
        let mut items = Vec::new();
        for page in 0..MAX_PAGES {
            let args = json!({"query": QUERY, "size": PAGE_SIZE, "page": page});
            let reply = host.execute_command("searchIndicators", args).await?;
            let iocs = reply
                .get("iocs")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = reply.get("total").and_then(Value::as_u64);
            let got = iocs.len();
            items.extend(iocs);
            if got == 0 || total.is_some_and(|t| items.len() as u64 >= t) {
                break;
            }
        }
        Ok(UserProfiles::from_indicators(&items))
    }
}

/// The user an event is about: the `alternateId` of its first `User` target.
pub fn event_username(event: &Value) -> Option<&str> {
    event
        .get("target")?
        .as_array()?
        .iter()
        .find(|t| t.get("type").and_then(Value::as_str) == Some("User"))?
        .get("alternateId")?
        .as_str()
}

/// Enriches one event in place; `false` when it is to be dropped.
pub fn enrich_event(event: &mut Value, profiles: &UserProfiles) -> bool {
    let profile = match event_username(event) {
        Some(username) => match profiles.get(username) {
            Some(profile) => profile.clone(),
            None => {
                info!("Dropping incident for user with username {username} - User Profile does not exist in XSOAR.");
                return false;
            }
        },
        None => Map::new(),
    };
    if let Value::Object(object) = event {
        for (key, value) in &profile {
            object.insert(key.clone(), value.clone());
        }
        object.insert("UserProfile".into(), Value::Object(profile));
    }
    true
}

/// The events behind fetched incidents, enriched; incidents of dropped events left out.
/// Incidents whose event already carries `UserProfile` (a backlog the Python integration
/// stored) are kept as they are.
pub fn enrich_incidents(incidents: Vec<Value>, profiles: &UserProfiles) -> Vec<Value> {
    let mut kept = Vec::with_capacity(incidents.len());
    for incident in incidents {
        let Some(mut event) = incident_event(&incident) else {
            kept.push(incident);
            continue;
        };
        if event.get("UserProfile").is_some() {
            kept.push(incident);
            continue;
        }
        if enrich_event(&mut event, profiles) {
            kept.push(fetch::incident(&event));
        }
    }
    kept
}

fn incident_event(incident: &Value) -> Option<Value> {
    let raw = incident.get("rawJSON")?.as_str()?;
    serde_json::from_str::<Value>(raw)
        .ok()
        .filter(Value::is_object)
}

static NO_PROFILES_SAID: Once = Once::new();

/// `fetch-incidents`' enrichment step: the profiles from the server (engine mode) or the
/// `--user-profiles` file (local mode), then [`enrich_incidents`].
pub async fn enrich_fetched(
    incidents: Vec<Value>,
    daemon: &Daemon,
    state: &mut dyn StateStore,
) -> Result<Vec<Value>, CommandError> {
    let about_users = incidents
        .iter()
        .filter_map(incident_event)
        .any(|e| e.get("UserProfile").is_none() && event_username(&e).is_some());
    if !about_users {
        return Ok(incidents);
    }
    let profiles = match state.has_host() {
        true => match UserProfiles::search(state).await {
            Ok(profiles) => profiles,
            Err(StateError::Host { message, .. }) => {
                warn!("the XSOAR server cannot search User Profile indicators ({message}); events are not enriched and none is dropped");
                return Ok(incidents);
            }
            Err(error) => return Err(CommandError::from(error)),
        },
        false => match &daemon.user_profiles {
            Some(path) => UserProfiles::from_file(path).map_err(CommandError::param)?,
            None => {
                NO_PROFILES_SAID.call_once(|| {
                    warn!("local mode without --user-profiles FILE: fetched events are not enriched with User Profiles, and none is dropped");
                });
                return Ok(incidents);
            }
        },
    };
    let before = incidents.len();
    let kept = enrich_incidents(incidents, &profiles);
    info!(
        profiles = profiles.len(),
        kept = kept.len(),
        dropped = before - kept.len(),
        "fetched events enriched with User Profiles"
    );
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(uuid: &str, user: Option<&str>) -> Value {
        let mut targets =
            vec![json!({"type": "AppInstance", "id": "0oa1", "alternateId": "Salesforce"})];
        if let Some(user) = user {
            targets.push(json!({"type": "User", "id": "00u1", "alternateId": user}));
        }
        json!({"uuid": uuid, "published": "2025-05-20T16:00:00.000Z", "eventType": "application.user_membership.add", "target": targets})
    }

    #[test]
    fn known_users_are_enriched_unknown_ones_dropped() {
        let profiles = UserProfiles::from_indicators(&[
            json!({"indicator_type": "User Profile", "value": "dana@example.com", "CustomFields": {"email": "Dana@Example.com", "displayname": "Dana Lee", "employeeid": "E1"}}),
            json!({"email": "robin@example.com", "username": "robin"}),
        ]);
        assert_eq!(profiles.len(), 2);
        let incidents = vec![
            fetch::incident(&event("u1", Some("dana@example.com"))),
            fetch::incident(&event("u2", Some("stranger@example.com"))),
            fetch::incident(&event("u3", None)),
            fetch::incident(&event("u4", Some("ROBIN@example.com"))),
        ];
        let kept = enrich_incidents(incidents, &profiles);
        let events: Vec<Value> = kept
            .iter()
            .map(|i| serde_json::from_str(i["rawJSON"].as_str().unwrap()).unwrap())
            .collect();
        let uuids: Vec<&str> = events.iter().map(|e| e["uuid"].as_str().unwrap()).collect();
        assert_eq!(uuids, ["u1", "u3", "u4"]);
        assert_eq!(events[0]["displayname"], "Dana Lee");
        assert_eq!(events[0]["UserProfile"]["employeeid"], "E1");
        assert_eq!(events[1]["UserProfile"], json!({}));
        assert_eq!(events[2]["username"], "robin");
        assert_eq!(kept[0]["dbotMirrorId"], "u1");
    }

    #[test]
    fn a_stored_backlog_already_enriched_is_kept_as_it_is() {
        let stored = json!({"rawJSON": json!({"uuid": "old", "UserProfile": {}, "target": [{"type": "User", "alternateId": "x@example.com"}]}).to_string()});
        let kept = enrich_incidents(vec![stored.clone()], &UserProfiles::default());
        assert_eq!(kept, vec![stored]);
    }

    #[test]
    fn a_file_holds_a_list_or_a_search_reply_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let read = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            UserProfiles::from_file(&path).map(|profiles| profiles.len())
        };
        let one = r#"{"email": "dana@example.com"}"#;
        assert_eq!(read("list.json", &format!("[{one}]")), Ok(1));
        assert_eq!(
            read("reply.json", &format!(r#"{{"iocs": [{one}], "total": 1}}"#)),
            Ok(1)
        );
        for (name, text) in [
            ("object.json", one),
            ("iocs-object.json", r#"{"iocs": {}}"#),
            ("number.json", "7"),
        ] {
            let error = read(name, text).unwrap_err();
            assert!(
                error.ends_with("must hold a JSON list of User Profile indicators."),
                "{name}: {error}"
            );
        }
        assert!(read("broken.json", "[")
            .unwrap_err()
            .contains("is not valid JSON"));
    }
}
