//! The life of a [`RequestActor`] under its [`PanicSupervisor`](actors_cloud::PanicSupervisor).
//!
//! Restart rule: a panic in a client's task (user code runs there: the `on_error` hook,
//! reply texts) is caught, reported as a [`RequestEvent::UncaughtError`] and restarts the
//! actor; the restart cancels every client task, and `started` accepts again and serves
//! every client the socket still has, so no session is dropped (a message being handled
//! at the moment of the panic gets no reply). A panic in the actor itself restarts it the
//! same way. Handler panics never get this far: the
//! dispatcher answers them with the failure text. The bot stops for good on `stop()`,
//! when its last [`RequestBot`](super::RequestBot) handle is dropped, or when its socket
//! stopped for good (`wait` then returns the socket's reason).

use super::serve::serve_client;
use super::RequestActor;
use crate::dispatch::RequestEvent;
use crate::error::{RequestError, RequestErrorKind};
use crate::handler::panic_text;
use actix::prelude::*;
use actors_socket::AcceptedClient;
use futures_util::FutureExt;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often the actor checks whether any handle is left.
const ORPHAN_CHECK: Duration = Duration::from_secs(1);

/// Why a bot stopped: `Ok` for `stop()` or dropped handles, else the fatal error.
pub type BotStopReason = Result<(), RequestError>;

impl RequestActor {
    /// Serve `client` on a task of this actor; a panic in it restarts the actor.
    pub(super) fn serve(
        &mut self,
        client: AcceptedClient,
        username: Option<String>,
        ctx: &mut Context<Self>,
    ) {
        let id = client.client_id();
        self.serving.retain(|c| !c.is_closed());
        if self.serving.iter().any(|c| c.same_client(&client)) {
            return; // already served by a task of this run
        }
        self.serving.push(client.clone());
        let fut = std::panic::AssertUnwindSafe(serve_client(
            client.clone(),
            username,
            self.shared.clone(),
        ))
        .catch_unwind();
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| {
            act.serving.retain(|c| !c.same_client(&client));
            if let Err(payload) = res {
                let text = panic_text(&*payload);
                tracing::error!(client = %id, panic = %text, "request handler panicked; restarting it");
                let _ = act.shared.events.send(RequestEvent::UncaughtError {
                    caller: None,
                    last_message: None,
                    error: RequestError::new(RequestErrorKind::Panic, text),
                });
                ctx.stop(); // the supervisor restarts us; `started` serves every client again
            }
        }));
    }

    /// After a restart: serve every client the socket still has.
    pub(super) fn resume_clients(&mut self, ctx: &mut Context<Self>) {
        let socket = self.socket.clone();
        let fut = async move { socket.clients().await.unwrap_or_default() };
        ctx.spawn(fut.into_actor(self).map(|clients, act, ctx| {
            tracing::info!(
                clients = clients.len(),
                "request handler resumes its clients"
            );
            for client in clients {
                if !client.is_closed() {
                    let name = client.username();
                    act.serve(client, name, ctx);
                }
            }
        }));
    }

    /// Stop for good with `reason`.
    pub(super) fn halt(&mut self, reason: BotStopReason, ctx: &mut Context<Self>) {
        if self.reason.is_none() {
            if let Err(e) = &reason {
                tracing::warn!(error = %e, "request bot stops for good");
            }
            self.reason = Some(reason);
        }
        ctx.stop();
    }

    /// Stop once every [`RequestBot`](super::RequestBot) handle is gone.
    pub(super) fn watch_handles(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(ORPHAN_CHECK, |act, ctx| {
            if act.token.strong_count() == 0 {
                if act.reason.is_none() {
                    tracing::debug!("every request bot handle dropped; stopping");
                }
                act.halt(Ok(()), ctx);
            }
        });
    }
}

#[cfg(feature = "fault-injection")]
actors_cloud::crash_handler!(RequestActor);

impl Supervised for RequestActor {
    fn restarting(&mut self, _: &mut Context<Self>) {
        self.serving.clear(); // the restart cancelled every client task
        if self.reason.is_none() {
            let n = self.restarts.fetch_add(1, Ordering::Relaxed) + 1;
            tracing::info!(restarts = n, "request handler restarting");
        }
    }
}
