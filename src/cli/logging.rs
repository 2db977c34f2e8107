//! Diagnostics on stderr: the `--log-level` values, and when logs may use colour.
//!
//! Colour (ANSI escapes) only when stderr is a terminal and `NO_COLOR` is not set
//! (<https://no-color.org>: any non-empty value); `CLICOLOR_FORCE` (non-empty, not `0`)
//! forces it on even when stderr is not a terminal, `NO_COLOR` still winning.

use std::io::IsTerminal;

use clap::ValueEnum;

use super::LogFormat;

/// A `--log-level` value. A closed list, so a typo (`warning`) is a usage error that names
/// the valid values instead of a filter that silently turns every log off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    fn directive(self) -> &'static str {
        match self {
            LogLevel::Off => "off",
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// Installs the tracing subscriber on stderr.
pub fn init(level: LogLevel, format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::new(level.directive());
    let ansi = use_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
        std::env::var_os("CLICOLOR_FORCE").as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Whether logs may carry ANSI colour.
fn use_colour(
    terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
    force: Option<&std::ffi::OsStr>,
) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    terminal || force.is_some_and(|v| !v.is_empty() && v != "0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn no_color_wins_and_an_empty_one_does_not_count() {
        let set = Some(OsStr::new("1"));
        assert!(use_colour(true, None, None));
        assert!(!use_colour(false, None, None));
        assert!(!use_colour(true, set, None));
        assert!(!use_colour(true, set, set));
        assert!(use_colour(true, Some(OsStr::new("")), None));
        assert!(use_colour(false, None, set));
        assert!(!use_colour(false, None, Some(OsStr::new("0"))));
    }
}
