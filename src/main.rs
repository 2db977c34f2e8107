//! The `okta-iam` binary: parses the command line and hands over to the library.

// Code in `src/` does not panic on input: no unwrap/expect/panic, no unchecked indexing or
// slicing, no truncating casts. `#[cfg(test)]` code is exempt (clippy.toml).
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::process::ExitCode;

use okta_iam::cli::{self, exit, Command, LogLevel};

/// mimalloc rather than glibc's malloc: a loop command makes about 380 short-lived
/// allocations, and mimalloc's thread-local free lists serve them in a quarter of the
/// instructions (BENCHMARKS.md, section 1, "After issue 20, second pass").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    okta_iam::allocator::return_freed_memory_soon();
    let cli = cli::parse();
    // Commands that only print or write what the binary knows: no runtime needed.
    match &cli.command {
        Command::Manifest(options) => return ExitCode::from(cli::run_manifest(options)),
        Command::Pack(options) => return ExitCode::from(cli::run_pack(options)),
        Command::Commands(options) => {
            cli::run_commands(options);
            return ExitCode::from(exit::OK);
        }
        Command::Completions(options) => {
            cli::run_completions(options);
            return ExitCode::from(exit::OK);
        }
        Command::Serve(_) | Command::Call(_) | Command::Demo(_) => {}
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
                cli::init_tracing(options, LogLevel::Warn);
                cli::run_serve(options).await
            }
            Command::Call(options) => {
                // A person at the other end: say what is retried and why.
                cli::init_tracing(&options.shared, LogLevel::Info);
                cli::run_call(options).await
            }
            Command::Demo(options) => cli::run_demo(options).await,
            Command::Manifest(_)
            | Command::Pack(_)
            | Command::Commands(_)
            | Command::Completions(_) => Ok(exit::OK),
        }
    });
    // A DNS lookup may still run in tokio's blocking pool (a stop signal during a command):
    // do not wait for it. (The thread reading stdin ends with the process.)
    runtime.shutdown_background();
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("okta-iam: {error}");
            ExitCode::from(exit::USAGE)
        }
    }
}
