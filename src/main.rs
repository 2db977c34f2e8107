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

/// mimalloc's `purge_delay` option: its index in `mi_option_e` of the mimalloc 3 that
/// libmimalloc-sys 0.1.49 builds (the crate names no constant for it; check it when the
/// crate is upgraded).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory is kept before it goes back to the system, in milliseconds.
/// mimalloc's default (a second) let a 50,000-event okta-get-logs or fetch-incidents run
/// hold 40 to 70 MB; returning it at once (0) kept memory at 15 to 23 MiB but cost those
/// commands 25 to 60% more CPU. 10 ms keeps both targets: measured in one session,
/// okta-get-logs 57,928 events/s at 19.6 MiB, fetch-incidents 50,919 events/s at 29.5 MiB
/// (0: 44,332/s at 14.6 MiB and 39,824/s; 100: 62,636/s at 25.9 MiB and 68,663/s at
/// 38.0 MiB). BENCHMARKS.md, section 4.
const PURGE_DELAY_MS: std::os::raw::c_long = 10;

/// Sets [`PURGE_DELAY_MS`] unless `MIMALLOC_PURGE_DELAY` in the environment decides.
fn return_freed_memory_soon() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: sets one integer option; mimalloc reads its options atomically, and no
        // other thread runs yet.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    }
}

fn main() -> ExitCode {
    return_freed_memory_soon();
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
