//! The crate's one error type, [`SocketError`], with a [`SocketErrorKind`] to branch on.

use actors_cloud::CloseCode;
use actors_security::SecurityErrorKind;
use std::fmt;

/// What went wrong, for callers that branch on the cause.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SocketErrorKind {
    /// The caller passed something unusable (bad packet size, bad client id, ...).
    InvalidInput,
    /// An insecure message needs more than two packets, which the sprite garbles (§9 C1),
    /// and the caller did not opt in.
    InsecureTooLong,
    /// Key exchange or cipher failure (from `actors-security`).
    Security,
    /// A bounded wait ran out.
    Timeout,
    /// The socket, the client or the cloud connection is closed or was replaced.
    Closed,
    /// The cloud connection refused or failed an operation.
    Cloud,
    /// An actor mailbox was full or gone.
    Mailbox,
}

impl fmt::Display for SocketErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            SocketErrorKind::InvalidInput => "invalid input",
            SocketErrorKind::InsecureTooLong => "insecure message too long for the sprite",
            SocketErrorKind::Security => "security",
            SocketErrorKind::Timeout => "timeout",
            SocketErrorKind::Closed => "closed",
            SocketErrorKind::Cloud => "cloud connection",
            SocketErrorKind::Mailbox => "actor mailbox",
        };
        f.write_str(s)
    }
}

/// The error of every fallible operation in this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct SocketError {
    kind: SocketErrorKind,
    detail: String,
    close_code: Option<CloseCode>,
}

impl SocketError {
    /// A new error of `kind` with a human readable `detail` (never a secret).
    pub fn new(kind: SocketErrorKind, detail: impl Into<String>) -> Self {
        SocketError {
            kind,
            detail: detail.into(),
            close_code: None,
        }
    }

    /// For a [`Cloud`](SocketErrorKind::Cloud) error: the websocket close code with which
    /// the server ended the cloud connection, when a close frame caused it (e.g. `4004`
    /// for a project that became unavailable). [`CloseCode::can_reconnect`] tells whether
    /// trying again helps.
    pub fn close_code(&self) -> Option<CloseCode> {
        self.close_code
    }

    /// The same error, reporting `code` as the close that caused it.
    pub(crate) fn with_close_code(mut self, code: Option<CloseCode>) -> Self {
        self.close_code = code;
        self
    }

    /// The cause category.
    pub fn kind(&self) -> SocketErrorKind {
        self.kind
    }

    /// The human readable detail.
    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub(crate) fn invalid(detail: impl Into<String>) -> Self {
        Self::new(SocketErrorKind::InvalidInput, detail)
    }

    pub(crate) fn closed(detail: impl Into<String>) -> Self {
        Self::new(SocketErrorKind::Closed, detail)
    }

    pub(crate) fn timeout(detail: impl Into<String>) -> Self {
        Self::new(SocketErrorKind::Timeout, detail)
    }
}

impl From<actors_security::SecurityError> for SocketError {
    fn from(e: actors_security::SecurityError) -> Self {
        SocketError::new(SocketErrorKind::Security, e.to_string())
    }
}

/// Why an inbound FROM_CLIENT update was dropped (the wire stays silent, §9 S10; the
/// reason is reported to tracing and to the caller of the sans-IO server).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// Empty value, no `.`, bad type character, non-digit body, bad client id, ...
    Malformed(&'static str),
    /// A key fragment id already stored for this client (first wins, §9 S8).
    DuplicateFragment,
    /// A `_safe_connect:` while the socket has no key.
    NoServerKey,
    /// A `_safe_connect:` naming a fragment that is not stored (evicted or never sent).
    MissingFragment,
    /// Salt not newer than the last accepted one for this client (or than the socket start).
    StaleSalt,
    /// Salt more than 30 s ahead of the server clock.
    FutureSalt,
    /// The same packet again (equal salt and identical body).
    Replayed,
    /// Key derivation or the salt check of the derived key failed.
    Handshake(String),
    /// Decryption failed (tampered, wrong key or garbage).
    Decrypt,
    /// The client's pending message or the socket's buffer budget would be exceeded.
    TooLarge,
    /// The client table is full of secure clients, none of which may be evicted.
    TableFull,
    /// A part of a secure message after one of its packets was rejected as a replay: the
    /// message cannot arrive whole, so the rest of it is dropped.
    IncompleteMessage,
}

impl Rejection {
    /// The rejection for a salt refused by a guard of `actors_security::replay`.
    pub fn from_salt_refusal(e: &actors_security::SecurityError) -> Rejection {
        match e.kind() {
            SecurityErrorKind::FutureSalt => Rejection::FutureSalt,
            SecurityErrorKind::Replay => Rejection::Replayed,
            _ => Rejection::StaleSalt,
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Malformed(what) => write!(f, "malformed packet: {what}"),
            Rejection::DuplicateFragment => f.write_str("duplicate key fragment id"),
            Rejection::NoServerKey => f.write_str("secure connect but the socket has no key"),
            Rejection::MissingFragment => {
                f.write_str("secure connect names a missing key fragment")
            }
            Rejection::StaleSalt => f.write_str("salt not newer than the last accepted one"),
            Rejection::FutureSalt => f.write_str("salt more than 30 s in the future"),
            Rejection::Replayed => f.write_str("replayed packet"),
            Rejection::Handshake(why) => write!(f, "handshake failed: {why}"),
            Rejection::Decrypt => f.write_str("decryption failed"),
            Rejection::TooLarge => f.write_str("message exceeds the buffer limit"),
            Rejection::TableFull => {
                f.write_str("the client table is full of secure clients that may not be evicted")
            }
            Rejection::IncompleteMessage => {
                f.write_str("part of a message whose earlier packet was a replay")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_detail_and_display() {
        let e = SocketError::timeout("no answer to the key exchange within 5 s");
        assert_eq!(e.kind(), SocketErrorKind::Timeout);
        assert_eq!(e.detail(), "no answer to the key exchange within 5 s");
        assert_eq!(
            e.to_string(),
            "timeout: no answer to the key exchange within 5 s"
        );
        let from_security = SocketError::from(actors_security::SecurityError::new(
            SecurityErrorKind::BadMessage,
            "end marker missing",
        ));
        assert_eq!(from_security.kind(), SocketErrorKind::Security);
        assert_eq!(from_security.detail(), "bad message: end marker missing");
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<SocketError>();
    }
}
