//! A real SCIM 2.0 server for the tests and examples: `scim2-server` (PyPI, an in-memory
//! RFC 7644 server) from the virtual environment `.ci/run` builds (`target/ci-venv`, or
//! `OKTA_IAM_CI_VENV`), started on a free loopback port with a bearer token, waited for
//! until it answers, and killed when dropped.
//!
//! [`ScimServer::start_or_skip`] returns `None` (after saying why on stderr) when the venv or
//! the package is missing, unless `OKTA_IAM_REQUIRE_SCIM_SERVER` is set (CI sets it), which
//! makes that a failure. A server that is there but does not come up is always a failure.
//!
//! [`ScimServer::request`] is a minimal HTTP/1.0 client (the server answers HTTP/1.0 and
//! closes each connection) for seeding users and reading them back behind the code under
//! test's back.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The bearer token every test server accepts (listed in the suite's known tokens, so a
/// leak into the daemon's output fails the test).
pub const SCIM_TOKEN: &str = "scim-server-token-7c3e9a1b5d";

/// The switch that turns a missing server into a failure (CI sets it).
pub const REQUIRE: &str = "OKTA_IAM_REQUIRE_SCIM_SERVER";

/// How long the server may take to answer after start (Python imports pydantic, on a machine
/// that may be busy compiling).
const STARTUP: Duration = Duration::from_secs(60);

/// How much of the server's stderr is kept.
const LOG_LIMIT: usize = 1 << 20;

/// A running `scim2-server`, killed on drop.
pub struct ScimServer {
    child: Child,
    port: u16,
    /// Its stderr (one line per request it served), read on a thread so a full pipe never
    /// blocks it; the last [`LOG_LIMIT`] bytes are kept.
    log: Arc<Mutex<Vec<u8>>>,
    /// The version of the scim2-server package it runs.
    pub version: String,
}

/// The virtual environment `.ci/run` builds (`target/ci-venv`, or `OKTA_IAM_CI_VENV`) and
/// its Python; or why it is not there. The schema tests use the same one.
pub fn ci_venv() -> Result<(PathBuf, PathBuf), String> {
    let venv = std::env::var_os("OKTA_IAM_CI_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ci-venv"));
    let python = venv.join("bin/python");
    if !python.exists() {
        return Err(format!(
            "no virtual environment at {} (run .ci/run, or set OKTA_IAM_CI_VENV)",
            venv.display()
        ));
    }
    Ok((venv, python))
}

/// The venv's Python with `scim2-server` importable, and the package's version; or why not.
pub fn locate() -> Result<(PathBuf, String), String> {
    let (venv, python) = ci_venv()?;
    let output = Command::new(&python)
        .args([
            "-c",
            "import importlib.metadata as m, scim2_server.testserver.cli; \
             print(m.version('scim2-server'))",
        ])
        .output()
        .map_err(|e| format!("{} does not run: {e}", python.display()))?;
    if !output.status.success() {
        return Err(format!(
            "scim2-server is not installed in {} (run .ci/run, which installs \
             tests/xsoar/requirements.txt)",
            venv.display()
        ));
    }
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    Ok((python, version))
}

/// A loopback port nobody listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

impl ScimServer {
    /// A fresh server, or `None` (saying why) when scim2-server is not installed and
    /// [`REQUIRE`] is not set.
    pub fn start_or_skip() -> Option<ScimServer> {
        match locate() {
            Ok((python, version)) => Some(ScimServer::start(&python, version)),
            Err(why) => {
                if std::env::var_os(REQUIRE).is_some() {
                    panic!("{why}, and {REQUIRE} is set");
                }
                eprintln!("skipped: {why}");
                None
            }
        }
    }

    /// Starts the server with `python`, retrying on another port if the chosen one was taken
    /// between choosing and binding.
    pub fn start(python: &Path, version: String) -> ScimServer {
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new(python)
                .args([
                    "-m",
                    "scim2_server.testserver.cli",
                    "--hostname",
                    "127.0.0.1",
                ])
                .args(["--port", &port.to_string(), "--bearer-token", SCIM_TOKEN])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn scim2-server");
            let log = Arc::new(Mutex::new(Vec::new()));
            let mut stderr = child.stderr.take().expect("stderr");
            let sink = log.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n @ 1..) = stderr.read(&mut buf) {
                    let mut log = sink.lock().unwrap_or_else(|e| e.into_inner());
                    if log.len() > LOG_LIMIT {
                        log.clear();
                    }
                    log.extend_from_slice(&buf[..n]);
                }
            });
            let mut server = ScimServer {
                child,
                port,
                log,
                version: version.clone(),
            };
            match server.wait_until_ready() {
                Ok(()) => return server,
                Err(why) => last_error = why,
            }
        }
        panic!("scim2-server did not start: {last_error}");
    }

    fn wait_until_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < STARTUP {
            if let Some(status) = self.child.try_wait().expect("wait scim2-server") {
                // Let the reader thread take the last words.
                std::thread::sleep(Duration::from_millis(100));
                return Err(format!("it exited with {status}: {}", self.log()));
            }
            if let Ok((200, _)) = self.try_request("GET", "/v2/ServiceProviderConfig", None) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("no answer within {STARTUP:?}"))
    }

    /// The SCIM base URL (everything before `/Users`).
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v2", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's stderr so far: its start-up messages, then one line per request
    /// (`"GET /v2/Users?... HTTP/1.1" 200 ...`).
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
    }

    /// `method path` (path from the server root, e.g. `/v2/Users`) with the token and an
    /// optional JSON body; the status and the parsed body (`Null` when empty).
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        self.try_request(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path} to scim2-server: {e}"))
    }

    fn try_request(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Value), String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .map_err(|e| e.to_string())?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let request = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {SCIM_TOKEN}\r\n\
             Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&answer);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .ok_or_else(|| format!("no end of headers in {text:?}"))?;
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("no status in {head:?}"))?;
        let body = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(body).map_err(|e| format!("{e} in {body:?}"))?
        };
        Ok((status, body))
    }

    /// Creates a user from `resource` (schemas added), panicking unless the server says 201;
    /// returns the user as created.
    pub fn seed_user(&self, mut resource: Value) -> Value {
        resource["schemas"] = serde_json::json!(["urn:ietf:params:scim:schemas:core:2.0:User"]);
        let (status, body) = self.request("POST", "/v2/Users", Some(&resource));
        assert_eq!(status, 201, "seeding {resource}: {body}");
        body
    }

    /// Creates the group `display_name` with `members` (users as [`Self::seed_user`] returned
    /// them) and returns it as the server holds it.
    pub fn seed_group(&self, display_name: &str, members: &[Value]) -> Value {
        let members: Vec<Value> = members
            .iter()
            .map(|m| serde_json::json!({"value": m["id"], "type": "User"}))
            .collect();
        let resource = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": display_name, "members": members});
        let (status, body) = self.request("POST", "/v2/Groups", Some(&resource));
        assert_eq!(status, 201, "seeding {resource}: {body}");
        body
    }

    /// Every user on the server, sorted by id, with their `meta` (version, lastModified): a
    /// change to any user shows.
    pub fn users(&self) -> Vec<Value> {
        let (status, body) = self.request("GET", "/v2/Users?count=1000", None);
        assert_eq!(status, 200, "{body}");
        let mut users = body["Resources"].as_array().cloned().unwrap_or_default();
        users.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
        users
    }
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
