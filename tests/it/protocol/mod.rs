//! The loop protocol through the real binary: framing and messages, line edges, signals,
//! engine-mode state requests, the local state file.

mod engine_state;
mod line_edges;
mod serve_loop;
mod signals;
mod state_file;
