//! A mapped user profile as a SCIM User resource, and a SCIM User as the object the incoming
//! mapper reads; plus SCIM's default user-profile mappers, embedded.
//!
//! The outgoing mapper writes flat keys (a mapper's output is flat): core attributes by name
//! (`userName`, `displayName`, `title`, `userType`, `externalId`, ...), `name.<sub>` for the
//! name, `address.<sub>` for the work address, `email` for the work email, `mobilePhone`, and
//! `enterprise.<attribute>` for the first configured extension schema (by default the
//! enterprise User extension; `enterprise.manager` is the manager's display name).
//! [`to_resource`] nests them into the resource; `userName` falls back to `email`.
//! [`incoming_source`] is the reverse view: the resource with `email`, `mobilePhone`,
//! `address` (the work address) and `enterprise` added.

use serde_json::{json, Map, Value};

use crate::mapper::MapperRegistry;
use crate::scim::client::USER_SCHEMA;
use crate::vendor::{ContentItem, DefaultMappers};

/// The default incoming mapper's name (SCIM user → User Profile).
pub const INCOMING_DEFAULT: &str = "User Profile - SCIM (Incoming)";
/// The default outgoing mapper's name (User Profile → SCIM user).
pub const OUTGOING_DEFAULT: &str = "User Profile - SCIM (Outgoing)";

/// SCIM's embedded default user-profile mappers.
pub const PROFILE_MAPPERS: DefaultMappers = DefaultMappers {
    incoming: ContentItem {
        id: INCOMING_DEFAULT,
        file_name: "classifier-mapper-incoming-User-Profile-SCIM.json",
        json: include_str!("../../mappers/classifier-mapper-incoming-User-Profile-SCIM.json"),
    },
    outgoing: ContentItem {
        id: OUTGOING_DEFAULT,
        file_name: "classifier-mapper-outgoing-SCIM-User-Profile.json",
        json: include_str!("../../mappers/classifier-mapper-outgoing-SCIM-User-Profile.json"),
    },
};

/// A registry holding SCIM's default mappers.
pub fn default_mappers() -> MapperRegistry {
    let files = PROFILE_MAPPERS
        .items()
        .map(|item| (format!("builtin:mappers/{}", item.file_name), item.json));
    MapperRegistry::embedded(&files)
}

/// The SCIM User resource for a mapped profile (`extension_schemas[0]` receives the
/// `enterprise.*` keys).
pub fn to_resource(mapped: &Map<String, Value>, extension_schemas: &[String]) -> Value {
    let mut user = Map::new();
    let mut name = Map::new();
    let mut address = Map::new();
    let mut enterprise = Map::new();
    let mut schemas = vec![Value::from(USER_SCHEMA)];
    let extension = extension_schemas.first();
    for (key, value) in mapped {
        if value.is_null() {
            continue;
        }
        if let Some(sub) = key.strip_prefix("enterprise.") {
            let value = match sub {
                "manager" => json!({"displayName": value}),
                _ => value.clone(),
            };
            enterprise.insert(sub.to_owned(), value);
        } else if let Some(sub) = key.strip_prefix("name.") {
            name.insert(sub.to_owned(), value.clone());
        } else if let Some(sub) = key.strip_prefix("address.") {
            address.insert(sub.to_owned(), value.clone());
        } else if key == "email" {
            user.insert(
                "emails".into(),
                json!([{"value": value, "type": "work", "primary": true}]),
            );
        } else if key == "mobilePhone" {
            user.insert(
                "phoneNumbers".into(),
                json!([{"value": value, "type": "mobile"}]),
            );
        } else {
            user.insert(key.clone(), value.clone());
        }
    }
    if !name.is_empty() {
        user.insert("name".into(), Value::Object(name));
    }
    if !address.is_empty() {
        address.insert("type".into(), json!("work"));
        address.insert("primary".into(), json!(true));
        user.insert("addresses".into(), json!([address]));
    }
    if !user.contains_key("userName") {
        if let Some(email) = mapped.get("email").filter(|v| !v.is_null()) {
            user.insert("userName".into(), email.clone());
        }
    }
    // Without an extension schema the `enterprise.*` keys have nowhere to go.
    if let Some(urn) = extension.filter(|_| !enterprise.is_empty()) {
        schemas.push(Value::from(urn.as_str()));
        user.insert(urn.clone(), Value::Object(enterprise));
    }
    let mut resource = Map::new();
    resource.insert("schemas".into(), Value::Array(schemas));
    resource.extend(user);
    Value::Object(resource)
}

/// The item of a multi-valued attribute of `kind`, else the primary one, else the first.
fn pick<'a>(resource: &'a Value, attribute: &str, kind: &str) -> Option<&'a Value> {
    let items = resource.get(attribute)?.as_array()?;
    items
        .iter()
        .find(|i| i.get("type").and_then(Value::as_str) == Some(kind))
        .or_else(|| {
            items
                .iter()
                .find(|i| i.get("primary") == Some(&json!(true)))
        })
        .or_else(|| items.first())
}

/// The object the incoming mapper reads for a SCIM user.
pub fn incoming_source(resource: &Value, extension_schemas: &[String]) -> Value {
    let mut source = resource.as_object().cloned().unwrap_or_default();
    if let Some(email) = pick(resource, "emails", "work").and_then(|e| e.get("value")) {
        source.insert("email".into(), email.clone());
    }
    if let Some(phone) = pick(resource, "phoneNumbers", "mobile").and_then(|e| e.get("value")) {
        source.insert("mobilePhone".into(), phone.clone());
    }
    if let Some(address) = pick(resource, "addresses", "work") {
        source.insert("address".into(), address.clone());
    }
    if let Some(extension) = extension_schemas
        .first()
        .and_then(|urn| resource.get(urn.as_str()))
    {
        source.insert("enterprise".into(), extension.clone());
    }
    Value::Object(source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::params::ENTERPRISE_USER;

    fn profile() -> Value {
        json!({"email": "ada@example.com", "username": "ada", "givenname": "Ada",
            "surname": "Lovelace", "displayname": "Ada Lovelace", "employeeid": "42",
            "employeetype": "Employee", "department": "R&D", "title": "Engineer",
            "managername": "Charles Babbage", "organization": "Analytical",
            "costcenter": "CC-1", "mobilephone": "+44 1", "streetaddress": "1 Street",
            "city": "London", "state": "LDN", "zipcode": "N1"})
    }

    #[test]
    fn the_outgoing_mapper_gives_a_scim_user_and_the_incoming_mapper_reads_it_back() {
        let mappers = default_mappers();
        let extensions = vec![ENTERPRISE_USER.to_owned()];
        let mapped = mappers
            .get(OUTGOING_DEFAULT)
            .unwrap()
            .map(&profile(), "User Profile - Create")
            .unwrap();
        let resource = to_resource(&mapped, &extensions);
        assert_eq!(
            resource,
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER],
                "userName": "ada",
                "emails": [{"value": "ada@example.com", "type": "work", "primary": true}],
                "name": {"givenName": "Ada", "familyName": "Lovelace"},
                "displayName": "Ada Lovelace",
                ENTERPRISE_USER: {"employeeNumber": "42", "department": "R&D",
                    "manager": {"displayName": "Charles Babbage"},
                    "organization": "Analytical", "costCenter": "CC-1"},
                "userType": "Employee",
                "title": "Engineer",
                "phoneNumbers": [{"value": "+44 1", "type": "mobile"}],
                "addresses": [{"streetAddress": "1 Street", "locality": "London",
                    "region": "LDN", "postalCode": "N1", "type": "work", "primary": true}]
            })
        );
        let back = mappers
            .get(INCOMING_DEFAULT)
            .unwrap()
            .map(&incoming_source(&resource, &extensions), "User Profile")
            .unwrap();
        let expected: Map<String, Value> = [
            ("Username", "ada"),
            ("Email", "ada@example.com"),
            ("Given Name", "Ada"),
            ("Surname", "Lovelace"),
            ("Display Name", "Ada Lovelace"),
            ("Employee ID", "42"),
            ("Employee Type", "Employee"),
            ("Department", "R&D"),
            ("Title", "Engineer"),
            ("Manager Name", "Charles Babbage"),
            ("Organization", "Analytical"),
            ("Cost Center", "CC-1"),
            ("Mobile Phone", "+44 1"),
            ("Street Address", "1 Street"),
            ("City", "London"),
            ("State", "LDN"),
            ("Zip Code", "N1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), json!(v)))
        .collect();
        assert_eq!(back, expected);
    }

    #[test]
    fn the_user_name_falls_back_to_the_email_and_no_extension_drops_enterprise_keys() {
        let mapped = json!({"email": "ada@example.com", "enterprise.department": "R&D"});
        let resource = to_resource(mapped.as_object().unwrap(), &[]);
        assert_eq!(
            resource,
            json!({"schemas": [USER_SCHEMA], "userName": "ada@example.com",
                "emails": [{"value": "ada@example.com", "type": "work", "primary": true}]})
        );
    }
}
