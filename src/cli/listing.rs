//! The command list a person reads, generated from the command catalogue: `okta-iam
//! commands`, the list at the end of `okta-iam call --help`, and the "did you mean" of an
//! unknown command or argument name. A command added to the catalogue appears here by itself.

use crate::catalogue::{self, ArgSpec, CommandSpec};
use crate::vendor::Vendor;

/// `okta-iam commands`: every command `vendor` serves, its description and its arguments.
pub fn commands_text(vendor: &dyn Vendor) -> String {
    let mut text = String::from(
        "Commands (run one with `okta-iam call COMMAND [NAME=VALUE ...]`; the engine runs \
         them through `okta-iam serve`):\n",
    );
    for spec in catalogue::all(vendor) {
        text.push('\n');
        text.push_str(&command_block(spec));
    }
    text
}

/// The end of `okta-iam call --help`: `vendor`'s commands.
pub fn call_long_help(vendor: &dyn Vendor) -> String {
    let mut text = String::from(super::help::CALL_AFTER_HELP);
    text.push_str("\n\n");
    text.push_str(&commands_text(vendor));
    text
}

/// One command: name (and who calls it), description, one line per argument.
fn command_block(spec: &CommandSpec) -> String {
    let mut block = spec.name.to_string();
    if spec.internal {
        block.push_str("  (called by XSOAR itself)");
    }
    block.push('\n');
    block.push_str(&format!("    {}\n", spec.description));
    if spec.args.is_empty() {
        block.push_str("    no arguments\n");
        return block;
    }
    let width = spec.args.iter().map(|a| a.name.len()).max().unwrap_or(0);
    for arg in spec.args {
        block.push_str(&format!(
            "    {:width$}  {}\n",
            arg.name,
            argument_summary(arg)
        ));
    }
    block
}

fn argument_summary(arg: &ArgSpec) -> String {
    let mut notes = Vec::new();
    if arg.required {
        notes.push("required".to_string());
    }
    if let Some(default) = arg.default {
        notes.push(format!("default {default}"));
    }
    if !arg.predefined.is_empty() {
        notes.push(format!("one of {}", arg.predefined.join(", ")));
    }
    if notes.is_empty() {
        arg.description.to_string()
    } else {
        format!("[{}] {}", notes.join("; "), arg.description)
    }
}

/// Parses `call`'s COMMAND: a name some registered vendor serves, or a usage error with a
/// "did you mean" (`--vendor` is not known yet when clap parses it: `run_call` checks the
/// name against the vendor served). It also offers the names to shell completion
/// (`okta-iam completions`).
#[derive(Debug, Clone, Copy)]
pub struct CommandNameParser;

impl clap::builder::TypedValueParser for CommandNameParser {
    type Value = String;

    fn parse_ref(
        &self,
        _command: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        let name = value.to_string_lossy();
        if registered_names().any(|known| known == name) {
            return Ok(name.into_owned());
        }
        Err(clap::Error::raw(
            clap::error::ErrorKind::InvalidValue,
            format!("{}\n", unknown_message(&name, registered_names())),
        ))
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            registered_names().map(clap::builder::PossibleValue::new),
        ))
    }
}

/// Every command name of every registered vendor, each once, in registration order.
fn registered_names() -> impl Iterator<Item = &'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for vendor in crate::vendors::registry().vendors() {
        for spec in vendor.package().commands() {
            if !names.contains(&spec.name) {
                names.push(spec.name);
            }
        }
    }
    names.into_iter()
}

/// The message for a command name `vendor` does not serve.
/// A command another registered vendor serves is named as that vendor's; suggestions and
/// the listing hint are the served vendor's own.
pub fn unknown_command_message(vendor: &dyn Vendor, name: &str) -> String {
    let owner = crate::vendors::registry()
        .vendors()
        .find(|other| other.name() != vendor.name() && other.find(name).is_some());
    let mut message = match owner {
        Some(owner) => format!(
            "'{name}' is a command of the vendor {}; this daemon serves the vendor {}.",
            owner.name(),
            vendor.name()
        ),
        None => unknown_head(name, catalogue::all(vendor).into_iter().map(|c| c.name)),
    };
    message.push_str(&listing_hint(vendor.name()));
    message
}

fn unknown_message<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> String {
    unknown_head(name, names) + &listing_hint(crate::vendors::DEFAULT)
}

fn unknown_head<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> String {
    let mut message = format!("unknown command '{name}'.");
    if let Some(suggestion) = suggest(name, names) {
        message.push_str(&format!(" Did you mean '{suggestion}'?"));
    }
    message
}

/// How to list `vendor`'s commands.
fn listing_hint(vendor: &str) -> String {
    let option = if vendor == crate::vendors::DEFAULT {
        String::new()
    } else {
        format!(" --vendor {vendor}")
    };
    format!(" Run `okta-iam commands{option}` to list every command with its arguments.")
}

/// The message for an argument name the command does not take.
pub fn unknown_argument_message(spec: &CommandSpec, name: &str) -> String {
    let mut message = format!("unknown argument '{name}' for {}.", spec.name);
    if spec.args.is_empty() {
        message.push_str(&format!(" {} takes no arguments.", spec.name));
        return message;
    }
    if let Some(suggestion) = suggest(name, spec.args.iter().map(|a| a.name)) {
        message.push_str(&format!(" Did you mean '{suggestion}'?"));
    }
    let valid: Vec<&str> = spec.args.iter().map(|a| a.name).collect();
    message.push_str(&format!(" Its arguments: {}.", valid.join(", ")));
    message
}

/// The candidate closest to `given` when it is close enough to be a typo: a small edit
/// distance (for its length), or one name containing the other.
pub fn suggest<'a>(given: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let given_lower = given.to_ascii_lowercase();
    let limit = (given.chars().count() / 3).max(2);
    candidates
        .filter_map(|candidate| {
            let distance = edit_distance(&given_lower, &candidate.to_ascii_lowercase());
            let contains = given_lower.len() >= 4
                && (candidate.contains(given_lower.as_str())
                    || given_lower.contains(&candidate.to_ascii_lowercase()));
            (distance <= limit || contains).then_some((distance, candidate))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // One row of the table at a time: `previous[j]` is the distance from the first `i`
    // characters of `a` to the first `j` of `b`.
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = Vec::with_capacity(previous.len());
        let mut left = i + 1;
        current.push(left);
        for ((cb, diagonal), above) in b.iter().zip(&previous).zip(previous.iter().skip(1)) {
            left = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(left + 1);
            current.push(left);
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("abc", "abd"), 1);
        assert_eq!(edit_distance("abc", "ab"), 1);
        assert_eq!(edit_distance("ab", "ba"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn suggestions_for_typos_only() {
        let names = ["iam-get-user", "iam-get-group", "okta-get-logs"];
        assert_eq!(
            suggest("iam-get-usr", names.iter().copied()),
            Some("iam-get-user")
        );
        assert_eq!(
            suggest("get-logs", names.iter().copied()),
            Some("okta-get-logs")
        );
        assert_eq!(suggest("frobnicate", names.iter().copied()), None);
    }

    #[test]
    fn an_unknown_command_is_suggested_among_the_served_vendors_commands() {
        let okta = &crate::okta::vendor::OKTA;
        assert_eq!(
            unknown_command_message(okta, "okta-get-log"),
            "unknown command 'okta-get-log'. Did you mean 'okta-get-logs'? Run `okta-iam commands` to list every command with its arguments."
        );
        assert!(registered_names().any(|name| name == "iam-get-user"));
    }

    #[test]
    fn an_okta_command_asked_of_scim_is_named_as_okta_s() {
        let scim = &crate::scim::vendor::SCIM;
        assert_eq!(
            unknown_command_message(scim, "okta-get-logs"),
            "'okta-get-logs' is a command of the vendor okta; this daemon serves the vendor scim. Run `okta-iam commands --vendor scim` to list every command with its arguments."
        );
        assert_eq!(
            unknown_command_message(scim, "iam-get-usr"),
            "unknown command 'iam-get-usr'. Did you mean 'iam-get-user'? Run `okta-iam commands --vendor scim` to list every command with its arguments."
        );
    }

    #[test]
    fn every_catalogued_command_and_argument_is_listed() {
        let okta = &crate::okta::vendor::OKTA;
        let text = commands_text(okta);
        for spec in catalogue::all(okta) {
            assert!(text.contains(&format!("\n{}", spec.name)), "{}", spec.name);
            for arg in spec.args {
                assert!(text.contains(&format!("    {}", arg.name)), "{}", arg.name);
            }
        }
    }
}
