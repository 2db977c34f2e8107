//! How the IAM layer applies a mapper: [`ProfileMapping`] maps a source object with a named
//! mapper. [`BuiltinMapping`] uses the built-in mapper engine; in engine mode the server maps
//! first (`crate::host::map_object`), so mappers a user customised in XSOAR apply.

use serde_json::{Map, Value};

use crate::mapper::Mapper;
use crate::state::LocalBoxFuture;

/// A mapper by name, with the built-in (or `--mappers`) mapper of that name when there is one.
#[derive(Debug, Clone, Copy)]
pub struct MapperRef<'a> {
    pub name: &'a str,
    pub builtin: Option<&'a Mapper>,
}

impl<'a> MapperRef<'a> {
    pub fn builtin(mapper: &'a Mapper) -> Self {
        MapperRef {
            name: mapper.name(),
            builtin: Some(mapper),
        }
    }

    /// Maps with the built-in engine; an error names the mapper when it is not built in.
    pub fn map_builtin(
        &self,
        source: &Value,
        type_name: &str,
    ) -> Result<Map<String, Value>, String> {
        match self.builtin {
            Some(mapper) => mapper.map(source, type_name).map_err(|e| e.to_string()),
            None => Err(format!(
                "the mapper \"{}\" is neither built in nor loaded with --mappers",
                self.name
            )),
        }
    }
}

/// Applies mappers to profiles and users.
pub trait ProfileMapping {
    /// `source` mapped with `mapper` for `type_name`; the error text says what went wrong.
    fn map<'a>(
        &'a self,
        source: &'a Value,
        mapper: MapperRef<'a>,
        type_name: &'a str,
    ) -> LocalBoxFuture<'a, Result<Map<String, Value>, String>>;
}

/// The built-in mapper engine only.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinMapping;

impl ProfileMapping for BuiltinMapping {
    fn map<'a>(
        &'a self,
        source: &'a Value,
        mapper: MapperRef<'a>,
        type_name: &'a str,
    ) -> LocalBoxFuture<'a, Result<Map<String, Value>, String>> {
        Box::pin(async move { mapper.map_builtin(source, type_name) })
    }
}
