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
