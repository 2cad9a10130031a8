//! [`SocketHandle`]: the cheap-to-clone face of a [`CloudSocket`].

use super::client::SocketClient;
use super::events::SocketEvent;
use super::link::CloudLink;
use super::socket::{Accept, CloudSocket, ListClients, SocketConfig, StopSocket};
use crate::error::SocketError;
use actix::prelude::*;
use actors_cloud::{CloudHandle, SkyHandle};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

/// A running cloud socket. Clones share it.
#[derive(Clone)]
pub struct SocketHandle {
    addr: Addr<CloudSocket>,
    events: broadcast::Sender<SocketEvent>,
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
        let addr = CloudSocket::new(links, config, tx).start();
        SocketHandle { addr, events }
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
        let addr = CloudSocket::over_sky(sky.clone(), config, tx).start();
        SocketHandle { addr, events }
    }

    /// The next new client and its username (if known), waiting at most `timeout`.
    pub async fn accept(
        &self,
        timeout: Duration,
    ) -> Result<(SocketClient, Option<String>), SocketError> {
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

    /// Socket events (new users, message parts, messages). Bounded: a slow receiver
    /// gets `Lagged` from tokio's broadcast.
    pub fn events(&self) -> broadcast::Receiver<SocketEvent> {
        self.events.subscribe()
    }

    /// Every live client.
    pub async fn clients(&self) -> Result<Vec<SocketClient>, SocketError> {
        self.addr
            .send(ListClients)
            .await
            .map_err(|_| SocketError::closed("socket stopped"))
    }

    /// Stops the socket (the cloud links stay up; stop them separately). Idempotent.
    pub async fn stop(&self) {
        let _ = self.addr.send(StopSocket).await;
    }

    /// The actor's address.
    pub fn addr(&self) -> Addr<CloudSocket> {
        self.addr.clone()
    }
}
