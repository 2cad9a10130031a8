//! A real `redis-server` as a child process on loopback (Debian package `redis-server`,
//! installed by `.ci/run`).

use crate::child::ChildServer;
use crate::paths::free_port;
use std::net::{Ipv4Addr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// How long the server may take to accept connections after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// `redis-server` on `127.0.0.1:port` with its data in a private temporary folder (append-only
/// file, fsync every second), so [`kill`](Self::kill) + [`restart`](Self::restart) keeps what
/// was written before. The process is killed and the folder removed on drop.
#[derive(Debug)]
pub struct Redis {
    server: ChildServer,
    dir: PathBuf,
}

impl Redis {
    /// Start a server on a free loopback port and wait until it answers `PING`. `None`
    /// (with a printed reason) when `redis-server` is not installed outside CI; under CI that
    /// panics, as does a failed start.
    pub fn start() -> Option<Redis> {
        if Command::new("redis-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            let message = "redis-server is not installed (apt-get install redis-server)";
            if std::env::var_os("CI").is_some() {
                panic!("{message}");
            }
            eprintln!("skipped: {message}");
            return None;
        }
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "test-support-redis-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        let mut server = Redis {
            server: ChildServer::new("redis-server", "REDIS_LOG", free_port()),
            dir,
        };
        server.restart();
        Some(server)
    }

    /// The port it listens on (the same across [`kill`](Self::kill) and
    /// [`restart`](Self::restart)).
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `redis://127.0.0.1:PORT/`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port())
    }

    /// Whether the process is running (not killed, not exited).
    pub fn is_running(&mut self) -> bool {
        self.server.is_running()
    }

    /// SIGKILL the process (like a crash) and wait for it to be gone. Data written up to
    /// about a second before survives (append-only file, `appendfsync everysec`).
    pub fn kill(&mut self) {
        self.server.kill();
    }

    /// Start the process again on the same port with the same data folder (killing a running
    /// one first) and wait until it answers `PING` (not merely accepts: it says `-LOADING` first).
    pub fn restart(&mut self) {
        let mut command = Command::new("redis-server");
        command
            .args(["--bind", "127.0.0.1", "--port"])
            .arg(self.port().to_string())
            .arg("--dir")
            .arg(&self.dir)
            .args([
                "--save",
                "",
                "--appendonly",
                "yes",
                "--appendfsync",
                "everysec",
                "--protected-mode",
                "no",
                "--daemonize",
                "no",
            ]);
        // Ready means answering PING: right after a restart Redis accepts connections but
        // answers `-LOADING` until its data file is loaded (a flaky test under load).
        self.server.start(command, START_TIMEOUT, answers_ping);
    }
}

/// Whether a server on `port` answers `PING` with `+PONG` (within a second).
fn answers_ping(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let timeout = Some(Duration::from_secs(1));
    if s.set_read_timeout(timeout).is_err() || s.set_write_timeout(timeout).is_err() {
        return false;
    }
    let mut buf = [0u8; 16];
    match s.write_all(b"PING\r\n").and_then(|()| s.read(&mut buf)) {
        Ok(n) => buf[..n].starts_with(b"+PONG"),
        Err(_) => false,
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.server.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn ping(port: u16) -> String {
        let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"PING\r\n").unwrap();
        let mut buf = [0u8; 16];
        let n = s.read(&mut buf).unwrap();
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }

    #[test]
    fn starts_answers_kills_and_restarts_on_the_same_port() {
        let Some(mut server) = Redis::start() else {
            return;
        };
        let port = server.port();
        assert_eq!(ping(port), "+PONG\r\n");
        server.kill();
        assert!(!server.is_running());
        assert!(TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err());
        server.restart();
        assert_eq!(server.port(), port);
        assert_eq!(ping(port), "+PONG\r\n");
        assert_eq!(server.url(), format!("redis://127.0.0.1:{port}/"));
    }
}
