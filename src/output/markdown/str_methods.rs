//! The Python 3.11 `str` methods the header helpers rely on (`isspace`, `split()`, `title`,
//! `capitalize`, `lower`), with Python's Unicode 14.0 view of case where Rust's newer tables
//! differ.

use super::unicode::is_assigned_in_python;

/// Python's `str.isspace` for one character: Unicode White_Space plus U+001C..U+001F.
pub(super) fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// `s.split()` with no argument.
pub(super) fn python_split_whitespace(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_python_space).filter(|word| !word.is_empty())
}

/// `str.title()`: a character following a cased character is lowercased, any other is
/// title-cased.
pub(super) fn python_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut previous_is_cased = false;
    for (c, lower) in s.chars().zip(python_lower_each(s)) {
        if previous_is_cased {
            out.push_str(&lower);
        } else {
            push_python_title_case(c, &mut out);
        }
        previous_is_cased = is_cased(c);
    }
    out
}

/// `str.capitalize()` (Python 3.8+): the first character title-cased, the rest lowercased.
pub(super) fn python_capitalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, (c, lower)) in s.chars().zip(python_lower_each(s)).enumerate() {
        if i == 0 {
            push_python_title_case(c, &mut out);
        } else {
            out.push_str(&lower);
        }
    }
    out
}

/// The lowercase of each character of `s` in context, as CPython's `lower_ucs4`: only capital
/// sigma depends on its neighbours (final `ς` vs `σ`), and Rust's `str::to_lowercase` applies
/// the same Final_Sigma rule, so its output is read back character by character. Characters
/// whose Unicode properties differ between Python 3.11 and Rust are first replaced by stand-ins
/// with Python's properties (see [`python_stand_in`]).
fn python_lower_each(s: &str) -> Vec<String> {
    let stand_ins: Vec<char> = s.chars().map(python_stand_in).collect();
    let whole: String = stand_ins.iter().collect::<String>().to_lowercase();
    let mut lowered = whole.chars();
    s.chars()
        .zip(stand_ins)
        .map(|(c, stand_in)| {
            if c == 'Σ' {
                lowered.next().unwrap_or('σ').to_string()
            } else {
                for _ in stand_in.to_lowercase() {
                    lowered.next();
                }
                python_case_map(c, c.to_lowercase())
            }
        })
        .collect()
}

/// A character with the same Cased and Case_Ignorable properties in Rust as `c` has in
/// Python 3.11 (Unicode 14.0), for the characters where the two differ (found by comparing
/// every code point with CPython): characters unassigned in Unicode 14.0 are neither (`\0`);
/// U+0295 `ʕ` was a lowercase letter until Unicode 16 (`a`); the modifier letters U+10FC,
/// U+A7F2..U+A7F4 and U+AB69 were not cased yet, and U+1171E was a nonspacing mark, so all
/// of them were case ignorable only (`'`).
fn python_stand_in(c: char) -> char {
    match u32::from(c) {
        0x295 => 'a',
        0x10FC | 0xA7F2..=0xA7F4 | 0xAB69 | 0x1171E => '\'',
        _ if !is_assigned_in_python(c) => '\0',
        _ => c,
    }
}

/// Unicode "Cased": lowercase, uppercase or titlecase letter (`_PyUnicode_IsCased`), with
/// Python 3.11's view of the characters that changed since.
fn is_cased(c: char) -> bool {
    let c = python_stand_in(c);
    c.is_lowercase()
        || c.is_uppercase()
        || matches!(
            u32::from(c),
            0x1C5 | 0x1C8 | 0x1CB | 0x1F2 | 0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF
                | 0x1FBC | 0x1FCC | 0x1FFC
        )
}

/// `_PyUnicode_ToTitleFull(c)`: the uppercase mapping except for the characters whose title
/// case differs from their upper case (digraphs, ligatures, Georgian, Greek iota subscripts),
/// listed from Python 3.11's tables.
fn push_python_title_case(c: char, out: &mut String) {
    let code = u32::from(c);
    let special: Option<&str> = match code {
        0xDF => Some("Ss"),
        0x587 => Some("\u{535}\u{582}"),
        0x1FB2 => Some("\u{1FBA}\u{345}"),
        0x1FB4 => Some("\u{386}\u{345}"),
        0x1FB7 => Some("\u{391}\u{342}\u{345}"),
        0x1FC2 => Some("\u{1FCA}\u{345}"),
        0x1FC4 => Some("\u{389}\u{345}"),
        0x1FC7 => Some("\u{397}\u{342}\u{345}"),
        0x1FF2 => Some("\u{1FFA}\u{345}"),
        0x1FF4 => Some("\u{38F}\u{345}"),
        0x1FF7 => Some("\u{3A9}\u{342}\u{345}"),
        0xFB00 => Some("Ff"),
        0xFB01 => Some("Fi"),
        0xFB02 => Some("Fl"),
        0xFB03 => Some("Ffi"),
        0xFB04 => Some("Ffl"),
        0xFB05 | 0xFB06 => Some("St"),
        0xFB13 => Some("\u{544}\u{576}"),
        0xFB14 => Some("\u{544}\u{565}"),
        0xFB15 => Some("\u{544}\u{56B}"),
        0xFB16 => Some("\u{54E}\u{576}"),
        0xFB17 => Some("\u{544}\u{56D}"),
        _ => None,
    };
    if let Some(text) = special {
        out.push_str(text);
        return;
    }
    let single: Option<u32> = match code {
        0x1C4..=0x1C6 => Some(0x1C5),
        0x1C7..=0x1C9 => Some(0x1C8),
        0x1CA..=0x1CC => Some(0x1CB),
        0x1F1..=0x1F3 => Some(0x1F2),
        // Georgian Mkhedruli: uppercase is Mtavruli, title case is the letter itself.
        0x10D0..=0x10FA | 0x10FD..=0x10FF => Some(code),
        0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7 => Some(code + 8),
        0x1F88..=0x1F8F | 0x1F98..=0x1F9F | 0x1FA8..=0x1FAF | 0x1FBC | 0x1FCC | 0x1FFC => {
            Some(code)
        }
        0x1FB3 => Some(0x1FBC),
        0x1FC3 => Some(0x1FCC),
        0x1FF3 => Some(0x1FFC),
        _ => None,
    };
    match single.and_then(char::from_u32) {
        Some(mapped) => out.push(mapped),
        None => out.push_str(&python_case_map(c, c.to_uppercase())),
    }
}

/// Rust's case mapping `mapped` of `c`, or `c` itself where Python 3.11 has no mapping:
/// `c` is newer than Unicode 14.0, or the mapping is to a newer character (such as
/// `ƛ` → U+A7DC, added in Unicode 16).
fn python_case_map(c: char, mapped: impl Iterator<Item = char> + Clone) -> String {
    if is_assigned_in_python(c) && mapped.clone().all(is_assigned_in_python) {
        mapped.collect()
    } else {
        c.to_string()
    }
}
