//! The life of a [`CloudSocket`] under its [`PanicSupervisor`](actors_cloud::PanicSupervisor):
//! restarts after a panic, the final stop and its reason, and stopping once every
//! [`SocketHandle`](crate::SocketHandle) is gone.
//!
//! Restart rule: a panic while handling a cloud update (user code runs there: the
//! [`UsernameLookup`](crate::actor::UsernameLookup)) is caught; the protocol state of that
//! link is reset (its half-received messages may be inconsistent) and the actor stops,
//! which makes the supervisor restart it with everything else kept (clients, backlog,
//! writers, waiting accepts) and `started` subscribe to its links again. A socket stops
//! for good on `stop()`, when every handle is dropped, or when every cloud link it listens
//! on stopped for good (a fatal close code): then its clients are closed, pending accepts
//! fail with the reason, [`SocketHandle::wait`](crate::SocketHandle::wait) returns it, and
//! the actor stays dormant until its last address is gone.

use super::CloudSocket;
use crate::error::{SocketError, SocketErrorKind};
use crate::types::{ClientId, SourceTag};
use actix::prelude::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::watch;

/// How often the socket checks whether any handle is left.
const ORPHAN_CHECK: Duration = Duration::from_secs(1);

/// Why a socket stopped: `Ok` for `stop()` or dropped handles, else the fatal error.
pub type StopReason = Result<(), SocketError>;

/// What the socket and its handles share about its life.
pub(crate) struct Life {
    /// Alive while any handle is.
    token: Weak<()>,
    /// `Some` once stopped for good.
    stopped: watch::Sender<Option<StopReason>>,
    /// Restarts after a caught panic.
    restarts: Arc<AtomicU32>,
    /// Links whose event stream ended.
    ended_links: usize,
    /// The last error event of a link.
    pub last_error: Option<String>,
    /// The close code of a link's last disconnect (`None`: closed without one).
    pub last_close_code: Option<actors_cloud::CloseCode>,
}

/// What a handle keeps: the token, the stop reason, the restart count.
pub(crate) type HandleSide = (Arc<()>, watch::Receiver<Option<StopReason>>, Arc<AtomicU32>);

impl Life {
    pub fn new() -> (Life, HandleSide) {
        let token = Arc::new(());
        let (stopped, rx) = watch::channel(None);
        let restarts = Arc::new(AtomicU32::new(0));
        let life = Life {
            token: Arc::downgrade(&token),
            stopped,
            restarts: restarts.clone(),
            ended_links: 0,
            last_error: None,
            last_close_code: None,
        };
        (life, (token, rx, restarts))
    }

    pub fn is_done(&self) -> bool {
        self.stopped.borrow().is_some()
    }
}

impl CloudSocket {
    /// Stop for good with `reason`: close every client, fail pending accepts.
    pub(crate) fn finish(&mut self, reason: StopReason, ctx: &mut Context<Self>) {
        if self.life.is_done() {
            return;
        }
        let text = match &reason {
            Ok(()) => "socket stopped".to_owned(),
            Err(e) => format!("socket stopped: {e}"),
        };
        match &reason {
            Ok(()) => tracing::info!("cloud socket stopped"),
            Err(e) => tracing::warn!(error = %e, "cloud socket stopped for good"),
        }
        let ids: Vec<(SourceTag, ClientId)> = self.clients.keys().copied().collect();
        for id in ids {
            self.drop_client(id, &text);
        }
        let err = reason
            .clone()
            .err()
            .unwrap_or_else(|| SocketError::closed("socket stopped"));
        self.backlog.fail_waiters(|| err.clone());
        self.backlog.clear();
        self.writers.clear();
        let _ = self.life.stopped.send(Some(reason));
        ctx.stop(); // restarted dormant while an address exists, else gone
    }

    /// The error a request to a stopped socket gets.
    pub(crate) fn stopped_error(&self) -> SocketError {
        match &*self.life.stopped.borrow() {
            Some(Err(e)) => e.clone(),
            _ => SocketError::closed("socket stopped"),
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.life.is_done()
    }

    /// Run `f`; a panic in it is logged and restarts the actor (state kept but the
    /// protocol state of link `tag`).
    pub(crate) fn guarded(
        &mut self,
        tag: SourceTag,
        ctx: &mut Context<Self>,
        f: impl FnOnce(&mut Self, &mut Context<Self>),
    ) {
        let run = std::panic::AssertUnwindSafe(|| f(self, ctx));
        if let Err(payload) = std::panic::catch_unwind(run) {
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".into());
            tracing::error!(panic = %text, link = tag, "cloud socket panicked; restarting it");
            self.protocols.remove(&tag);
            ctx.stop();
        }
    }

    /// A link's event stream ended (its connection stopped for good).
    pub(crate) fn link_ended(&mut self, ctx: &mut Context<Self>) {
        self.life.ended_links += 1;
        let listening = if self.sky.is_some() {
            1
        } else {
            self.links.len()
        };
        if self.life.ended_links >= listening {
            let why = self
                .life
                .last_error
                .clone()
                .unwrap_or_else(|| "stopped".into());
            let err = SocketError::new(
                SocketErrorKind::Cloud,
                format!("every cloud connection of the socket stopped for good: {why}"),
            )
            .with_close_code(self.life.last_close_code);
            self.finish(Err(err), ctx);
        }
    }

    /// Check every second whether a handle is left; stop cleanly once none is.
    pub(crate) fn watch_handles(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(ORPHAN_CHECK, |act, ctx| {
            if act.life.token.strong_count() > 0 {
                return;
            }
            if act.life.is_done() {
                ctx.stop();
            } else {
                tracing::debug!("every socket handle dropped; stopping");
                act.finish(Ok(()), ctx);
            }
        });
    }
}

#[cfg(feature = "fault-injection")]
actors_cloud::crash_handler!(CloudSocket);

impl Supervised for CloudSocket {
    fn restarting(&mut self, _: &mut Context<Self>) {
        if !self.life.is_done() {
            let n = self.life.restarts.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::info!(restarts = n, "cloud socket restarting");
        }
        self.life.ended_links = 0; // `started` subscribes to every link again
    }
}
