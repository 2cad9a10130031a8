//! The crate's one error type.
//!
//! Messages name what was wrong with the input but never contain secret material
//! (keys, shared secrets, private exponents or plaintext).

use std::fmt;

/// What kind of problem a [`SecurityError`] reports, for callers that branch on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecurityErrorKind {
    /// A digit string contained something other than ASCII digits (§3.2).
    InvalidDigits,
    /// A plaintext character is not in the 91-character table (§7.5).
    CharacterNotInTable,
    /// Ciphertext is not of the form `seed:len:body` (§7.3).
    MalformedCiphertext,
    /// Ciphertext failed authentication: wrong key, wrong salt, tampered or
    /// truncated (`Bad message` in the reference, §7.3).
    BadMessage,
    /// A salt does not fit in 15 decimal digits (§3.3).
    SaltOutOfRange,
    /// A key string does not start with a known 8-character tag (§6.1).
    UnknownFormat,
    /// A key string has a known tag but its data is unusable (§6.1).
    InvalidKeyData,
    /// The project's public data (`[secure] ...` variables) is unusable (§6.1).
    InvalidPublicData,
    /// A `_safe_connect` handshake could not be completed (§3.5 step 6).
    HandshakeRejected,
    /// The same packet again: equal salt and identical body (§7.4, §9 C9).
    Replay,
    /// A salt older than the guard's floor (last accepted salt, socket start or the
    /// sprite's last activity id, §7.4).
    StaleSalt,
    /// A salt too far ahead of the receiver's clock (30 s, §7.4).
    FutureSalt,
    /// A key file could not be read or written.
    Io,
}

impl fmt::Display for SecurityErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Self::InvalidDigits => "invalid digits",
            Self::CharacterNotInTable => "character not in table",
            Self::MalformedCiphertext => "malformed ciphertext",
            Self::BadMessage => "bad message",
            Self::SaltOutOfRange => "salt out of range",
            Self::UnknownFormat => "unknown format",
            Self::InvalidKeyData => "invalid key data",
            Self::InvalidPublicData => "invalid public data",
            Self::HandshakeRejected => "handshake rejected",
            Self::Replay => "replayed packet",
            Self::StaleSalt => "stale salt",
            Self::FutureSalt => "salt from the future",
            Self::Io => "i/o error",
        };
        f.write_str(text)
    }
}

/// Error returned by every fallible operation of this crate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {detail}")]
pub struct SecurityError {
    kind: SecurityErrorKind,
    detail: String,
}

impl SecurityError {
    /// A new error of `kind` with a human readable `detail` (never secret material).
    pub fn new(kind: SecurityErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }

    /// The cause category, for callers that branch on it.
    pub fn kind(&self) -> SecurityErrorKind {
        self.kind
    }

    /// The human readable detail (without the kind).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_kind_and_detail() {
        let e = SecurityError::new(SecurityErrorKind::BadMessage, "end marker missing");
        assert_eq!(e.kind(), SecurityErrorKind::BadMessage);
        assert_eq!(e.to_string(), "bad message: end marker missing");
        assert_eq!(e.detail(), "end marker missing");
        fn send_sync<T: Send + Sync + Clone>() {}
        send_sync::<SecurityError>();
    }
}
