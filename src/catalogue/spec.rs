//! The shape of a command: its arguments, its context outputs, its handler, and the checking
//! of the arguments a call gives against them.

use serde_json::{Map, Value};

use crate::commands::Handler;

/// One argument of a command.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub required: bool,
    pub default: Option<&'static str>,
    /// When not empty, the only values accepted (XSOAR `auto: PREDEFINED`).
    pub predefined: &'static [&'static str],
    pub is_array: bool,
}

impl ArgSpec {
    pub const fn required(name: &'static str, description: &'static str) -> Self {
        ArgSpec {
            name,
            description,
            required: true,
            default: None,
            predefined: &[],
            is_array: false,
        }
    }

    pub const fn optional(name: &'static str, description: &'static str) -> Self {
        ArgSpec {
            required: false,
            ..ArgSpec::required(name, description)
        }
    }

    pub const fn default_value(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }

    pub const fn predefined(mut self, values: &'static [&'static str]) -> Self {
        self.predefined = values;
        self
    }
}

/// One context output of a command.
#[derive(Debug, Clone, Copy)]
pub struct OutputSpec {
    pub path: &'static str,
    /// XSOAR output type: `String`, `Number`, `Boolean`, `Date`, `Unknown`.
    pub kind: &'static str,
    pub description: &'static str,
}

impl OutputSpec {
    pub const fn new(path: &'static str, kind: &'static str, description: &'static str) -> Self {
        OutputSpec {
            path,
            kind,
            description,
        }
    }
}

/// One command: what it takes, what it writes, who handles it.
pub struct CommandSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub args: &'static [ArgSpec],
    pub outputs: &'static [OutputSpec],
    /// Potentially harmful (XSOAR asks before running it from the war room).
    pub execution: bool,
    /// Internal commands (test-module, fetch-incidents, get-mapping-fields) are called by
    /// XSOAR itself; the manifest lists only those its package names (`get-mapping-fields`).
    pub internal: bool,
    pub handler: Handler,
}

impl std::fmt::Debug for CommandSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommandSpec")
            .field("name", &self.name)
            .finish()
    }
}

/// A usage error in a command's arguments. The text goes into an error entry.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ArgError {
    #[error("Missing required argument: {0}.")]
    Missing(&'static str),
    #[error("Invalid value {value} for argument {name}. Allowed values: {allowed}.")]
    NotPredefined {
        name: &'static str,
        value: String,
        allowed: String,
    },
}

/// Arguments after checking: defaults applied, values as given (strings or JSON).
#[derive(Debug, Clone, Default)]
pub struct Args {
    values: Map<String, Value>,
}

impl Args {
    pub fn from_map(values: Map<String, Value>) -> Self {
        Args { values }
    }

    pub fn raw(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|v| !is_blank(v))
    }

    /// [`Args::raw`], moved out (a blank value is left where it is).
    pub fn take(&mut self, name: &str) -> Option<Value> {
        self.raw(name)?;
        self.values.shift_remove(name)
    }

    /// A non-blank value as text: strings as they are, other JSON as its compact text.
    pub fn string(&self, name: &str) -> Option<String> {
        self.raw(name).map(value_text)
    }
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// Text of an argument value: strings unquoted, anything else as compact JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl CommandSpec {
    /// Applies defaults, then checks required and predefined arguments. Arguments the spec
    /// does not name are kept (XSOAR adds its own, such as `using`) and ignored by handlers.
    pub fn validate(&self, given: Map<String, Value>) -> Result<Args, ArgError> {
        let mut values = given;
        for arg in self.args {
            let present = values.get(arg.name).is_some_and(|v| !is_blank(v));
            if !present {
                match arg.default {
                    Some(default) => {
                        values.insert(arg.name.to_string(), Value::String(default.to_string()));
                    }
                    None if arg.required => return Err(ArgError::Missing(arg.name)),
                    None => continue,
                }
            }
            if !arg.predefined.is_empty() {
                if let Some(value) = values.get(arg.name) {
                    let text = value_text(value);
                    if !arg.predefined.iter().any(|p| p.eq_ignore_ascii_case(&text)) {
                        return Err(ArgError::NotPredefined {
                            name: arg.name,
                            value: value.to_string(),
                            allowed: arg.predefined.join(", "),
                        });
                    }
                }
            }
        }
        Ok(Args { values })
    }
}
