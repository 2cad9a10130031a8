//! TurboWarp's own cloud-server as a child process (installed by `tools/peers/turbowarp.sh`).

use crate::child::ChildServer;
use crate::paths::{free_port, repo_root, require_shared};
use std::net::{Ipv4Addr, TcpStream};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// How long the server may take to accept connections after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// TurboWarp's cloud-server listening on `127.0.0.1:port`; the process is killed on drop.
#[derive(Debug)]
pub struct TurboWarp {
    server: ChildServer,
    /// `TW_CHECK_INTERVAL_MS` for the process (see [`TurboWarp::start_checking_every`]).
    check_every: Option<Duration>,
}

impl TurboWarp {
    /// Install (once per machine) and start the server on a free loopback port, waiting until
    /// it accepts connections. `None` (with a printed reason) when `../shared/peers/` is
    /// missing outside CI; under CI that panics, as do install and start failures.
    pub fn start() -> Option<TurboWarp> {
        Self::start_with(None)
    }

    /// Like [`start`](Self::start), but the server's connection check (every 30 s: drop
    /// clients without a room for more than 30 s, and clients that did not answer the last
    /// ping; ping the others) runs every `interval` (`tools/peers/fast-check-preload.js`),
    /// so its 30-s handshake rule shows after about 30 s plus `interval` instead of up to
    /// 60 s. Its clients must answer pings within `interval`.
    pub fn start_checking_every(interval: Duration) -> Option<TurboWarp> {
        Self::start_with(Some(interval))
    }

    fn start_with(check_every: Option<Duration>) -> Option<TurboWarp> {
        require_shared("peers/turbowarp-cloud-server-a0b29ec.tar.gz")?;
        install();
        let mut server = TurboWarp {
            server: ChildServer::new("TurboWarp's cloud-server", "TURBOWARP_LOG", free_port()),
            check_every,
        };
        server.restart();
        Some(server)
    }

    /// The port it listens on (the same across [`kill`](Self::kill) and
    /// [`restart`](Self::restart)).
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `ws://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port())
    }

    /// Whether the process is running (not killed, not exited).
    pub fn is_running(&mut self) -> bool {
        self.server.is_running()
    }

    /// SIGKILL the process (no close frames, like a crash) and wait for it to be gone.
    pub fn kill(&mut self) {
        self.server.kill();
    }

    /// Start the process again on the same port (killing a running one first) and wait until
    /// it accepts connections.
    pub fn restart(&mut self) {
        let mut command = Command::new("bash");
        command
            .arg(repo_root().join("tools/peers/turbowarp.sh"))
            .arg("run")
            .arg(self.port().to_string());
        if let Some(every) = self.check_every {
            command.env("TW_CHECK_INTERVAL_MS", every.as_millis().to_string());
        }
        self.server.start(command, START_TIMEOUT, |port| {
            TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
        });
    }
}

/// Unpack and `npm ci` the server once per process (the script itself locks against other
/// processes and skips work already done).
fn install() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let script = repo_root().join("tools/peers/turbowarp.sh");
        let status = Command::new("bash")
            .arg(&script)
            .arg("install")
            .status()
            .unwrap_or_else(|e| panic!("running {}: {e}", script.display()));
        assert!(
            status.success(),
            "{} install failed ({status})",
            script.display()
        );
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_kills_and_restarts_on_the_same_port() {
        let Some(mut server) = TurboWarp::start() else {
            return;
        };
        let port = server.port();
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok());
        server.kill();
        assert!(!server.is_running());
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
        server.restart();
        assert_eq!(server.port(), port);
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok());
        assert_eq!(server.url(), format!("ws://127.0.0.1:{port}/"));
    }
}
