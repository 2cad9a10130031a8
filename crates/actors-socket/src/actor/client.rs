//! One actor per connected client: its receive queue. [`SocketClient`] is the cheap-to-clone
//! handle: `recv(timeout)`, `send(text)` (serialised by a per-client send lock).

use super::link::CloudLink;
use crate::error::{SocketError, SocketErrorKind};
use crate::server::{OutboundMessage, RngRandom, SendOptions};
use crate::types::{now_centis, ClientId, Host};
use actix::prelude::*;
use actors_security::CipherKey;
use rand::SeedableRng;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<String, SocketError>>;

/// The receive queue of one client.
pub struct ClientActor {
    client_id: ClientId,
    inbox: VecDeque<String>,
    waiters: VecDeque<Waiter>,
    capacity: usize,
}

impl Actor for ClientActor {
    type Context = Context<Self>;
}

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
        let mut text = Ok(msg.0);
        while let Some(w) = self.waiters.pop_front() {
            match w.send(text) {
                Ok(()) => return,
                Err(back) => text = back,
            }
        }
        if let Ok(text) = text {
            if self.inbox.len() >= self.capacity {
                self.inbox.pop_front();
                tracing::warn!(client = %self.client_id, "receive queue full; oldest message dropped");
            }
            self.inbox.push_back(text);
        }
    }
}

impl Handler<Recv> for ClientActor {
    type Result = MessageResult<Recv>;
    fn handle(&mut self, _: Recv, _: &mut Context<Self>) -> Self::Result {
        let (tx, rx) = oneshot::channel();
        match self.inbox.pop_front() {
            Some(text) => {
                let _ = tx.send(Ok(text));
            }
            None => {
                self.waiters.retain(|w| !w.is_closed());
                self.waiters.push_back(tx);
            }
        }
        MessageResult(rx)
    }
}

impl Handler<CloseClient> for ClientActor {
    type Result = ();
    fn handle(&mut self, msg: CloseClient, ctx: &mut Context<Self>) {
        for w in self.waiters.drain(..) {
            let _ = w.send(Err(SocketError::closed(msg.0.clone())));
        }
        ctx.stop();
    }
}

struct Shared {
    client_id: ClientId,
    addr: Addr<ClientActor>,
    key: Option<CipherKey>,
    link: Arc<dyn CloudLink>,
    host: Host,
    packet_size: usize,
    options: SendOptions,
    send_lock: tokio::sync::Mutex<()>,
    username: Mutex<Option<String>>,
    closed: AtomicBool,
}

/// A connected client of a socket. Clones share the client.
#[derive(Clone)]
pub struct SocketClient {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SocketClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketClient")
            .field("client_id", &self.shared.client_id)
            .field("secure", &self.shared.key.is_some())
            .field("packet_size", &self.shared.packet_size)
            .finish()
    }
}

impl SocketClient {
    /// Starts the client's actor (inside an actix System).
    pub(crate) fn start(
        client_id: ClientId,
        key: Option<CipherKey>,
        link: Arc<dyn CloudLink>,
        packet_size: usize,
        options: SendOptions,
        capacity: usize,
    ) -> Self {
        let host = link.host();
        let addr = ClientActor {
            client_id,
            inbox: VecDeque::new(),
            waiters: VecDeque::new(),
            capacity: capacity.max(1),
        }
        .start();
        SocketClient {
            shared: Arc::new(Shared {
                client_id,
                addr,
                key,
                link,
                host,
                packet_size,
                options,
                send_lock: tokio::sync::Mutex::new(()),
                username: Mutex::new(None),
                closed: AtomicBool::new(false),
            }),
        }
    }

    /// The client id.
    pub fn id(&self) -> ClientId {
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
    }

    /// The next complete message, waiting at most `timeout`.
    pub async fn recv(&self, timeout: Duration) -> Result<String, SocketError> {
        let rx = self
            .shared
            .addr
            .send(Recv)
            .await
            .map_err(|_| SocketError::closed(format!("client {} is closed", self.id())))?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(SocketError::closed(format!(
                "client {} is closed",
                self.id()
            ))),
            Err(_) => Err(SocketError::timeout(format!(
                "no message from client {} within {timeout:?}",
                self.id()
            ))),
        }
    }

    /// Sends `text` with the socket's send options (§3.6).
    pub async fn send(&self, text: &str) -> Result<(), SocketError> {
        self.send_with(text, self.shared.options).await
    }

    /// Sends `text` with explicit options (e.g. to allow a garbled insecure message, C1).
    /// Packets of one client never interleave; each secure chunk is salted when sent.
    pub async fn send_with(&self, text: &str, options: SendOptions) -> Result<(), SocketError> {
        let s = &self.shared;
        let mut out =
            OutboundMessage::new(s.client_id, text, s.key.as_ref(), s.packet_size, options)?;
        let _guard = s.send_lock.lock().await;
        let mut rng = RngRandom(rand::rngs::StdRng::from_entropy());
        loop {
            if self.is_closed() {
                return Err(SocketError::new(
                    SocketErrorKind::Closed,
                    format!("client {} is closed", s.client_id),
                ));
            }
            let Some(set) = out.next_packet(now_centis(), &mut rng)? else {
                return Ok(());
            };
            s.link.set(set.name(), set.value).await?;
        }
    }

    /// The client actor's address.
    pub fn addr(&self) -> Addr<ClientActor> {
        self.shared.addr.clone()
    }
}
