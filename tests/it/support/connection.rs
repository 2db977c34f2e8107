//! An in-memory protocol connection: the real serve loop (`okta_iam::protocol::serve`) reads
//! the lines a test writes and writes protocol messages the test reads, all in this process.

use okta_iam::commands::Daemon;
use okta_iam::protocol::{serve, ServeConfig, StateMode};
use serde_json::Value;

/// The lines the host sends and what the daemon answers, over in-memory pipes.
pub struct MemoryConnection {
    input: String,
    config: ServeConfig,
}

impl MemoryConnection {
    /// A connection in engine mode (state requests go to the "host": the test's own lines).
    pub fn engine() -> Self {
        MemoryConnection {
            input: String::new(),
            config: ServeConfig::new(StateMode::Engine),
        }
    }

    /// A connection in local mode: state lives in the file at `state`.
    pub fn local(state: &std::path::Path) -> Self {
        MemoryConnection {
            input: String::new(),
            config: ServeConfig::new(StateMode::Local(state.to_path_buf())),
        }
    }

    /// Queues every line of `script` (newline-delimited, as a host writes them).
    pub fn send_script(mut self, script: &str) -> Self {
        self.input.push_str(script);
        self
    }

    /// Queues one line (a newline is added), in the order the host would write them.
    pub fn send(mut self, line: &str) -> Self {
        self.input.push_str(line);
        self.input.push('\n');
        self
    }

    /// Serves every queued line until end of input and returns the raw bytes written.
    pub async fn serve_bytes(self, runtime: &Daemon) -> Vec<u8> {
        let mut output = Vec::new();
        serve(self.input.as_bytes(), &mut output, runtime, &self.config)
            .await
            .expect("the in-memory channel does not fail");
        output
    }

    /// Serves every queued line and returns the messages, each checked to be a protocol
    /// message.
    pub async fn serve(self, runtime: &Daemon) -> Vec<Value> {
        super::protocol_lines(&self.serve_bytes(runtime).await)
    }
}
