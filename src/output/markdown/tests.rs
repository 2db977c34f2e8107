//! Every expected string below was produced by the real CommonServerPython
//! `tableToMarkdown` (the examples XSOAR documents for it, and the same code run locally for
//! the extra cases), with `TZ=UTC` for `date_fields`.

use super::render::render;
use super::*;
use chrono::Utc;
use serde_json::json;
use serde_json::Map;

fn o() -> TableOptions {
    TableOptions::new()
}

fn headers(names: &[&str]) -> TableOptions {
    TableOptions {
        headers: Some(names.iter().map(|s| s.to_string()).collect()),
        ..o()
    }
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Render `input` in UTC and compare with Python's output byte for byte.
fn check(name: &str, input: Value, options: TableOptions, expected: &str) {
    let got = render(name, &input, &options, &Utc);
    assert_eq!(
        got,
        Ok(expected.to_string()),
        "T({name:?}, {input}, {options:?})"
    );
}

fn check_err(name: &str, input: Value, options: TableOptions, expected: MarkdownError) {
    let got = render(name, &input, &options, &Utc);
    assert_eq!(got, Err(expected), "T({name:?}, {input}, {options:?})");
}

/// The documented examples of `tableToMarkdown`, in order. Skipped, because JSON cannot
/// express them:
/// `T('D', [{'t': datetime(...)}])` (a Python `datetime` value) and
/// `T('IK', [{1: 'a'}], headers=[1])` (an integer dict key and header).
#[test]
fn section_3_2_examples() {
    let rn_row = |b: i64| json!({"a": null, "b": b, "c": "", "d": [], "e": {}});
    let cases: Vec<(&str, Value, TableOptions, &str)> = vec![
            (
                "Title",
                json!([{"b": 2, "a": 1}, {"a": "x", "b": "y"}]),
                o(),
                "### Title\n|a|b|\n|---|---|\n| 1 | 2 |\n| x | y |\n",
            ),
            // `T(None, ...)` is the same as an empty name.
            ("", json!([{"a": 1}]), o(), "|a|\n|---|\n| 1 |\n"),
            (
                "One",
                json!({"id": 7, "name": "n"}),
                o(),
                "### One\n|id|name|\n|---|---|\n| 7 | n |\n",
            ),
            (
                "K",
                json!({"ips": ["1.1.1.1", "2.2.2.2"]}),
                o(),
                "### K\n|ips|\n|---|\n| 1.1.1.1 |\n| 2.2.2.2 |\n",
            ),
            (
                "K",
                json!({"k": {"a": 1}}),
                o(),
                "### K\n|k|\n|---|\n|  |\n",
            ),
            ("Empty", json!([]), o(), "### Empty\n**No entries.**\n"),
            ("Empty", json!({}), o(), "### Empty\n**No entries.**\n"),
            ("Empty", Value::Null, o(), "### Empty\n**No entries.**\n"),
            ("", json!([]), o(), "**No entries.**\n"),
            (
                "Empty",
                json!([]),
                TableOptions {
                    metadata: Some("meta text".into()),
                    ..o()
                },
                "### Empty\nmeta text\n**No entries.**\n",
            ),
            (
                "M",
                json!([{"a": 1}]),
                TableOptions {
                    metadata: Some("Showing 1 of 10".into()),
                    ..o()
                },
                "### M\nShowing 1 of 10\n|a|\n|---|\n| 1 |\n",
            ),
            (
                "H",
                json!([{"a": 1, "b": 2}]),
                headers(&["b", "c", "a"]),
                "### H\n|b|c|a|\n|---|---|---|\n| 2 |  | 1 |\n",
            ),
            (
                "S",
                json!(["x", "y"]),
                headers(&["Value"]),
                "### S\n|Value|\n|---|\n| x |\n| y |\n",
            ),
            (
                "N",
                json!([{"a": null, "b": 1}]),
                o(),
                "### N\n|a|b|\n|---|---|\n|  | 1 |\n",
            ),
            (
                "B",
                json!([{"t": true, "f": false}]),
                o(),
                "### B\n|f|t|\n|---|---|\n| false | true |\n",
            ),
            (
                "Z",
                json!([{"z": 0, "e": ""}]),
                o(),
                "### Z\n|e|z|\n|---|---|\n|  | 0 |\n",
            ),
            (
                "F",
                json!([{"f": 1.5, "g": 1e20}]),
                o(),
                "### F\n|f|g|\n|---|---|\n| 1.5 | 1e+20 |\n",
            ),
            (
                "L",
                json!([{"l": ["a", "b", 3]}]),
                o(),
                "### L\n|l|\n|---|\n| a,<br>b,<br>3 |\n",
            ),
            (
                "LV",
                json!([{"l": [null, true, 1.0]}]),
                o(),
                "### LV\n|l|\n|---|\n| None,<br>True,<br>1.0 |\n",
            ),
            (
                "LD",
                json!([{"l": [{"x": 1}, {"y": 2}]}]),
                o(),
                "### LD\n|l|\n|---|\n| {'x': 1},<br>{'y': 2} |\n",
            ),
            (
                "EL",
                json!([{"l": [], "d": {}}]),
                o(),
                "### EL\n|d|l|\n|---|---|\n|  |  |\n",
            ),
            (
                "D",
                json!([{"d": {"k": "v", "n": 1}}]),
                o(),
                "### D\n|d|\n|---|\n| k: v<br>n: 1 |\n",
            ),
            (
                "DN",
                json!([{"d": {"k": {"x": [1, 2]}, "s": "str"}}]),
                o(),
                "### DN\n|d|\n|---|\n| k: {\"x\": [1, 2]}<br>s: str |\n",
            ),
            (
                "DL",
                json!([{"d": {"k": ["a", "b"]}}]),
                o(),
                "### DL\n|d|\n|---|\n| k: a,<br>b |\n",
            ),
            (
                "DV",
                json!([{"d": {"n": null, "b": true, "s": "x|y"}}]),
                o(),
                "### DV\n|d|\n|---|\n| n: null<br>b: true<br>s: x\\|y |\n",
            ),
            (
                "NL",
                json!([{"v": "line1\nline2\r\nline3\rline4"}]),
                o(),
                "### NL\n|v|\n|---|\n| line1<br>line2<br>line3<br>line4 |\n",
            ),
            (
                "P",
                json!([{"v": "a|b`c"}]),
                o(),
                "### P\n|v|\n|---|\n| a\\|b\\`c |\n",
            ),
            (
                "MD",
                json!([{"v": "*bold* _i_ [x](y) #h <b>"}]),
                o(),
                "### MD\n|v|\n|---|\n| *bold* _i_ [x](y) #h <b> |\n",
            ),
            (
                "BS",
                json!([{"v": "a\\b*c"}]),
                o(),
                "### BS\n|v|\n|---|\n| a\\b*c |\n",
            ),
            (
                "PH",
                json!([{"a|b": 1}]),
                o(),
                "### PH\n|a\\|b|\n|---|\n| 1 |\n",
            ),
            (
                "HN",
                json!([{"a\nb": 1}]),
                o(),
                "### HN\n|a<br>b|\n|---|\n| 1 |\n",
            ),
            (
                "A | B",
                json!([{"v": 1}]),
                o(),
                "### A | B\n|v|\n|---|\n| 1 |\n",
            ),
            (
                "U",
                json!([{"v": "héllo ✓"}]),
                o(),
                "### U\n|v|\n|---|\n| héllo ✓ |\n",
            ),
            (
                "SP",
                json!([{"v": "  pad  "}]),
                o(),
                "### SP\n|v|\n|---|\n|   pad   |\n",
            ),
            (
                "RN",
                json!([rn_row(1), rn_row(2)]),
                TableOptions {
                    remove_null: true,
                    ..o()
                },
                "### RN\n|b|\n|---|\n| 1 |\n| 2 |\n",
            ),
            (
                "X",
                json!([{"a": null, "b": ""}]),
                TableOptions {
                    remove_null: true,
                    ..o()
                },
                "### X\n**No entries.**\n",
            ),
            (
                "RK",
                json!([{"a": 1}, {"b": 2}]),
                o(),
                "### RK\n|a|\n|---|\n| 1 |\n|  |\n",
            ),
            (
                "SH",
                json!([{"b": 2, "a": 1}]),
                TableOptions {
                    sort_headers: false,
                    ..o()
                },
                "### SH\n|b|a|\n|---|---|\n| 2 | 1 |\n",
            ),
            (
                "S",
                json!([{"b": 1, "A": 2, "a": 3, "_z": 4, "Z": 5}]),
                o(),
                "### S\n|A|Z|_z|a|b|\n|---|---|---|---|---|\n| 2 | 5 | 4 | 3 | 1 |\n",
            ),
            (
                "HT",
                json!([{"someKey": 1, "ID": 2}]),
                TableOptions {
                    header_transform: Some(HeaderTransform::PascalToSpace),
                    ..o()
                },
                "### HT\n|ID|Some Key|\n|---|---|\n| 2 | 1 |\n",
            ),
            (
                "HT2",
                json!([{"some_key": 1}]),
                TableOptions {
                    header_transform: Some(HeaderTransform::StringToTableHeader),
                    ..o()
                },
                "### HT2\n|Some Key|\n|---|\n| 1 |\n",
            ),
            (
                "HT3",
                json!([{"some_key": 1}]),
                TableOptions {
                    header_transform: Some(HeaderTransform::UnderscoreToCamelCase),
                    ..o()
                },
                "### HT3\n|SomeKey|\n|---|\n| 1 |\n",
            ),
            (
                "U",
                json!([{"url": "https://e.com", "n": 1}]),
                TableOptions {
                    url_keys: strings(&["url"]),
                    ..o()
                },
                "### U\n|n|url|\n|---|---|\n| 1 | [https://e.com](https://e.com) |\n",
            ),
            (
                "U2",
                json!([{"url": ["https://a", "https://b"]}]),
                TableOptions {
                    url_keys: strings(&["url"]),
                    ..o()
                },
                "### U2\n|url|\n|---|\n| [https://a](https://a),<br>[https://b](https://b) |\n",
            ),
            (
                "DF",
                json!([{"t": 0}]),
                TableOptions {
                    date_fields: strings(&["t"]),
                    ..o()
                },
                "### DF\n|t|\n|---|\n| 1970-01-01 00:00:00 |\n",
            ),
            (
                "AJ",
                json!([{"d": {"k": "v", "x": {"y": 1}}, "l": [{"a": 1}, {"a": 2}]}]),
                TableOptions {
                    auto_json_transform: true,
                    ..o()
                },
                "### AJ\n|d|l|\n|---|---|\n| ***k***: v<br>**x**:<br>\t***y***: 1 | **-**\t***a***: 1<br>**-**\t***a***: 2 |\n",
            ),
        ];
    for (name, input, options, expected) in cases {
        check(name, input, options, expected);
    }
    // `T('S', ['a'])`: a list of scalars needs headers.
    check_err("S", json!(["a"]), o(), MarkdownError::MissingHeaders);
}

#[test]
fn missing_headers_message_is_pythons() {
    assert_eq!(
        MarkdownError::MissingHeaders.to_string(),
        "Missing headers param for tableToMarkdown. Example: headers=['Some Header']"
    );
    assert_eq!(
        table("S", &json!(["a"])),
        Err(MarkdownError::MissingHeaders)
    );
}

#[test]
fn default_options_sort_headers() {
    assert!(TableOptions::default().sort_headers);
    assert!(TableOptions::new().sort_headers);
    assert_eq!(
        table("T", &json!([{"b": 1, "a": 2}])).as_deref(),
        Ok("### T\n|a|b|\n|---|---|\n| 2 | 1 |\n")
    );
}

/// Table shapes and Python exceptions beyond those examples (outputs from the real code).
#[test]
fn shapes_and_errors() {
    let cases: Vec<(&str, Value, TableOptions, &str)> = vec![
        (
            "ST",
            json!("abc"),
            headers(&["h"]),
            "### ST\n|h|\n|---|\n| abc |\n",
        ),
        ("X", json!(0), o(), "### X\n**No entries.**\n"),
        ("X", json!(""), o(), "### X\n**No entries.**\n"),
        ("X", json!(false), o(), "### X\n**No entries.**\n"),
        ("X", json!({"k": "v"}), o(), "### X\n|k|\n|---|\n| v |\n"),
        ("X", json!({"k": null}), o(), "### X\n|k|\n|---|\n|  |\n"),
        ("X", json!([{}]), o(), "### X\n**No entries.**\n"),
        (
            "X",
            json!(["a", {"b": 1}]),
            headers(&["V"]),
            "### X\n|V|\n|---|\n| a |\n| b: 1 |\n",
        ),
        // `headers=[]` is falsy in Python: the first row's keys are used.
        (
            "X",
            json!([{"a": 1}]),
            headers(&[]),
            "### X\n|a|\n|---|\n| 1 |\n",
        ),
        // Explicit headers turn off the single-key column table.
        (
            "X",
            json!({"k": [1, 2]}),
            headers(&["k"]),
            "### X\n|k|\n|---|\n| 1,<br>2 |\n",
        ),
    ];
    for (name, input, options, expected) in cases {
        check(name, input, options, expected);
    }

    let type_error = |m: &str| MarkdownError::TypeError(m.to_string());
    let attribute_error = |m: &str| MarkdownError::AttributeError(m.to_string());
    check_err(
        "",
        json!(5),
        o(),
        type_error("object of type 'int' has no len()"),
    );
    check_err(
        "",
        json!(true),
        o(),
        type_error("object of type 'bool' has no len()"),
    );
    check_err(
        "",
        json!(1.5),
        o(),
        type_error("object of type 'float' has no len()"),
    );
    check_err(
        "X",
        json!({"k": []}),
        o(),
        MarkdownError::IndexError("list index out of range".into()),
    );
    check_err(
        "X",
        json!([{"a": 1}, 5]),
        o(),
        attribute_error("'int' object has no attribute 'copy'"),
    );
    check_err(
        "X",
        json!([{"a": 1}, [1]]),
        o(),
        attribute_error("'list' object has no attribute 'get'"),
    );
    let remove_null = TableOptions {
        remove_null: true,
        ..o()
    };
    check_err(
        "X",
        json!([{"a": null}, "x"]),
        remove_null.clone(),
        attribute_error("'str' object has no attribute 'get'"),
    );
    check_err(
        "X",
        json!([{"a": 1}, "x"]),
        remove_null,
        attribute_error("'str' object has no attribute 'copy'"),
    );
}

/// Python `str()`/`repr()` of list items and `json.dumps` of nested values.
#[test]
fn repr_and_json_dumps() {
    check(
            "R",
            json!([{"l": [
                "it's", "say \"hi\"", "both ' \"", "back\\slash", "tab\tnl\ncr\r",
                "\u{0}\u{1b}\u{7f}", "\u{85}\u{a0}\u{ad}", "\u{200b}\u{2028}é✓",
                "\u{e0001}\u{1f600}",
                {"k'": ["n", 1, 2.5, null, true, false, [], {}]}
            ]}]),
            o(),
            "### R\n|l|\n|---|\n| it's,<br>say \"hi\",<br>both ' \",<br>back\\slash,<br>tab\tnl<br>cr<br>,<br>\u{0}\u{1b}\u{7f},<br>\u{85}\u{a0}\u{ad},<br>\u{200b}\u{2028}é✓,<br>\u{e0001}😀,<br>{\"k'\": ['n', 1, 2.5, None, True, False, [], {}]} |\n",
        );
    // Nested strings are repr'd: quote choice and escapes.
    let nested = json!([
        "it's",
        "say \"hi\"",
        "both ' \"",
        "back\\slash",
        "tab\tnl\ncr\r",
        "\u{0}\u{1b}\u{7f}",
        "\u{85}\u{a0}\u{ad}",
        "\u{200b}\u{2028}é✓",
        "\u{e0001}\u{1f600}"
    ]);
    assert_eq!(
        python_repr(&nested),
        "[\"it's\", 'say \"hi\"', 'both \\' \"', 'back\\\\slash', 'tab\\tnl\\ncr\\r', \
             '\\x00\\x1b\\x7f', '\\x85\\xa0\\xad', '\\u200b\\u2028é✓', '\\U000e0001😀']"
    );
    check(
            "J",
            json!([{"d": {"a": {
                "s": "q\"\\\u{8}\u{c}\n\r\t\u{1}\u{7f}\u{2028}é",
                "n": [1, -2, 0.1, 1e16, 1e15, 1e-5, 0.0001, -0.0, 12345678901234567890u64,
                      1.7976931348623157e308, 5e-324]
            }}}]),
            o(),
            "### J\n|d|\n|---|\n| a: {\"s\": \"q\\\"\\\\\\b\\f\\n\\r\\t\\u0001\u{7f}\u{2028}é\", \"n\": [1, -2, 0.1, 1e+16, 1000000000000000.0, 1e-05, 0.0001, -0.0, 12345678901234567890, 1.7976931348623157e+308, 5e-324]} |\n",
        );
}

#[test]
fn auto_json_transform() {
    let auto = || TableOptions {
        auto_json_transform: true,
        ..o()
    };
    check(
            "X",
            json!([{"a": 5, "b": true, "c": [], "d": {}, "e": ["x", "y"], "f": "s"}]),
            auto(),
            "### X\n|a|b|c|d|e|f|\n|---|---|---|---|---|---|\n|  |  | ***values***:  |  | ***values***: x, y | s |\n",
        );
    check(
            "X",
            json!([{"a": {"b": {"c": 1, "d": [{"e": 2, "f": 3}, {"g": {"h": 4}}]}, "i": 5}, "j": 6}]),
            auto(),
            "### X\n|a|j|\n|---|---|\n| **b**:<br>\t***c***: 1<br>\t**d**:<br>\t\t**-**\t***e***: 2<br>\t\t\t***f***: 3<br>\t\t**-**\t\t\t**g**:<br>\t\t\t\t***h***: 4<br>***i***: 5 |  |\n",
        );
    check(
        "X",
        json!([{"a": [[{"x": 1}], ["s"]]}]),
        auto(),
        "### X\n|a|\n|---|\n| **-**\t**-**\t***x***: 1<br>**-**\t***values***: s |\n",
    );
    check_err(
        "X",
        json!([{"a": [1, 2]}]),
        auto(),
        MarkdownError::TypeError("sequence item 0: expected str instance, int found".into()),
    );
    check_err(
        "X",
        json!([{"a": ["x", {"q": 1}]}]),
        auto(),
        MarkdownError::TypeError("sequence item 1: expected str instance, dict found".into()),
    );
}

#[test]
fn url_keys() {
    check(
            "X",
            json!([{"u": 0, "v": {"u": "x", "w": [{"u": 5}]}, "x": [null, 1.5, {"a": 1}]}]),
            TableOptions {
                url_keys: strings(&["u", "x"]),
                ..o()
            },
            "### X\n|u|v|x|\n|---|---|---|\n|  | u: [x](x)<br>w: {'u': '[5](5)'} | [None](None),<br>[1.5](1.5),<br>[{'a': 1}]({'a': 1}) |\n",
        );
    check(
        "X",
        json!({"u": "http://a"}),
        TableOptions {
            url_keys: strings(&["u"]),
            ..o()
        },
        "### X\n|u|\n|---|\n| [http://a](http://a) |\n",
    );
}

#[test]
fn date_fields() {
    check(
            "D",
            json!([{
                "a": 1700000000123u64, "b": "1_700_000_000_000", "c": -1, "d": 1.9e12,
                "e": true, "f": "x", "g": null, "h": -62135596800000i64,
                "i": -62135596800001i64, "j": 253402300799999u64, "k": 253402300800000u64,
                "l": " +86400000 "
            }]),
            TableOptions {
                date_fields: strings(&[
                    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "zz",
                ]),
                ..o()
            },
            "### D\n|a|b|c|d|e|f|g|h|i|j|k|l|\n|---|---|---|---|---|---|---|---|---|---|---|---|\n| 2023-11-14 22:13:20 | 2023-11-14 22:13:20 | 1969-12-31 23:59:59 | 2030-03-17 17:46:40 | 1970-01-01 00:00:00 | x |  | -62135596800000 | -62135596800001 | 9999-12-31 23:59:59 | 253402300800000 | 1970-01-02 00:00:00 |\n",
        );
}

#[test]
fn escape_cell_is_minimal_and_multiline() {
    assert_eq!(
        escape_cell("a|b`c\r\nd\re\nf*_[]#\\"),
        "a\\|b\\`c<br>d<br>e<br>f*_[]#\\"
    );
}

#[test]
fn public_entry_point_matches_renderer() {
    let input = json!([{"b": [1.0, {"k": "v"}], "a": "x|y"}]);
    assert_eq!(
        table_to_markdown("T", &input, &o()),
        render("T", &input, &o(), &Utc)
    );
}

#[test]
fn table_stream_equals_the_whole_table() {
    let rows = json!([
        {"uuid": "b", "a": 1, "nested": {"k": [1, 2]}, "l": ["x", null]},
        {"uuid": "c|d", "a": null, "extra": true},
        {"a": "line\nbreak"}
    ]);
    let first = rows[0].as_object().unwrap();
    let (stream, mut text) = TableStream::start("Okta Log Events:", first);
    for row in rows.as_array().unwrap() {
        text.push_str(&stream.row(row).unwrap());
    }
    assert_eq!(text, table("Okta Log Events:", &rows).unwrap());
    let (empty, head) = TableStream::start("T", &Map::new());
    assert_eq!(head, "### T\n**No entries.**\n");
    assert_eq!(empty.row(&json!({"a": 1})).unwrap(), "");
    assert_eq!(table("T", &json!([{}, {"a": 1}])).unwrap(), head);
}
