//! The CommonServerPython helpers integrations pass as `headerTransform`.

use super::str_methods::{python_capitalize, python_split_whitespace, python_title};
use super::HeaderTransform;

/// Apply one of the CommonServerPython header helpers to `header`.
pub fn header_transform(kind: HeaderTransform, header: &str) -> String {
    match kind {
        HeaderTransform::PascalToSpace => pascal_to_space(header),
        HeaderTransform::StringToTableHeader => string_to_table_header(header),
        HeaderTransform::UnderscoreToCamelCase => underscore_to_camel_case(header),
    }
}

/// `pascalToSpace(s)`: every match of `([A-Z]?[a-z]+)` (ASCII) is replaced, everywhere in the
/// evolving string, by `' ' + match.title() + ' '`; then whitespace runs collapse to one space.
fn pascal_to_space(s: &str) -> String {
    let mut text = s.to_string();
    for token in pascal_tokens(s) {
        text = text.replace(&token, &format!(" {} ", python_title(&token)));
    }
    python_split_whitespace(&text).collect::<Vec<_>>().join(" ")
}

/// `re.findall('([A-Z]?[a-z]+)', s)`.
fn pascal_tokens(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let is_lower = |i: usize| chars.get(i).is_some_and(char::is_ascii_lowercase);
    let is_upper = |i: usize| chars.get(i).is_some_and(char::is_ascii_uppercase);
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        let mut end = if is_upper(i) && is_lower(i + 1) {
            i + 1
        } else {
            i
        };
        if is_lower(end) {
            while is_lower(end) {
                end += 1;
            }
            tokens.push(chars.get(start..end).unwrap_or_default().iter().collect());
            i = end;
        } else {
            i += 1;
        }
    }
    tokens
}

/// `string_to_table_header(s)`: `_` → space, split on whitespace, `capitalize()` each word.
fn string_to_table_header(s: &str) -> String {
    python_split_whitespace(&s.replace('_', " "))
        .map(python_capitalize)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `underscoreToCamelCase(s)`: `''.join(x.title() for x in s.split('_'))`.
fn underscore_to_camel_case(s: &str) -> String {
    s.split('_').map(python_title).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_helpers() {
        let words = [
            "UserID",
            "AppID",
            "IsAssigned",
            "someKey",
            "ID",
            "thisIsIPAddressName",
            "xAx",
            "aa_aa",
            "some_key",
            "  a__b  c",
            "ǆa_ßb_ﬁx",
            "ΣΑΣ_ΑΣ a",
            "2fa_key",
            "\u{1c}x\u{1f}y",
            "camelCase_Word",
            "o'neil",
        ];
        let expected = [
            (
                HeaderTransform::PascalToSpace,
                [
                    "User ID",
                    "App ID",
                    "Is Assigned",
                    "Some Key",
                    "ID",
                    "This Is IP Address Name",
                    "X A X",
                    "Aa _ Aa",
                    "Some _ Key",
                    "A __ B C",
                    "ǆ A _ß B _ﬁ X",
                    "ΣΑΣ_ΑΣ A",
                    "2 Fa _ Key",
                    "X Y",
                    "Camel Case _ Word",
                    "O ' Neil",
                ],
            ),
            (
                HeaderTransform::StringToTableHeader,
                [
                    "Userid",
                    "Appid",
                    "Isassigned",
                    "Somekey",
                    "Id",
                    "Thisisipaddressname",
                    "Xax",
                    "Aa Aa",
                    "Some Key",
                    "A B C",
                    "ǅa Ssb Fix",
                    "Σας Ας A",
                    "2fa Key",
                    "X Y",
                    "Camelcase Word",
                    "O'neil",
                ],
            ),
            (
                HeaderTransform::UnderscoreToCamelCase,
                [
                    "Userid",
                    "Appid",
                    "Isassigned",
                    "Somekey",
                    "Id",
                    "Thisisipaddressname",
                    "Xax",
                    "AaAa",
                    "SomeKey",
                    "  AB  C",
                    "ǅaSsbFix",
                    "ΣαςΑς A",
                    "2FaKey",
                    "\u{1c}X\u{1f}Y",
                    "CamelcaseWord",
                    "O'Neil",
                ],
            ),
        ];
        for (kind, outputs) in expected {
            for (word, output) in words.iter().zip(outputs) {
                assert_eq!(header_transform(kind, word), output, "{kind:?}({word:?})");
            }
        }
    }
}
