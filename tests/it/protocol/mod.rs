//! The loop protocol through the real binary: framing and messages, engine-mode state
//! requests, the local state file.

mod engine_state;
mod serve_loop;
mod state_file;
