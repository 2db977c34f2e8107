//! The `okta-iam` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use okta_iam::cli::{self, exit, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Manifest(options) => {
            cli::run_manifest(options);
            return ExitCode::from(exit::OK);
        }
        Command::Pack(options) => return ExitCode::from(cli::run_pack(options)),
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("okta-iam: cannot start the async runtime: {error}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let outcome = runtime.block_on(async {
        match &cli.command {
            Command::Serve(options) => {
                cli::init_tracing(options);
                cli::run_serve(options).await.map(|()| exit::OK)
            }
            Command::Call(options) => {
                cli::init_tracing(&options.shared);
                cli::run_call(options).await
            }
            Command::Demo(options) => cli::run_demo(options).await.map(|()| exit::OK),
            Command::Manifest(_) | Command::Pack(_) => Ok(exit::OK),
        }
    });
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("okta-iam: {error}");
            ExitCode::from(exit::USAGE)
        }
    }
}
