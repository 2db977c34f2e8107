//! The server side of XSOAR's loop, for tests and examples: spawns `tests/xsoar/loop.py` (an
//! XSOAR-style Python loop) and plays the server on its stdin/stdout. Each execution sends the
//! relay taken from the printed manifest as the code, with a calling context; the server keeps
//! the integration context (versioned) and the last run, answers `log` requests, `mapObject`
//! and `searchIndicators`, and can fail a request in the loop's error style.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const ERROR_MARKER: &str = "[ERROR-fd5a7750-7182-4b38-90ba-091824478903]";

/// Which `demisto` object the loop gives the code (see `loop.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// The public loop's class; errors as a `$$##` prefix; no mapObject or searchIndicators.
    Legacy,
    /// A newer server's class: versioned context, mapObject, searchIndicators; errors carry
    /// the `[ERROR-…]` marker.
    Modern,
}

/// The Python interpreter to run the loop with, or why there is none. CI sets
/// `OKTA_IAM_REQUIRE_PYTHON=1`, which turns a missing interpreter into a failure.
pub fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("OKTA_IAM_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("python3"));
    let works = Command::new(&candidate)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if works {
        return Some(candidate);
    }
    let why = format!(
        "skipped: no Python 3 interpreter ({} does not run; set OKTA_IAM_PYTHON)",
        candidate.display()
    );
    if std::env::var_os("OKTA_IAM_REQUIRE_PYTHON").is_some() {
        panic!("{why}, and OKTA_IAM_REQUIRE_PYTHON is set");
    }
    eprintln!("{why}");
    None
}

/// The relay, taken from `okta-iam manifest` (parsed as YAML) of the binary at `binary`.
pub fn relay_from_manifest(binary: &Path) -> String {
    static RELAY: OnceLock<String> = OnceLock::new();
    RELAY
        .get_or_init(|| relay_of_vendor(binary, "okta"))
        .clone()
}

/// The relay as `okta-iam manifest --vendor <vendor>` carries it.
pub fn relay_of_vendor(binary: &Path, vendor: &str) -> String {
    let output = Command::new(binary)
        .args(["manifest", "--vendor", vendor])
        .output()
        .expect("run okta-iam manifest");
    assert!(output.status.success(), "okta-iam manifest failed");
    let manifest: Value =
        yaml_serde::from_slice(&output.stdout).expect("the manifest is valid YAML");
    manifest["script"]["script"]
        .as_str()
        .expect("script.script is the relay")
        .to_string()
}

/// What one execution sent to the server.
#[derive(Debug, Default, Clone)]
pub struct Execution {
    /// The entries of every `result` message.
    pub entries: Vec<Value>,
    /// The `exception` message's text (traceback lines joined).
    pub exception: Option<String>,
    /// `log` requests and `entryLog` messages.
    pub logs: Vec<Value>,
    /// The requests the relay bridged (`executeCommand`), in order.
    pub requests: Vec<Value>,
}

impl Execution {
    /// The single entry (panics otherwise).
    pub fn entry(&self) -> &Value {
        assert_eq!(self.entries.len(), 1, "expected one entry: {self:?}");
        &self.entries[0]
    }
}

/// The emulated server and its loop process.
pub struct LoopServer {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    pub flavour: Flavour,
    relay: String,
    /// Every line the loop wrote (for the secret checks).
    pub transcript: Vec<String>,
    pub integration_context: Value,
    pub context_version: i64,
    pub last_run: Value,
    /// `User Profile` indicators searchIndicators answers from.
    pub indicators: Vec<Value>,
    /// When set, mapObject answers with this function's result; otherwise with an error.
    pub map_object: Option<fn(&Value, &str, &str) -> Value>,
    failures: Vec<(String, String)>,
    pub timeout: Duration,
}

impl LoopServer {
    /// Starts `python3 tests/xsoar/loop.py <flavour>` with `OKTA_IAM_BIN=binary` and `env`
    /// added to its environment; `relay` is the code each execution sends. `None` (with the
    /// reason on stderr) when there is no Python 3.
    pub fn start(
        flavour: Flavour,
        relay: String,
        binary: &Path,
        env: &[(&str, &str)],
    ) -> Option<LoopServer> {
        let python = python()?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/xsoar/loop.py");
        let mut command = Command::new(python);
        command
            .arg(script)
            .arg(match flavour {
                Flavour::Legacy => "legacy",
                Flavour::Modern => "modern",
            })
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("OKTA_IAM_BIN", binary)
            .env_remove("OKTA_API_TOKEN");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn the loop");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let mut stderr_pipe = child.stderr.take().expect("stderr");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let log = stderr.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                log.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Some(LoopServer {
            child,
            stdin: Some(stdin),
            lines,
            stderr,
            flavour,
            relay,
            transcript: Vec::new(),
            integration_context: json!({}),
            context_version: 0,
            last_run: json!({}),
            indicators: Vec::new(),
            map_object: None,
            failures: Vec::new(),
            timeout: Duration::from_secs(60),
        })
    }

    /// The loop's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the loop wrote on stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// The next request for `command` fails with `message`, in the loop's error style.
    pub fn fail_next(&mut self, command: &str, message: &str) {
        self.failures
            .push((command.to_string(), message.to_string()));
    }

    fn send(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("the loop's stdin is open");
        stdin.write_all(line.as_bytes()).expect("write to the loop");
        stdin.write_all(b"\n").expect("write to the loop");
        stdin.flush().expect("flush to the loop");
    }

    fn next_line(&mut self, deadline: Instant, doing: &str) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = self.lines.recv_timeout(left).unwrap_or_else(|_| {
            panic!(
                "the loop wrote nothing within {:?} ({doing}); its stderr:\n{}",
                self.timeout,
                self.stderr()
            )
        });
        self.transcript.push(line.clone());
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("loop line is not JSON ({e}): {line}"))
    }

    /// `ping` → `pong`: the loop is idle and reusable.
    pub fn ping(&mut self) {
        self.send("ping");
        let deadline = Instant::now() + self.timeout;
        let reply = self.next_line(deadline, "ping");
        assert_eq!(reply, json!({"type": "pong"}));
    }

    /// Runs `command` with `args` and `params` as an integration execution of the relay.
    pub fn execute(&mut self, command: &str, args: Value, params: &Value) -> Execution {
        self.execute_with(command, args, params, json!({}))
    }

    /// [`LoopServer::execute`] with extra keys of the inner `context` object.
    pub fn execute_with(
        &mut self,
        command: &str,
        args: Value,
        params: &Value,
        extra_context: Value,
    ) -> Execution {
        let mut inner = json!({
            "IntegrationBrand": "Okta IAM",
            "IntegrationInstance": "Okta IAM_instance_1",
            "IsDebug": false,
            "Inv": {"id": "7"},
        });
        if let (Some(inner), Some(extra)) = (inner.as_object_mut(), extra_context.as_object()) {
            for (k, v) in extra {
                inner.insert(k.clone(), v.clone());
            }
        }
        let context = json!({
            "script": self.relay,
            "integration": true,
            "native": false,
            "command": command,
            "args": args,
            "params": params,
            "context": inner,
        });
        self.send(&context.to_string());
        let deadline = Instant::now() + self.timeout;
        let mut execution = Execution::default();
        loop {
            let message = self.next_line(deadline, command);
            match message["type"].as_str().unwrap_or_default() {
                "completed" => return execution,
                "result" => execution
                    .entries
                    .extend(message["results"].as_array().cloned().unwrap_or_default()),
                "exception" => {
                    let text = match &message["args"]["exception"] {
                        Value::Array(lines) => lines
                            .iter()
                            .map(|l| l.as_str().unwrap_or_default())
                            .collect::<String>(),
                        other => other.as_str().unwrap_or_default().to_string(),
                    };
                    execution.exception = Some(text);
                }
                "entryLog" => execution.logs.push(message),
                "log" => {
                    execution.logs.push(message);
                    self.send("{}");
                }
                "executeCommand" => {
                    execution.requests.push(message.clone());
                    let reply = self.answer(&message);
                    self.send(&reply);
                }
                other => panic!("unexpected message from the loop ({other}): {message}"),
            }
        }
    }

    fn answer(&mut self, request: &Value) -> String {
        let command = request["command"].as_str().unwrap_or_default().to_string();
        if let Some(at) = self.failures.iter().position(|(c, _)| *c == command) {
            let (_, message) = self.failures.remove(at);
            return self.error_line(&message);
        }
        let args = &request["args"];
        let reply = match command.as_str() {
            "getIntegrationContext" => json!({
                "context": self.integration_context,
                "version": {"version": self.context_version, "sequenceNumber": self.context_version, "primaryTerm": 1},
            }),
            "setIntegrationContext" => {
                self.integration_context = args["value"].clone();
                self.context_version += 1;
                json!({})
            }
            "getLastRun" => self.last_run.clone(),
            "setLastRun" => {
                self.last_run = args["value"].clone();
                json!({})
            }
            "mapObject" => match self.map_object {
                Some(map) => map(
                    &args["source"],
                    args["mapper"].as_str().unwrap_or_default(),
                    args["mapperType"].as_str().unwrap_or_default(),
                ),
                None => return self.error_line("mapObject failed: no such mapper"),
            },
            "searchIndicators" => self.search_indicators(args),
            _ => return self.error_line(&format!("unsupported command {command}")),
        };
        reply.to_string()
    }

    fn error_line(&self, message: &str) -> String {
        match self.flavour {
            Flavour::Legacy => format!("$$##{message}"),
            Flavour::Modern => format!("{ERROR_MARKER}{message}"),
        }
    }

    fn search_indicators(&self, args: &Value) -> Value {
        let query = args["query"].as_str().unwrap_or_default();
        let matching: Vec<&Value> = self
            .indicators
            .iter()
            .filter(|i| {
                query.contains(r#"type:"User Profile""#) && i["indicator_type"] == "User Profile"
            })
            .collect();
        let size = args["size"].as_u64().unwrap_or(100).max(1) as usize;
        let page = args["page"].as_u64().unwrap_or(0) as usize;
        let iocs: Vec<Value> = matching
            .iter()
            .skip(page * size)
            .take(size)
            .map(|i| (*i).clone())
            .collect();
        json!({"iocs": iocs, "total": matching.len()})
    }

    /// Closes the loop's stdin (end of input) and waits for it to exit.
    pub fn finish(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the loop") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the loop did not exit at end of input"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for LoopServer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The process ids whose parent is `pid` (Linux `/proc`), zombies included.
pub fn children_of(pid: u32) -> Vec<u32> {
    let mut children = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return children;
    };
    for entry in entries.flatten() {
        let Some(child) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses.
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
            continue;
        };
        let ppid = after
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(pid) {
            children.push(child);
        }
    }
    children
}
