//! The write gate: a check every write of a connection passes at the moment it would go
//! on the socket, not when it was submitted. A bot fleet fences its connections with it,
//! so a set that waited behind the rate limiter (or in a paused process) is never written
//! for a project whose lease ran out meanwhile.

use std::sync::Arc;

/// A check run just before each operation (set, create, delete, rename) is written; an
/// `Err` drops that operation, which then fails with a [`CloudError`] of kind
/// [`CloudErrorKind::Fenced`] carrying the
/// reason, and the next queued one is checked in turn. Cheap to clone.
///
/// The check runs inside the connection's actor for every write, so it must be quick and
/// must not block (an atomic load, a clock read).
///
/// [`CloudError`]: crate::CloudError
/// [`CloudErrorKind::Fenced`]: crate::CloudErrorKind::Fenced
///
/// ```
/// use actors_cloud::{ConnectionConfig, WriteGate};
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::sync::Arc;
///
/// let allowed = Arc::new(AtomicBool::new(true));
/// let flag = allowed.clone();
/// let gate = WriteGate::new(move || {
///     if flag.load(Ordering::Acquire) { Ok(()) } else { Err("lease lost".to_owned()) }
/// });
/// let config = ConnectionConfig::custom("ws://127.0.0.1:9/", "123").write_gate(gate);
/// # let _ = config;
/// ```
#[derive(Clone)]
pub struct WriteGate(Arc<dyn Fn() -> Result<(), String> + Send + Sync>);

impl WriteGate {
    /// A gate that asks `check` before every write; its `Err` says why the write is refused.
    pub fn new(check: impl Fn() -> Result<(), String> + Send + Sync + 'static) -> WriteGate {
        WriteGate(Arc::new(check))
    }

    /// Ask the gate about the next write.
    pub(crate) fn check(&self) -> Result<(), String> {
        (self.0)()
    }
}

impl std::fmt::Debug for WriteGate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteGate(..)")
    }
}
