//! The loop protocol through the real binary: framing and messages, line edges, signals,
//! engine-mode state requests, the local state file; and a test-only vendor served through
//! the protocol loop in process (`vendor_seam`).

mod engine_state;
mod line_edges;
mod serve_loop;
mod signals;
mod state_file;
mod vendor_seam;
