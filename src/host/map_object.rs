//! `mapObject`: the server maps with the mapper of that name, as XSOAR does for the Python
//! integration, so a mapper customised in XSOAR applies. When the server answers with the
//! error marker (the relay's server has no `mapObject`, or the server failed), the built-in
//! mapper engine maps, and the rest of the execution does not ask again. An info line on
//! stderr says which one mapped.
//!
//! Request: `{"type":"executeCommand","command":"mapObject","args":{"source":OBJ,"mapper":NAME,"mapperType":TYPE}}`;
//! reply: the mapped object.

use std::cell::Cell;

use serde_json::{Map, Value};
use tracing::{info, warn};

use crate::iam::{MapperRef, ProfileMapping};
use crate::state::{LocalBoxFuture, StateError, StateStore};

/// Maps on the server first, with the built-in engine as the fallback.
pub struct HostMapping<'a> {
    host: tokio::sync::Mutex<&'a mut dyn StateStore>,
    /// Set once the server could not map: the rest of the execution maps locally.
    server_declined: Cell<bool>,
}

impl<'a> HostMapping<'a> {
    pub fn new(host: &'a mut dyn StateStore) -> Self {
        HostMapping {
            host: tokio::sync::Mutex::new(host),
            server_declined: Cell::new(false),
        }
    }

    async fn ask_server(
        &self,
        source: &Value,
        mapper: &str,
        type_name: &str,
    ) -> Option<Map<String, Value>> {
        if self.server_declined.get() {
            return None;
        }
        // Built by hand: `json!` would copy `source` by serialising it into a new value.
        let mut args = Map::with_capacity(3);
        args.insert("source".to_string(), source.clone());
        args.insert("mapper".to_string(), Value::String(mapper.to_string()));
        args.insert(
            "mapperType".to_string(),
            Value::String(type_name.to_string()),
        );
        let args = Value::Object(args);
        let reply = {
            let mut host = self.host.lock().await;
            host.execute_command("mapObject", args).await
        };
        match reply {
            Ok(Value::Object(mapped)) => {
                info!(mapper, type_name, "mapped by the XSOAR server (mapObject)");
                // Empty fields are left out, as the built-in engine does: Okta bodies never
                // carry nulls.
                return Some(mapped.into_iter().filter(|(_, v)| !v.is_null()).collect());
            }
            Ok(other) => warn!(
                mapper,
                "the XSOAR server's mapObject reply is not an object ({}); the built-in mapper engine maps",
                crate::protocol::message::json_kind(&other)
            ),
            Err(StateError::NoHost { .. }) => {}
            Err(StateError::Host { message, .. }) => info!(
                mapper,
                "the XSOAR server did not map ({message}); the built-in mapper engine maps"
            ),
            Err(error) => {
                warn!(mapper, "mapObject failed ({error}); the built-in mapper engine maps")
            }
        }
        self.server_declined.set(true);
        None
    }
}

impl ProfileMapping for HostMapping<'_> {
    fn map<'a>(
        &'a self,
        source: &'a Value,
        mapper: MapperRef<'a>,
        type_name: &'a str,
    ) -> LocalBoxFuture<'a, Result<Map<String, Value>, String>> {
        Box::pin(async move {
            if let Some(mapped) = self.ask_server(source, mapper.name, type_name).await {
                return Ok(mapped);
            }
            let mapped =
                mapper
                    .map_builtin(source, type_name)
                    .map_err(|e| match mapper.builtin {
                        Some(_) => e,
                        None => format!("{e}, and the XSOAR server could not map with it"),
                    })?;
            info!(
                mapper = mapper.name,
                type_name, "mapped by the built-in mapper engine"
            );
            Ok(mapped)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A server that answers each request from a list and records it.
    struct ScriptedHost {
        replies: Vec<Result<Value, StateError>>,
        requests: Vec<(String, Value)>,
    }

    impl StateStore for ScriptedHost {
        fn integration_context(
            &mut self,
        ) -> LocalBoxFuture<'_, Result<Map<String, Value>, StateError>> {
            Box::pin(async { Ok(Map::new()) })
        }
        fn set_integration_context(
            &mut self,
            _value: Map<String, Value>,
        ) -> LocalBoxFuture<'_, Result<(), StateError>> {
            Box::pin(async { Ok(()) })
        }
        fn last_run(&mut self) -> LocalBoxFuture<'_, Result<Value, StateError>> {
            Box::pin(async { Ok(json!({})) })
        }
        fn set_last_run(&mut self, _value: Value) {}
        fn commit(&mut self) -> LocalBoxFuture<'_, Result<(), StateError>> {
            Box::pin(async { Ok(()) })
        }
        fn has_host(&self) -> bool {
            true
        }
        fn execute_command<'a>(
            &'a mut self,
            command: &'a str,
            args: Value,
        ) -> LocalBoxFuture<'a, Result<Value, StateError>> {
            self.requests.push((command.to_string(), args));
            let reply = if self.replies.is_empty() {
                Err(StateError::HostGone {
                    request: command.into(),
                })
            } else {
                self.replies.remove(0)
            };
            Box::pin(async move { reply })
        }
    }

    fn host_error() -> StateError {
        StateError::Host {
            request: "mapObject".into(),
            message: "no such command".into(),
        }
    }

    #[tokio::test]
    async fn the_server_maps_first_and_the_builtin_engine_after_it_declines() {
        let registry = crate::okta::vendor::default_mappers();
        let incoming =
            MapperRef::builtin(registry.get(crate::okta::vendor::INCOMING_DEFAULT).unwrap());
        let mut host = ScriptedHost {
            replies: vec![
                Ok(json!({"email": "dana@example.com", "custom": "from the server", "gone": null})),
                Err(host_error()),
            ],
            requests: Vec::new(),
        };
        let source = json!({"email": "dana@example.com", "login": "dana", "firstName": "Dana"});
        {
            let mapping = HostMapping::new(&mut host);
            let first = mapping
                .map(&source, incoming, "User Profile")
                .await
                .unwrap();
            assert_eq!(first.get("custom"), Some(&json!("from the server")));
            assert!(!first.contains_key("gone"));
            let second = mapping
                .map(&source, incoming, "User Profile")
                .await
                .unwrap();
            assert_eq!(second.get("Username"), Some(&json!("dana")));
            // Declined once: the third mapping does not ask again.
            let third = mapping
                .map(&source, incoming, "User Profile")
                .await
                .unwrap();
            assert_eq!(third, second);
        }
        assert_eq!(host.requests.len(), 2);
        assert_eq!(
            host.requests[0],
            (
                "mapObject".to_string(),
                json!({"source": source, "mapper": "User Profile - Okta (Incoming)", "mapperType": "User Profile"})
            )
        );
    }

    #[tokio::test]
    async fn a_mapper_only_the_server_knows_fails_clearly_when_the_server_cannot_map() {
        let mut host = ScriptedHost {
            replies: vec![Err(host_error())],
            requests: Vec::new(),
        };
        let mapping = HostMapping::new(&mut host);
        let custom = MapperRef {
            name: "My Okta Mapper",
            builtin: None,
        };
        let error = mapping
            .map(&json!({}), custom, "User Profile")
            .await
            .unwrap_err();
        assert_eq!(
            error,
            "the mapper \"My Okta Mapper\" is neither built in nor loaded with --mappers, and the XSOAR server could not map with it"
        );
    }
}
