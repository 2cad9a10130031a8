//! A `scratchcomm serve` child process and a raw websocket client (awc), every wait bounded.

use awc::ws::{Frame, Message};
use futures_util::{SinkExt, StreamExt};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest any single wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// A running `scratchcomm serve`, killed (SIGKILL) on drop.
pub struct Serve {
    child: Child,
    /// What it printed on its first line: `ws://127.0.0.1:PORT/` or `wss://…`.
    pub url: String,
}

impl Serve {
    /// Start `scratchcomm serve ARGS` and wait for its `listening on URL` line.
    pub fn start(args: &[&str]) -> Serve {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scratchcomm"))
            .arg("serve")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("scratchcomm starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            for _ in lines {} // keep reading so the child never blocks on a full pipe
        });
        let line = match rx.recv_timeout(WAIT) {
            Ok(Some(Ok(line))) => line,
            other => {
                let _ = child.kill();
                panic!("serve {args:?} printed no first line: {other:?}");
            }
        };
        let url = line
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Serve { child, url }
    }

    /// `kill -9`: the server gets no chance to write anything more.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `scratchcomm serve ARGS` expecting it to exit by itself; its status and stderr.
pub fn serve_fails(args: &[&str]) -> (ExitStatus, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scratchcomm"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("scratchcomm starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > WAIT {
            let _ = child.kill();
            panic!("serve {args:?} kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("utf-8");
    (status, err)
}

/// The framed websocket, named by what it does (its concrete type is not exported).
pub trait Io:
    futures_util::Stream<Item = Result<Frame, awc::error::WsProtocolError>>
    + futures_util::Sink<Message, Error = awc::error::WsProtocolError>
    + Unpin
{
}
impl<T> Io for T where
    T: futures_util::Stream<Item = Result<Frame, awc::error::WsProtocolError>>
        + futures_util::Sink<Message, Error = awc::error::WsProtocolError>
        + Unpin
{
}

/// A raw websocket client speaking the cloud protocol by hand.
pub struct Ws {
    io: Box<dyn Io>,
}

impl Ws {
    /// Connect with `client` (plain, or one trusting a test certificate) and handshake.
    pub async fn join(client: &awc::Client, url: &str, project: &str, user: &str) -> Ws {
        let connect = client.ws(url).max_frame_size(16 << 20).connect();
        let (_, io) = tokio::time::timeout(WAIT, connect)
            .await
            .expect("connect timed out")
            .expect("websocket connect");
        let mut ws = Ws { io: Box::new(io) };
        ws.send(&format!(
            r#"{{"method":"handshake","user":"{user}","project_id":"{project}"}}"#
        ))
        .await;
        ws
    }

    /// Send one text frame; false if the connection is gone.
    pub async fn try_send(&mut self, text: &str) -> bool {
        let sent = tokio::time::timeout(WAIT, self.io.send(Message::Text(text.to_owned().into())));
        matches!(sent.await, Ok(Ok(())))
    }

    pub async fn send(&mut self, text: &str) {
        assert!(self.try_send(text).await, "send failed");
    }

    /// The next text frame (pings answered).
    pub async fn frame(&mut self) -> String {
        loop {
            let next = tokio::time::timeout(WAIT, self.io.next())
                .await
                .expect("timed out waiting for a frame")
                .expect("connection ended")
                .expect("frame error");
            match next {
                Frame::Text(b) => return String::from_utf8(b.to_vec()).expect("utf-8"),
                Frame::Ping(b) => {
                    let _ = self.io.send(Message::Pong(b)).await;
                }
                Frame::Close(r) => panic!("closed: {r:?}"),
                _ => {}
            }
        }
    }

    /// Round trip: once our ping's pong is back, the server has handled all we sent.
    pub async fn sync(&mut self) {
        self.io
            .send(Message::Ping("sync".into()))
            .await
            .expect("ping");
        loop {
            let next = tokio::time::timeout(WAIT, self.io.next())
                .await
                .expect("timed out waiting for the pong")
                .expect("connection ended")
                .expect("frame error");
            if let Frame::Pong(_) = next {
                return;
            }
        }
    }
}

/// `{"method":"set",..}` as a client sends it.
pub fn set(name: &str, value: &str) -> String {
    format!(r#"{{"method":"set","name":"☁ {name}","value":{value}}}"#)
}
