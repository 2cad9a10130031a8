//! A cloud server the tests can `kill -9` and restart on the same port: the embedded
//! server as a separate `scratchcomm serve` process, or TurboWarp's own cloud-server.
#![allow(dead_code)]

use std::net::{Ipv4Addr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use test_support::{free_port, TurboWarp};

/// How long a (re)started server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// One of the two servers.
pub enum Peer {
    /// `scratchcomm serve --port PORT` (None while killed).
    Embedded { port: u16, child: Option<Child> },
    /// TurboWarp's cloud-server (test-support runs it).
    TurboWarp(TurboWarp),
}

impl Peer {
    /// The embedded server in its own process, on a free port, accepting connections.
    pub fn embedded() -> Peer {
        let mut p = Peer::Embedded {
            port: free_port(),
            child: None,
        };
        p.restart();
        p
    }

    /// The embedded server's port, not started yet (for "bot before server" tests).
    pub fn embedded_not_started() -> Peer {
        Peer::Embedded {
            port: free_port(),
            child: None,
        }
    }

    /// TurboWarp's server; `None` when ../shared/peers is missing outside CI.
    pub fn turbowarp() -> Option<Peer> {
        TurboWarp::start().map(Peer::TurboWarp)
    }

    /// `ws://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        match self {
            Peer::Embedded { port, .. } => format!("ws://127.0.0.1:{port}/"),
            Peer::TurboWarp(t) => t.url(),
        }
    }

    /// SIGKILL: no close frame, like a crash.
    pub fn kill(&mut self) {
        match self {
            Peer::Embedded { child, .. } => {
                if let Some(mut c) = child.take() {
                    let _ = c.kill();
                    let _ = c.wait();
                }
            }
            Peer::TurboWarp(t) => t.kill(),
        }
    }

    /// Start again on the same port; returns once it accepts connections.
    pub fn restart(&mut self) {
        match self {
            Peer::Embedded { port, child } => {
                if let Some(mut c) = child.take() {
                    let _ = c.kill();
                    let _ = c.wait();
                }
                let mut c = Command::new(env!("CARGO_BIN_EXE_scratchcomm"))
                    .args(["serve", "--port", &port.to_string()])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("scratchcomm serve starts");
                let deadline = Instant::now() + START_TIMEOUT;
                while TcpStream::connect((Ipv4Addr::LOCALHOST, *port)).is_err() {
                    if let Ok(Some(status)) = c.try_wait() {
                        panic!("scratchcomm serve exited early: {status}");
                    }
                    assert!(
                        Instant::now() < deadline,
                        "scratchcomm serve did not listen in time"
                    );
                    std::thread::sleep(Duration::from_millis(10));
                }
                *child = Some(c);
            }
            Peer::TurboWarp(t) => t.restart(),
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.kill();
    }
}
