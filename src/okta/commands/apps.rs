//! The application commands: `okta-get-app-user-assignment`, `okta-iam-list-applications` and
//! `okta-iam-list-user-applications`.
//!
//! Each follows the reference integration's output (context keys, titles, columns, key order);
//! where the contract differs on purpose it says so: ids enter paths only as typed ids (one
//! percent-encoded segment, `.`/`..` refused before sending), a bad `page`/`limit` is an error
//! entry that names the allowed range (a `limit` over 200 is refused, not silently capped), and
//! the user's applications are read over every page.

use serde_json::{Map, Value};

use crate::catalogue::{ArgSpec, Args, CommandSpec, OutputSpec};
use crate::commands::args::{check_path_id, required, FromArgs};
use crate::commands::{CommandError, CommandResult, Invocation};
use crate::okta::{AppId, OktaError, UserId};
use crate::output::command_results;
use crate::output::markdown::{python_str, table_to_markdown, HeaderTransform, TableOptions};
use crate::state::LocalBoxFuture;

/// The most applications Okta returns in one page of `GET apps`.
pub const MAX_LIMIT: u64 = 200;

const APPLICATION_OUTPUTS: [OutputSpec; 3] = [
    OutputSpec::new("Okta.Application.ID", "String", "ID of the application."),
    OutputSpec::new(
        "Okta.Application.Name",
        "String",
        "Name of the application.",
    ),
    OutputSpec::new(
        "Okta.Application.Label",
        "String",
        "Label of the application.",
    ),
];

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "okta-get-app-user-assignment",
        description: "Gets a specific user assignment for an application by id.",
        args: &[
            ArgSpec::required("user_id", "ID of the user for which to get information."),
            ArgSpec::required(
                "application_id",
                "ID of the application for which to get information.",
            ),
        ],
        outputs: &[
            OutputSpec::new("Okta.AppUserAssignment.UserID", "String", "ID of the user."),
            OutputSpec::new("Okta.AppUserAssignment.AppID", "String", "ID of the application."),
            OutputSpec::new(
                "Okta.AppUserAssignment.IsAssigned",
                "Boolean",
                "When true, indicates that the user is assigned to the application.",
            ),
            OutputSpec::new(
                "Okta.AppUserAssignment.ProfileInApp",
                "Unknown",
                "The user profile data in the application.",
            ),
        ],
        execution: false,
        internal: false,
        handler: get_app_user_assignment,
    },
    CommandSpec {
        name: "okta-iam-list-applications",
        description: "Returns a list of Okta applications data.",
        args: &[
            ArgSpec::optional("query", "Search for applications by their names."),
            ArgSpec::optional("page", "Page number (0-based). Default is 0.").default_value("0"),
            ArgSpec::optional(
                "limit",
                "Maximum number of apps to retrieve (1 to 200). Default is 50.",
            )
            .default_value("50"),
        ],
        outputs: &[
            APPLICATION_OUTPUTS[0],
            APPLICATION_OUTPUTS[1],
            APPLICATION_OUTPUTS[2],
            OutputSpec::new("Okta.Application.Logo", "String", "Logo of the application."),
        ],
        execution: false,
        internal: false,
        handler: list_applications,
    },
    CommandSpec {
        name: "okta-iam-list-user-applications",
        description: "Returns the Okta applications assigned to a user (directly or through a group), over every page.",
        args: &[ArgSpec::required(
            "user_id",
            "ID of the user for which to get the information.",
        )],
        outputs: &[
            APPLICATION_OUTPUTS[0],
            APPLICATION_OUTPUTS[1],
            APPLICATION_OUTPUTS[2],
            OutputSpec::new("Okta.Application.Status", "String", "Status of the application."),
        ],
        execution: false,
        internal: false,
        handler: list_user_applications,
    },
];

/// `okta-get-app-user-assignment`: both ids as given (for the outputs) and as text, each
/// checked to be one path segment.
#[derive(Debug, Clone, PartialEq)]
pub struct AppUserAssignmentArgs {
    pub user: (Value, String),
    pub application: (Value, String),
}

impl FromArgs for AppUserAssignmentArgs {
    fn from_args(args: &Args) -> Result<Self, CommandError> {
        let user = required(args, "user_id")?;
        let application = required(args, "application_id")?;
        check_path_id("user_id", &user.1)?;
        check_path_id("application_id", &application.1)?;
        Ok(AppUserAssignmentArgs { user, application })
    }
}

/// `okta-iam-list-applications`: the search text and the page to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListApplicationsArgs {
    pub query: Option<String>,
    /// 0 is the first page.
    pub page: u64,
    /// 1 to [`MAX_LIMIT`].
    pub limit: u32,
}

impl FromArgs for ListApplicationsArgs {
    fn from_args(args: &Args) -> Result<Self, CommandError> {
        let query = args.string("query");
        let (page, limit) = page_and_limit(args)?;
        Ok(ListApplicationsArgs { query, page, limit })
    }
}

/// `okta-iam-list-user-applications`: the user's id as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListUserApplicationsArgs {
    pub user_id: String,
}

impl FromArgs for ListUserApplicationsArgs {
    fn from_args(args: &Args) -> Result<Self, CommandError> {
        let (_, user_id) = required(args, "user_id")?;
        Ok(ListUserApplicationsArgs { user_id })
    }
}

fn markdown_error(error: crate::output::markdown::MarkdownError) -> CommandError {
    CommandError::internal(format!("Could not build the table: {error}"))
}

// ---------------------------------------------------------------------------------------------
// okta-get-app-user-assignment
// ---------------------------------------------------------------------------------------------

fn get_app_user_assignment(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let AppUserAssignmentArgs {
            user: (user_value, user_id),
            application: (app_value, app_id),
        } = AppUserAssignmentArgs::from_args(&inv.args)?;
        let client = crate::okta::vendor::client(&inv)?;
        // Okta answers 404 (E0000007) when the user is not assigned: a normal result here.
        let (raw, assigned) = match client
            .apps()
            .get_app_user(&AppId::new(app_id.as_str()), &UserId::new(user_id.as_str()))
            .await
        {
            Ok(raw) => (raw, true),
            Err(error) => (not_assigned_body(error)?, false),
        };

        let mut outputs = Map::new();
        outputs.insert("UserID".into(), user_value);
        outputs.insert("AppID".into(), app_value);
        outputs.insert("IsAssigned".into(), Value::Bool(assigned));
        let options = TableOptions {
            headers: Some(vec!["UserID".into(), "AppID".into(), "IsAssigned".into()]),
            header_transform: Some(HeaderTransform::PascalToSpace),
            ..TableOptions::new()
        };
        let mut readable = table_to_markdown(
            "App User Assignment",
            &Value::Object(outputs.clone()),
            &options,
        )
        .map_err(markdown_error)?;
        if assigned {
            let Value::Object(body) = &raw else {
                return Err(CommandError::connector(format!(
                    "Okta's answer to GET apps/{app_id}/users/{user_id} is not a JSON object."
                )));
            };
            let profile = body.get("profile").cloned().unwrap_or(Value::Null);
            let profile_options = TableOptions {
                remove_null: true,
                ..TableOptions::new()
            };
            let profile_readable = table_to_markdown("Profile in App", &profile, &profile_options)
                .map_err(markdown_error)?;
            outputs.insert("ProfileInApp".into(), profile);
            readable.push('\n');
            readable.push_str(&profile_readable);
        }
        Ok(vec![command_results(
            Some("Okta.AppUserAssignment"),
            &["UserID", "AppID"],
            Value::Object(outputs),
            readable,
            Some(raw),
        )])
    })
}

/// The body of a 404 answer (the user is not assigned); any other failure is the command's
/// error. A 404 whose body is not JSON fails too, as in the reference.
fn not_assigned_body(error: OktaError) -> Result<Value, CommandError> {
    match &error {
        OktaError::Api(api) if api.status == 404 => Ok(api.body.clone()),
        OktaError::Http {
            status: 404,
            excerpt,
            ..
        } => serde_json::from_str(excerpt).map_err(|_| CommandError::from(error)),
        _ => Err(CommandError::from(error)),
    }
}

// ---------------------------------------------------------------------------------------------
// okta-iam-list-applications
// ---------------------------------------------------------------------------------------------

/// Reads a whole-number argument: a JSON integer, or text holding one (spaces around allowed).
fn whole_number(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// `page` (0 or more) and `limit` (1 to [`MAX_LIMIT`]), with an error that says the range.
fn page_and_limit(args: &Args) -> Result<(u64, u32), CommandError> {
    let page = match args.raw("page") {
        None => 0,
        Some(value) => whole_number(value).ok_or_else(|| {
            CommandError::argument(format!(
                "Invalid page {}: page must be a whole number, 0 or more (0 is the first page).",
                value
            ))
        })?,
    };
    let limit = match args.raw("limit") {
        None => 50,
        Some(value) => whole_number(value)
            .filter(|limit| (1..=MAX_LIMIT).contains(limit))
            .and_then(|limit| u32::try_from(limit).ok())
            .ok_or_else(|| {
                CommandError::argument(format!(
                    "Invalid limit {}: limit must be a whole number from 1 to {MAX_LIMIT}.",
                    value
                ))
            })?,
    };
    Ok((page, limit))
}

/// `![](<_links.logo[0].href>)`, with `None` where the reference printed Python's `None` (no
/// logo link; an empty `logo` list, where the reference crashed, reads the same).
fn logo_markdown(app: &Value) -> String {
    let href = app
        .get("_links")
        .and_then(|links| links.get("logo"))
        .and_then(|logo| logo.get(0))
        .and_then(|first| first.get("href"))
        .unwrap_or(&Value::Null);
    format!("![]({})", python_str(href))
}

fn field(app: &Value, key: &str) -> Value {
    app.get(key).cloned().unwrap_or(Value::Null)
}

fn list_applications(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let ListApplicationsArgs { query, page, limit } =
            ListApplicationsArgs::from_args(&inv.args)?;
        let client = crate::okta::vendor::client(&inv)?;
        // The first page, then `page` hops along the `next` links, as the reference does:
        // running out of pages (or an empty page) on the way gives an empty list.
        let mut pager = client.apps().list(query.as_deref(), Some(limit));
        let mut batch = match pager.next_page().await {
            Some(first) => first?.items,
            None => Vec::new(),
        };
        let mut hops = 0;
        while !batch.is_empty() && hops != page {
            hops += 1;
            batch = match pager.next_page().await {
                Some(next) => next?.items,
                None => Vec::new(),
            };
        }

        let outputs: Vec<Value> = batch
            .iter()
            .map(|app| {
                let mut row = Map::new();
                row.insert("ID".into(), field(app, "id"));
                row.insert("Name".into(), field(app, "name"));
                row.insert("Label".into(), field(app, "label"));
                row.insert("Logo".into(), Value::String(logo_markdown(app)));
                Value::Object(row)
            })
            .collect();
        let mut title = String::from("Okta Applications");
        if !outputs.is_empty() {
            let from = u128::from(page) * u128::from(limit) + 1;
            let to = from + outputs.len() as u128 - 1;
            title.push_str(&format!(" ({from} - {to})"));
        }
        let outputs = Value::Array(outputs);
        let readable =
            table_to_markdown(&title, &outputs, &headers(&["ID", "Name", "Label", "Logo"]))
                .map_err(markdown_error)?;
        Ok(vec![command_results(
            Some("Okta.Application"),
            &["ID"],
            outputs,
            readable,
            None,
        )])
    })
}

fn headers(names: &[&str]) -> TableOptions {
    TableOptions {
        headers: Some(names.iter().map(|h| h.to_string()).collect()),
        ..TableOptions::new()
    }
}

// ---------------------------------------------------------------------------------------------
// okta-iam-list-user-applications
// ---------------------------------------------------------------------------------------------

fn list_user_applications(inv: Invocation<'_>) -> LocalBoxFuture<'_, CommandResult> {
    Box::pin(async move {
        let ListUserApplicationsArgs { user_id } = ListUserApplicationsArgs::from_args(&inv.args)?;
        let client = crate::okta::vendor::client(&inv)?;
        // Every page (the reference read only the first).
        let applications = client
            .apps()
            .list_for_user(&UserId::new(user_id))
            .collect_all()
            .await?;
        let outputs: Vec<Value> = applications
            .iter()
            .map(|app| {
                let mut row = Map::new();
                row.insert("ID".into(), field(app, "id"));
                row.insert("Name".into(), field(app, "name"));
                row.insert("Label".into(), field(app, "label"));
                row.insert("Status".into(), field(app, "status"));
                Value::Object(row)
            })
            .collect();
        let outputs = Value::Array(outputs);
        let readable = table_to_markdown(
            "Okta User Applications",
            &outputs,
            &headers(&["ID", "Name", "Label", "Status"]),
        )
        .map_err(markdown_error)?;
        Ok(vec![command_results(
            Some("Okta.Application"),
            &["ID"],
            outputs,
            readable,
            None,
        )])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::args::args_of;
    use serde_json::json;

    #[test]
    fn app_user_assignment_args() {
        let cases = [
            (
                json!({"user_id": "00u1", "application_id": "0oa1"}),
                Ok(("00u1", "0oa1")),
            ),
            (
                json!({"application_id": "0oa1"}),
                Err("Missing required argument: user_id."),
            ),
            (
                json!({"user_id": "00u1"}),
                Err("Missing required argument: application_id."),
            ),
            (
                json!({"user_id": "..", "application_id": "0oa1"}),
                Err("Invalid user_id: "),
            ),
            (
                json!({"user_id": "00u1", "application_id": "."}),
                Err("Invalid application_id: "),
            ),
        ];
        for (input, expected) in cases {
            let got = AppUserAssignmentArgs::from_args(&args_of(input.clone()));
            match (got, expected) {
                (Ok(args), Ok((user, app))) => {
                    assert_eq!(args.user, (json!(user), user.to_string()));
                    assert_eq!(args.application, (json!(app), app.to_string()));
                }
                (Err(error), Err(start)) => {
                    assert!(error.to_string().starts_with(start), "{input} → {error}");
                    assert_eq!(error.kind_name(), "usage");
                }
                (got, expected) => panic!("{input}: {got:?} ≠ {expected:?}"),
            }
        }
    }

    #[test]
    fn list_applications_args() {
        let ok = |query: Option<&str>, page, limit| {
            Ok(ListApplicationsArgs {
                query: query.map(str::to_string),
                page,
                limit,
            })
        };
        let cases = [
            (json!({}), ok(None, 0, 50)),
            (json!({"query": "sales", "page": "2", "limit": 10}), ok(Some("sales"), 2, 10)),
            (json!({"page": " 3 ", "limit": "200"}), ok(None, 3, 200)),
            (
                json!({"page": "-1"}),
                Err("Invalid page \"-1\": page must be a whole number, 0 or more (0 is the first page).".to_string()),
            ),
            (
                json!({"limit": "0"}),
                Err(format!("Invalid limit \"0\": limit must be a whole number from 1 to {MAX_LIMIT}.")),
            ),
            (
                json!({"limit": 201}),
                Err(format!("Invalid limit 201: limit must be a whole number from 1 to {MAX_LIMIT}.")),
            ),
        ];
        for (input, expected) in cases {
            let got =
                ListApplicationsArgs::from_args(&args_of(input.clone())).map_err(|e| e.to_string());
            assert_eq!(got, expected, "{input}");
        }
    }

    #[test]
    fn list_user_applications_args() {
        let got = ListUserApplicationsArgs::from_args(&args_of(json!({"user_id": 12}))).unwrap();
        assert_eq!(got.user_id, "12");
        let error = ListUserApplicationsArgs::from_args(&args_of(json!({}))).unwrap_err();
        assert_eq!(error.to_string(), "Missing required argument: user_id.");
    }

    #[test]
    fn logo_cells_follow_python_str() {
        let app = json!({"_links": {"logo": [{"href": "https://x/logo.png"}]}});
        assert_eq!(logo_markdown(&app), "![](https://x/logo.png)");
        assert_eq!(logo_markdown(&json!({})), "![](None)");
        assert_eq!(logo_markdown(&json!({"_links": {"logo": []}})), "![](None)");
        assert_eq!(
            logo_markdown(&json!({"_links": {"logo": [{}]}})),
            "![](None)"
        );
        assert_eq!(logo_markdown(&json!({"_links": null})), "![](None)");
    }

    #[test]
    fn whole_numbers() {
        assert_eq!(whole_number(&json!("0")), Some(0));
        assert_eq!(whole_number(&json!(" 12 ")), Some(12));
        assert_eq!(whole_number(&json!(7)), Some(7));
        for bad in [
            json!("-1"),
            json!("1.5"),
            json!("x"),
            json!(-1),
            json!(2.5),
            json!(true),
        ] {
            assert_eq!(whole_number(&bad), None, "{bad}");
        }
    }

    #[test]
    fn path_ids_name_the_argument() {
        assert!(check_path_id("application_id", "0oa1").is_ok());
        assert!(check_path_id("application_id", "a/b").is_ok());
        let error = check_path_id("application_id", "..")
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("Invalid application_id: "), "{error}");
    }
}
