//! One actor per connected client: its receive queue. [`AcceptedClient`] is the cheap-to-clone
//! handle: `recv(timeout)`, `send(text)` (queued in order on the link's writer, which paces
//! and places the sets of every client of the link).
//!
//! The actor runs under a [`PanicSupervisor`](actors_cloud::PanicSupervisor): a panic in
//! it restarts it with its queue and waiting `recv`s kept. Once closed it stays dormant
//! (every `recv` fails with the reason) until the last `AcceptedClient` is dropped.

use super::link::CloudLink;
use super::wait_queue::WaitQueue;
use super::writer::{CancelSender, Enqueue, LinkWriter};
use crate::error::{SocketError, SocketErrorKind};
use crate::server::{OutboundMessage, SendOptions, SenderKey};
use crate::types::{ClientId, Host};
use actix::prelude::*;
use actors_security::CipherKey;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// The receive queue of one client.
pub struct ClientActor {
    client_id: ClientId,
    inbox: WaitQueue<String>,
    /// Why the client was closed, once it is.
    closed: Option<String>,
}

impl Actor for ClientActor {
    type Context = Context<Self>;
}

impl Supervised for ClientActor {
    fn restarting(&mut self, _: &mut Context<Self>) {
        if self.closed.is_none() {
            tracing::info!(client = %self.client_id, queued = self.inbox.len(), "socket client actor restarting");
        }
    }
}

#[cfg(feature = "fault-injection")]
actors_cloud::crash_handler!(ClientActor);

/// A complete message for the client.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Deliver(pub String);

/// Wait for the next message (the answer comes through the returned channel).
#[derive(Message)]
#[rtype(result = "oneshot::Receiver<Result<String, SocketError>>")]
pub struct Recv;

/// The client is gone (replaced, evicted, socket stopped): pending and later `recv`s fail.
#[derive(Message)]
#[rtype(result = "()")]
pub struct CloseClient(pub String);

impl Handler<Deliver> for ClientActor {
    type Result = ();
    fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) {
        if self.closed.is_some() {
            return;
        }
        if self.inbox.push(msg.0) {
            tracing::warn!(client = %self.client_id, "receive queue full; oldest message dropped");
        }
    }
}

impl Handler<Recv> for ClientActor {
    type Result = MessageResult<Recv>;
    fn handle(&mut self, _: Recv, _: &mut Context<Self>) -> Self::Result {
        if let Some(reason) = &self.closed {
            let (tx, rx) = oneshot::channel();
            let _ = tx.send(Err(SocketError::closed(reason.clone())));
            return MessageResult(rx);
        }
        MessageResult(self.inbox.pull())
    }
}

impl Handler<CloseClient> for ClientActor {
    type Result = ();
    fn handle(&mut self, msg: CloseClient, ctx: &mut Context<Self>) {
        self.inbox
            .fail_waiters(|| SocketError::closed(msg.0.clone()));
        self.inbox.clear();
        self.closed = Some(msg.0);
        ctx.stop(); // restarted dormant while a `AcceptedClient` exists, else gone
    }
}

struct Shared {
    client_id: ClientId,
    addr: Addr<ClientActor>,
    key: Option<CipherKey>,
    writer: Addr<LinkWriter>,
    sender: SenderKey,
    host: Host,
    packet_size: usize,
    options: SendOptions,
    username: Mutex<Option<String>>,
    closed: AtomicBool,
}

/// The bot's side of one connected client: what [`SocketHandle::accept`](crate::SocketHandle::accept)
/// returns (the project's side is a [`ScratchClient`](crate::ScratchClient)). Clones share
/// the client.
#[derive(Clone)]
pub struct AcceptedClient {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for AcceptedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcceptedClient")
            .field("client_id", &self.shared.client_id)
            .field("secure", &self.shared.key.is_some())
            .field("packet_size", &self.shared.packet_size)
            .finish()
    }
}

impl AcceptedClient {
    /// Starts the client's actor (inside an actix System); its sends go through `writer`,
    /// the writer of `link`, as sender `sender` (unique per client object).
    pub(crate) fn start(
        client_id: ClientId,
        key: Option<CipherKey>,
        (link, writer, sender): (&Arc<dyn CloudLink>, Addr<LinkWriter>, SenderKey),
        packet_size: usize,
        options: SendOptions,
        capacity: usize,
    ) -> Self {
        let host = link.host();
        let actor = ClientActor {
            client_id,
            inbox: WaitQueue::new(capacity),
            closed: None,
        };
        let addr = actors_cloud::PanicSupervisor::start("ClientActor", move |_| actor);
        AcceptedClient {
            shared: Arc::new(Shared {
                client_id,
                addr,
                key,
                writer,
                sender,
                host,
                packet_size,
                options,
                username: Mutex::new(None),
                closed: AtomicBool::new(false),
            }),
        }
    }

    /// The client id.
    pub fn client_id(&self) -> ClientId {
        self.shared.client_id
    }

    /// Whether the client connected securely.
    pub fn is_secure(&self) -> bool {
        self.shared.key.is_some()
    }

    /// The host kind its packets came through.
    pub fn host(&self) -> Host {
        self.shared.host
    }

    /// The packet size used for it.
    pub fn packet_size(&self) -> usize {
        self.shared.packet_size
    }

    /// Its username, once looked up.
    pub fn username(&self) -> Option<String> {
        self.shared.username.lock().ok().and_then(|u| u.clone())
    }

    pub(crate) fn set_username(&self, name: Option<String>) {
        if let Ok(mut u) = self.shared.username.lock() {
            *u = name;
        }
    }

    /// Whether `other` is a handle of this same client object (a client replaced by a new
    /// connection with the same id is another object).
    pub fn same_client(&self, other: &AcceptedClient) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether the client was closed (replaced, evicted or the socket stopped).
    pub fn is_closed(&self) -> bool {
        self.shared.closed.load(Ordering::SeqCst)
    }

    pub(crate) fn deliver(&self, text: String) {
        self.shared.addr.do_send(Deliver(text));
    }

    pub(crate) fn close(&self, reason: &str) {
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.addr.do_send(CloseClient(reason.to_owned()));
        self.shared.writer.do_send(CancelSender {
            sender: self.shared.sender,
            reason: format!("client {} is closed: {reason}", self.client_id()),
        });
    }

    /// The next complete message, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) on timeout, or when the client is gone (closed, evicted, replaced, or its socket stopped).
    pub async fn recv(&self, timeout: Duration) -> Result<String, SocketError> {
        let rx =
            self.shared.addr.send(Recv).await.map_err(|_| {
                SocketError::closed(format!("client {} is closed", self.client_id()))
            })?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(SocketError::closed(format!(
                "client {} is closed",
                self.client_id()
            ))),
            Err(_) => Err(SocketError::timeout(format!(
                "no message from client {} within {timeout:?}",
                self.client_id()
            ))),
        }
    }

    /// Sends `text` with the socket's send options (§3.6).
    ///
    /// # Errors
    ///
    /// As [`send_with`](Self::send_with).
    pub async fn send(&self, text: &str) -> Result<(), SocketError> {
        self.send_with(text, self.shared.options).await
    }

    /// Sends `text` with explicit options (e.g. to allow a garbled insecure message, C1).
    /// Resolves once its final set is written. Messages of one client go out in the order of
    /// the calls and never interleave; each secure chunk is salted when written. A message
    /// already queued is written even if this future is dropped.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) when the message cannot be sent as asked (e.g. an insecure message the sprite would garble), the client is gone, or the write failed.
    pub async fn send_with(&self, text: &str, options: SendOptions) -> Result<(), SocketError> {
        let s = &self.shared;
        let closed = || {
            SocketError::new(
                SocketErrorKind::Closed,
                format!("client {} is closed", s.client_id),
            )
        };
        if self.is_closed() {
            return Err(closed());
        }
        let message =
            OutboundMessage::new(s.client_id, text, s.key.as_ref(), s.packet_size, options)?;
        let outcome = s
            .writer
            .send(Enqueue {
                sender: s.sender,
                message,
            })
            .await
            .map_err(|_| closed())?;
        if self.is_closed() {
            // Closed while queueing: its cancel may have reached the writer first.
            s.writer.do_send(CancelSender {
                sender: s.sender,
                reason: format!("client {} is closed", s.client_id),
            });
        }
        outcome.await.map_err(|_| closed())?
    }

    /// The client actor's address.
    pub fn addr(&self) -> Addr<ClientActor> {
        self.shared.addr.clone()
    }

    /// The address of the writer of the client's link (for fault-injection tests).
    #[cfg(feature = "fault-injection")]
    #[doc(hidden)]
    pub fn writer_addr(&self) -> Addr<LinkWriter> {
        self.shared.writer.clone()
    }
}
