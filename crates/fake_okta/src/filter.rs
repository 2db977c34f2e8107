//! The SCIM-like filter language Okta shares between `filter` and `search` parameters
//! (okta-api.md §1.6): `attr op value`, `attr pr`, `and`/`or`, parentheses. Literals are
//! JSON strings (with `\"`, `\\`, `\uXXXX` escapes), numbers, `true`, `false`, `null`.
//! Operators and `and`/`or` are case-insensitive; attribute names are not. `and` binds
//! tighter than `or`. `and(` without a space is accepted (the reference connector sends it).

use std::borrow::Cow;

use chrono::DateTime;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Sw,
    Ew,
    Co,
    Gt,
    Ge,
    Lt,
    Le,
    Pr,
}

impl Op {
    fn parse(word: &str) -> Option<Op> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "sw" => Op::Sw,
            "ew" => Op::Ew,
            "co" => Op::Co,
            "gt" => Op::Gt,
            "ge" => Op::Ge,
            "lt" => Op::Lt,
            "le" => Op::Le,
            "pr" => Op::Pr,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Cmp {
        attr: String,
        segs: Vec<String>,
        op: Op,
        value: Lit,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

#[derive(Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    Str(String),
    Word(String),
}

fn tokenize(input: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Tok::Open);
            i += 1;
        } else if c == ')' {
            out.push(Tok::Close);
            i += 1;
        } else if c == '"' {
            i += 1;
            let mut s = String::new();
            loop {
                let Some(&c) = chars.get(i) else {
                    return Err("unterminated string literal".into());
                };
                i += 1;
                match c {
                    '"' => break,
                    '\\' => {
                        let Some(&e) = chars.get(i) else {
                            return Err("unterminated escape".into());
                        };
                        i += 1;
                        match e {
                            '"' => s.push('"'),
                            '\\' => s.push('\\'),
                            '/' => s.push('/'),
                            'b' => s.push('\u{8}'),
                            'f' => s.push('\u{c}'),
                            'n' => s.push('\n'),
                            'r' => s.push('\r'),
                            't' => s.push('\t'),
                            'u' => {
                                let hex = |i: usize| -> Result<u32, String> {
                                    let h: String = chars
                                        .get(i..i + 4)
                                        .ok_or("bad \\u escape")?
                                        .iter()
                                        .collect();
                                    u32::from_str_radix(&h, 16)
                                        .map_err(|_| "bad \\u escape".to_string())
                                };
                                let hi = hex(i)?;
                                i += 4;
                                let code = if (0xD800..0xDC00).contains(&hi)
                                    && chars.get(i) == Some(&'\\')
                                    && chars.get(i + 1) == Some(&'u')
                                {
                                    let lo = hex(i + 2)?;
                                    i += 6;
                                    0x10000
                                        + ((hi - 0xD800) << 10)
                                        + (lo.wrapping_sub(0xDC00) & 0x3FF)
                                } else {
                                    hi
                                };
                                s.push(char::from_u32(code).ok_or("bad \\u escape")?);
                            }
                            other => return Err(format!("invalid escape \\{other}")),
                        }
                    }
                    c => s.push(c),
                }
            }
            out.push(Tok::Str(s));
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '"')
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.primary()?;
        while self.peek_word("and") {
            self.pos += 1;
            let right = self.primary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.toks.get(self.pos) {
            Some(Tok::Open) => {
                self.pos += 1;
                let e = self.or()?;
                match self.toks.get(self.pos) {
                    Some(Tok::Close) => {
                        self.pos += 1;
                        Ok(e)
                    }
                    _ => Err("missing closing parenthesis".into()),
                }
            }
            Some(Tok::Word(w)) if w.eq_ignore_ascii_case("not") => {
                Err("'not' is not supported".into())
            }
            Some(Tok::Word(attr)) => {
                let attr = attr.clone();
                if !attr
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '$' | '-'))
                {
                    return Err(format!("invalid attribute '{attr}'"));
                }
                self.pos += 1;
                let op = match self.toks.get(self.pos) {
                    Some(Tok::Word(w)) => Op::parse(w)
                        .ok_or_else(|| format!("Unrecognized attribute operator '{w}'"))?,
                    _ => return Err(format!("missing operator after '{attr}'")),
                };
                self.pos += 1;
                let value = if op == Op::Pr {
                    Lit::Null
                } else {
                    let v = match self.toks.get(self.pos) {
                        Some(Tok::Str(s)) => Lit::Str(s.clone()),
                        Some(Tok::Word(w)) if w == "true" => Lit::Bool(true),
                        Some(Tok::Word(w)) if w == "false" => Lit::Bool(false),
                        Some(Tok::Word(w)) if w == "null" => Lit::Null,
                        Some(Tok::Word(w)) => Lit::Num(
                            w.parse::<f64>()
                                .map_err(|_| format!("invalid literal '{w}'"))?,
                        ),
                        _ => return Err(format!("missing value after '{attr}'")),
                    };
                    self.pos += 1;
                    v
                };
                let segs = attr.split('.').map(str::to_string).collect();
                Ok(Expr::Cmp {
                    attr,
                    segs,
                    op,
                    value,
                })
            }
            Some(other) => Err(format!("unexpected token {other:?}")),
            None => Err("unexpected end of expression".into()),
        }
    }
}

/// Parses a filter/search expression.
pub fn parse(input: &str) -> Result<Expr, String> {
    let toks = tokenize(input)?;
    if toks.is_empty() {
        return Err("empty expression".into());
    }
    let mut p = Parser { toks, pos: 0 };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err(format!("unexpected token {:?}", p.toks[p.pos]));
    }
    Ok(e)
}

impl Expr {
    /// True when every comparison satisfies `allowed(attr, op)`.
    pub fn all(&self, allowed: &dyn Fn(&str, Op) -> bool) -> bool {
        match self {
            Expr::Cmp { attr, op, .. } => allowed(attr, *op),
            Expr::And(a, b) | Expr::Or(a, b) => a.all(allowed) && b.all(allowed),
        }
    }

    /// True when some comparison's attribute satisfies `pred`.
    pub fn any_attr(&self, pred: &dyn Fn(&str) -> bool) -> bool {
        match self {
            Expr::Cmp { attr, .. } => pred(attr),
            Expr::And(a, b) | Expr::Or(a, b) => a.any_attr(pred) || b.any_attr(pred),
        }
    }

    /// Evaluates against a JSON document. Arrays along the path match when any element does.
    pub fn eval(&self, root: &Value, case_insensitive: bool) -> bool {
        self.eval_by(
            &|_, segs, out| {
                let mut found = Vec::new();
                collect(root, segs, &mut found);
                out.extend(found.into_iter().map(Scalar::of));
            },
            case_insensitive,
        )
    }

    /// Evaluates with a resolver that pushes the values found at `(attr, segs)`.
    pub fn eval_by<'a>(&self, resolve: &Resolver<'_, 'a>, ci: bool) -> bool {
        match self {
            Expr::And(a, b) => a.eval_by(resolve, ci) && b.eval_by(resolve, ci),
            Expr::Or(a, b) => a.eval_by(resolve, ci) || b.eval_by(resolve, ci),
            Expr::Cmp {
                attr,
                segs,
                op,
                value,
            } => {
                let mut found = Vec::new();
                resolve(attr, segs, &mut found);
                match op {
                    Op::Pr => found.iter().any(|v| !matches!(v, Scalar::Null)),
                    Op::Ne => {
                        if found.is_empty() {
                            !matches!(value, Lit::Null)
                        } else {
                            found.iter().any(|v| !compare(*v, Op::Eq, value, ci))
                        }
                    }
                    Op::Eq if found.is_empty() => matches!(value, Lit::Null),
                    _ => found.iter().any(|v| compare(*v, *op, value, ci)),
                }
            }
        }
    }
}

/// Pushes the values found at `(attr, path segments)`.
pub type Resolver<'r, 'a> = dyn Fn(&str, &[String], &mut Vec<Scalar<'a>>) + 'r;

/// A value found along an attribute path.
#[derive(Clone, Copy, Debug)]
pub enum Scalar<'a> {
    Str(&'a str),
    Num(f64),
    Bool(bool),
    Null,
    /// An object (arrays are flattened).
    Object,
}

impl<'a> Scalar<'a> {
    pub fn of(v: &'a Value) -> Scalar<'a> {
        match v {
            Value::String(s) => Scalar::Str(s),
            Value::Number(n) => n.as_f64().map(Scalar::Num).unwrap_or(Scalar::Null),
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Null => Scalar::Null,
            _ => Scalar::Object,
        }
    }
}

fn collect<'a>(v: &'a Value, segs: &[String], out: &mut Vec<&'a Value>) {
    if let Value::Array(items) = v {
        for item in items {
            collect(item, segs, out);
        }
        return;
    }
    match segs.split_first() {
        None => out.push(v),
        Some((first, rest)) => {
            if let Some(child) = v.get(first.as_str()) {
                collect(child, rest, out);
            }
        }
    }
}

fn compare(v: Scalar<'_>, op: Op, lit: &Lit, ci: bool) -> bool {
    match (v, lit) {
        (Scalar::Str(s), Lit::Str(l)) => {
            let (s, l): (Cow<str>, Cow<str>) = if ci {
                (Cow::Owned(s.to_lowercase()), Cow::Owned(l.to_lowercase()))
            } else {
                (Cow::Borrowed(s), Cow::Borrowed(l.as_str()))
            };
            match op {
                Op::Eq => s == l,
                Op::Sw => s.starts_with(&*l),
                Op::Ew => s.ends_with(&*l),
                Op::Co => s.contains(&*l),
                Op::Gt | Op::Ge | Op::Lt | Op::Le => {
                    let ord = match (
                        DateTime::parse_from_rfc3339(&s),
                        DateTime::parse_from_rfc3339(&l),
                    ) {
                        (Ok(a), Ok(b)) => a.cmp(&b),
                        _ => s.cmp(&l),
                    };
                    ordering_ok(op, ord)
                }
                Op::Ne | Op::Pr => false,
            }
        }
        (Scalar::Num(n), Lit::Num(l)) => match n.partial_cmp(l) {
            Some(ord) => match op {
                Op::Eq => ord.is_eq(),
                Op::Gt | Op::Ge | Op::Lt | Op::Le => ordering_ok(op, ord),
                _ => false,
            },
            None => false,
        },
        (Scalar::Bool(b), Lit::Bool(l)) => op == Op::Eq && b == *l,
        (Scalar::Null, Lit::Null) => op == Op::Eq,
        _ => false,
    }
}

fn ordering_ok(op: Op, ord: std::cmp::Ordering) -> bool {
    match op {
        Op::Gt => ord.is_gt(),
        Op::Ge => ord.is_ge(),
        Op::Lt => ord.is_lt(),
        Op::Le => ord.is_le(),
        _ => false,
    }
}
