//! CPython's `float.__repr__` (which `json.dumps` uses too): the shortest digits that read
//! back, ties broken as CPython's `dtoa` does, in CPython's positional or scientific notation.

/// CPython's `float_repr` (`repr` mode, shortest round-trip digits): positional notation when
/// the decimal exponent is in `[-4, 16)`, with `.0` added to whole numbers; otherwise
/// `d[.ddd]e±XX` with at least two exponent digits. `json` selects `json.dumps`'s spelling of
/// the non-finite values (serde_json cannot hold them, so this is only for completeness).
pub(super) fn python_float_repr(x: f64, json: bool) -> String {
    if x.is_nan() {
        return if json { "NaN" } else { "nan" }.to_string();
    }
    if x.is_infinite() {
        let text = match (json, x > 0.0) {
            (true, true) => "Infinity",
            (true, false) => "-Infinity",
            (false, true) => "inf",
            (false, false) => "-inf",
        };
        return text.to_string();
    }
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    let magnitude = x.abs();
    if magnitude == 0.0 {
        out.push_str("0.0");
        return out;
    }
    let (digits, exponent) = shortest_digits(magnitude);
    let ndigits = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    // The position of the decimal point relative to the digits.
    let decpt = exponent + 1;
    if decpt <= -4 || decpt > 16 {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        let sign = if exponent < 0 { '-' } else { '+' };
        out.push_str(&format!("e{sign}{:02}", exponent.unsigned_abs()));
    } else if decpt <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat(decpt.unsigned_abs() as usize));
        out.push_str(&digits);
    } else if decpt >= ndigits {
        out.push_str(&digits);
        out.push_str(&"0".repeat((decpt - ndigits) as usize));
        out.push_str(".0");
    } else {
        let (whole, fraction) = digits.split_at(decpt as usize);
        out.push_str(whole);
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// The shortest digits that read back as `magnitude` (a positive finite float) and the decimal
/// exponent of the first one, chosen as CPython's `dtoa` mode 0 does.
///
/// Rust's `{:e}` also prints the shortest round-trip digits, but when the exact value lies
/// exactly halfway between two shortest candidates it takes the upper one, where `dtoa` takes
/// the one ending in an even digit (`1932959388700000.25` is `...0.2` in Python). Rust's
/// fixed-precision formatting is exact, so it tells when that tie happens.
fn shortest_digits(magnitude: f64) -> (String, i32) {
    let (digits, exponent) = split_scientific(&format!("{magnitude:e}"));
    if !may_be_a_tie(magnitude) {
        return (digits, exponent);
    }
    shortest_digits_exact(magnitude, digits, exponent)
}

/// False when the exact decimal expansion of `magnitude` provably has more than 18
/// significant digits: then no candidate of at most 17 digits lies exactly halfway, and
/// Rust's shortest digits are CPython's. This skips the 1100-digit exact expansion for almost
/// every float with a fraction (a System Log page holds thousands of coordinates).
fn may_be_a_tie(magnitude: f64) -> bool {
    let bits = magnitude.to_bits();
    let biased = i32::try_from((bits >> 52) & 0x7ff).unwrap_or(0);
    let fraction = bits & ((1u64 << 52) - 1);
    let (mut mantissa, mut exponent) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased - 1075)
    };
    if mantissa == 0 {
        return true;
    }
    let zeros = mantissa.trailing_zeros();
    mantissa >>= zeros;
    exponent += i32::try_from(zeros).unwrap_or(0);
    if exponent >= 0 {
        // A whole number: the exact path decides.
        return true;
    }
    // magnitude = mantissa × 5^k / 10^k: its significant digits are those of mantissa × 5^k,
    // an odd number (so without trailing zeros).
    let mut digits = u128::from(mantissa);
    for _ in 0..exponent.unsigned_abs() {
        match digits.checked_mul(5) {
            Some(more) => digits = more,
            None => return false,
        }
    }
    digits < 10u128.pow(18)
}

/// [`shortest_digits`] with the tie check: the exact expansion tells whether Rust's digits
/// are the upper of two equally short candidates.
fn shortest_digits_exact(magnitude: f64, digits: String, exponent: i32) -> (String, i32) {
    // 1100 digits hold the whole exact expansion of any f64 (at most 767 significant digits).
    let (exact, exact_exponent) = split_scientific(&format!("{magnitude:.1100e}"));
    let exact = exact.trim_end_matches('0');
    let tie_candidates = exact
        .strip_suffix('5')
        .filter(|lower| !lower.is_empty())
        .and_then(|lower| {
            let last = lower.chars().last()?.to_digit(10)?;
            let upper = format!("{}{}", lower.get(..lower.len() - 1)?, last + 1);
            let lower_digits = i32::try_from(lower.len()).ok()?;
            Some((lower, last, upper, lower_digits))
        });
    if let Some((lower, last, upper, lower_digits)) = tie_candidates {
        let lower_reads_back = format!("{lower}e{}", exact_exponent - lower_digits + 1)
            .parse::<f64>()
            .is_ok_and(|v| v == magnitude);
        if last % 2 == 0
            && last != 9
            && upper == digits
            && exponent == exact_exponent
            && lower_reads_back
        {
            let lower = lower.trim_end_matches('0');
            let lower = if lower.is_empty() { "0" } else { lower };
            return (lower.to_string(), exact_exponent);
        }
    }
    (digits, exponent)
}

/// `"d.ddde±x"` as Rust prints it → (the digits without the point, the exponent).
fn split_scientific(text: &str) -> (String, i32) {
    let (mantissa, exponent) = text.split_once('e').unwrap_or((text, "0"));
    (
        mantissa.chars().filter(char::is_ascii_digit).collect(),
        exponent.parse().unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_repr() {
        let cases = [
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (123456789012345.6, "123456789012345.6"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1.5e-7, "1.5e-07"),
            (1e100, "1e+100"),
            (2.5e16, "2.5e+16"),
            (9007199254740993.0, "9007199254740992.0"),
            (123.456, "123.456"),
            (-1.5, "-1.5"),
            (1e22, "1e+22"),
            (5e-324, "5e-324"),
            // An exact tie between two shortest candidates: Python keeps the even digit.
            // (written as sums: the literals would trip clippy's excessive_precision)
            (1932959388700000.0 + 0.25, "1932959388700000.2"),
            (1932959388700000.0 + 0.75, "1932959388700000.8"),
            (53.3331, "53.3331"),
            (-6.2489, "-6.2489"),
        ];
        for (x, expected) in cases {
            assert_eq!(python_float_repr(x, false), expected, "{x:e}");
        }
        assert_eq!(python_float_repr(f64::NAN, true), "NaN");
        assert_eq!(python_float_repr(f64::NEG_INFINITY, false), "-inf");
    }

    /// The shortcut never changes the digits: the exact path agrees on floats spread over
    /// every magnitude, on short decimals, and on the halves and quarters that can tie.
    #[test]
    fn the_tie_shortcut_agrees_with_the_exact_expansion() {
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut floats = Vec::new();
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let x = f64::from_bits(state >> 1);
            if x.is_finite() && x != 0.0 {
                floats.push(x);
            }
        }
        for i in 1..2_000u32 {
            floats.push(f64::from(i) / 10_000.0);
            floats.push(f64::from(i) * 0.25);
            floats.push(1_932_959_388_700_000.0 + f64::from(i % 4) * 0.25);
        }
        floats.extend([5e-324, f64::MIN_POSITIVE, f64::MAX, 0.5, 1.5, 2.5, 1e23]);
        for x in floats {
            let (digits, exponent) = split_scientific(&format!("{x:e}"));
            assert_eq!(
                shortest_digits(x),
                shortest_digits_exact(x, digits, exponent),
                "{x:e}"
            );
        }
    }
}
