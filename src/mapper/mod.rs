//! XSOAR mapper engine. TEMPORARY placeholder until the mapper branch lands.
use serde_json::{Map, Value};
pub const INCOMING_DEFAULT: &str = "User Profile - Okta (Incoming)";
pub const OUTGOING_DEFAULT: &str = "User Profile - Okta (Outgoing)";
#[derive(Debug, thiserror::Error)]
pub enum MapperError {
    #[error("unknown mapper {0}")]
    Unknown(String),
}
#[derive(Debug, Default)]
pub struct MapperRegistry;
#[derive(Debug)]
pub struct Mapper;
impl MapperRegistry {
    pub fn builtin() -> Self {
        MapperRegistry
    }
    pub fn get(&self, _name: &str) -> Result<&Mapper, MapperError> {
        Ok(&Mapper)
    }
}
impl Mapper {
    pub fn map(&self, source: &Value, _type_name: &str) -> Result<Map<String, Value>, MapperError> {
        Ok(source.as_object().cloned().unwrap_or_default())
    }
}
