//! Small shared value types: client ids, host kinds, packet sizes, and the centisecond clock
//! (re-exported from `actors_security::replay`).

use crate::error::SocketError;
use std::fmt;

/// A client id: exactly 5 decimal digits on the wire (§3.3), kept as a number.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(u32);

impl ClientId {
    /// Parses exactly 5 ASCII digits.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) naming the text when it is not 5 digits.
    pub fn parse(text: &str) -> Result<ClientId, SocketError> {
        if text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit()) {
            Ok(ClientId(text.parse().unwrap_or(0)))
        } else {
            Err(SocketError::invalid(format!(
                "client id must be 5 digits, got {text:?}"
            )))
        }
    }

    /// From a number below 100000.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) when `n` is 100000 or more.
    pub fn from_number(n: u32) -> Result<ClientId, SocketError> {
        if n < 100_000 {
            Ok(ClientId(n))
        } else {
            Err(SocketError::invalid(format!(
                "client id {n} has more than 5 digits"
            )))
        }
    }

    /// The last 5 digits of `n` (how the sprite makes ids).
    pub fn wrapping(n: u32) -> ClientId {
        ClientId(n % 100_000)
    }

    /// The numeric value.
    pub fn number(self) -> u32 {
        self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:05}", self.0)
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({:05})", self.0)
    }
}

/// Which kind of cloud host a packet came through; decides the AUTO packet size (§3.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Host {
    /// scratch.mit.edu: AUTO = 220.
    #[default]
    Scratch,
    /// TurboWarp: AUTO = 98800.
    TurboWarp,
    /// Any other server (TurboWarp's protocol): AUTO = 98800, like the original library, which
    /// uses 98800 for every TurboWarp-style connection, custom hosts included.
    Custom,
}

/// Identifies the connection (or Sky member) an update came from, so replies go back the
/// same way. Assigned by the actor layer; the sans-IO logic only stores it.
pub type SourceTag = u32;

/// A packet size (§3.7): of a socket's packets (`SocketConfig::packet_size`) or of a
/// client's (`ScratchClient::connect`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PacketSize {
    /// 220 on Scratch, 98800 on TurboWarp and custom hosts.
    #[default]
    Auto,
    /// Exactly this many digits per insecure chunk; secure chunks hold floor(n/2) - 28
    /// characters.
    Fixed(usize),
}

impl PacketSize {
    /// The size used for a client whose packets came through `host`.
    pub fn resolve(self, host: Host) -> usize {
        match (self, host) {
            (PacketSize::Fixed(n), _) => n,
            (PacketSize::Auto, Host::Scratch) => crate::client::DEFAULT_PACKET_SIZE_SCRATCH,
            (PacketSize::Auto, Host::TurboWarp | Host::Custom) => 98_800,
        }
    }
}

/// The salt clock (centiseconds since the Unix epoch) and its rules live in
/// `actors_security::replay`, the one home of the freshness rules of both sides.
pub(crate) use actors_security::{centis_round, now_centis, Centis};

/// Zero-padded 15-digit text of a salt (§3.3).
pub fn pad15(salt: Centis) -> String {
    format!("{salt:015}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_id_round_trip_and_rejects() {
        assert_eq!(ClientId::parse("00042").unwrap().to_string(), "00042");
        assert!(ClientId::parse("4242").is_err());
        assert!(ClientId::parse("4242a").is_err());
        assert!(ClientId::parse("١٢٣٤٥").is_err());
        assert!(ClientId::from_number(100_000).is_err());
    }

    #[test]
    fn packet_size_auto() {
        assert_eq!(PacketSize::Auto.resolve(Host::Scratch), 220);
        assert_eq!(PacketSize::Auto.resolve(Host::TurboWarp), 98_800);
        assert_eq!(PacketSize::Auto.resolve(Host::Custom), 98_800);
        assert_eq!(PacketSize::Fixed(64).resolve(Host::TurboWarp), 64);
    }

    #[test]
    fn pad15_is_fifteen_digits() {
        assert_eq!(pad15(177_438_700_329), "000177438700329");
    }
}
