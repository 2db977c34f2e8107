//! Mapper-level tests: the shipped mappers, an App-Sync-style mapper over a System Log event,
//! every transformer and operator through a loaded mapper, load errors, and the registry.

use serde_json::{json, Value};

use super::*;
use crate::okta::vendor::{INCOMING_DEFAULT, OUTGOING_DEFAULT};
use crate::vendor::Vendor;

const APP_SYNC: &str = include_str!("../../fixtures/mappers/app-sync-style-mapper.json");
const UPDATE_EVENT: &str =
    include_str!("../../fixtures/mappers/system-log-update-profile-event.json");

fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/mappers")
        .join(name)
}

/// A mapper with one type "T" and one field "out".
fn one_field(field: Value) -> Result<Mapper, MapperError> {
    let doc = json!({
        "id": "one", "name": "one", "type": "mapping-incoming", "version": -1,
        "mapping": {"T": {"dontMapEventToLabels": false, "internalMapping": {"out": field}}}
    });
    Mapper::from_json("test.json", &doc.to_string())
}

/// Maps `source` with the single field `field`; the value of "out", or None when omitted.
fn map_field(field: Value, source: &Value) -> Option<Value> {
    let m = one_field(field.clone()).unwrap_or_else(|e| panic!("{field}: {e}"));
    let mut out = m
        .map(source, "T")
        .unwrap_or_else(|e| panic!("{field}: {e}"));
    out.remove("out")
}

fn simple(path: &str) -> Value {
    json!({"simple": path, "complex": null})
}

fn complex(root: &str, filters: Value, accessor: &str, transformers: Value) -> Value {
    json!({"simple": "", "complex": {
        "root": root, "filters": filters, "accessor": accessor, "transformers": transformers
    }})
}

fn lit(v: &str) -> Value {
    json!({"isContext": false, "value": {"simple": v, "complex": null}})
}

fn ctx(path: &str) -> Value {
    json!({"isContext": true, "value": {"simple": path, "complex": null}})
}

fn cond(left: Value, op: &str, right: Value, ignore_case: bool) -> Value {
    json!({"left": left, "operator": op, "right": right, "ignoreCase": ignore_case})
}

fn tr(op: &str, args: Value) -> Value {
    json!({"operator": op, "args": args})
}

fn full_user_profile() -> Value {
    json!({
        "email": "jane.doe@example.com",
        "username": "jane.doe@example.com",
        "givenname": "Jane",
        "surname": "Doe",
        "displayname": "Jane Doe",
        "employeeid": "E1234",
        "employeetype": "Full-Time",
        "department": "Engineering",
        "title": "Staff Engineer",
        "city": "Lisbon",
        "state": "Lisboa",
        "zipcode": "1000-001",
        "streetaddress": "Rua Augusta 1",
        "mobilephone": "+351 910 000 000",
        "organization": "Example Corp",
        "costcenter": "CC-42",
        "managername": "John Boss",
        "id": "00ujdoe1",
        "olduserdata": {"email": "jane.old@example.com"}
    })
}

#[test]
fn builtin_mappers_load() {
    let reg = crate::okta::vendor::default_mappers();
    assert_eq!(reg.names(), vec![INCOMING_DEFAULT, OUTGOING_DEFAULT]);
    let inc = reg.get(INCOMING_DEFAULT).unwrap();
    assert_eq!(inc.kind(), MapperKind::Incoming);
    assert_eq!(inc.type_names(), vec!["User Profile"]);
    assert_eq!(inc.field_names("User Profile").unwrap().len(), 17);
    let out = reg.get(OUTGOING_DEFAULT).unwrap();
    assert_eq!(out.kind(), MapperKind::Outgoing);
    assert_eq!(
        out.type_names(),
        vec!["User Profile - Create", "User Profile - Update"]
    );
    assert_eq!(
        out.field_names("User Profile - Create").unwrap(),
        out.field_names("User Profile - Update").unwrap()
    );
    assert!(out.origin().starts_with("builtin:"));
    assert_eq!(out.id(), OUTGOING_DEFAULT);
    assert!(!out.description().is_empty());
}

#[test]
fn builtin_files_are_xsoar_exports() {
    for item in crate::okta::vendor::OKTA.package().profile_mappers.items() {
        let (origin, text) = (item.file_name, item.json);
        let doc: Value = serde_json::from_str(text).unwrap();
        for key in [
            "id",
            "name",
            "description",
            "type",
            "fromVersion",
            "mapping",
        ] {
            assert!(doc.get(key).is_some(), "{origin} lacks {key}");
        }
        assert_eq!(doc["version"], json!(-1), "{origin}");
        assert_eq!(doc["id"], doc["name"], "{origin}");
        for (t, entry) in doc["mapping"].as_object().unwrap() {
            assert!(entry["dontMapEventToLabels"].is_boolean(), "{origin} {t}");
            for (f, spec) in entry["internalMapping"].as_object().unwrap() {
                assert!(spec["simple"].is_string(), "{origin} {t} {f}");
                assert!(spec.get("complex").is_some(), "{origin} {t} {f}");
            }
        }
    }
}

#[test]
fn outgoing_then_incoming_round_trip() {
    let reg = crate::okta::vendor::default_mappers();
    let profile = full_user_profile();
    let okta = reg
        .get(OUTGOING_DEFAULT)
        .unwrap()
        .map(&profile, "User Profile - Create")
        .unwrap();
    let expected_okta = json!({
        "login": "jane.doe@example.com",
        "email": "jane.doe@example.com",
        "firstName": "Jane",
        "lastName": "Doe",
        "displayName": "Jane Doe",
        "employeeNumber": "E1234",
        "userType": "Full-Time",
        "department": "Engineering",
        "title": "Staff Engineer",
        "manager": "John Boss",
        "organization": "Example Corp",
        "costCenter": "CC-42",
        "mobilePhone": "+351 910 000 000",
        "streetAddress": "Rua Augusta 1",
        "city": "Lisbon",
        "state": "Lisboa",
        "zipCode": "1000-001"
    });
    assert_eq!(Value::Object(okta.clone()), expected_okta);
    // Keys come out in file order.
    let keys: Vec<&str> = okta.keys().map(String::as_str).collect();
    assert_eq!(&keys[..4], &["login", "email", "firstName", "lastName"]);
    // Update maps the same.
    let update = reg
        .get(OUTGOING_DEFAULT)
        .unwrap()
        .map(&profile, "User Profile - Update")
        .unwrap();
    assert_eq!(update, okta);

    let back = reg
        .get(INCOMING_DEFAULT)
        .unwrap()
        .map(&Value::Object(okta), "User Profile")
        .unwrap();
    let expected_back = json!({
        "Email": "jane.doe@example.com",
        "Username": "jane.doe@example.com",
        "Given Name": "Jane",
        "Surname": "Doe",
        "Display Name": "Jane Doe",
        "Employee ID": "E1234",
        "Employee Type": "Full-Time",
        "Department": "Engineering",
        "Title": "Staff Engineer",
        "Manager Name": "John Boss",
        "Organization": "Example Corp",
        "Cost Center": "CC-42",
        "Mobile Phone": "+351 910 000 000",
        "Street Address": "Rua Augusta 1",
        "City": "Lisbon",
        "State": "Lisboa",
        "Zip Code": "1000-001"
    });
    assert_eq!(Value::Object(back), expected_back);
}

#[test]
fn null_and_missing_fields_are_omitted() {
    let reg = crate::okta::vendor::default_mappers();
    let profile = json!({
        "email": "a@example.com",
        "username": "a@example.com",
        "givenname": "A",
        "surname": null,
        "department": [],
        "title": [null],
        "city": ""
    });
    let okta = reg
        .get(OUTGOING_DEFAULT)
        .unwrap()
        .map(&profile, "User Profile - Create")
        .unwrap();
    assert_eq!(
        Value::Object(okta),
        json!({"login": "a@example.com", "email": "a@example.com", "firstName": "A", "city": ""})
    );
    // Not an object at all: nothing maps, nothing fails.
    for source in [
        json!(null),
        json!(42),
        json!("text"),
        json!([]),
        json!([1, 2]),
    ] {
        let out = reg
            .get(INCOMING_DEFAULT)
            .unwrap()
            .map(&source, "User Profile")
            .unwrap();
        assert!(out.is_empty(), "{source}");
    }
}

#[test]
fn app_sync_style_mapper_over_a_system_log_event() {
    let mut reg = MapperRegistry::new();
    let name = reg
        .load_json("fixtures/app-sync-style-mapper.json", APP_SYNC)
        .unwrap();
    let m = reg.get(&name).unwrap();
    let event: Value = serde_json::from_str(UPDATE_EVENT).unwrap();
    let out = m.map(&event, "IAM - App Update").unwrap();
    assert_eq!(
        Value::Object(out.clone()),
        json!({
            "Application Id": "0oaapp123",
            "Application Name": "Example HR App",
            "Display Name": "Jane Doe",
            "User Id": "00ujdoe1",
            "Username": "jane.doe@example.com",
            "Event Type": "user.account.update_profile",
            "actor": "it.admin@example.com",
            "details": "Updated the following attribute(s) on Okta: title,department",
            "name": "Jane Doe"
            // "Group ID": no UserGroup target, so omitted.
        })
    );
    let keys: Vec<&str> = out.keys().map(String::as_str).collect();
    assert_eq!(keys[0], "Application Id");
    assert_eq!(keys[8], "name");

    // No changedAttributes: the concat has nothing to work on and details is omitted.
    let mut bare = event.clone();
    bare["debugContext"]["debugData"]
        .as_object_mut()
        .unwrap()
        .remove("changedAttributes");
    let out = m.map(&bare, "IAM - App Update").unwrap();
    assert!(!out.contains_key("details"));

    // Terminate User: literals, plus fields merged into the event by fetch.
    let mut merged = event.clone();
    merged["displayname"] = json!("Jane Doe");
    merged["email"] = json!("jane.doe@example.com");
    let out = m.map(&merged, "IAM - Terminate User").unwrap();
    assert_eq!(
        Value::Object(out),
        json!({
            "Display Name": "Jane Doe",
            "Email": "jane.doe@example.com",
            "User Id": "00ujdoe1",
            "Employment Status": "Terminated",
            "Termination Trigger": "TUFE",
            "Source Username": "it.admin@example.com",
            "details": "Update user profile for Okta"
        })
    );
}

#[test]
fn simple_paths_and_literals() {
    let source = json!({
        "a": {"b": {"c": "deep"}},
        "emails": [{"value": "x@example.com"}, {"value": "y@example.com"}],
        "one": [{"value": "only"}],
        "n": 7,
        "flag": false,
        "obj": {"k": "v"}
    });
    let cases: Vec<(&str, Option<Value>)> = vec![
        ("a.b.c", Some(json!("deep"))),
        ("a.b", Some(json!({"c": "deep"}))),
        (
            "emails.value",
            Some(json!(["x@example.com", "y@example.com"])),
        ),
        // A single-element result collapses to the element.
        ("one.value", Some(json!("only"))),
        ("one", Some(json!({"value": "only"}))),
        ("n", Some(json!(7))),
        ("flag", Some(json!(false))),
        ("missing", None),
        ("a.missing.c", None),
        ("", None),
        ("\"Terminated\"", Some(json!("Terminated"))),
        ("\"\"", Some(json!(""))),
        ("\"a.b\"", Some(json!("a.b"))),
    ];
    for (path, expected) in cases {
        assert_eq!(
            map_field(simple(path), &source),
            expected,
            "simple {path:?}"
        );
    }
    // A missing or null simple maps nothing.
    assert_eq!(map_field(json!({"complex": null}), &source), None);
    assert_eq!(map_field(json!({"simple": null}), &source), None);
}

#[test]
fn filters_select_root_items() {
    let event: Value = serde_json::from_str(UPDATE_EVENT).unwrap();
    let by_type = |op: &str, value: &str, ignore_case: bool| {
        let f = complex(
            "target",
            json!([[cond(ctx("target.type"), op, lit(value), ignore_case)]]),
            "id",
            json!([]),
        );
        map_field(f, &event)
    };
    // (operator, right, ignoreCase, expected ids)
    let cases: Vec<(&str, &str, bool, Option<Value>)> = vec![
        ("isEqualString", "User", false, Some(json!("00ujdoe1"))),
        ("isEqualString", "user", false, None),
        ("isEqualString", "user", true, Some(json!("00ujdoe1"))),
        (
            "containsString",
            "User",
            false,
            Some(json!(["0uaappuser1", "00ujdoe1"])),
        ),
        (
            "containsString",
            "user",
            true,
            Some(json!(["0uaappuser1", "00ujdoe1"])),
        ),
        ("containsString", "Group", false, None),
        (
            "startWith",
            "App",
            false,
            Some(json!(["0uaappuser1", "0oaapp123"])),
        ),
        ("startWith", "app", false, None),
        (
            "startWith",
            "app",
            true,
            Some(json!(["0uaappuser1", "0oaapp123"])),
        ),
        (
            "in",
            "User, AppInstance",
            false,
            Some(json!(["0oaapp123", "00ujdoe1"])),
        ),
        ("in", "user,appinstance", false, None),
        (
            "in",
            "user,appinstance",
            true,
            Some(json!(["0oaapp123", "00ujdoe1"])),
        ),
    ];
    for (op, right, ic, expected) in cases {
        assert_eq!(
            by_type(op, right, ic),
            expected,
            "{op} {right} ignoreCase={ic}"
        );
    }

    // isEmpty / isNotEmpty on an element field (detailEntry is null everywhere, alternateId set).
    let empty = |op: &str, path: &str| {
        let f = complex(
            "target",
            json!([[{"left": ctx(path), "operator": op, "ignoreCase": false}]]),
            "type",
            json!([]),
        );
        map_field(f, &event)
    };
    assert_eq!(
        empty("isEmpty", "target.detailEntry"),
        Some(json!(["AppUser", "AppInstance", "User"]))
    );
    assert_eq!(empty("isNotEmpty", "target.detailEntry"), None);
    assert_eq!(
        empty("isNotEmpty", "target.alternateId"),
        Some(json!(["AppUser", "AppInstance", "User"]))
    );
    assert_eq!(empty("isEmpty", "target.alternateId"), None);

    // OR inside a group, AND across groups.
    let f = complex(
        "target",
        json!([
            [
                cond(ctx("target.type"), "isEqualString", lit("User"), false),
                cond(ctx("target.type"), "isEqualString", lit("AppUser"), false)
            ],
            [cond(
                ctx("target.alternateId"),
                "containsString",
                lit("@"),
                false
            )]
        ]),
        "id",
        json!([]),
    );
    assert_eq!(map_field(f, &event), Some(json!("00ujdoe1")));

    // A left path outside the root reads the whole source: true for every item, or for none.
    let outside = |value: &str| {
        let f = complex(
            "target",
            json!([[cond(ctx("eventType"), "isEqualString", lit(value), false)]]),
            "id",
            json!([]),
        );
        map_field(f, &event)
    };
    assert_eq!(
        outside("user.account.update_profile"),
        Some(json!(["0uaappuser1", "0oaapp123", "00ujdoe1"]))
    );
    assert_eq!(outside("other"), None);

    // A context right operand outside the root: compare item fields to a source value.
    let f = complex(
        "target",
        json!([[cond(
            ctx("target.displayName"),
            "isEqualString",
            ctx("actor.displayName"),
            false
        )]]),
        "id",
        json!([]),
    );
    assert_eq!(map_field(f, &event), None);
    let f = complex(
        "target",
        json!([[cond(
            ctx("target.alternateId"),
            "isEqualString",
            ctx("debugContext.debugData.requestId"),
            false
        )]]),
        "id",
        json!([]),
    );
    assert_eq!(map_field(f, &event), None);
    let f = complex(
        "target",
        json!([[cond(
            ctx("target.displayName"),
            "isEqualString",
            ctx("target.alternateId"),
            false
        )]]),
        "type",
        json!([]),
    );
    // Only the AppInstance has displayName == alternateId.
    assert_eq!(map_field(f, &event), Some(json!("AppInstance")));

    // The root itself as the left operand.
    let f = complex(
        "eventType",
        json!([[cond(ctx("eventType"), "startWith", lit("user."), false)]]),
        "",
        json!([]),
    );
    assert_eq!(
        map_field(f, &event),
        Some(json!("user.account.update_profile"))
    );
}

#[test]
fn every_transformer() {
    let source = json!({
        "name": "  Jane Doe  ",
        "email": "Jane.Doe@Example.com",
        "csv": "a,b,c",
        "groups": ["eng", "ops"],
        "items": [{"id": 1, "meta": {"tag": "x"}}, {"id": 2, "meta": {"tag": "y"}}],
        "n": 42,
        "obj": {"k": "v"},
        "prefix": "P-",
        "nothing": null
    });
    // (root, transformers, expected)
    let cases: Vec<(&str, Value, Option<Value>)> = vec![
        (
            "email",
            json!([tr(
                "concat",
                json!({"prefix": lit("<"), "suffix": lit(">")})
            )]),
            Some(json!("<Jane.Doe@Example.com>")),
        ),
        (
            "email",
            json!([tr(
                "concat",
                json!({"prefix": lit("mailto:"), "suffix": {"isContext": false, "value": null}})
            )]),
            Some(json!("mailto:Jane.Doe@Example.com")),
        ),
        (
            "email",
            json!([tr("concat", json!({"prefix": null, "suffix": {}}))]),
            Some(json!("Jane.Doe@Example.com")),
        ),
        (
            "email",
            json!([tr("concat", json!({"prefix": ctx("prefix")}))]),
            Some(json!("P-Jane.Doe@Example.com")),
        ),
        (
            "email",
            json!([tr("concat", json!({"prefix": ctx("nothing")}))]),
            Some(json!("Jane.Doe@Example.com")),
        ),
        (
            "groups",
            json!([tr("concat", json!({"suffix": lit("!")}))]),
            Some(json!(["eng!", "ops!"])),
        ),
        (
            "n",
            json!([tr("concat", json!({"prefix": lit("#")}))]),
            Some(json!("#42")),
        ),
        (
            "email",
            json!([tr("toLowerCase", json!({}))]),
            Some(json!("jane.doe@example.com")),
        ),
        (
            "email",
            json!([tr("toUpperCase", json!(null))]),
            Some(json!("JANE.DOE@EXAMPLE.COM")),
        ),
        (
            "groups",
            json!([{"operator": "toUpperCase"}]),
            Some(json!(["ENG", "OPS"])),
        ),
        (
            "name",
            json!([tr("Trim", json!({}))]),
            Some(json!("Jane Doe")),
        ),
        (
            "csv",
            json!([tr("split", json!({"delimiter": lit(",")}))]),
            Some(json!(["a", "b", "c"])),
        ),
        (
            "csv",
            json!([tr("split", json!({}))]),
            Some(json!(["a", "b", "c"])),
        ),
        (
            "email",
            json!([
                tr("split", json!({"delimiter": lit("@")})),
                tr("FirstArrayElement", json!({}))
            ]),
            Some(json!("Jane.Doe")),
        ),
        (
            "csv",
            json!([tr("split", json!({"delimiter": lit("")}))]),
            Some(json!(["a", ",", "b", ",", "c"])),
        ),
        (
            "groups",
            json!([tr("join", json!({"separator": lit(" | ")}))]),
            Some(json!("eng | ops")),
        ),
        (
            "groups",
            json!([tr("join", json!({}))]),
            Some(json!("eng,ops")),
        ),
        (
            "csv",
            json!([
                tr("split", json!({})),
                tr("join", json!({"separator": lit(";")}))
            ]),
            Some(json!("a;b;c")),
        ),
        (
            "email",
            json!([tr(
                "replace",
                json!({"toReplace": lit("Example"), "replaceWith": lit("corp")})
            )]),
            Some(json!("Jane.Doe@corp.com")),
        ),
        (
            "csv",
            json!([tr(
                "replace",
                json!({"toReplace": lit(","), "replaceWith": {}})
            )]),
            Some(json!("abc")),
        ),
        (
            "csv",
            json!([tr("replace", json!({"toReplace": ctx("nothing")}))]),
            Some(json!("a,b,c")),
        ),
        (
            "email",
            json!([tr("substring", json!({"from": lit("0"), "to": lit("4")}))]),
            Some(json!("Jane")),
        ),
        (
            "email",
            json!([tr("substring", json!({"from": lit("9")}))]),
            Some(json!("Example.com")),
        ),
        (
            "email",
            json!([tr("substring", json!({"to": lit("-4")}))]),
            Some(json!("Jane.Doe@Example")),
        ),
        (
            "groups",
            json!([tr("FirstArrayElement", json!({}))]),
            Some(json!("eng")),
        ),
        (
            "email",
            json!([tr("FirstArrayElement", json!({}))]),
            Some(json!("Jane.Doe@Example.com")),
        ),
        (
            "items",
            json!([tr("getField", json!({"field": lit("id")}))]),
            Some(json!([1, 2])),
        ),
        (
            "items",
            json!([tr("getField", json!({"field": lit("meta.tag")}))]),
            Some(json!(["x", "y"])),
        ),
        (
            "items",
            json!([
                tr("FirstArrayElement", json!({})),
                tr("getField", json!({"field": lit("meta")}))
            ]),
            Some(json!({"tag": "x"})),
        ),
        (
            "items",
            json!([tr("getField", json!({"field": lit("missing")}))]),
            None,
        ),
        ("n", json!([tr("toString", json!({}))]), Some(json!("42"))),
        (
            "obj",
            json!([tr("toString", json!({}))]),
            Some(json!("{\"k\":\"v\"}")),
        ),
        (
            "groups",
            json!([tr("toString", json!({}))]),
            Some(json!("[\"eng\",\"ops\"]")),
        ),
        (
            "email",
            json!([tr("toString", json!({}))]),
            Some(json!("Jane.Doe@Example.com")),
        ),
        // Order matters: trim, lower-case, then prefix.
        (
            "name",
            json!([
                tr("Trim", json!({})),
                tr("toLowerCase", json!({})),
                tr("concat", json!({"prefix": lit("user: ")}))
            ]),
            Some(json!("user: jane doe")),
        ),
        // No value: the chain stops and the field is omitted.
        (
            "missing",
            json!([tr("concat", json!({"prefix": lit("x")}))]),
            None,
        ),
        ("nothing", json!([tr("toString", json!({}))]), None),
    ];
    for (root, transformers, expected) in cases {
        let f = complex(root, json!([]), "", transformers.clone());
        assert_eq!(
            map_field(f, &source),
            expected,
            "root {root}, transformers {transformers}"
        );
    }
}

#[test]
fn playbook_yaml_key_spellings_are_accepted() {
    let event: Value = serde_json::from_str(UPDATE_EVENT).unwrap();
    let f = json!({"complex": {
        "root": "target",
        "filters": [[{
            "operator": "isEqualString",
            "left": {"iscontext": true, "value": {"simple": "target.type"}},
            "right": {"value": {"simple": "user"}},
            "ignorecase": true
        }]],
        "accessor": "alternateId"
    }});
    assert_eq!(map_field(f, &event), Some(json!("jane.doe@example.com")));
}

#[test]
fn nested_complex_operand() {
    // right = the AppInstance id, computed by a nested complex over the whole source.
    let event: Value = serde_json::from_str(UPDATE_EVENT).unwrap();
    let nested = json!({"isContext": true, "value": {"simple": "", "complex": {
        "root": "target",
        "filters": [[cond(ctx("target.type"), "isEqualString", lit("AppInstance"), false)]],
        "accessor": "id",
        "transformers": [tr("toUpperCase", json!({}))]
    }}});
    let f = complex(
        "target",
        json!([[cond(ctx("target.id"), "isEqualString", nested, true)]]),
        "displayName",
        json!([]),
    );
    assert_eq!(map_field(f, &event), Some(json!("Example HR App")));
}

#[test]
fn mapping_errors_name_mapper_field_and_transformer() {
    let f = complex("obj", json!([]), "", json!([tr("toUpperCase", json!({}))]));
    let m = one_field(f).unwrap();
    let err = m.map(&json!({"obj": {"k": 1}}), "T").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, MapperError::Eval { .. }), "{err:?}");
    for part in [
        "mapper \"one\"",
        "type \"T\"",
        "field \"out\"",
        "transformer \"toUpperCase\"",
        "object",
    ] {
        assert!(msg.contains(part), "{msg} lacks {part}");
    }
    // substring bounds that come from context must be integers.
    let f = complex(
        "s",
        json!([]),
        "",
        json!([tr("substring", json!({"from": ctx("from")}))]),
    );
    let err = one_field(f)
        .unwrap()
        .map(&json!({"s": "abc", "from": "x"}), "T")
        .unwrap_err();
    assert!(err.to_string().contains("from must be an integer"), "{err}");
}

#[test]
fn load_errors() {
    let wrap = |internal: Value| {
        json!({"name": "M", "type": "mapping-outgoing", "mapping": {"T": {"internalMapping": internal}}})
            .to_string()
    };
    let with_transformer =
        |t: Value| wrap(json!({"F": complex("email", json!([]), "", json!([t]))}));
    let with_filter =
        |c: Value| wrap(json!({"F": complex("target", json!([[c]]), "id", json!([]))}));
    // (text, substrings the message must contain)
    let cases: Vec<(String, Vec<&str>)> = vec![
        ("{not json".into(), vec!["m.json", "not valid JSON"]),
        ("[]".into(), vec!["m.json", "must be a JSON object"]),
        (json!({"type": "mapping-incoming", "mapping": {}}).to_string(), vec!["no \"name\""]),
        (json!({"name": "M", "type": "mapping-incoming"}).to_string(), vec!["mapper \"M\"", "missing \"mapping\""]),
        (json!({"name": "M", "type": "mapping-incoming", "mapping": []}).to_string(), vec!["\"mapping\" must be an object"]),
        (json!({"name": "M", "type": "mapping-incoming", "mapping": {}}).to_string(), vec!["has no types"]),
        (json!({"name": "M", "mapping": {"T": {"internalMapping": {}}}}).to_string(), vec!["missing \"type\""]),
        (json!({"name": "M", "type": "classification", "mapping": {"T": {}}}).to_string(), vec!["\"classification\""]),
        (json!({"name": "M", "type": "mapping-incoming", "mapping": {"T": {"dontMapEventToLabels": true}}}).to_string(), vec!["type \"T\"", "missing \"internalMapping\""]),
        (wrap(json!({"F": "email"})), vec!["field \"F\"", "must be an object"]),
        (wrap(json!({"F": {"simple": 5}})), vec!["field \"F\"", "\"simple\" must be a string"]),
        (wrap(json!({"F": {"simple": "a..b"}})), vec!["field \"F\"", "empty segment"]),
        (wrap(json!({"F": {"complex": {"root": "a.", "filters": []}}})), vec!["root: path \"a.\""]),
        (wrap(json!({"F": {"complex": {"root": "a", "filters": [{}]}}})), vec!["lists of conditions"]),
        (wrap(json!({"F": {"complex": {"root": "a", "transformers": {}}}})), vec!["\"transformers\" must be a list"]),
        (with_filter(cond(ctx("target.type"), "isEqualStrin", lit("User"), false)),
            vec!["m.json", "mapper \"M\"", "type \"T\"", "field \"F\"", "unknown filter operator \"isEqualStrin\"", "supported: isEqualString"]),
        (with_filter(cond(ctx("target.type"), "IsEqualString", lit("User"), false)),
            vec!["did you mean \"isEqualString\""]),
        (with_filter(json!({"operator": "isEqualString", "left": ctx("target.type")})), vec!["needs a \"right\" operand"]),
        (with_filter(json!({"operator": "isEmpty", "right": lit("x")})), vec!["no \"left\" operand"]),
        (with_filter(json!({"left": ctx("a"), "right": lit("x")})), vec!["no \"operator\""]),
        (with_filter(json!({"left": ctx("a"), "operator": "isEqualString", "right": lit("x"), "ignoreCase": "yes"})),
            vec!["\"ignoreCase\" must be true or false"]),
        (with_filter(cond(json!({"isContext": "true", "value": {"simple": "a"}}), "isEmpty", Value::Null, false)), vec!["\"isContext\" must be true or false"]),
        (with_filter(cond(json!({"isContext": true, "value": "a"}), "isEmpty", Value::Null, false)), vec!["\"value\" must be an object"]),
        (with_transformer(tr("toUpper", json!({}))),
            vec!["m.json", "mapper \"M\"", "type \"T\"", "field \"F\"", "unknown transformer \"toUpper\"", "toUpperCase"]),
        (with_transformer(tr("trim", json!({}))), vec!["unknown transformer \"trim\"", "did you mean \"Trim\""]),
        (with_transformer(json!({"args": {}})), vec!["transformer has no \"operator\""]),
        (with_transformer(tr("concat", json!({"prefx": lit("a")}))), vec!["no argument \"prefx\"", "it takes prefix, suffix"]),
        (with_transformer(tr("Trim", json!({"x": lit("a")}))), vec!["no argument \"x\"", "it takes none"]),
        (with_transformer(tr("getField", json!({}))), vec!["\"getField\" needs the argument \"field\""]),
        (with_transformer(tr("replace", json!({"replaceWith": lit("a")}))), vec!["needs the argument \"toReplace\""]),
        (with_transformer(tr("replace", json!({"toReplace": lit("")}))), vec!["toReplace must not be empty"]),
        (with_transformer(tr("substring", json!({"from": lit("one")}))), vec!["from must be an integer"]),
        (with_transformer(tr("concat", json!([]))), vec!["\"args\" must be an object"]),
        (with_transformer(tr("concat", json!({"prefix": {"isContext": false, "value": {"simple": ["a"]}}}))), vec!["literal \"simple\" must be text"]),
    ];
    for (text, parts) in cases {
        let err = Mapper::from_json("m.json", &text).expect_err(&text);
        let msg = err.to_string();
        for part in parts {
            assert!(
                msg.contains(part),
                "for {text}\n  message: {msg}\n  lacks: {part}"
            );
        }
    }
}

#[test]
fn unknown_operator_error_is_structured() {
    let text = json!({"name": "M", "type": "mapping-incoming", "mapping": {"T": {"internalMapping": {
        "F": complex("target", json!([[cond(ctx("target.type"), "matchesRegex", lit("x"), false)]]), "", json!([]))
    }}}})
    .to_string();
    match Mapper::from_json("user/m.json", &text).unwrap_err() {
        MapperError::UnknownOperator {
            origin,
            mapper,
            type_name,
            field,
            operator,
            ..
        } => {
            assert_eq!(
                (
                    origin.as_str(),
                    mapper.as_str(),
                    type_name.as_str(),
                    field.as_str(),
                    operator.as_str()
                ),
                ("user/m.json", "M", "T", "F", "matchesRegex")
            );
        }
        other => panic!("{other:?}"),
    }
    let text =
        json!({"name": "M", "type": "mapping-incoming", "mapping": {"T": {"internalMapping": {
            "F": complex("a", json!([]), "", json!([tr("ParseJSON", json!({}))]))
        }}}})
        .to_string();
    match Mapper::from_json("user/m.json", &text).unwrap_err() {
        MapperError::UnknownTransformer {
            field, transformer, ..
        } => {
            assert_eq!((field.as_str(), transformer.as_str()), ("F", "ParseJSON"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nesting_is_bounded() {
    // complex → filter → right operand → complex → ... deeper than MAX_NESTING.
    let mut value = json!({"root": "a"});
    for _ in 0..=model::MAX_NESTING + 1 {
        value = json!({"root": "a", "filters": [[{
            "operator": "isEqualString",
            "left": ctx("a.b"),
            "right": {"isContext": true, "value": {"complex": value}}
        }]]});
    }
    let err = one_field(json!({"complex": value})).unwrap_err();
    assert!(err.to_string().contains("nest deeper than"), "{err}");

    // Through transformer arguments too.
    let mut value = json!({"root": "a"});
    for _ in 0..=model::MAX_NESTING + 1 {
        value = json!({"root": "a", "transformers": [tr("concat", json!({
            "prefix": {"isContext": true, "value": {"complex": value}}
        }))]});
    }
    let err = one_field(json!({"complex": value})).unwrap_err();
    assert!(err.to_string().contains("nest deeper than"), "{err}");

    // Within the bound it loads and maps.
    let mut value = json!({"root": "a"});
    for _ in 0..model::MAX_NESTING {
        value = json!({"root": "a", "transformers": [tr("concat", json!({
            "prefix": {"isContext": true, "value": {"complex": value}}
        }))]});
    }
    let m = one_field(json!({"complex": value})).unwrap();
    let out = m.map(&json!({"a": "x"}), "T").unwrap();
    assert_eq!(out["out"], json!("x".repeat(MAX_NESTING_PLUS_ONE)));
}

const MAX_NESTING_PLUS_ONE: usize = model::MAX_NESTING + 1;

#[test]
fn hostile_json_is_an_error_not_a_crash() {
    // Deeper than serde_json's recursion limit: a JSON error.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(matches!(
        Mapper::from_json("deep.json", &deep),
        Err(MapperError::Json { .. })
    ));
    assert!(matches!(
        Mapper::from_json("empty.json", ""),
        Err(MapperError::Json { .. })
    ));
}

#[test]
fn type_fallback_and_unknown_type() {
    let single = one_field(simple("email")).unwrap();
    let out = single
        .map(&json!({"email": "a@example.com"}), "User Profile - Create")
        .unwrap();
    assert_eq!(out["out"], json!("a@example.com"));

    let reg = crate::okta::vendor::default_mappers();
    let err = reg
        .get(OUTGOING_DEFAULT)
        .unwrap()
        .map(&json!({}), "User Profile")
        .unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, MapperError::UnknownType { .. }));
    for part in [
        OUTGOING_DEFAULT,
        "\"User Profile\"",
        "User Profile - Create, User Profile - Update",
    ] {
        assert!(msg.contains(part), "{msg} lacks {part}");
    }
    assert!(reg
        .get(OUTGOING_DEFAULT)
        .unwrap()
        .field_names("nope")
        .is_err());
}

#[test]
fn get_unknown_name_lists_known_names() {
    let reg = crate::okta::vendor::default_mappers();
    let err = reg.get("User Profile - Okta").unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, MapperError::UnknownMapper { .. }));
    assert!(msg.contains("\"User Profile - Okta\""), "{msg}");
    assert!(
        msg.contains(INCOMING_DEFAULT) && msg.contains(OUTGOING_DEFAULT),
        "{msg}"
    );
    let empty = MapperRegistry::new();
    assert!(empty.get("x").is_err());
    assert!(empty.names().is_empty());
}

#[test]
fn load_dir_adds_and_overrides_by_name() {
    let mut reg = crate::okta::vendor::default_mappers();
    let count = reg.load_dir(&fixture_dir("override")).unwrap();
    assert_eq!(count, 2);
    assert_eq!(
        reg.names(),
        vec![
            "Custom - Incoming Minimal",
            INCOMING_DEFAULT,
            OUTGOING_DEFAULT
        ]
    );
    let out = reg.get(OUTGOING_DEFAULT).unwrap();
    assert!(
        out.origin().ends_with("10-outgoing-custom.json"),
        "{}",
        out.origin()
    );
    assert_eq!(out.type_names(), vec!["User Profile"]);
    // The single "User Profile" type serves create and update.
    let profile = json!({"email": "Jane.Doe@Example.com", "givenname": "Jane", "surname": "Doe"});
    for t in ["User Profile - Create", "User Profile - Update"] {
        let mapped = out.map(&profile, t).unwrap();
        assert_eq!(
            Value::Object(mapped),
            json!({
                "login": "jane.doe@example.com",
                "email": "Jane.Doe@Example.com",
                "firstName": "Jane",
                "lastName": "Doe",
                "userType": "Employee"
            })
        );
    }
    // The built-in incoming mapper is untouched.
    assert!(reg
        .get(INCOMING_DEFAULT)
        .unwrap()
        .origin()
        .starts_with("builtin:"));
}

#[test]
fn load_dir_errors() {
    let mut reg = crate::okta::vendor::default_mappers();
    let missing = fixture_dir("no-such-dir");
    let err = reg.load_dir(&missing).unwrap_err();
    assert!(matches!(err, MapperError::Io { .. }));
    assert!(err.to_string().contains("no-such-dir"), "{err}");

    // A directory with one bad file loads nothing and names the file.
    let dir = std::env::temp_dir().join(format!("okta-iam-mapper-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        fixture_dir("override").join("20-incoming-minimal.json"),
        dir.join("a-good.json"),
    )
    .unwrap();
    std::fs::write(dir.join("b-bad.json"), "{\"name\": \"Bad\"").unwrap();
    let result = reg.load_dir(&dir);
    std::fs::remove_dir_all(&dir).ok();
    let err = result.unwrap_err();
    assert!(err.to_string().contains("b-bad.json"), "{err}");
    assert_eq!(reg.names(), vec![INCOMING_DEFAULT, OUTGOING_DEFAULT]);
}

#[test]
fn load_json_overrides_and_returns_the_name() {
    let mut reg = crate::okta::vendor::default_mappers();
    let text = json!({
        "id": "x", "name": INCOMING_DEFAULT, "type": "mapping-incoming",
        "mapping": {"User Profile": {"internalMapping": {"Email": simple("profile.email")}}}
    })
    .to_string();
    assert_eq!(
        reg.load_json("custom.json", &text).unwrap(),
        INCOMING_DEFAULT
    );
    let out = reg
        .get(INCOMING_DEFAULT)
        .unwrap()
        .map(
            &json!({"profile": {"email": "a@example.com"}, "email": "no"}),
            "User Profile",
        )
        .unwrap();
    assert_eq!(Value::Object(out), json!({"Email": "a@example.com"}));
    // A name falls back to the id.
    let text = json!({"id": "by-id", "type": "mapping-incoming",
        "mapping": {"T": {"internalMapping": {}}}})
    .to_string();
    assert_eq!(reg.load_json("id.json", &text).unwrap(), "by-id");
}

#[test]
fn map_never_panics_on_odd_sources() {
    let reg = {
        let mut r = crate::okta::vendor::default_mappers();
        r.load_json("app-sync", APP_SYNC).unwrap();
        r
    };
    let sources = [
        json!(null),
        json!(true),
        json!(-1.5),
        json!("x"),
        json!([null, [], {}]),
        json!({"target": "not a list", "debugContext": {"debugData": {"changedAttributes": {"o": 1}}}}),
        json!({"target": [null, 1, "s", [[{"type": "User", "id": ["a", "b"]}]]]}),
        json!({"email": {"nested": true}, "username": [1, 2, 3], "givenname": ["only"]}),
    ];
    for name in reg.names() {
        let m = reg.get(name).unwrap();
        for t in m.type_names() {
            for s in &sources {
                // Errors are fine (e.g. concat on an object); panics are not.
                let _ = m.map(s, t);
            }
        }
    }
    // Specific outcomes for a couple of them.
    let m = reg.get("okta-iam test - App Sync style mapper").unwrap();
    let out = m.map(&sources[6], "IAM - App Update").unwrap();
    assert_eq!(out["User Id"], json!(["a", "b"]));
    let err = m.map(&sources[5], "IAM - App Update").unwrap_err();
    assert!(err.to_string().contains("field \"details\""), "{err}");
}

/// The field-by-field interpretation [`Mapper::map`] must agree with (its fast path for plain
/// paths included).
fn interpreted(mapper: &Mapper, source: &Value, type_name: &str) -> Map<String, Value> {
    let t = mapper.type_mapping(type_name).unwrap();
    let mut out = Map::new();
    for field in &t.fields {
        if let Some(v) = eval::collapse(eval::eval_expr(&field.expr, source).unwrap()) {
            out.insert(field.name.clone(), v);
        }
    }
    out
}

#[test]
fn map_agrees_with_field_by_field_evaluation_on_random_sources() {
    let registry = crate::okta::vendor::default_mappers();
    let mut mappers: Vec<(&Mapper, String)> = Vec::new();
    for name in registry.names() {
        let mapper = registry.get(name).unwrap();
        for type_name in mapper.type_names() {
            mappers.push((mapper, type_name.to_string()));
        }
    }
    let app_sync = Mapper::from_json("app-sync.json", APP_SYNC).unwrap();
    for type_name in app_sync.type_names() {
        mappers.push((&app_sync, type_name.to_string()));
    }
    // Keys the mappers read, plus others; values of every JSON kind.
    let mut keys: Vec<String> = Vec::new();
    for (mapper, type_name) in &mappers {
        let names = mapper.field_names(type_name).unwrap();
        keys.extend(names.iter().map(|n| n.to_string()));
    }
    keys.extend(
        [
            "email",
            "login",
            "username",
            "givenname",
            "surname",
            "target",
            "actor",
            "x",
        ]
        .map(String::from),
    );
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % bound as u64).unwrap()
    };
    let random_value = |next: &mut dyn FnMut(usize) -> usize| -> Value {
        match next(7) {
            0 => Value::Null,
            1 => json!("text \u{2028}"),
            2 => json!(next(1000)),
            3 => json!(true),
            4 => json!(""),
            5 => json!([null, "a", {"type": "User", "alternateId": "a@b"}]),
            _ => json!({"type": "User", "id": "u1", "login": "nested"}),
        }
    };
    let key_count = keys.len();
    for round in 0..300 {
        let mut source = Map::new();
        for _ in 0..next(40) {
            let key = keys[next(key_count)].clone();
            let value = random_value(&mut next);
            source.insert(key, value);
        }
        let source = Value::Object(source);
        for (mapper, type_name) in &mappers {
            let fast = mapper.map(&source, type_name);
            match fast {
                Ok(fast) => assert_eq!(
                    fast,
                    interpreted(mapper, &source, type_name),
                    "round {round}, mapper {}, type {type_name}",
                    mapper.name()
                ),
                // A mapping error (a transformer meeting an object) must be an error both ways.
                Err(_) => assert!(
                    mapper
                        .type_mapping(type_name)
                        .unwrap()
                        .fields
                        .iter()
                        .any(|f| eval::eval_expr(&f.expr, &source).is_err()),
                    "round {round}"
                ),
            }
        }
    }
}
