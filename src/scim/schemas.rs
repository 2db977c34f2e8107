//! `get-mapping-fields` for SCIM: the attributes of the core User schema and the configured
//! extensions, from the server's `/Schemas`, or RFC 7643's core User schema when it has none.

use serde_json::Value;

use crate::scim::client::USER_SCHEMA;

/// RFC 7643 §4.1's core User attributes (name, description), for servers without `/Schemas`.
pub const CORE_USER: &[(&str, &str)] = &[
    (
        "userName",
        "Unique identifier for the User, typically used to sign in",
    ),
    ("name.givenName", "Given name"),
    ("name.familyName", "Family name"),
    ("displayName", "The name of the User, suitable for display"),
    ("nickName", "Casual name"),
    ("title", "The user's title"),
    (
        "userType",
        "The relationship between the organization and the user",
    ),
    ("preferredLanguage", "Preferred written or spoken language"),
    ("locale", "Default location"),
    ("timezone", "Time zone"),
    ("active", "Administrative status"),
    ("externalId", "Identifier set by the provisioning client"),
    ("email", "The work email (emails[type eq \"work\"].value)"),
    ("mobilePhone", "The mobile phone number"),
    ("address.streetAddress", "Work address: street"),
    ("address.locality", "Work address: city"),
    ("address.region", "Work address: state or region"),
    ("address.postalCode", "Work address: postal code"),
    ("address.country", "Work address: country"),
];

/// The mapping fields: from `schemas` (the `/Schemas` resources) when it has the core User
/// schema, else [`CORE_USER`]; plus each configured extension's attributes as
/// `enterprise.<name>` (the first extension, which the mappers name `enterprise`).
pub fn fields(schemas: &[Value], extensions: &[String]) -> Vec<(String, String)> {
    let find = |urn: &str| {
        schemas
            .iter()
            .find(|s| s.get("id").and_then(Value::as_str) == Some(urn))
    };
    let attributes = |schema: &Value, prefix: &str| -> Vec<(String, String)> {
        let mut out = Vec::new();
        for attribute in schema
            .get("attributes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(name) = attribute.get("name").and_then(Value::as_str) else {
                continue;
            };
            let describe = |a: &Value| {
                a.get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let subs = attribute.get("subAttributes").and_then(Value::as_array);
            match subs {
                Some(subs) if attribute.get("multiValued") != Some(&Value::Bool(true)) => {
                    for sub in subs {
                        if let Some(sub_name) = sub.get("name").and_then(Value::as_str) {
                            out.push((format!("{prefix}{name}.{sub_name}"), describe(sub)));
                        }
                    }
                }
                _ => out.push((format!("{prefix}{name}"), describe(attribute))),
            }
        }
        out
    };
    let mut out = match find(USER_SCHEMA) {
        Some(core) => attributes(core, ""),
        None => CORE_USER
            .iter()
            .map(|(n, d)| ((*n).to_owned(), (*d).to_owned()))
            .collect(),
    };
    if let Some(schema) = extensions.first().and_then(|urn| find(urn)) {
        out.extend(attributes(schema, "enterprise."));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn from_schemas_with_extension_or_the_rfc_fallback() {
        let schemas = vec![
            json!({"id": USER_SCHEMA, "attributes": [
                {"name": "userName", "description": "Unique"},
                {"name": "name", "subAttributes": [{"name": "givenName", "description": "Given"}]},
                {"name": "emails", "multiValued": true, "subAttributes": [{"name": "value"}]}]}),
            json!({"id": "urn:ext", "attributes": [{"name": "department", "description": "Dept"}]}),
        ];
        assert_eq!(
            fields(&schemas, &["urn:ext".to_owned()]),
            [
                ("userName".to_owned(), "Unique".to_owned()),
                ("name.givenName".to_owned(), "Given".to_owned()),
                ("emails".to_owned(), String::new()),
                ("enterprise.department".to_owned(), "Dept".to_owned()),
            ]
        );
        let fallback = fields(&[], &["urn:ext".to_owned()]);
        assert_eq!(fallback.len(), CORE_USER.len());
        assert_eq!(fallback[0].0, "userName");
    }
}
