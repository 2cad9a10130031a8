//! The standalone server's own transport (plain `ws://`): worker threads that accept TCP
//! connections, answer the websocket upgrade ([`upgrade`]) and run each connection's
//! session in one task that reads and writes the socket itself ([`frames`]).
//!
//! Why not actix-web here: its HTTP/1 dispatcher keeps an 8 KiB read and an 8 KiB write
//! buffer per connection, and actix-ws hands every frame from the session's task to the
//! dispatcher's task through a channel, so each delivered update cost two task wake-ups and
//! 17 KiB per client (docs/performance.md, rows T1–T5). Here a connection holds no buffer
//! while idle, a wake-up writes everything queued for the client in one `send`, and while
//! the session waits with nothing queued the room writes an update to its socket itself
//! ([`write_text_now`], see `outbox.rs`), without waking it (rows T17–T21).
//! Embedding ([`configure`](crate::configure)) and TLS still go through actix-web; both
//! paths run the same session (`session.rs`) and the same protocol.

use std::cell::Cell;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::LocalSet;

use crate::admission::{admit, Headers};
use crate::server::health_report;
use crate::session;
use crate::state::CloudState;

mod frames;
mod upgrade;

pub(crate) use frames::{write_text_now, DIRECT_MAX};
use frames::{FrameReader, FrameWriter};
use upgrade::Head;

/// Pending connections the kernel holds for us (actix-web's default is 1024 as well).
const BACKLOG: u32 = 1024;

/// How long a connection that ended may still read its client's last bytes (so our close
/// frame is not cut off by a reset).
const LINGER: Duration = Duration::from_secs(1);

/// How long a stopping worker lets its last connections finish (their sessions, then the
/// linger in which the client answers our close) before cutting them. Short: a client that
/// reads answers within milliseconds, and one that does not would hold every stop.
const STOP_WAIT: Duration = Duration::from_millis(250);

/// Worker threads serving one listening socket.
pub(crate) struct LeanServer {
    stop: watch::Sender<bool>,
    stopped: Vec<oneshot::Receiver<()>>,
}

impl LeanServer {
    /// Bind `addr` and start `workers` threads (at least one). Call inside a tokio runtime.
    pub(crate) fn start(
        state: CloudState,
        addr: SocketAddr,
        workers: usize,
    ) -> std::io::Result<(LeanServer, SocketAddr)> {
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(BACKLOG)?.into_std()?;
        let local = listener.local_addr()?;
        let (stop, _) = watch::channel(false);
        let mut stopped = Vec::new();
        for i in 0..workers.max(1) {
            let listener = listener.try_clone()?;
            let (done, finished) = oneshot::channel();
            let (state, stop) = (state.clone(), stop.subscribe());
            std::thread::Builder::new()
                .name(format!("cloud-worker-{i}"))
                .spawn(move || {
                    worker(state, listener, stop);
                    let _ = done.send(());
                })?;
            stopped.push(finished);
        }
        Ok((LeanServer { stop, stopped }, local))
    }

    /// Stop accepting; connections still open get [`STOP_WAIT`], then are cut. Returns
    /// when every worker is gone and the port is free.
    pub(crate) async fn stop(self) {
        self.stop.send_replace(true);
        for finished in self.stopped {
            let _ = finished.await;
        }
    }

    /// Stop without waiting.
    pub(crate) fn signal_stop(&self) {
        self.stop.send_replace(true);
    }
}

fn worker(state: CloudState, listener: std::net::TcpListener, mut stop: watch::Receiver<bool>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            tracing::error!(error = %e, "a cloud worker could not start");
            return;
        }
    };
    let tasks = LocalSet::new();
    tasks.block_on(&runtime, async move {
        let listener = match TcpListener::from_std(listener) {
            Ok(listener) => listener,
            Err(e) => {
                tracing::error!(error = %e, "a cloud worker could not listen");
                return;
            }
        };
        loop {
            tokio::select! {
                biased;
                _ = stop.wait_for(|stopped| *stopped) => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, _)) => {
                        tokio::task::spawn_local(connection(state.clone(), stream));
                    }
                    Err(e) => {
                        // Out of file descriptors or similar: try again a little later.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                },
            }
        }
        drop(listener);
        // Not only until the sessions ended: until each connection's linger did too, i.e.
        // its client read our close frame and closed the socket. Cut earlier, a client
        // that has not read the close yet may still write to the old socket after `stop`
        // returned (lost; a reset instead of the close), and would learn that the server
        // went away only after its next write — what made a restart test of actors-cloud
        // flaky.
        let deadline = tokio::time::Instant::now() + STOP_WAIT;
        while LIVE.get() > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    // Dropping the tasks and the runtime closes every connection left.
    drop(tasks);
    drop(runtime);
}

thread_local! {
    /// Connection tasks of this worker that have not ended (their linger included): what
    /// a stopping worker waits for.
    static LIVE: Cell<usize> = const { Cell::new(0) };
}

/// Counts a connection task in [`LIVE`] while it lives (no bytes in the task: the count
/// is the worker thread's, where the task runs).
struct Live;

impl Live {
    fn new() -> Live {
        LIVE.set(LIVE.get() + 1);
        Live
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        LIVE.set(LIVE.get() - 1);
    }
}

/// One TCP connection: the upgrade, then the session.
async fn connection(state: CloudState, mut stream: TcpStream) {
    let _live = Live::new();
    // Cloud traffic is small frames in quick succession: never wait for delayed ACKs.
    let _ = stream.set_nodelay(true);
    // The upgrade and the linger run boxed: the connection's task keeps only what the
    // session needs while it lives (its size is what every idle connection costs).
    let Some((head, pending)) = Box::pin(upgrade::read(&mut stream)).await else {
        return;
    };
    let refusal = match head {
        // Judged here, so the request's header strings are not kept for the connection's
        // life.
        Head::Upgrade {
            cookie, user_agent, ..
        } => admit(
            Headers {
                cookie: cookie.as_deref(),
                user_agent: user_agent.as_deref(),
            },
            state.config(),
        ),
        Head::Health => {
            Box::pin(answer_health(&state, &mut stream)).await;
            return;
        }
        Head::Refuse(_) => return,
    };
    let max = state.config().limits.max_message_bytes;
    // Shared by the reader, the writer and (weakly) the room's direct writes.
    let stream = Arc::new(stream);
    let mut reader = FrameReader::new(Arc::clone(&stream), pending, max);
    session::run(state, FrameWriter::new(stream), &mut reader, refusal).await;
    Box::pin(reader.linger(LINGER)).await;
}

/// Answer `GET /health` and close.
async fn answer_health(state: &CloudState, stream: &mut TcpStream) {
    let (ok, body) = health_report(state);
    if stream.write_all(&upgrade::health(ok, &body)).await.is_ok() {
        let _ = stream.shutdown().await;
    }
}
