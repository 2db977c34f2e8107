//! `--help` texts that clap cannot derive: the environment, the params file, exit codes and
//! examples; and the `--version` line with the commit the binary was built from.

/// `okta-iam --version`: the package version and the commit (`build.rs`; `unknown` when the
/// source had no git history).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("OKTA_IAM_COMMIT"),
    ")"
);

/// After `okta-iam --help`.
pub const MAIN_AFTER_HELP: &str = r#"Environment:
  OKTA_API_TOKEN  the Okta API token when the params give none (never printed, logged,
                  recorded or stored)
  SCIM_API_TOKEN  the SCIM bearer token (--vendor scim) when the params give none (the same)
  NO_COLOR        no colour in logs (logs are plain anyway when stderr is not a terminal)

Params file (--params FILE): one JSON object of instance params, for example
  {"url": "https://acme.okta.com", "max_fetch": "50", "first_fetch": "3 days"}
  The token may also be given there as "apitoken" or "credentials": {"password": "..."}.
  Every param and its default: `okta-iam manifest` (configuration).

Exit codes:
  0  every result succeeded
  1  a result was an error entry, or an IAM result with success: false (call, demo)
  2  usage error: unknown command or argument, bad option value, unusable file

Examples:
  okta-iam demo
  okta-iam call --params params.json iam-get-user user-profile='{"email": "dana.lee@acme.com"}'
  okta-iam demo --vendor scim       (a SCIM 2.0 app: docs/scim.md)"#;

/// After `okta-iam serve --help`.
pub const SERVE_AFTER_HELP: &str = r#"Reads calling contexts (one JSON object a line, or `ping`) on stdin and writes protocol
messages on stdout; logs go to stderr. Extra arguments XSOAR adds (such as `using`) are
accepted and ignored.

Exit codes: 0 at end of input (or after a `"native": true` execution); 2 when an option or a
file named by one is unusable (nothing is served).

Examples:
  printf 'ping\n' | okta-iam serve --state state.json --params params.json
  okta-iam serve --replay case-123.json --state state.json < commands.ndjson"#;

/// After `okta-iam call -h`; `call --help` adds every command and its arguments.
pub const CALL_AFTER_HELP: &str = r#"Exit codes:
  0  every result succeeded
  1  a result was an error entry, or an IAM result with success: false
  2  usage error: unknown command or argument, bad option value, unusable file

Examples:
  okta-iam call --params params.json iam-get-user user-profile='{"email": "dana.lee@acme.com"}'
  okta-iam call --params params.json --record case-123.json okta-iam-list-applications limit=5

The token: OKTA_API_TOKEN, or "apitoken" in the params file (--vendor scim: SCIM_API_TOKEN,
or "credentials": {"password": "..."}). `okta-iam call --help` lists
every command with its arguments; so does `okta-iam commands`."#;

/// After `okta-iam demo --help`.
pub const DEMO_AFTER_HELP: &str = r#"The walkthrough shows each step's command and arguments, its war-room table (long cells
trimmed to the width in COLUMNS, default 100) and a closing summary. It is plain text with
no colour, the same on a terminal and in a pipe; --json prints what `serve` would write.

Exit codes: 0 when every step succeeded, 1 when one failed (for example a second run with
the same --state FILE, whose last run asks for events the cassette does not hold)."#;

/// After `okta-iam completions --help`.
pub const COMPLETIONS_AFTER_HELP: &str = r#"Examples:
  okta-iam completions bash > ~/.local/share/bash-completion/completions/okta-iam
  okta-iam completions zsh > "${fpath[1]}/_okta-iam""#;
