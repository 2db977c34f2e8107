//! XSOAR mapper engine. TEMPORARY placeholder until the mapper branch lands.
#[derive(Debug, Default)]
pub struct MapperRegistry;
impl MapperRegistry {
    pub fn builtin() -> Self {
        MapperRegistry
    }
}
