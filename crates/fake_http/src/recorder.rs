//! The log of requests as received.

use crate::http::Request;

/// One request as received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    /// Path as sent (percent-encoding kept), without the query string.
    pub path: String,
    /// Decoded query pairs, in order.
    pub query: Vec<(String, String)>,
    /// Header names in lowercase, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RecordedRequest {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Every request since the last reset (copies only while recording is on) and their count.
pub struct Recorder {
    pub requests: Vec<RecordedRequest>,
    pub recording: bool,
    pub count: usize,
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder {
            requests: Vec::new(),
            recording: true,
            count: 0,
        }
    }
}

impl Recorder {
    /// Counts the request and keeps a copy when recording.
    pub fn record(&mut self, req: &Request) {
        self.count += 1;
        if self.recording {
            self.requests.push(RecordedRequest {
                method: req.method.clone(),
                path: req.path.clone(),
                query: req.query.clone(),
                headers: req.headers.clone(),
                body: req.body.clone(),
            });
        }
    }

    pub fn reset(&mut self) {
        self.requests.clear();
        self.count = 0;
    }
}
