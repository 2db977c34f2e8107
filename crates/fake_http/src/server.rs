//! The server: a listener on 127.0.0.1:0, its own thread and tokio runtime, and one task per
//! connection that reads requests, applies queued faults and writes the vendor's answers.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::faults::Fault;
use crate::http::{self, Reply, Request, Response};

/// What a vendor's fake supplies: its state and routes, behind one mutex (handlers are
/// synchronous and small).
pub trait Routes: Send + 'static {
    /// Called first for every request: record it and take the fault queued for it, if any.
    fn begin(&mut self, req: &Request) -> Option<Fault>;
    /// The normal answer.
    fn respond(&mut self, req: &Request) -> Response;
    /// The answer for a queued fault (everything but `Delay`, `Drop` and `Truncated`).
    fn fault_response(&mut self, fault: &Fault) -> Response;
    /// The answer to a request that could not be parsed (the connection is closed after it).
    fn malformed_request(&self) -> Response;
}

/// A running fake server around the routes `R`. Dropping it stops the server.
pub struct Server<R: Routes> {
    routes: Arc<Mutex<R>>,
    url: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<R: Routes> Server<R> {
    /// Binds 127.0.0.1:0 and serves from a background thread named `{name}-{port}`;
    /// `routes` is given the server's URL (`http://127.0.0.1:<port>`).
    pub fn start(name: &str, routes: impl FnOnce(String) -> R) -> Server<R> {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("fake server: bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("fake server: nonblocking");
        let port = listener
            .local_addr()
            .expect("fake server: local addr")
            .port();
        let url = format!("http://127.0.0.1:{port}");
        let routes = Arc::new(Mutex::new(routes(url.clone())));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = routes.clone();
        let worker_name = format!("{name}-worker");
        let thread = std::thread::Builder::new()
            .name(format!("{name}-{port}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .thread_name(worker_name)
                    .enable_all()
                    .build()
                    .expect("fake server: runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("fake server: listener");
                    let mut rx = rx;
                    loop {
                        tokio::select! {
                            _ = &mut rx => break,
                            accepted = listener.accept() => {
                                if let Ok((stream, _)) = accepted {
                                    tokio::spawn(serve_connection(server.clone(), stream));
                                }
                            }
                        }
                    }
                });
                rt.shutdown_timeout(Duration::from_millis(200));
            })
            .expect("fake server: thread");
        Server {
            routes,
            url,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The routes and their state (a poisoned lock is taken over: a failed test thread must
    /// not fail the next one).
    pub fn lock(&self) -> MutexGuard<'_, R> {
        lock(&self.routes)
    }
}

impl<R: Routes> Drop for Server<R> {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock<R>(routes: &Mutex<R>) -> MutexGuard<'_, R> {
    routes.lock().unwrap_or_else(|e| e.into_inner())
}

async fn serve_connection<R: Routes>(routes: Arc<Mutex<R>>, mut stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    loop {
        let req = match http::read_request(&mut stream, &mut buf).await {
            Ok(Some(r)) => r,
            Ok(None) => return,
            Err(_) => {
                let resp = lock(&routes).malformed_request();
                let _ = stream.write_all(&http::encode(&resp, true, None)).await;
                return;
            }
        };
        let fault = lock(&routes).begin(&req);
        let reply = match fault {
            None => Reply::Full(lock(&routes).respond(&req)),
            Some(Fault::Delay(d)) => {
                tokio::time::sleep(d).await;
                Reply::Full(lock(&routes).respond(&req))
            }
            Some(Fault::Drop) => Reply::Drop,
            Some(Fault::Truncated) => Reply::Truncated(lock(&routes).respond(&req)),
            Some(f) => Reply::Full(lock(&routes).fault_response(&f)),
        };
        match reply {
            Reply::Full(resp) => {
                if stream
                    .write_all(&http::encode(&resp, req.close, None))
                    .await
                    .is_err()
                    || req.close
                {
                    let _ = stream.shutdown().await;
                    return;
                }
            }
            Reply::Truncated(mut resp) => {
                let declared = resp.body.len() + 64;
                resp.body.truncate(resp.body.len() / 2);
                let _ = stream
                    .write_all(&http::encode(&resp, true, Some(declared)))
                    .await;
                let _ = stream.shutdown().await;
                return;
            }
            Reply::Drop => {
                let _ = stream.shutdown().await;
                return;
            }
        }
    }
}
