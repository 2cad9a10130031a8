//! [`SocketHandle`]: the cheap-to-clone face of a [`CloudSocket`].

use super::client::AcceptedClient;
use super::config::SocketConfig;
use super::events::SocketEvent;
use super::link::CloudLink;
use super::socket::{Accept, CloudSocket, HandleSide, Life, ListClients, StopSocket};
use crate::error::SocketError;
use actix::prelude::*;
use actors_cloud::{CloudHandle, EventStream, SkyHandle};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// A running cloud socket. Clones share it.
/// The socket runs under a `PanicSupervisor` (a panic restarts it with its state) and
/// stops cleanly once the last handle is dropped.
#[derive(Clone)]
pub struct SocketHandle {
    addr: Addr<CloudSocket>,
    events: broadcast::Sender<SocketEvent>,
    life: Arc<HandleSide>,
}

impl std::fmt::Debug for SocketHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketHandle")
            .field("running", &self.addr.connected())
            .finish()
    }
}

impl SocketHandle {
    /// Starts a socket over `links` (one per connection; a Sky's members) and begins
    /// listening at once. Must run inside an actix System.
    pub fn listen(links: Vec<Arc<dyn CloudLink>>, config: SocketConfig) -> SocketHandle {
        let (events, _) = broadcast::channel(config.event_capacity.max(1));
        let tx = events.clone();
        let (life, side) = Life::new();
        let addr = actors_cloud::PanicSupervisor::start("CloudSocket", move |_| {
            CloudSocket::new(links, config, tx, life)
        });
        SocketHandle {
            addr,
            events,
            life: Arc::new(side),
        }
    }

    /// [`listen`](Self::listen) over one cloud connection.
    pub fn listen_on(cloud: &CloudHandle, config: SocketConfig) -> SocketHandle {
        Self::listen(vec![Arc::new(cloud.clone())], config)
    }

    /// Starts a socket over every member of `sky`, including members added later (each
    /// client's replies go through the member its packets came from).
    pub fn listen_sky(sky: &SkyHandle, config: SocketConfig) -> SocketHandle {
        let (events, _) = broadcast::channel(config.event_capacity.max(1));
        let tx = events.clone();
        let (life, side) = Life::new();
        let sky = sky.clone();
        let addr = actors_cloud::PanicSupervisor::start("CloudSocket", move |_| {
            CloudSocket::over_sky(sky, config, tx, life)
        });
        SocketHandle {
            addr,
            events,
            life: Arc::new(side),
        }
    }

    /// The next new client and its username (if known), waiting at most `timeout`.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) on timeout or when the socket stopped.
    pub async fn accept(
        &self,
        timeout: Duration,
    ) -> Result<(AcceptedClient, Option<String>), SocketError> {
        let rx = self
            .addr
            .send(Accept)
            .await
            .map_err(|_| SocketError::closed("socket stopped"))?;
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(SocketError::closed("socket stopped")),
            Err(_) => Err(SocketError::timeout(format!(
                "no new client within {timeout:?}"
            ))),
        }
    }

    /// Socket events (new users, message parts, messages). Bounded
    /// (`SocketConfig::event_capacity`): a slow reader loses its oldest events and gets
    /// one [`SocketEvent::Lagged`]. Ends once the socket stopped for good.
    pub fn events(&self) -> EventStream<SocketEvent> {
        let mut stopped = self.life.1.clone();
        EventStream::until(self.events.subscribe(), async move {
            let _ = stopped.wait_for(|r| r.is_some()).await;
        })
    }

    /// Every live client.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) when the socket stopped.
    pub async fn clients(&self) -> Result<Vec<AcceptedClient>, SocketError> {
        self.addr
            .send(ListClients)
            .await
            .map_err(|_| SocketError::closed("socket stopped"))
    }

    /// Stops the socket (the cloud links stay up; stop them separately). Idempotent.
    pub async fn stop(&self) {
        let _ = self.addr.send(StopSocket).await;
    }

    /// Waits until the socket stops for good: `Ok` after [`stop`](Self::stop), the error
    /// when every cloud connection it listens on stopped for good (e.g. a fatal close
    /// code). Reconnects and restarts after a panic do not end it.
    ///
    /// # Errors
    ///
    /// The [`SocketError`](crate::SocketError) of the connection that stopped last.
    pub async fn wait(&self) -> Result<(), SocketError> {
        let mut rx = self.life.1.clone();
        let reason = match rx.wait_for(|r| r.is_some()).await {
            Ok(r) => r.clone(),
            Err(_) => return Err(SocketError::closed("socket gone")),
        };
        reason.unwrap_or(Ok(()))
    }

    /// How often the socket was restarted after a panic.
    pub fn restarts(&self) -> u32 {
        self.life.2.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The actor's address.
    pub fn addr(&self) -> Addr<CloudSocket> {
        self.addr.clone()
    }
}
