//! `date_fields`: epoch-millisecond values printed as local time, the way Python's
//! `datetime.fromtimestamp(int(v) / 1000)` reads them (Python's `int()` included).

use chrono::{Datelike, TimeZone, Timelike};
use serde_json::Value;

use super::str_methods::is_python_space;
use super::unicode::python_decimal;

/// `datetime.fromtimestamp(int(v) / 1000).strftime('%Y-%m-%d %H:%M:%S')` in `tz`, or `None`
/// where Python raises (and so keeps the value).
pub(super) fn epoch_ms_to_local<Tz: TimeZone>(value: &Value, tz: &Tz) -> Option<String> {
    let ms = python_int(value)?;
    // Beyond 2^53 ms the float division loses whole seconds; such instants are far outside
    // Python's year range (1..=9999) anyway, so Python raises for them.
    if ms.unsigned_abs() >= 1 << 53 {
        return None;
    }
    // For |ms| < 2^53, Python's float division and microsecond rounding floor to this second.
    let seconds = i64::try_from(ms.div_euclid(1000)).ok()?;
    let local = tz.timestamp_opt(seconds, 0).single()?.naive_local();
    if !(1..=9999).contains(&local.year()) {
        return None;
    }
    // CPython also probes the local time one day earlier to detect a DST fold, and that
    // probe raises when it lands before year 1.
    let probe = tz
        .timestamp_opt(seconds.checked_sub(86_400)?, 0)
        .single()?
        .naive_local();
    if probe.year() < 1 {
        return None;
    }
    // glibc's `%Y` does not pad years below 1000, so neither does Python on Linux.
    Some(format!(
        "{}-{:02}-{:02} {:02}:{:02}:{:02}",
        local.year(),
        local.month(),
        local.day(),
        local.hour(),
        local.minute(),
        local.second()
    ))
}

/// `int(float)`: truncated toward zero; `None` for NaN and infinities (Python raises) and
/// beyond 1e36 in magnitude.
fn truncate_float(f: f64) -> Option<i128> {
    let whole = f.trunc();
    if !(whole.is_finite() && whole.abs() < 1e36) {
        return None;
    }
    #[expect(
        clippy::cast_possible_truncation,
        reason = "checked just above: a whole number below 1e36 in magnitude is exact in i128"
    )]
    let int = whole as i128;
    Some(int)
}

/// Python `int(v)` for the JSON types, or `None` where Python raises.
fn python_int(value: &Value) -> Option<i128> {
    match value {
        Value::Bool(b) => Some(i128::from(*b)),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Some(i128::from(i))
            } else if let Some(u) = n.as_u64() {
                Some(i128::from(u))
            } else {
                // `int(float)` truncates toward zero; NaN and infinities raise.
                truncate_float(n.as_f64()?)
            }
        }
        Value::String(s) => parse_python_int(s),
        _ => None,
    }
}

/// `int(s)` in base 10, as CPython parses it: non-ASCII whitespace becomes a space and
/// non-ASCII decimal digits their ASCII digit (any other non-ASCII character fails); then
/// surrounding ASCII whitespace, an optional sign, and digits with single underscores between
/// them.
fn parse_python_int(s: &str) -> Option<i128> {
    let mut ascii = String::with_capacity(s.len());
    for c in s.chars() {
        if u32::from(c) < 0x7f {
            ascii.push(c);
        } else if is_python_space(c) {
            ascii.push(' ');
        } else {
            ascii.push(python_decimal(c)?);
        }
    }
    let s = ascii.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r'));
    let (negative, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let bytes = digits.as_bytes();
    let valid = bytes.first().is_some_and(u8::is_ascii_digit)
        && bytes.last().is_some_and(u8::is_ascii_digit)
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'_')
        && !digits.contains("__");
    if !valid {
        return None;
    }
    let magnitude: i128 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -magnitude } else { magnitude })
}
