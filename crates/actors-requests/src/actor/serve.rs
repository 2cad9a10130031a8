//! The tasks of the request handler: accepting clients and serving each one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::Addr;
use actors_socket::{AcceptedClient, SocketErrorKind, SocketHandle};
use tokio::sync::{broadcast, Semaphore};

use super::{NewClient, RequestActor};
use crate::args::Caller;
use crate::dispatch::{Dispatcher, Job, RequestEvent};
use crate::error::{RequestError, RequestErrorKind};
use crate::handler::{panic_text, Failure, Outcome};

/// How long one accept/recv waits before looping (waits are bounded; a timeout just loops).
const POLL: Duration = Duration::from_secs(30);

/// What every client task shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub dispatcher: Dispatcher,
    pub events: broadcast::Sender<RequestEvent>,
    pub permits: Arc<Semaphore>,
}

impl Shared {
    fn emit(&self, event: RequestEvent) {
        // No subscriber is fine: events are also logged.
        let _ = self.events.send(event);
    }

    /// Handle one message completely; the reply to send, if any, and what the message's
    /// [`Served`](RequestEvent::Served) event names ([`Dispatch::label`](crate::Dispatch::label)).
    pub async fn handle(&self, caller: Caller, text: &str) -> (Option<String>, String) {
        let mut dispatch = self.dispatcher.begin(caller, text);
        while let Some(job) = dispatch.next_job() {
            let outcome = run_job(job, &self.permits).await;
            dispatch.complete(outcome);
            for event in dispatch.take_events() {
                self.emit(event);
            }
        }
        let label = dispatch.label().to_string();
        let (reply, events) = dispatch.finish();
        for event in events {
            self.emit(event);
        }
        (reply, label)
    }
}

/// Run one handler call: async and inline ones on this task, blocking ones on tokio's
/// blocking pool under `permits`; a panic becomes a failure.
pub(crate) async fn run_job(job: Job, permits: &Arc<Semaphore>) -> Outcome {
    if job.is_inline() {
        return job.run_here().await;
    }
    let permit = permits.clone().acquire_owned().await;
    let request = job.request().to_string();
    let ran = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        job.run_blocking()
    })
    .await;
    ran.unwrap_or_else(|e| {
        let text = match e.try_into_panic() {
            Ok(payload) => panic_text(&*payload),
            Err(e) => format!("worker task of {request} failed: {e}"),
        };
        Outcome::Failed(Failure::panic(text))
    })
}

/// Accept clients until the socket goes away, then stop the handler.
pub(crate) async fn accept_loop(
    socket: SocketHandle,
    handler: Addr<RequestActor>,
    events: broadcast::Sender<RequestEvent>,
) {
    loop {
        match socket.accept(POLL).await {
            Ok((client, username)) => {
                tracing::debug!(client = %client.client_id(), ?username, "request client accepted");
                handler.do_send(NewClient(client, username));
            }
            Err(e) if e.kind() == SocketErrorKind::Timeout => continue,
            Err(e) => {
                // Stopped with `stop()` (Ok) or for good because of its connection.
                let reason = match tokio::time::timeout(POLL, socket.wait()).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(RequestError::new(RequestErrorKind::Socket, e.to_string())),
                    Err(_) => Err(RequestError::new(RequestErrorKind::Socket, e.to_string())),
                };
                if let Err(error) = &reason {
                    tracing::warn!(error = %error, "cloud socket gone; request handler stops");
                    let _ = events.send(RequestEvent::UncaughtError {
                        caller: None,
                        last_message: None,
                        error: error.clone(),
                    });
                }
                handler.do_send(super::SocketEnded(reason));
                return;
            }
        }
    }
}

/// Serve one client: read a message, dispatch, reply; until the client closes.
pub(crate) async fn serve_client(client: AcceptedClient, username: Option<String>, shared: Shared) {
    loop {
        let text = match client.recv(POLL).await {
            Ok(text) => text,
            Err(e) if e.kind() == SocketErrorKind::Timeout => continue,
            Err(e) => {
                tracing::debug!(client = %client.client_id(), error = %e, "request client gone");
                return;
            }
        };
        let caller = Caller::new(
            client.client_id().to_string(),
            client.username().or(username.clone()),
        );
        // The clock is read here, by the driver; the dispatcher stays sans-IO.
        let received = Instant::now();
        tracing::debug!(client = %caller.client_id, chars = text.chars().count(), "request received");
        let (reply, request) = shared.handle(caller.clone(), &text).await;
        let served = |replied: bool| RequestEvent::Served {
            caller: caller.clone(),
            request: request.clone(),
            elapsed: received.elapsed(),
            replied,
        };
        let Some(reply) = reply else {
            shared.emit(served(false));
            continue;
        };
        let sent = client.send(&reply).await;
        shared.emit(served(sent.is_ok()));
        if let Err(e) = sent {
            tracing::warn!(client = %caller.client_id, error = %e, "could not send a reply");
            shared.emit(RequestEvent::UncaughtError {
                caller: Some(caller),
                last_message: Some(text),
                error: RequestError::new(RequestErrorKind::Socket, e.to_string()),
            });
            if e.kind() == SocketErrorKind::Closed {
                return;
            }
        }
    }
}
