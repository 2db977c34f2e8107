//! Evaluation of a parsed field against a source object.
//!
//! Values flow as lists of items. `complex`: resolve `root`; keep the root items that pass every
//! filter group (a group passes when any of its conditions holds); read `accessor` from each kept
//! item; run the transformers in order, stopping as soon as the value is empty. [`collapse`] then
//! turns the items into the field value: none is "no value", one is that item, more is a list.
//!
//! Recursion only follows nested `complex` operands and arguments, which the loader bounds to
//! [`super::model::MAX_NESTING`] levels.

use serde_json::Value;

use super::model::{Complex, Condition, Operand, Transformer, ValueExpr};
use super::ops::text_lossy;

/// The items `expr` yields for `source`. Errors are messages; the caller adds mapper and field.
pub(crate) fn eval_expr(expr: &ValueExpr, source: &Value) -> Result<Vec<Value>, String> {
    match expr {
        ValueExpr::Nothing => Ok(Vec::new()),
        ValueExpr::Literal(v) => Ok(vec![v.clone()]),
        ValueExpr::Path(p) => Ok(p.resolve(source).into_iter().cloned().collect()),
        ValueExpr::Complex(c) => eval_complex(c, source),
    }
}

/// No items: no value; one item: the item (XSOAR collapses single-element lists); else a list.
pub(crate) fn collapse(mut items: Vec<Value>) -> Option<Value> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(Value::Array(items)),
    }
}

fn eval_complex(c: &Complex, source: &Value) -> Result<Vec<Value>, String> {
    let mut selected = Vec::new();
    for item in c.root.resolve(source) {
        if passes(&c.filters, item, source)? {
            selected.push(item);
        }
    }
    let mut items: Vec<Value> = match &c.accessor {
        Some(acc) => selected
            .into_iter()
            .flat_map(|item| acc.resolve(item))
            .cloned()
            .collect(),
        None => selected.into_iter().cloned().collect(),
    };
    for t in &c.transformers {
        if items.is_empty() {
            break;
        }
        items = apply_transformer(t, items, source)?;
    }
    Ok(items)
}

/// AND over groups, OR within a group.
fn passes(filters: &[Vec<Condition>], item: &Value, source: &Value) -> Result<bool, String> {
    for group in filters {
        let mut any = false;
        for cond in group {
            if holds(cond, item, source)? {
                any = true;
                break;
            }
        }
        if !any {
            return Ok(false);
        }
    }
    Ok(true)
}

fn holds(cond: &Condition, item: &Value, source: &Value) -> Result<bool, String> {
    let left = operand(&cond.left, item, source)?;
    let right = match &cond.right {
        Some(r) => operand(r, item, source)?,
        None => Vec::new(),
    };
    Ok(cond.op.eval(&left, &right, cond.ignore_case))
}

fn operand(op: &Operand, item: &Value, source: &Value) -> Result<Vec<Value>, String> {
    match op {
        Operand::Element(p) => Ok(p.resolve(item).into_iter().cloned().collect()),
        Operand::Expr(e) => eval_expr(e, source),
    }
}

fn apply_transformer(
    t: &Transformer,
    items: Vec<Value>,
    source: &Value,
) -> Result<Vec<Value>, String> {
    let mut args = Vec::with_capacity(t.args.len());
    for (name, expr) in &t.args {
        args.push((*name, arg_text(expr, source)?));
    }
    t.op.apply(items, &args)
        .map_err(|e| format!("transformer \"{}\": {e}", t.op.name()))
}

/// An argument as text: no value is `None`; several values are joined with ",".
fn arg_text(expr: &ValueExpr, source: &Value) -> Result<Option<String>, String> {
    let items = eval_expr(expr, source)?;
    Ok(match items.as_slice() {
        [] => None,
        [one] => Some(text_lossy(one)),
        many => Some(many.iter().map(text_lossy).collect::<Vec<_>>().join(",")),
    })
}
