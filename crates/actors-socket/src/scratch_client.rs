//! [`ScratchClient`]: an async Rust client over its own cloud connection that does what
//! the client sprite does (§4–§6): connect insecurely or securely (EC, RSA) from the
//! project's public data, send, receive, and cloud requests (§8.1).

mod request;

pub use request::{serialize_argument, serialize_request};

use crate::actor::CloudLink;
use crate::client::{
    connect_insecure, connect_secure, ClientReceiver, ClientRng, ClientSession, FreshSeeds,
};
use crate::error::{SocketError, SocketErrorKind};
use crate::types::{centis_round, ClientId, PacketSize};
use actors_cloud::{CloudEvent, CloudHandle, EventKind};
use actors_security::PublicData;
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;

/// Complete messages kept before the oldest is dropped.
const INBOX: usize = 1_024;

/// How a [`ScratchClient`] connects.
#[derive(Debug, Clone, Default)]
pub enum ConnectMode {
    /// `[cloud socket] connect insecurely`.
    #[default]
    Insecure,
    /// `[cloud socket] connect securely` with the project's public data (§6.1).
    Secure(BTreeMap<String, String>),
}

struct Inner {
    link: Arc<dyn CloudLink>,
    session: ClientSession,
    rng: Mutex<FreshSeeds<ClientRng<StdRng>>>,
    send_lock: tokio::sync::Mutex<()>,
    inbox: tokio::sync::Mutex<mpsc::Receiver<String>>,
    /// Set by `close`: the event sink stops at once, even while other clones keep the
    /// inbox open (once the last clone is dropped, the closed inbox stops it anyway).
    closed: Arc<AtomicBool>,
}

/// The project's side of a cloud socket: a client doing what the sprite does (the bot's
/// side of it is an [`AcceptedClient`](crate::AcceptedClient)). Clones share the connection
/// and the receive queue.
#[derive(Clone)]
pub struct ScratchClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ScratchClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScratchClient")
            .field("session", &self.inner.session)
            .finish()
    }
}

fn to_client_var(event: &CloudEvent) -> Option<(u8, &str)> {
    let rest = event.name.strip_prefix("TO_CLIENT_")?;
    let var: u8 = rest.parse().ok().filter(|v| (1..=4).contains(v))?;
    crate::actor::set_value(event, &event.name).map(|v| (var, v))
}

impl ScratchClient {
    /// Connects over `cloud` (one connection per client, like one project instance).
    /// `packet_size` is the sprite's `# PACKET SIZE`: [`PacketSize::Auto`] resolves it
    /// from the connection's host as the socket does (220 on Scratch, 98,800 on TurboWarp
    /// and custom hosts); `PacketSize::Fixed(220)` is the sprite's own default.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) when the connect message cannot be built
    /// (`Fixed(0)`, a packet size too small for it, public data, key exchange) or written.
    pub async fn connect(
        cloud: &CloudHandle,
        mode: ConnectMode,
        packet_size: PacketSize,
    ) -> Result<ScratchClient, SocketError> {
        Self::connect_link(Arc::new(cloud.clone()), mode, packet_size).await
    }

    /// [`connect`](Self::connect) over any [`CloudLink`]. Must run inside an actix System
    /// (or any tokio runtime).
    ///
    /// # Errors
    ///
    /// As [`connect`](Self::connect).
    pub async fn connect_link(
        link: Arc<dyn CloudLink>,
        mode: ConnectMode,
        packet_size: PacketSize,
    ) -> Result<ScratchClient, SocketError> {
        if packet_size == PacketSize::Fixed(0) {
            return Err(SocketError::invalid(
                "packet size Fixed(0): give a size, or PacketSize::Auto for the host's",
            ));
        }
        let packet_size = packet_size.resolve(link.host());
        let mut rng = FreshSeeds::new(ClientRng(StdRng::from_entropy()));
        let now = centis_round(SystemTime::now());
        let (session, values) = match &mode {
            ConnectMode::Insecure => connect_insecure(packet_size, &mut rng)?,
            ConnectMode::Secure(map) => {
                let public = PublicData::from_map(map)?;
                connect_secure(&public, packet_size, now, &mut rng)?
            }
        };
        // Listen before connecting so no reply is missed. The sink runs on the connection's
        // actor (for a `CloudHandle`): only this client's replies are copied and queued, so
        // a room's burst of other clients' packets costs no wake-up and cannot push replies
        // out (docs/performance.md H5).
        // Replay floor 2 s before connecting, like the sprite's recv start (§4 step 2), so
        // a reply salted by a server clock slightly behind ours is still accepted.
        let mut receiver = ClientReceiver::new(session.clone(), now.saturating_sub(200));
        let (tx, rx) = mpsc::channel(INBOX);
        let client_id = session.client_id();
        let closed = Arc::new(AtomicBool::new(false));
        let sink_closed = closed.clone();
        link.feed(Box::new(move |event| {
            if sink_closed.load(Ordering::Relaxed) || tx.is_closed() {
                return false;
            }
            if let EventKind::Lagged { missed } = event.kind {
                // A burst of room events outran this client: replies may be lost.
                tracing::warn!(client = %client_id, missed, "client fell behind the cloud events; replies may be lost");
                return true;
            }
            let Some((var, value)) = to_client_var(event) else {
                return true;
            };
            let now = centis_round(SystemTime::now());
            if let Some(message) = receiver.observe(var, value, now) {
                if tx.try_send(message).is_err() {
                    tracing::warn!(client = %client_id, "client inbox full; message dropped");
                }
            }
            true
        }));
        let client = ScratchClient {
            inner: Arc::new(Inner {
                link,
                session,
                rng: Mutex::new(rng),
                send_lock: tokio::sync::Mutex::new(()),
                inbox: tokio::sync::Mutex::new(rx),
                closed,
            }),
        };
        {
            let _guard = client.inner.send_lock.lock().await;
            for value in values {
                client.set_from_client(value).await?;
            }
        }
        Ok(client)
    }

    async fn set_from_client(&self, value: String) -> Result<(), SocketError> {
        self.inner.link.set("FROM_CLIENT".to_owned(), value).await
    }

    /// The client id.
    pub fn client_id(&self) -> ClientId {
        self.inner.session.client_id()
    }

    /// Whether the connection is encrypted.
    pub fn is_secure(&self) -> bool {
        self.inner.session.is_secure()
    }

    /// The session (id, key, packet size).
    pub fn session(&self) -> &ClientSession {
        &self.inner.session
    }

    /// `[cloud socket] send`: packets go out in order; concurrent sends are serialised.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) when the text cannot be prepared (see [`ClientSession::outgoing`](crate::ClientSession::outgoing)) or a write fails.
    pub async fn send(&self, text: &str) -> Result<(), SocketError> {
        let mut out = self.inner.session.outgoing(text)?;
        let _guard = self.inner.send_lock.lock().await;
        loop {
            let now = centis_round(SystemTime::now());
            let next = {
                let mut rng = self
                    .inner
                    .rng
                    .lock()
                    .map_err(|_| SocketError::invalid("client random source poisoned"))?;
                out.next_value(now, &mut *rng)?
            };
            match next {
                Some(value) => self.set_from_client(value).await?,
                None => return Ok(()),
            }
        }
    }

    /// The next complete message from the server, waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) on timeout or when the connection stopped for good.
    pub async fn recv(&self, timeout: Duration) -> Result<String, SocketError> {
        let mut inbox = self.inner.inbox.lock().await;
        match tokio::time::timeout(timeout, inbox.recv()).await {
            Ok(Some(m)) => Ok(m),
            Ok(None) => Err(SocketError::closed("the cloud connection stopped")),
            Err(_) => Err(SocketError::new(
                SocketErrorKind::Timeout,
                format!("no message within {timeout:?}"),
            )),
        }
    }

    /// A cloud request as the sprite makes it: serialise (§8.1), send, wait for the reply.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send) and [`recv`](Self::recv).
    pub async fn request<S: AsRef<str>>(
        &self,
        name: &str,
        args: &[S],
        timeout: Duration,
    ) -> Result<String, SocketError> {
        self.send(&serialize_request(name, args)).await?;
        self.recv(timeout).await
    }

    /// Stops receiving and stops the cloud connection.
    pub async fn close(&self) {
        self.inner.closed.store(true, Ordering::Relaxed);
        self.inner.link.stop().await;
    }
}
