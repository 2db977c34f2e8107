//! [`HttpEnv`]: how one daemon reaches its vendor, fixed at start-up.

use std::path::PathBuf;
use std::sync::Arc;

use super::settings::HttpSettings;
use super::transport::Transport;

/// The daemon's HTTP start-up options, handed to the vendor when it builds a client.
#[derive(Clone, Default)]
pub struct HttpEnv {
    /// Timeouts and retries of the vendor's client (`--connect-timeout`, ...).
    pub settings: HttpSettings,
    /// Replaces the network (replay, tests); `None` sends requests to the vendor.
    pub transport: Option<Arc<dyn Transport>>,
    /// `--record FILE`: the cassette to record the vendor's traffic to.
    pub record_to: Option<PathBuf>,
    /// No request reaches the network (replay, the demo): a missing API token is no error,
    /// and OAuth needs no private key (the cassette holds no assertion).
    pub offline: bool,
}
