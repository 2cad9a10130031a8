//! What a session needs from its websocket, whichever code carries it: the lean transport
//! of the standalone server (`lean.rs`: frames written straight to the socket by the
//! session's own task) or actix-ws inside an actix-web `App` (`configure`, TLS).
//!
//! Both hand the session the same messages and protocol errors (actix-ws' types, decoded by
//! actix-http's websocket codec), so `session.rs` treats them alike.

use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseReason, ProtocolError, Session};
use std::sync::Arc;
use tokio::net::TcpStream;

/// The connection can no longer be written to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Gone;

/// The client's side: whole messages (fragments joined), pings, pongs, close.
pub(crate) trait Incoming {
    /// The next message; `None` at the end of the connection (after every complete frame
    /// the client sent before it closed or half-closed).
    async fn recv(&mut self) -> Option<Result<AggregatedMessage, ProtocolError>>;
}

/// The server's side.
pub(crate) trait Outgoing {
    /// Write these text frames, in order. Returns once they are handed to the connection
    /// (pending while the client does not read).
    async fn texts(&mut self, texts: Vec<String>) -> Result<(), Gone>;

    /// The socket, when the room may write updates straight to it while the session is
    /// parked (the lean transport; see `outbox.rs`).
    fn socket(&self) -> Option<Arc<TcpStream>> {
        None
    }

    /// The unwritten end of a frame that went straight to the socket in part: to be
    /// written before anything else. Only a transport that hands out its
    /// [`socket`](Self::socket) is ever given one.
    fn resume(&mut self, _rest: &[u8]) {}

    /// Answer a ping.
    async fn pong(&mut self, payload: &[u8]) -> Result<(), Gone>;

    /// Send an empty ping.
    async fn ping(&mut self) -> Result<(), Gone>;

    /// Send a close frame (echoing the client's, or our own) and end the connection.
    async fn close(self, reason: Option<CloseReason>);
}

impl Incoming for AggregatedMessageStream {
    async fn recv(&mut self) -> Option<Result<AggregatedMessage, ProtocolError>> {
        AggregatedMessageStream::recv(self).await
    }
}

impl Outgoing for Session {
    async fn texts(&mut self, texts: Vec<String>) -> Result<(), Gone> {
        for text in texts {
            self.text(text).await.map_err(|_| Gone)?;
        }
        Ok(())
    }

    async fn pong(&mut self, payload: &[u8]) -> Result<(), Gone> {
        Session::pong(self, payload).await.map_err(|_| Gone)
    }

    async fn ping(&mut self) -> Result<(), Gone> {
        Session::ping(self, b"").await.map_err(|_| Gone)
    }

    async fn close(self, reason: Option<CloseReason>) {
        let _ = Session::close(self, reason).await;
    }
}
