//! The `okta-iam` binary: parses the command line and hands over to the library.

use std::process::ExitCode;

use clap::Parser;
use okta_iam::cli::{self, exit, Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Manifest = cli.command {
        cli::run_manifest();
        return ExitCode::from(exit::OK);
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
                cli::run_serve(options).await
            }
            Command::Call(options) => {
                cli::init_tracing(&options.shared);
                cli::run_call(options).await
            }
            Command::Demo(options) => cli::run_demo(options).await.map(|()| exit::OK),
            Command::Manifest => Ok(exit::OK),
        }
    });
    // A read of stdin may still be blocked in tokio's blocking pool (a stop signal while
    // waiting for input): do not wait for it.
    runtime.shutdown_background();
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("okta-iam: {error}");
            ExitCode::from(exit::USAGE)
        }
    }
}
