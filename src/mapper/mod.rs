//! The XSOAR mapper engine and the built-in mappers.
//!
//! A mapper is XSOAR's export JSON (`classifier-mapper-*.json`): `mapping.<type>.internalMapping
//! .<field>` holds either `simple` (a dotted path into the source, or a `"\"quoted\""` literal) or
//! `complex` (`root`, `filters`, `accessor`, `transformers`). The incoming mapper turns an Okta
//! user profile into User Profile fields; the outgoing one turns a User Profile into an Okta
//! profile for create and update.
//!
//! Where things live:
//! - `mod.rs` (here): the public API: [`MapperRegistry`], [`Mapper`], [`MapperKind`],
//!   [`MapperError`], and the two built-in mappers embedded from `mappers/`.
//! - `model.rs`: the parsed model and the loader. Every problem a file can have is reported when
//!   it loads, naming the file, mapper, type and field: unknown operators or transformers are
//!   never dropped silently.
//! - `path.rs`: dotted paths, resolved XSOAR DT style.
//! - `ops.rs`: filter operators and transformers.
//! - `eval.rs`: evaluating a field against a source object.
//!
//! Semantics (XSOAR's where known; choices marked *chosen* where XSOAR is unclear):
//! - Paths: a segment meeting a list applies to each element; results are collected and
//!   flattened one level; nulls are no value.
//! - `complex`: `root` first; per root item, `filters` (outer list AND, inner list OR; an empty
//!   inner list is ignored, *chosen*). A context operand path `<root>.rest` (or `<root>`) is read
//!   from the item, any other path from the whole source (both for `left` and `right`, *chosen*).
//!   Then `accessor` on each kept item, then the transformers in order. An empty value stops the
//!   chain and the field is omitted (*chosen*: XSOAR would run e.g. `concat` on nothing).
//!   A `complex` that is set wins over `simple`.
//! - A result of one item collapses to the item; no item means "no value" and the field is left
//!   out of the output, so Okta bodies never carry nulls.
//! - Filter operators: `isEqualString`, `containsString`, `startWith` (with `ignoreCase`), `in`
//!   (the right side is a list: its values, a text value split on commas and trimmed; with
//!   `ignoreCase`), `isEmpty`, `isNotEmpty` (no `right`). Values are compared as text (numbers
//!   and booleans as written in JSON). A comparison holds when any left value matches any right
//!   value (*chosen* for list operands).
//! - Transformers and their arguments (names as in XSOAR's playbook YAML and the Okta pack):
//!
//!   | operator | args | on a list |
//!   |---|---|---|
//!   | `concat` | `prefix`, `suffix` (absent or null = "") | each item |
//!   | `toLowerCase`, `toUpperCase`, `Trim` | — | each item |
//!   | `split` | `delimiter` (default ","; "" splits into characters) | each item, flattened |
//!   | `join` | `separator` (default ",") | whole list → one text |
//!   | `replace` | `toReplace` (required, all occurrences), `replaceWith` (default "") | each item |
//!   | `substring` | `from` (default 0), `to` (exclusive, default end); characters; negative counts from the end (*chosen*) | each item |
//!   | `FirstArrayElement` | — | whole list → first item |
//!   | `getField` | `field` (a dotted path, required) | each item, flattened |
//!   | `toString` | — | whole value → text (text unchanged, anything else JSON) |
//!
//!   String transformers take text, numbers and booleans; a list or object item is a mapping
//!   error (XSOAR fails the task too). Unknown argument names are load errors. Argument values
//!   are `{"isContext", "value": {"simple"}}` (a context path is read from the whole source;
//!   several values are joined with ","), or null / `{}` for absent.
//!
//! Nothing here panics on user input: mapper JSON and source objects are user input; path
//! resolution is iterative and nested `complex` values are bounded when loading.

mod eval;
mod model;
mod ops;
mod path;

use std::collections::BTreeMap;
use std::path::{Path as FsPath, PathBuf};

use serde_json::{Map, Value};

use model::TypeMapping;

/// Everything that can go wrong loading or applying a mapper. Each message names where: the
/// file (origin), the mapper, the type and field, and the operator when there is one.
#[derive(Debug, thiserror::Error)]
pub enum MapperError {
    #[error("cannot read mapper file or directory {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: not valid JSON: {source}")]
    Json {
        origin: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{origin}: {location}: {message}")]
    Invalid {
        origin: String,
        location: String,
        message: String,
    },
    #[error("{origin}: mapper \"{mapper}\", type \"{type_name}\", field \"{field}\": unknown filter operator \"{operator}\" ({})", model::operator_hint(operator))]
    UnknownOperator {
        origin: String,
        mapper: String,
        type_name: String,
        field: String,
        operator: String,
    },
    #[error("{origin}: mapper \"{mapper}\", type \"{type_name}\", field \"{field}\": unknown transformer \"{transformer}\" ({})", model::transformer_hint(transformer))]
    UnknownTransformer {
        origin: String,
        mapper: String,
        type_name: String,
        field: String,
        transformer: String,
    },
    #[error("no mapper named \"{name}\"; known mappers: {}", known.join(", "))]
    UnknownMapper { name: String, known: Vec<String> },
    #[error("mapper \"{mapper}\" has no type \"{type_name}\" and more than one type to choose from; its types: {}", known.join(", "))]
    UnknownType {
        mapper: String,
        type_name: String,
        known: Vec<String>,
    },
    #[error("mapper \"{mapper}\", type \"{type_name}\", field \"{field}\": {message}")]
    Eval {
        mapper: String,
        type_name: String,
        field: String,
        message: String,
    },
}

/// Direction of a mapper, from its `type` (`mapping-incoming` / `mapping-outgoing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapperKind {
    Incoming,
    Outgoing,
}

/// One loaded mapper.
#[derive(Debug, Clone)]
pub struct Mapper {
    id: String,
    name: String,
    description: String,
    kind: MapperKind,
    origin: String,
    types: Vec<TypeMapping>,
}

impl Mapper {
    /// Parses one mapper file's text; `origin` (a path, or `builtin:...`) goes into errors.
    pub fn from_json(origin: &str, text: &str) -> Result<Self, MapperError> {
        let parsed = model::parse_mapper(origin, text)?;
        Ok(Self {
            id: parsed.id,
            name: parsed.name,
            description: parsed.description,
            kind: parsed.kind,
            origin: origin.to_owned(),
            types: parsed.types,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn description(&self) -> &str {
        &self.description
    }

    /// Where the mapper was loaded from (a file path, or `builtin:...`).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn kind(&self) -> MapperKind {
        self.kind
    }

    /// The type names, in file order.
    pub fn type_names(&self) -> Vec<&str> {
        self.types.iter().map(|t| t.name.as_str()).collect()
    }

    /// The destination field names of a type (see [`Mapper::map`] for the type fallback).
    pub fn field_names(&self, type_name: &str) -> Result<Vec<&str>, MapperError> {
        let t = self.type_mapping(type_name)?;
        Ok(t.fields.iter().map(|f| f.name.as_str()).collect())
    }

    /// Maps `source` with the mapping of `type_name`. If the mapper has no such type but exactly
    /// one type, that one is used (a user mapper with a single "User Profile" type must still
    /// work for create/update); otherwise an error naming the mapper and the missing type.
    ///
    /// The result has the type's fields in file order; a field that resolves to no value
    /// (missing, null, empty list) is omitted.
    pub fn map(&self, source: &Value, type_name: &str) -> Result<Map<String, Value>, MapperError> {
        let t = self.type_mapping(type_name)?;
        let mut out = Map::with_capacity(t.fields.len());
        for field in &t.fields {
            let value = match &field.expr {
                // Most fields name an attribute: no intermediate lists.
                model::ValueExpr::Path(path) => path.resolve_collapsed(source),
                expr => eval::eval_expr(expr, source)
                    .map(eval::collapse)
                    .map_err(|message| MapperError::Eval {
                        mapper: self.name.clone(),
                        type_name: t.name.clone(),
                        field: field.name.clone(),
                        message,
                    })?,
            };
            if let Some(v) = value {
                out.insert(field.name.clone(), v);
            }
        }
        Ok(out)
    }

    fn type_mapping(&self, type_name: &str) -> Result<&TypeMapping, MapperError> {
        if let Some(t) = self.types.iter().find(|t| t.name == type_name) {
            return Ok(t);
        }
        match self.types.as_slice() {
            [only] => {
                tracing::debug!(
                    mapper = %self.name,
                    requested = type_name,
                    used = %only.name,
                    "mapper has no such type; using its only type"
                );
                Ok(only)
            }
            _ => Err(MapperError::UnknownType {
                mapper: self.name.clone(),
                type_name: type_name.to_owned(),
                known: self.types.iter().map(|t| t.name.clone()).collect(),
            }),
        }
    }
}

/// The mappers known to the process, by name.
#[derive(Debug, Clone, Default)]
pub struct MapperRegistry {
    mappers: BTreeMap<String, Mapper>,
}

impl MapperRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Mappers embedded in the program, as `(origin, JSON)` pairs.
    pub fn embedded(files: &[(String, &str)]) -> Self {
        let mut reg = Self::new();
        for (origin, text) in files {
            // The embedded files are part of the program, not input; a unit test loads them.
            #[allow(clippy::expect_used)]
            let mapper = Mapper::from_json(origin, text)
                .expect("an embedded mapper failed to load; this is a bug in the build");
            reg.insert(mapper);
        }
        reg
    }

    /// Loads every `*.json` file in `dir` (not recursing), in file-name order, adding each
    /// mapper or replacing the one with the same `name`. Nothing is added unless every file
    /// loads. Returns how many files were loaded.
    pub fn load_dir(&mut self, dir: &FsPath) -> Result<usize, MapperError> {
        let io = |source| MapperError::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut files = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let is_json = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("json"));
            if is_json && path.is_file() {
                files.push(path);
            }
        }
        files.sort();
        let mut loaded = Vec::with_capacity(files.len());
        for path in &files {
            let text = std::fs::read_to_string(path).map_err(|source| MapperError::Io {
                path: path.clone(),
                source,
            })?;
            loaded.push(Mapper::from_json(&path.display().to_string(), &text)?);
        }
        let count = loaded.len();
        for mapper in loaded {
            self.insert(mapper);
        }
        Ok(count)
    }

    /// Loads one mapper file's text (`origin` names it in errors); returns the mapper's name.
    pub fn load_json(&mut self, origin: &str, text: &str) -> Result<String, MapperError> {
        let mapper = Mapper::from_json(origin, text)?;
        let name = mapper.name.clone();
        self.insert(mapper);
        Ok(name)
    }

    /// The mapper named `name`; the error lists the known names.
    pub fn get(&self, name: &str) -> Result<&Mapper, MapperError> {
        self.mappers
            .get(name)
            .ok_or_else(|| MapperError::UnknownMapper {
                name: name.to_owned(),
                known: self.mappers.keys().cloned().collect(),
            })
    }

    /// The known mapper names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.mappers.keys().map(String::as_str).collect()
    }

    fn insert(&mut self, mapper: Mapper) {
        if let Some(old) = self.mappers.get(&mapper.name) {
            tracing::info!(
                mapper = %mapper.name,
                from = %mapper.origin,
                replaces = %old.origin,
                "mapper overrides one with the same name"
            );
        }
        self.mappers.insert(mapper.name.clone(), mapper);
    }
}

#[cfg(test)]
mod tests;
