//! The parsed form of a mapper file, and the loader that builds it from XSOAR export JSON.
//!
//! Everything a mapper can get wrong is caught here, when it loads: bad JSON, missing
//! `mapping`/`internalMapping`, unknown filter operators and transformers, unknown or missing
//! transformer arguments, malformed paths, literal arguments of the wrong shape, and `complex`
//! values nested deeper than [`MAX_NESTING`]. Each error names the origin (file), mapper, type
//! and field. Key spellings of both XSOAR exports (`isContext`, `ignoreCase`) and playbook YAML
//! (`iscontext`, `ignorecase`) are accepted.

use serde_json::{Map, Value};

use super::ops::{FilterOp, TransformOp};
use super::path::Path;
use super::{MapperError, MapperKind};

/// How deep `complex` values may nest inside operands and arguments of other `complex` values.
/// Real mappers use one level; the bound keeps a hostile file from exhausting the stack.
pub(crate) const MAX_NESTING: usize = 8;

/// A parsed mapper file.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub id: String,
    pub name: String,
    pub description: String,
    pub kind: MapperKind,
    pub types: Vec<TypeMapping>,
}

/// One entry of `mapping`: a type name and its fields, in file order.
#[derive(Debug, Clone)]
pub(crate) struct TypeMapping {
    pub name: String,
    pub fields: Vec<FieldMapping>,
}

#[derive(Debug, Clone)]
pub(crate) struct FieldMapping {
    pub name: String,
    pub expr: ValueExpr,
}

/// Something that evaluates to a list of values against the source object.
#[derive(Debug, Clone)]
pub(crate) enum ValueExpr {
    /// No mapping (`simple: ""`, a null value): always no value.
    Nothing,
    /// A constant (`"\"Terminated\""` in `simple`, or an operand with `isContext: false`).
    Literal(Value),
    /// A dotted path into the source.
    Path(Path),
    Complex(Box<Complex>),
}

#[derive(Debug, Clone)]
pub(crate) struct Complex {
    /// Resolved first; the root path means the whole source.
    pub root: Path,
    /// AND of groups, each an OR of conditions. Empty groups are dropped when loading.
    pub filters: Vec<Vec<Condition>>,
    pub accessor: Option<Path>,
    pub transformers: Vec<Transformer>,
}

#[derive(Debug, Clone)]
pub(crate) struct Condition {
    pub op: FilterOp,
    pub left: Operand,
    pub right: Option<Operand>,
    pub ignore_case: bool,
}

/// A condition operand.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    /// A context path under the `complex` root (`<root>.rest`): resolved against each root item.
    Element(Path),
    /// Anything else: resolved against the whole source.
    Expr(ValueExpr),
}

#[derive(Debug, Clone)]
pub(crate) struct Transformer {
    pub op: TransformOp,
    /// Accepted argument names with their expressions, absent ones as [`ValueExpr::Nothing`].
    pub args: Vec<(&'static str, ValueExpr)>,
}

/// Where in a mapper file the loader is, for error messages.
struct Loc<'a> {
    origin: &'a str,
    mapper: &'a str,
    type_name: Option<&'a str>,
    field: Option<&'a str>,
}

impl Loc<'_> {
    fn describe(&self) -> String {
        let mut s = format!("mapper \"{}\"", self.mapper);
        if let Some(t) = self.type_name {
            s.push_str(&format!(", type \"{t}\""));
        }
        if let Some(f) = self.field {
            s.push_str(&format!(", field \"{f}\""));
        }
        s
    }

    fn invalid(&self, message: impl Into<String>) -> MapperError {
        MapperError::Invalid {
            origin: self.origin.to_owned(),
            location: self.describe(),
            message: message.into(),
        }
    }

    fn type_name(&self) -> String {
        self.type_name.unwrap_or_default().to_owned()
    }

    fn field(&self) -> String {
        self.field.unwrap_or_default().to_owned()
    }
}

/// Parses one mapper file's text.
pub(crate) fn parse_mapper(origin: &str, text: &str) -> Result<Parsed, MapperError> {
    let doc: Value = serde_json::from_str(text).map_err(|source| MapperError::Json {
        origin: origin.to_owned(),
        source,
    })?;
    let top = |message: &str| MapperError::Invalid {
        origin: origin.to_owned(),
        location: "top level".to_owned(),
        message: message.to_owned(),
    };
    let obj = doc
        .as_object()
        .ok_or_else(|| top("a mapper file must be a JSON object"))?;
    let id = opt_str(obj, "id").unwrap_or_default().to_owned();
    let name = match opt_str(obj, "name").filter(|n| !n.is_empty()) {
        Some(n) => n.to_owned(),
        None if !id.is_empty() => id.clone(),
        None => return Err(top("the mapper has no \"name\" (nor \"id\")")),
    };
    let loc = Loc {
        origin,
        mapper: &name,
        type_name: None,
        field: None,
    };
    let kind = match obj.get("type").and_then(Value::as_str) {
        Some("mapping-incoming") => MapperKind::Incoming,
        Some("mapping-outgoing") => MapperKind::Outgoing,
        Some(other) => {
            return Err(loc.invalid(format!(
                "\"type\" is \"{other}\"; a mapper is \"mapping-incoming\" or \"mapping-outgoing\""
            )))
        }
        None => {
            return Err(
                loc.invalid("missing \"type\" (\"mapping-incoming\" or \"mapping-outgoing\")")
            )
        }
    };
    let description = opt_str(obj, "description").unwrap_or_default().to_owned();
    let mapping = match obj.get("mapping") {
        Some(Value::Object(m)) => m,
        Some(_) => return Err(loc.invalid("\"mapping\" must be an object of types")),
        None => return Err(loc.invalid("missing \"mapping\"")),
    };
    if mapping.is_empty() {
        return Err(loc.invalid("\"mapping\" has no types"));
    }
    let mut types = Vec::with_capacity(mapping.len());
    for (type_name, entry) in mapping {
        let loc = Loc {
            type_name: Some(type_name),
            ..loc
        };
        types.push(parse_type(&loc, type_name, entry)?);
    }
    Ok(Parsed {
        id,
        name: name.clone(),
        description,
        kind,
        types,
    })
}

fn parse_type(loc: &Loc<'_>, type_name: &str, entry: &Value) -> Result<TypeMapping, MapperError> {
    let internal = match entry.get("internalMapping") {
        Some(Value::Object(m)) => m,
        Some(Value::Null) | None => return Err(loc.invalid("missing \"internalMapping\"")),
        Some(_) => return Err(loc.invalid("\"internalMapping\" must be an object of fields")),
    };
    let mut fields = Vec::with_capacity(internal.len());
    for (field, spec) in internal {
        let loc = Loc {
            field: Some(field),
            ..*loc
        };
        fields.push(FieldMapping {
            name: field.clone(),
            expr: parse_field(&loc, spec)?,
        });
    }
    Ok(TypeMapping {
        name: type_name.to_owned(),
        fields,
    })
}

/// A field: `complex` when it is set (it wins over `simple`, which the XSOAR UI leaves as ""),
/// otherwise `simple`.
fn parse_field(loc: &Loc<'_>, spec: &Value) -> Result<ValueExpr, MapperError> {
    let obj = spec.as_object().ok_or_else(|| {
        loc.invalid("a field mapping must be an object with \"simple\" or \"complex\"")
    })?;
    match obj.get("complex") {
        Some(Value::Null) | None => parse_simple_context(loc, obj.get("simple")),
        Some(c) => Ok(ValueExpr::Complex(Box::new(parse_complex(loc, c, 0)?))),
    }
}

/// A `simple` that names a context path: `""`/null is nothing, `"\"text\""` is the literal
/// `text`, anything else is a path.
fn parse_simple_context(loc: &Loc<'_>, simple: Option<&Value>) -> Result<ValueExpr, MapperError> {
    match simple {
        None | Some(Value::Null) => Ok(ValueExpr::Nothing),
        Some(Value::String(s)) if s.is_empty() => Ok(ValueExpr::Nothing),
        Some(Value::String(s)) => {
            if let Some(inner) = s.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
                return Ok(ValueExpr::Literal(Value::String(inner.to_owned())));
            }
            Path::parse(s)
                .map(ValueExpr::Path)
                .map_err(|e| loc.invalid(e))
        }
        Some(other) => Err(loc.invalid(format!(
            "\"simple\" must be a string (a path, or a quoted literal), got {}",
            kind_of(other)
        ))),
    }
}

fn parse_complex(loc: &Loc<'_>, v: &Value, depth: usize) -> Result<Complex, MapperError> {
    if depth > MAX_NESTING {
        return Err(loc.invalid(format!(
            "\"complex\" values nest deeper than {MAX_NESTING} levels"
        )));
    }
    let obj = v
        .as_object()
        .ok_or_else(|| loc.invalid("\"complex\" must be an object or null"))?;
    let root = match obj.get("root") {
        None | Some(Value::Null) => Path::root(),
        Some(Value::String(s)) => Path::parse(s).map_err(|e| loc.invalid(format!("root: {e}")))?,
        Some(other) => {
            return Err(loc.invalid(format!("\"root\" must be a string, got {}", kind_of(other))))
        }
    };
    let accessor = match obj.get("accessor") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => {
            Some(Path::parse(s).map_err(|e| loc.invalid(format!("accessor: {e}")))?)
        }
        Some(other) => {
            return Err(loc.invalid(format!(
                "\"accessor\" must be a string, got {}",
                kind_of(other)
            )))
        }
    };
    let mut filters = Vec::new();
    match obj.get("filters") {
        None | Some(Value::Null) => {}
        Some(Value::Array(groups)) => {
            for group in groups {
                let conds = group.as_array().ok_or_else(|| {
                    loc.invalid("\"filters\" must be a list of lists of conditions (AND of ORs)")
                })?;
                let mut parsed = Vec::with_capacity(conds.len());
                for cond in conds {
                    parsed.push(parse_condition(loc, cond, &root, depth)?);
                }
                if !parsed.is_empty() {
                    filters.push(parsed);
                }
            }
        }
        Some(_) => {
            return Err(
                loc.invalid("\"filters\" must be a list of lists of conditions (AND of ORs)")
            )
        }
    }
    let mut transformers = Vec::new();
    match obj.get("transformers") {
        None | Some(Value::Null) => {}
        Some(Value::Array(list)) => {
            for t in list {
                transformers.push(parse_transformer(loc, t, depth)?);
            }
        }
        Some(_) => return Err(loc.invalid("\"transformers\" must be a list")),
    }
    Ok(Complex {
        root,
        filters,
        accessor,
        transformers,
    })
}

fn parse_condition(
    loc: &Loc<'_>,
    v: &Value,
    root: &Path,
    depth: usize,
) -> Result<Condition, MapperError> {
    let obj = v
        .as_object()
        .ok_or_else(|| loc.invalid("a filter condition must be an object"))?;
    let name = obj
        .get("operator")
        .and_then(Value::as_str)
        .ok_or_else(|| loc.invalid("a filter condition has no \"operator\""))?;
    let op = FilterOp::from_name(name).ok_or_else(|| MapperError::UnknownOperator {
        origin: loc.origin.to_owned(),
        mapper: loc.mapper.to_owned(),
        type_name: loc.type_name(),
        field: loc.field(),
        operator: name.to_owned(),
    })?;
    let left = match obj.get("left") {
        Some(l) if !is_absent(l) => parse_operand(loc, l, root, depth)?,
        _ => return Err(loc.invalid(format!("filter \"{name}\" has no \"left\" operand"))),
    };
    let right = match obj.get("right") {
        Some(r) if !is_absent(r) => Some(parse_operand(loc, r, root, depth)?),
        _ => None,
    };
    if op.needs_right() && right.is_none() {
        return Err(loc.invalid(format!("filter \"{name}\" needs a \"right\" operand")));
    }
    let ignore_case = match get_either(obj, "ignoreCase", "ignorecase") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(loc.invalid(format!(
                "\"ignoreCase\" must be true or false, got {}",
                kind_of(other)
            )))
        }
    };
    Ok(Condition {
        op,
        left,
        right,
        ignore_case,
    })
}

/// `{"isContext": bool, "value": {"simple": ..., "complex": ...}}`; context paths under `root`
/// become [`Operand::Element`].
fn parse_operand(
    loc: &Loc<'_>,
    v: &Value,
    root: &Path,
    depth: usize,
) -> Result<Operand, MapperError> {
    let (is_context, expr) = parse_wrapped(loc, v, depth)?;
    if let (true, ValueExpr::Path(p)) = (is_context, &expr) {
        if let Some(rel) = p.relative_to(root) {
            return Ok(Operand::Element(rel));
        }
    }
    Ok(Operand::Expr(expr))
}

/// The `{"isContext", "value"}` wrapper shared by operands and transformer arguments.
fn parse_wrapped(loc: &Loc<'_>, v: &Value, depth: usize) -> Result<(bool, ValueExpr), MapperError> {
    let obj = v.as_object().ok_or_else(|| {
        loc.invalid("an operand or argument must be an object {\"isContext\", \"value\"}")
    })?;
    let is_context = match get_either(obj, "isContext", "iscontext") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(loc.invalid(format!(
                "\"isContext\" must be true or false, got {}",
                kind_of(other)
            )))
        }
    };
    let value = match obj.get("value") {
        None | Some(Value::Null) => return Ok((is_context, ValueExpr::Nothing)),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(loc.invalid(format!(
                "an operand's \"value\" must be an object {{\"simple\", \"complex\"}}, got {}",
                kind_of(other)
            )))
        }
    };
    if let Some(c) = value.get("complex").filter(|c| !c.is_null()) {
        return Ok((
            is_context,
            ValueExpr::Complex(Box::new(parse_complex(loc, c, depth + 1)?)),
        ));
    }
    let expr = if is_context {
        parse_simple_context(loc, value.get("simple"))?
    } else {
        match value.get("simple") {
            None | Some(Value::Null) => ValueExpr::Nothing,
            Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
                ValueExpr::Literal(v.clone())
            }
            Some(other) => {
                return Err(loc.invalid(format!(
                    "a literal \"simple\" must be text, got {}",
                    kind_of(other)
                )))
            }
        }
    };
    Ok((is_context, expr))
}

fn parse_transformer(loc: &Loc<'_>, v: &Value, depth: usize) -> Result<Transformer, MapperError> {
    let obj = v
        .as_object()
        .ok_or_else(|| loc.invalid("a transformer must be an object {\"operator\", \"args\"}"))?;
    let name = obj
        .get("operator")
        .and_then(Value::as_str)
        .ok_or_else(|| loc.invalid("a transformer has no \"operator\""))?;
    let op = TransformOp::from_name(name).ok_or_else(|| MapperError::UnknownTransformer {
        origin: loc.origin.to_owned(),
        mapper: loc.mapper.to_owned(),
        type_name: loc.type_name(),
        field: loc.field(),
        transformer: name.to_owned(),
    })?;
    let mut args: Vec<(&'static str, ValueExpr)> = op
        .accepted_args()
        .iter()
        .map(|a| (*a, ValueExpr::Nothing))
        .collect();
    match obj.get("args") {
        None | Some(Value::Null) => {}
        Some(Value::Object(given)) => {
            for (arg_name, arg_value) in given {
                let Some(known) = op.accepted_arg(arg_name) else {
                    let accepted = op.accepted_args();
                    let accepted = if accepted.is_empty() {
                        "it takes none".to_owned()
                    } else {
                        format!("it takes {}", accepted.join(", "))
                    };
                    return Err(loc.invalid(format!(
                        "transformer \"{name}\" has no argument \"{arg_name}\" ({accepted})"
                    )));
                };
                let expr = if is_absent(arg_value) {
                    ValueExpr::Nothing
                } else {
                    parse_wrapped(loc, arg_value, depth)?.1
                };
                if let ValueExpr::Literal(lit) = &expr {
                    op.check_literal(known, lit)
                        .map_err(|e| loc.invalid(format!("transformer \"{name}\": {e}")))?;
                }
                if let Some(slot) = args.iter_mut().find(|(n, _)| *n == known) {
                    slot.1 = expr;
                }
            }
        }
        Some(_) => {
            return Err(loc.invalid(format!(
                "transformer \"{name}\": \"args\" must be an object"
            )))
        }
    }
    for required in op.required_args() {
        if args
            .iter()
            .any(|(n, e)| n == required && matches!(e, ValueExpr::Nothing))
        {
            return Err(loc.invalid(format!(
                "transformer \"{name}\" needs the argument \"{required}\""
            )));
        }
    }
    Ok(Transformer { op, args })
}

/// Null and `{}` both mean "not given" (XSOAR writes `replaceWith: {}` for an empty argument).
fn is_absent(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

fn get_either<'a>(obj: &'a Map<String, Value>, a: &str, b: &str) -> Option<&'a Value> {
    obj.get(a).or_else(|| obj.get(b))
}

fn opt_str<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The hint shown after an unknown filter operator name.
pub(crate) fn operator_hint(name: &str) -> String {
    hint(name, &FilterOp::supported())
}

/// The hint shown after an unknown transformer name.
pub(crate) fn transformer_hint(name: &str) -> String {
    hint(name, &TransformOp::supported())
}

/// "did you mean X? supported: ..." for an unknown operator or transformer name.
fn hint(name: &str, supported: &[&str]) -> String {
    let list = supported.join(", ");
    match supported.iter().find(|s| s.eq_ignore_ascii_case(name)) {
        Some(s) => format!("did you mean \"{s}\"? supported: {list}"),
        None => format!("supported: {list}"),
    }
}
