//! The command line: the subcommands, their options, and what each runs.
//!
//! What lives where:
//! - this file: the clap definitions ([`Cli`], [`Command`]), the daemon built from the
//!   options, and `serve` / `call` / `demo` / `manifest`;
//! - [`help`]: `--help` texts (environment, params file, exit codes, examples), `--version`;
//! - [`listing`]: `okta-iam commands`, the command list of `call --help`, "did you mean";
//! - [`logging`]: `--log-level`, `NO_COLOR`, tracing on stderr;
//! - [`outcome`]: exit codes from results;
//! - [`progress`]: the progress line of `call` on a terminal (an observer of the pagers);
//! - [`startup`]: checks of files named on the command line;
//! - [`walkthrough`]: the demo as a person reads it.

pub mod help;
pub mod listing;
pub mod logging;
pub mod outcome;
pub mod progress;
pub mod startup;
pub mod walkthrough;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args as ClapArgs, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use serde_json::{Map, Value};

use crate::commands::{execute_taking, Daemon, Execution};
use crate::http::cassette::ReplayTransport;
use crate::http::HttpSettings;
use crate::mapper::MapperRegistry;
use crate::output::Entry;
use crate::protocol::message::CallingContext;
use crate::protocol::{serve, write_execution, ServeConfig, StateMode};
use crate::state::{LocalState, MemoryState, StateStore};
use crate::vendor::Vendor;
pub use crate::xsoar::cli::{PackOptions, PackageOptions};

#[derive(Debug, Parser)]
#[command(
    name = "okta-iam",
    version = help::VERSION,
    about = "IAM integrations for Cortex XSOAR (Okta; any SCIM 2.0 app with --vendor scim): speaks the XSOAR loop protocol on stdin/stdout",
    after_help = help::MAIN_AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// The doc comments are also the `--help` text, which names `DIR/<pack>.zip` as users type it.
#[allow(rustdoc::invalid_html_tags)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the XSOAR loop protocol on stdin/stdout (engine mode, or local mode with --state).
    #[command(after_help = help::SERVE_AFTER_HELP)]
    Serve(SharedOptions),
    /// Run one command for a person and print its markdown (or --json: the protocol messages).
    #[command(after_help = help::CALL_AFTER_HELP)]
    Call(CallOptions),
    /// List every command with its arguments (from the command catalogue).
    Commands(CommandsOptions),
    /// Print the integration YAML XSOAR imports: the relay as its code, the Docker image, and
    /// the params and commands of the command catalogue.
    Manifest(PackageOptions),
    /// Write the XSOAR content pack (integration, mappers, classifier, README, metadata) to
    /// DIR, and DIR/<pack>.zip to upload.
    Pack(PackOptions),
    /// Run the demo: the whole lifecycle against the embedded cassette (no Okta org or SCIM
    /// app needed), shown step by step (--json: the protocol output).
    #[command(after_help = help::DEMO_AFTER_HELP)]
    Demo(DemoOptions),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) on stdout.
    #[command(after_help = help::COMPLETIONS_AFTER_HELP)]
    Completions(CompletionsOptions),
}

#[derive(Debug, Clone, ClapArgs)]
pub struct DemoOptions {
    /// Keep the demo's state in FILE (default: a temporary file, removed afterwards).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Print the protocol messages (as `serve` writes them) instead of the walkthrough.
    #[arg(long)]
    pub json: bool,
    /// The vendor to serve: `okta`, or `scim` for a SCIM 2.0 app.
    #[arg(long, value_name = "NAME", default_value = crate::vendors::DEFAULT, value_parser = crate::vendors::parse_name)]
    pub vendor: String,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct CommandsOptions {
    /// The vendor whose commands to list: `okta`, or `scim`.
    #[arg(long, value_name = "NAME", default_value = crate::vendors::DEFAULT, value_parser = crate::vendors::parse_name)]
    pub vendor: String,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct CompletionsOptions {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Parses the command line (usage errors exit 2, `--help` and `--version` exit 0).
pub fn parse() -> Cli {
    let matches = command().get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

/// The full clap command: the derive definitions plus what comes from the catalogue (the
/// command list of `call --help`: the default vendor's, as help is built before `--vendor`
/// is read).
pub fn command() -> clap::Command {
    let default = vendor(crate::vendors::DEFAULT);
    Cli::command().mut_subcommand("call", |call| {
        call.after_long_help(listing::call_long_help(default))
    })
}

/// `okta-iam completions SHELL`: the script clap generates from [`command`].
pub fn run_completions(options: &CompletionsOptions) {
    clap_complete::generate(
        options.shell,
        &mut command(),
        "okta-iam",
        &mut std::io::stdout(),
    );
}

/// `okta-iam commands [--vendor NAME]`.
pub fn run_commands(options: &CommandsOptions) {
    print!("{}", listing::commands_text(vendor(&options.vendor)));
}

/// Options shared by `serve` and `call`.
#[derive(Debug, Clone, ClapArgs)]
pub struct SharedOptions {
    /// A JSON object of instance params; each calling context's params override it key by key.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// Keep integration context and last run in FILE (local mode) instead of asking the host.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// A directory of extra mapper JSON files; they add to or override the built-in mappers by name.
    #[arg(long, value_name = "DIR")]
    pub mappers: Option<PathBuf>,
    /// Answer the vendor's requests (Okta's, the SCIM app's) from this recorded cassette
    /// instead of the network.
    #[arg(long, value_name = "FILE", conflicts_with = "record")]
    pub replay: Option<PathBuf>,
    /// Pass requests to the vendor (Okta, the SCIM app) and record them, redacted, to this
    /// cassette file.
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// A JSON list of User Profile indicators that fetch-incidents enriches events with in
    /// local mode (engine mode asks the XSOAR server).
    #[arg(long, value_name = "FILE")]
    pub user_profiles: Option<PathBuf>,
    /// Seconds to establish a connection to the vendor's API (Okta, the SCIM app).
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub connect_timeout: f64,
    /// Seconds to wait for the first byte of the vendor's answer, connecting included.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub answer_timeout: f64,
    /// Seconds for one request to the vendor's API, sent to last byte.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub request_timeout: f64,
    /// Largest answer body read from the vendor, in bytes; a larger answer fails its command.
    #[arg(long, value_name = "BYTES", default_value_t = crate::okta::DEFAULT_MAX_RESPONSE_BYTES)]
    pub max_response_bytes: u64,
    /// Seconds for everything one command does: requests, retries and rate-limit waits.
    #[arg(long, value_name = "SECS", default_value_t = 120.0)]
    pub command_deadline: f64,
    /// Retries of one call to the vendor's API: on 429 (rate limit), on 500, 502, 503 and 504
    /// and on broken connections (reads and idempotent calls only); waits double from 1 s up
    /// to 16 s, all within --command-deadline. A refused port or an unknown name is retried
    /// once; an untrusted certificate or an oversized answer never.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_retries: u32,
    /// Diagnostics level on stderr [default: info for call, warn for serve].
    #[arg(long, value_name = "LEVEL", value_enum)]
    pub log_level: Option<LogLevel>,
    /// Diagnostics format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// The vendor to serve: `okta`, or `scim` for a SCIM 2.0 app.
    #[arg(long, value_name = "NAME", default_value = crate::vendors::DEFAULT, value_parser = crate::vendors::parse_name)]
    pub vendor: String,
}

#[derive(Debug, Clone, ClapArgs)]
pub struct CallOptions {
    #[command(flatten)]
    pub shared: SharedOptions,
    /// Print the protocol messages instead of the markdown.
    #[arg(long)]
    pub json: bool,
    /// Integration instance name (selects the state entry) [default: the vendor's,
    /// "Okta IAM_instance_1" or "SCIM IAM_instance_1"].
    #[arg(long)]
    pub instance: Option<String>,
    /// The command to run, e.g. iam-get-user (`okta-iam commands` lists them).
    // Checked against the catalogue (with a "did you mean"), and completed by the shell.
    #[arg(value_parser = listing::CommandNameParser, hide_possible_values = true)]
    pub command: String,
    /// Arguments as name=value; a value may be JSON. Names must be the command's own.
    #[arg(value_name = "NAME=VALUE")]
    pub arguments: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub use logging::LogLevel;

/// Exit codes of `okta-iam`.
pub mod exit {
    pub const OK: u8 = 0;
    /// `call` and `demo`: a result was an error entry, an exception, or an IAM result with
    /// `success: false`.
    pub const COMMAND_FAILED: u8 = 1;
    /// Usage or start-up errors (unknown command or argument, bad option value, unusable
    /// params, state, mappers or cassette file).
    pub const USAGE: u8 = 2;
}

/// Sets up tracing on stderr (stdout is never written by diagnostics); `default_level` when
/// `--log-level` is not given.
pub fn init_tracing(options: &SharedOptions, default_level: LogLevel) {
    logging::init(
        options.log_level.unwrap_or(default_level),
        options.log_format,
    );
}

/// A start-up error: printed on stderr, exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot read the params file {path}: {detail}")]
    Params { path: String, detail: String },
    #[error("cannot load mappers from {path}: {detail}")]
    Mappers { path: String, detail: String },
    #[error("invalid argument '{0}': expected NAME=VALUE")]
    Argument(String),
    #[error("{0}")]
    UnknownCommand(String),
    #[error("{0}")]
    UnknownArgument(String),
    #[error("cannot use the state file {path}: {detail}")]
    State { path: String, detail: String },
    #[error("cannot record to {path}: {detail}")]
    Record { path: String, detail: String },
    #[error("{0} must be a positive number of seconds")]
    Duration(&'static str),
    #[error("{0}")]
    Cassette(#[from] crate::http::cassette::CassetteError),
    #[error("cannot install the signal handlers: {0}")]
    Signals(std::io::Error),
    #[error("cannot start reading stdin: {0}")]
    Stdin(std::io::Error),
    #[error("{0}")]
    StateFile(#[from] crate::state::StateError),
    #[error("the vendor {0} has no built-in demo")]
    NoDemo(String),
}

/// Builds the daemon shared by every execution.
pub fn build_daemon(options: &SharedOptions) -> Result<Daemon, StartupError> {
    if let Some(path) = &options.state {
        startup::check_state_path(path)?;
    }
    let base_params = match &options.params {
        Some(path) => read_params(path)?,
        None => Map::new(),
    };
    let mappers = load_mappers(vendor(&options.vendor), options.mappers.as_deref())?;
    let mut daemon = Daemon::with_vendor(vendor(&options.vendor), base_params, mappers);
    daemon.user_profiles = options.user_profiles.clone();
    daemon.http.settings = HttpSettings {
        connect_timeout: seconds("--connect-timeout", options.connect_timeout)?,
        answer_timeout: seconds("--answer-timeout", options.answer_timeout)?,
        request_timeout: seconds("--request-timeout", options.request_timeout)?,
        max_response_bytes: options.max_response_bytes,
        command_deadline: seconds("--command-deadline", options.command_deadline)?,
        max_retries: options.max_retries,
        ..HttpSettings::default()
    };
    if let Some(path) = &options.replay {
        let replay = ReplayTransport::load(path)?;
        daemon.frozen_now = Some(replay.recorded_at().unwrap_or_else(chrono::Utc::now));
        daemon = daemon.with_transport(Arc::new(replay));
        daemon.http.offline = true;
    } else if let Some(path) = &options.record {
        startup::check_record_path(path)?;
        // Appending to a cassette keeps its clock, so the whole file replays at one time;
        // a new one starts at now, in whole seconds as the cassette stores it.
        let recorded_at = crate::http::cassette::Cassette::load_for_append(path)?
            .and_then(|cassette| cassette.recorded_at);
        let now = chrono::Utc::now();
        daemon.frozen_now = Some(recorded_at.unwrap_or_else(|| {
            now - chrono::Duration::nanoseconds(i64::from(now.timestamp_subsec_nanos()))
        }));
        daemon.http.record_to = Some(path.clone());
    }
    Ok(daemon)
}

/// The vendor `--vendor` names (checked by clap when parsed; the default otherwise).
fn vendor(name: &str) -> &'static dyn Vendor {
    crate::vendors::registry()
        .find(name)
        .unwrap_or(crate::vendors::default_vendor())
}

fn seconds(name: &'static str, value: f64) -> Result<Duration, StartupError> {
    if value.is_finite() && value > 0.0 && value < 1e9 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(StartupError::Duration(name))
    }
}

fn read_params(path: &Path) -> Result<Map<String, Value>, StartupError> {
    let error = |detail: String| StartupError::Params {
        path: path.display().to_string(),
        detail,
    };
    let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(error("expected a JSON object".into())),
        Err(e) => Err(error(format!("not valid JSON: {e}"))),
    }
}

fn load_mappers(vendor: &dyn Vendor, dir: Option<&Path>) -> Result<MapperRegistry, StartupError> {
    let mut registry = vendor.package().mappers();
    if let Some(dir) = dir {
        let count = registry.load_dir(dir).map_err(|e| StartupError::Mappers {
            path: dir.display().to_string(),
            detail: e.to_string(),
        })?;
        tracing::info!(count, dir = %dir.display(), "loaded mappers");
    }
    Ok(registry)
}

/// `okta-iam serve`: returns the exit status (see [`crate::protocol::shutdown`]).
pub async fn run_serve(options: &SharedOptions) -> Result<u8, StartupError> {
    let signals = crate::protocol::shutdown::Signals::install().map_err(StartupError::Signals)?;
    let daemon = build_daemon(options)?;
    // Locked for the daemon's lifetime; a second daemon on the same file exits 2 here.
    let _state_file = lock_state_file(options.state.as_deref())?;
    let mode = match &options.state {
        Some(path) => StateMode::Local(path.clone()),
        None => StateMode::Engine,
    };
    let config = ServeConfig::new(mode);
    let (input, output) = crate::protocol::stdio::process_stdio().map_err(StartupError::Stdin)?;
    Ok(
        crate::protocol::shutdown::serve_until_stopped(input, output, &daemon, &config, signals)
            .await,
    )
}

/// Opens and locks the `--state` file, if any, for as long as the handle lives.
fn lock_state_file(
    path: Option<&Path>,
) -> Result<Option<Arc<crate::state::file::StateFile>>, StartupError> {
    Ok(path.map(crate::state::file::StateFile::open).transpose()?)
}

/// `okta-iam call`: returns the process exit code.
pub async fn run_call(options: &CallOptions) -> Result<u8, StartupError> {
    let served = vendor(&options.shared.vendor);
    let spec = served.find(&options.command).ok_or_else(|| {
        StartupError::UnknownCommand(listing::unknown_command_message(served, &options.command))
    })?;
    let mut args = Map::new();
    for argument in &options.arguments {
        let (name, value) = argument
            .split_once('=')
            .filter(|(name, _)| !name.is_empty())
            .ok_or_else(|| StartupError::Argument(argument.clone()))?;
        if !spec.args.iter().any(|arg| arg.name == name) {
            return Err(StartupError::UnknownArgument(
                listing::unknown_argument_message(spec, name),
            ));
        }
        args.insert(name.to_string(), Value::String(value.to_string()));
    }
    let daemon = build_daemon(&options.shared)?;
    // Locked for the whole call; a daemon holding the same file makes this exit 2.
    let _state_file = lock_state_file(options.shared.state.as_deref())?;
    let defaults = daemon.vendor.context_defaults();
    let mut context = CallingContext {
        command: options.command.clone(),
        args,
        params: Map::new(),
        brand: defaults.brand.to_string(),
        instance: options
            .instance
            .clone()
            .unwrap_or_else(|| defaults.instance.to_string()),
        is_debug: false,
        native: true,
    };
    let mut local;
    let mut memory;
    let state: &mut dyn StateStore = match &options.shared.state {
        Some(path) => {
            local = LocalState::new(path, &context.instance);
            &mut local
        }
        None => {
            memory = MemoryState::default();
            &mut memory
        }
    };
    if std::io::stderr().is_terminal() {
        progress::enable();
    }
    let execution = execute_taking(&daemon, &mut context, state).await;
    progress::finish();
    if options.json {
        let mut stdout = crate::protocol::stdio::BlockingStdout::stdout();
        if let Err(error) = write_execution(&mut stdout, &execution).await {
            tracing::error!("cannot write to stdout: {error}");
        }
    } else {
        print_for_people(&execution);
    }
    Ok(outcome::exit_code(&execution))
}

/// Markdown of normal entries to stdout; error entries and exceptions to stderr.
fn print_for_people(execution: &Execution) {
    for entry in &execution.entries {
        if entry.is_error() {
            eprintln!("Error: {}", entry_text(entry));
        } else if let Some(spooled) = &entry.spooled {
            // Streamed from its spool file: a large result is never held in memory.
            match spooled.write_human_readable(&mut std::io::stdout().lock()) {
                Ok(true) => {}
                Ok(false) => println!("{}", entry_text(entry)),
                Err(error) => tracing::error!("cannot write the result to stdout: {error}"),
            }
        } else {
            let text = entry_text(entry);
            if text.ends_with('\n') {
                print!("{text}");
            } else {
                println!("{text}");
            }
        }
    }
    if let Some(exception) = &execution.exception {
        eprintln!("Exception: {exception}");
    }
}

fn entry_text(entry: &Entry) -> String {
    if let Some(markdown) = entry.spooled.as_ref().and_then(|s| s.human_readable_text()) {
        return markdown;
    }
    if let Some(markdown) = &entry.human_readable {
        return markdown.clone();
    }
    match &entry.contents {
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}

/// `okta-iam demo`: the embedded script through the serve loop, answered by the embedded
/// cassette, in local mode; shown as a walkthrough, or with `--json` as the protocol output.
/// Returns the exit code: 1 when a step failed (see [`outcome`]).
pub async fn run_demo(options: &DemoOptions) -> Result<u8, StartupError> {
    if let Some(path) = &options.state {
        startup::check_state_path(path)?;
    }
    let served = vendor(&options.vendor);
    // Each vendor's demo (`VendorPackage::demo`): Okta's in `fixtures/demo/`, recorded from
    // the fake Okta; SCIM's in `fixtures/demo/scim/`, recorded from the fake SCIM server.
    let demo = served
        .package()
        .demo
        .ok_or_else(|| StartupError::NoDemo(served.name().to_string()))?;
    let base_params = match serde_json::from_str::<Value>(demo.params) {
        Ok(Value::Object(map)) => map,
        _ => {
            return Err(StartupError::Params {
                path: "the embedded demo params".into(),
                detail: "not a JSON object".into(),
            })
        }
    };
    let cassette = crate::http::cassette::Cassette::parse(demo.cassette).map_err(|detail| {
        StartupError::Cassette(crate::http::cassette::CassetteError::Invalid {
            path: "the embedded demo cassette".into(),
            detail,
        })
    })?;
    let replay = ReplayTransport::new(cassette);
    let mut daemon = Daemon::with_vendor(served, base_params, served.package().mappers());
    daemon.frozen_now = Some(replay.recorded_at().unwrap_or_else(chrono::Utc::now));
    daemon.http.offline = true;
    let counter = Arc::new(walkthrough::CountingTransport::new(Arc::new(replay)));
    let daemon = daemon.with_transport(counter.clone());
    let (state_path, temporary) = match &options.state {
        Some(path) => (path.clone(), false),
        None => (
            std::env::temp_dir().join(format!("okta-iam-demo-{}.json", std::process::id())),
            true,
        ),
    };
    let reused_state = (!temporary && state_path.exists()).then_some(state_path.as_path());
    let config = ServeConfig::new(StateMode::Local(state_path.clone()));
    let started = std::time::Instant::now();
    let mut output = Vec::new();
    let result = serve(demo.commands.as_bytes(), &mut output, &daemon, &config).await;
    let elapsed = started.elapsed();
    if temporary {
        let _ = std::fs::remove_file(&state_path);
    }
    if let Err(error) = result {
        eprintln!("okta-iam: cannot run the demo script: {error}");
    }
    let steps = walkthrough::steps(demo.commands, &output);
    let code = outcome::steps_exit_code(&steps);
    let printed = if options.json {
        std::io::Write::write_all(&mut std::io::stdout(), &output)
    } else {
        let summary = walkthrough::Summary {
            heading: demo.heading,
            requests_label: demo.requests_label,
            requests: counter.answered(),
            misses: counter.failed(),
            elapsed,
        };
        let text = walkthrough::render(&steps, &summary, walkthrough::width_from_env());
        std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())
    };
    // A reader that stopped early (`| head`) is no error worth a message.
    if let Err(error) = printed.and_then(|()| std::io::Write::flush(&mut std::io::stdout())) {
        if error.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("okta-iam: cannot write the demo output: {error}");
        }
    }
    if code != exit::OK {
        eprintln!(
            "okta-iam: {}",
            walkthrough::failure_note(&steps, reused_state)
        );
    }
    Ok(code)
}

/// `okta-iam manifest`: returns the process exit code.
pub fn run_manifest(options: &PackageOptions) -> u8 {
    crate::xsoar::cli::run_manifest(options)
}

/// `okta-iam pack DIR`: returns the process exit code.
pub fn run_pack(options: &PackOptions) -> u8 {
    crate::xsoar::cli::run_pack(options)
}
