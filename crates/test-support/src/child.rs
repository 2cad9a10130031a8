//! A server run as a child process on a fixed loopback port: started, waited for until it
//! is ready, killed with SIGKILL, started again on the same port. What [`Redis`](crate::Redis)
//! and [`TurboWarp`](crate::TurboWarp) share.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One server process (none while killed) and the port it listens on.
#[derive(Debug)]
pub(crate) struct ChildServer {
    /// What the panics call it, e.g. "redis-server".
    name: &'static str,
    /// The environment variable that shows its output when set, e.g. "REDIS_LOG".
    log_var: &'static str,
    port: u16,
    child: Option<Child>,
}

impl ChildServer {
    /// A server that is not running yet.
    pub(crate) fn new(name: &'static str, log_var: &'static str, port: u16) -> Self {
        ChildServer {
            name,
            log_var,
            port,
            child: None,
        }
    }

    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Whether the process is running (not killed, not exited).
    pub(crate) fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// SIGKILL the process (no close frames, like a crash) and wait for it to be gone.
    pub(crate) fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kill a running process, spawn `command` (output hidden unless the log variable is
    /// set) and poll `ready(port)` until it holds. Panics, naming the server, when the
    /// process exits first or `timeout` passes.
    pub(crate) fn start(
        &mut self,
        mut command: Command,
        timeout: Duration,
        ready: impl Fn(u16) -> bool,
    ) {
        self.kill();
        command.stdin(Stdio::null());
        if std::env::var_os(self.log_var).is_none() {
            command.stdout(Stdio::null()).stderr(Stdio::null());
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.name));
        self.child = Some(child);
        let deadline = Instant::now() + timeout;
        loop {
            if ready(self.port) {
                return;
            }
            if !self.is_running() {
                panic!(
                    "{} exited before it was ready on port {} (set {}=1 to see its output)",
                    self.name, self.port, self.log_var
                );
            }
            if Instant::now() > deadline {
                self.kill();
                panic!(
                    "{} was not ready on port {} within {timeout:?}",
                    self.name, self.port
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}
