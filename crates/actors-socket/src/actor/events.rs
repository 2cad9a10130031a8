//! What a socket reports to the application, and the username hook.

use crate::error::Rejection;
use crate::types::{ClientId, Host};
use actors_cloud::LagEvent;
use futures_util::future::BoxFuture;

/// A socket event (also logged through `tracing`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketEvent {
    /// An insecure client connected (or was created by an unknown id, §3.5).
    NewUser {
        /// Its id.
        client_id: ClientId,
        /// Its username when known.
        username: Option<String>,
    },
    /// A client completed a secure handshake.
    NewSecureUser {
        /// Its id.
        client_id: ClientId,
        /// Its username when known.
        username: Option<String>,
    },
    /// Part of a message arrived.
    MessagePart {
        /// The sender.
        client_id: ClientId,
        /// Characters in the part.
        chars: usize,
        /// Whether it completed the message.
        last: bool,
    },
    /// A complete message arrived.
    Message {
        /// The sender.
        client_id: ClientId,
        /// Whether it came encrypted.
        secure: bool,
        /// The text.
        text: String,
    },
    /// A FROM_CLIENT update was dropped (the wire stays silent; also logged).
    Rejected {
        /// The client id the packet named, when valid.
        client_id: Option<ClientId>,
        /// Why.
        reason: Rejection,
    },
    /// The client table was full and this client was evicted to make room (the longest
    /// idle client that had not completed a secure handshake; see `InboundLimits`). A
    /// `ClientGone` follows when it had a `AcceptedClient`.
    Evicted {
        /// Its id.
        client_id: ClientId,
    },
    /// A client was dropped (evicted, replaced or closed).
    ClientGone {
        /// Its id.
        client_id: ClientId,
    },
    /// This reader of [`SocketHandle::events`](crate::SocketHandle::events) fell behind:
    /// its `missed` oldest unread events were dropped for it (the socket carries on).
    Lagged {
        /// How many events it missed.
        missed: u64,
    },
}

impl LagEvent for SocketEvent {
    fn lagged(missed: u64) -> Self {
        SocketEvent::Lagged { missed }
    }
}

/// Looks up the username of a newly connected client (§1.7 on Scratch: the cloud logs).
/// A lookup that fails or returns `None` never drops the client (§9 S9).
pub trait UsernameLookup: Send + Sync + 'static {
    /// The username of `client_id`, connected through a host of kind `host`.
    fn lookup(&self, client_id: ClientId, host: Host) -> BoxFuture<'static, Option<String>>;
}
