//! Command failures by kind.
//!
//! A handler fails with a [`CommandError`]; the dispatcher turns it into the error entry
//! `Failed to execute <command> command. Error: <message>`. The kind says who can fix it (the
//! caller, the mapper author, the vendor, the saved state, or this program); the message says
//! how. Every kind displays its bare message, so the text a user sees does not depend on the
//! kind: the kind is for logs and tests.

use std::error::Error as StdError;

use thiserror::Error;

use crate::catalogue::ArgError;
use crate::iam::ProfileError;
use crate::params::ParamsError;
use crate::state::StateError;

/// A handler failure, by kind.
#[derive(Debug, Error)]
pub enum CommandError {
    /// The caller can fix it: an argument, a param, the daemon's own settings.
    #[error("{0}")]
    Usage(#[from] UsageError),
    /// A mapper is missing, or a profile cannot be mapped.
    #[error("{0}")]
    Mapping(#[from] MappingError),
    /// The vendor failed, refused, or answered something unusable.
    #[error("{0}")]
    Connector(#[from] ConnectorFailure),
    /// The integration context or last run: damaged, newer format, cannot be stored.
    #[error("{0}")]
    State(#[from] StateFailure),
    /// A fault of this program or its machine: serialising, rendering, temporary files.
    #[error("{0}")]
    Internal(#[from] InternalError),
}

/// What the caller can fix.
#[derive(Debug, Error)]
pub enum UsageError {
    /// An argument missing, unknown or outside its predefined values.
    #[error("{0}")]
    Args(#[from] ArgError),
    /// A param missing or malformed, as found when the params are read.
    #[error("{0}")]
    Params(#[from] ParamsError),
    /// A bad argument value; the message says what to fix.
    #[error("{0}")]
    Argument(String),
    /// A bad instance configuration (a param, a configuration row, a daemon setting); the
    /// message says what to fix.
    #[error("{0}")]
    Param(String),
}

/// A mapper that cannot be found or cannot map this profile.
#[derive(Debug, Error)]
#[error("{message}")]
pub struct MappingError {
    pub message: String,
}

/// The vendor failed or refused: its message for people, and the vendor's own error when
/// there is one (for logs).
#[derive(Debug, Error)]
#[error("{message}")]
pub struct ConnectorFailure {
    pub message: String,
    #[source]
    pub source: Option<Box<dyn StdError + Send + Sync>>,
}

/// Saved state that cannot be read or written.
#[derive(Debug, Error)]
pub enum StateFailure {
    /// The store refused (too big, too deep, I/O).
    #[error("{0}")]
    Store(#[from] StateError),
    /// The last run of fetch-incidents is damaged or from a newer version.
    #[error("{0}")]
    LastRun(String),
}

/// A fault of this program or its machine.
#[derive(Debug, Error)]
#[error("{0}")]
pub struct InternalError(pub String);

/// A vendor failure from behind the IAM layer's connector: its message, and the error kept as
/// the source.
impl From<crate::iam::ConnectorError> for CommandError {
    fn from(error: crate::iam::ConnectorError) -> Self {
        ConnectorFailure {
            message: error.message.clone(),
            source: Some(Box::new(error)),
        }
        .into()
    }
}

impl CommandError {
    /// A bad argument value (the message names the argument and says what to fix).
    pub fn argument(message: impl Into<String>) -> Self {
        UsageError::Argument(message.into()).into()
    }

    /// A bad instance configuration (the message names the param or row and the fix).
    pub fn param(message: impl Into<String>) -> Self {
        UsageError::Param(message.into()).into()
    }

    /// A mapper that is missing or cannot map.
    pub fn mapping(message: impl Into<String>) -> Self {
        MappingError {
            message: message.into(),
        }
        .into()
    }

    /// The vendor failed or answered something unusable, with no error value of its own.
    pub fn connector(message: impl Into<String>) -> Self {
        ConnectorFailure {
            message: message.into(),
            source: None,
        }
        .into()
    }

    /// The last run cannot be used.
    pub fn last_run(message: impl Into<String>) -> Self {
        StateFailure::LastRun(message.into()).into()
    }

    /// A fault of this program or its machine.
    pub fn internal(message: impl Into<String>) -> Self {
        InternalError(message.into()).into()
    }

    /// The kind's name, for logs.
    pub fn kind_name(&self) -> &'static str {
        match self {
            CommandError::Usage(_) => "usage",
            CommandError::Mapping(_) => "mapping",
            CommandError::Connector(_) => "connector",
            CommandError::State(_) => "state",
            CommandError::Internal(_) => "internal",
        }
    }
}

impl From<ArgError> for CommandError {
    fn from(error: ArgError) -> Self {
        UsageError::Args(error).into()
    }
}

impl From<ParamsError> for CommandError {
    fn from(error: ParamsError) -> Self {
        UsageError::Params(error).into()
    }
}

impl From<StateError> for CommandError {
    fn from(error: StateError) -> Self {
        StateFailure::Store(error).into()
    }
}

/// A user-profile argument the caller must fix, or an outgoing mapping that failed.
impl From<ProfileError> for CommandError {
    fn from(error: ProfileError) -> Self {
        match error {
            ProfileError::Mapping(_) => CommandError::mapping(error.to_string()),
            other => CommandError::argument(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind displays its bare message: the user-visible text does not depend on the kind.
    #[test]
    fn every_kind_displays_the_bare_message() {
        let cases: Vec<(CommandError, &str, &str)> = vec![
            (CommandError::argument("bad arg"), "usage", "bad arg"),
            (CommandError::param("bad param"), "usage", "bad param"),
            (
                ArgError::Missing("user-profile").into(),
                "usage",
                "Missing required argument: user-profile.",
            ),
            (CommandError::mapping("no mapper"), "mapping", "no mapper"),
            (
                CommandError::connector("vendor said no"),
                "connector",
                "vendor said no",
            ),
            (CommandError::last_run("damaged"), "state", "damaged"),
            (CommandError::internal("disk full"), "internal", "disk full"),
        ];
        for (error, kind, message) in cases {
            assert_eq!(error.kind_name(), kind, "{message}");
            assert_eq!(error.to_string(), message);
        }
    }

    #[test]
    fn profile_errors_split_into_usage_and_mapping() {
        let usage: CommandError = ProfileError::Missing.into();
        assert_eq!(usage.kind_name(), "usage");
        assert_eq!(usage.to_string(), ProfileError::Missing.to_string());
        let mapping: CommandError = ProfileError::Mapping("no field".into()).into();
        assert_eq!(mapping.kind_name(), "mapping");
        assert_eq!(mapping.to_string(), "Cannot map the user profile: no field");
    }
}
