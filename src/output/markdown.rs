//! Port of XSOAR's `tableToMarkdown` (CommonServerPython). TEMPORARY placeholder until the
//! markdown branch lands.
use serde_json::Value;
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MarkdownError {
    #[error("Missing headers param for tableToMarkdown. Example: headers=['Some Header']")]
    MissingHeaders,
}
pub fn table(_name: &str, _table: &Value) -> Result<String, MarkdownError> {
    Ok(String::new())
}
#[derive(Debug, Clone, Default)]
pub struct TableOptions {
    pub headers: Option<Vec<String>>,
    pub remove_null: bool,
    pub metadata: Option<String>,
    pub sort_headers: bool,
    pub header_transform: Option<HeaderTransform>,
    pub url_keys: Vec<String>,
    pub auto_json_transform: bool,
}
impl TableOptions {
    pub fn new() -> Self {
        TableOptions {
            sort_headers: true,
            ..Default::default()
        }
    }
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderTransform {
    PascalToSpace,
    StringToTableHeader,
    UnderscoreToCamelCase,
}
pub fn table_to_markdown(
    _name: &str,
    _table: &Value,
    _options: &TableOptions,
) -> Result<String, MarkdownError> {
    Ok(String::new())
}
