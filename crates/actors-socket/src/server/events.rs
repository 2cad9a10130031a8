//! The inputs and outputs of the sans-IO server ([`ServerProtocol`](super::ServerProtocol)):
//! updates in, [`InboundEvent`]s out, the key-exchange hook and the memory bounds.

use super::fragments::FragmentLimits;
use crate::error::Rejection;
use crate::types::{Centis, ClientId, Host, SourceTag};
use actors_security::CipherKey;
use actors_security::Security;

/// The server side of a key exchange (implemented for `actors_security::Security`).
pub trait KeyExchange: Send + Sync + 'static {
    /// §3.5 step 6: the joined fragment text and the connect salt give the connection key;
    /// an error (with a reason for tracing) when the key cannot be derived or its text does
    /// not start or end with the salt.
    ///
    /// # Errors
    ///
    /// The reason, for tracing, when the key cannot be derived.
    fn derive_server_key(&self, joined: &str, salt: Centis) -> Result<CipherKey, String>;
}

impl KeyExchange for Security {
    fn derive_server_key(&self, joined: &str, salt: Centis) -> Result<CipherKey, String> {
        Security::derive_server_key(self, joined, salt).map_err(|e| e.to_string())
    }
}

/// Memory bounds of one socket's inbound state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboundLimits {
    pub(crate) max_clients: usize,
    pub(crate) secure_idle_expiry: Option<Centis>,
    pub(crate) max_message_chars: usize,
    pub(crate) max_buffered_total: usize,
    pub(crate) max_value_chars: usize,
    pub(crate) remembered_connects: usize,
    pub(crate) fragments: FragmentLimits,
}

impl Default for InboundLimits {
    fn default() -> Self {
        InboundLimits {
            max_clients: 4_096,
            secure_idle_expiry: Some(24 * 3_600 * 100),
            max_message_chars: 2_000_000,
            max_buffered_total: 64 << 20,
            max_value_chars: 200_000,
            remembered_connects: 16_384,
            fragments: FragmentLimits::default(),
        }
    }
}

impl InboundLimits {
    /// Clients kept at once. Beyond this the longest idle client that did not complete a
    /// secure handshake is evicted (an [`InboundEvent::Evicted`]); secure clients are not.
    /// Default 4,096.
    pub fn max_clients(mut self, value: usize) -> Self {
        self.max_clients = value;
        self
    }

    /// A secure client idle (no packet that decrypted) longer than this, in centiseconds,
    /// may be evicted like an insecure one when the table is full of secure clients;
    /// `None`: never (then a full table refuses newcomers). Default: 24 hours.
    pub fn secure_idle_expiry(mut self, value: Option<Centis>) -> Self {
        self.secure_idle_expiry = value;
        self
    }

    /// Characters buffered for one client's incomplete message (digits when insecure;
    /// default 2,000,000).
    pub fn max_message_chars(mut self, value: usize) -> Self {
        self.max_message_chars = value;
        self
    }

    /// Characters buffered over all clients' incomplete messages (default 64 Mi).
    pub fn max_buffered_total(mut self, value: usize) -> Self {
        self.max_buffered_total = value;
        self
    }

    /// Longest FROM_CLIENT value looked at (default 200,000 characters).
    pub fn max_value_chars(mut self, value: usize) -> Self {
        self.max_value_chars = value;
        self
    }

    /// Client ids whose last secure-connect salt is remembered (to refuse a replayed
    /// handshake even after the client was evicted; default 16,384).
    pub fn remembered_connects(mut self, value: usize) -> Self {
        self.remembered_connects = value;
        self
    }

    /// Key fragment store bounds (default [`FragmentLimits::default`]).
    pub fn fragments(mut self, value: FragmentLimits) -> Self {
        self.fragments = value;
        self
    }

    /// Check the limits.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) of kind `InvalidInput` naming a limit of zero
    /// that must be at least 1.
    pub fn validate(&self) -> Result<(), crate::SocketError> {
        for (what, n) in [
            ("max_clients", self.max_clients),
            ("max_message_chars", self.max_message_chars),
            ("max_value_chars", self.max_value_chars),
            ("fragments.per_client", self.fragments.per_client),
            ("fragments.max_total", self.fragments.max_total),
        ] {
            if n == 0 {
                return Err(crate::SocketError::invalid(format!(
                    "{what} must be at least 1"
                )));
            }
        }
        Ok(())
    }
}

/// A FROM_CLIENT update as the socket saw it.
#[derive(Debug, Clone, Copy)]
pub struct Update<'a> {
    /// The value text (numbers keep their digits).
    pub value: &'a str,
    /// The connection it came through.
    pub source: SourceTag,
    /// The kind of host of that connection.
    pub host: Host,
    /// The server clock, centiseconds since the epoch.
    pub now: Centis,
}

/// A client registered (or replaced) by an update.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// Its id.
    pub client_id: ClientId,
    /// The connection key when it connected securely.
    pub key: Option<CipherKey>,
    /// Where its packets come from (replies go there).
    pub source: SourceTag,
    /// Host kind of that connection.
    pub host: Host,
    /// A client with this id existed and was replaced.
    pub replaced: bool,
    /// False when it was created by a packet from an unknown id that was not a connect
    /// message (its content was discarded, §3.5).
    pub from_connect: bool,
}

/// What one update did.
#[derive(Debug, Clone)]
pub enum InboundEvent {
    /// A key fragment was stored.
    FragmentStored {
        /// The client that sent it.
        client_id: ClientId,
        /// Its 5-digit fragment id.
        fragment_id: String,
    },
    /// A client was registered or replaced.
    NewClient(NewClient),
    /// Part of a message arrived (digits when insecure, plaintext when secure).
    MessagePart {
        /// The sender.
        client_id: ClientId,
        /// The part.
        part: String,
        /// Whether this part completed the message.
        last: bool,
    },
    /// A complete message.
    Message {
        /// The sender.
        client_id: ClientId,
        /// The message text.
        text: String,
    },
    /// The update was dropped.
    Rejected {
        /// The client id named by the packet, when it had a valid one.
        client_id: Option<ClientId>,
        /// Why.
        reason: Rejection,
    },
    /// A client was dropped to make room for a new one.
    Evicted {
        /// The dropped client.
        client_id: ClientId,
    },
}
