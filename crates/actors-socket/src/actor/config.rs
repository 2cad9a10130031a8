//! A socket's settings ([`SocketConfig`]).

use super::events::UsernameLookup;
use crate::error::SocketError;
use crate::server::{InboundLimits, KeyExchange, SendOptions};
use crate::types::PacketSize;
use std::sync::Arc;
use std::time::Duration;

/// Settings of a socket: `SocketConfig::default()` (insecure only, automatic packet size,
/// the defaults named at each setter) changed with chainable setters named after the
/// setting, e.g. `SocketConfig::default().security(Arc::new(key))`.
#[derive(Clone)]
pub struct SocketConfig {
    pub(crate) security: Option<Arc<dyn KeyExchange>>,
    pub(crate) packet_size: PacketSize,
    pub(crate) send_options: SendOptions,
    pub(crate) limits: InboundLimits,
    pub(crate) username_lookup: Option<Arc<dyn UsernameLookup>>,
    pub(crate) inbox_capacity: usize,
    pub(crate) accept_backlog: usize,
    pub(crate) event_capacity: usize,
    pub(crate) to_client_spacing: Duration,
}

/// The default [`SocketConfig::to_client_spacing`]: 100 ms.
pub const DEFAULT_TO_CLIENT_SPACING: Duration = Duration::from_millis(100);

impl Default for SocketConfig {
    fn default() -> Self {
        SocketConfig {
            security: None,
            packet_size: PacketSize::Auto,
            send_options: SendOptions::default(),
            limits: InboundLimits::default(),
            username_lookup: None,
            inbox_capacity: 1_024,
            accept_backlog: 1_024,
            event_capacity: 1_024,
            to_client_spacing: DEFAULT_TO_CLIENT_SPACING,
        }
    }
}

impl SocketConfig {
    /// Server key for secure clients (default: none, insecure clients only).
    pub fn security(mut self, key: Arc<dyn KeyExchange>) -> Self {
        self.security = Some(key);
        self
    }

    /// Packet size (§3.7; default [`PacketSize::Auto`]).
    pub fn packet_size(mut self, value: PacketSize) -> Self {
        self.packet_size = value;
        self
    }

    /// Default send options of every client (default [`SendOptions::default`]).
    pub fn send_options(mut self, value: SendOptions) -> Self {
        self.send_options = value;
        self
    }

    /// Inbound memory bounds, per link: client ids are per project (default
    /// [`InboundLimits::default`]).
    pub fn limits(mut self, value: InboundLimits) -> Self {
        self.limits = value;
        self
    }

    /// Username lookup (default: none, usernames stay unknown).
    pub fn username_lookup(mut self, lookup: Arc<dyn UsernameLookup>) -> Self {
        self.username_lookup = Some(lookup);
        self
    }

    /// Messages queued per client before the oldest is dropped (default 1024).
    pub fn inbox_capacity(mut self, value: usize) -> Self {
        self.inbox_capacity = value;
        self
    }

    /// Accepted-but-not-yet-`accept`ed clients kept, the oldest notification dropped beyond
    /// (default 1024).
    pub fn accept_backlog(mut self, value: usize) -> Self {
        self.accept_backlog = value;
        self
    }

    /// Capacity of the event broadcast (default 1024).
    pub fn event_capacity(mut self, value: usize) -> Self {
        self.event_capacity = value;
        self
    }

    /// Minimum gap between two TO_CLIENT sets on one link, whatever the connection's own
    /// rate limit (§1.6, §9 C4): the sprite only sees the latest value of each variable,
    /// so 0.1 s (the default) with the 4-variable rotation gives it 0.4 s to look. Only
    /// clients that see every update (Rust [`ScratchClient`](crate::ScratchClient)s in
    /// tests and benchmarks) may use less, down to zero.
    pub fn to_client_spacing(mut self, value: Duration) -> Self {
        self.to_client_spacing = value;
        self
    }

    /// The username lookup, as set by [`username_lookup`](Self::username_lookup).
    pub fn get_username_lookup(&self) -> Option<&Arc<dyn UsernameLookup>> {
        self.username_lookup.as_ref()
    }

    /// Check the settings.
    ///
    /// # Errors
    ///
    /// A [`SocketError`] of kind `InvalidInput` naming a capacity of zero or a bad inbound
    /// limit ([`InboundLimits::validate`]).
    pub fn validate(&self) -> Result<(), SocketError> {
        for (what, n) in [
            ("inbox_capacity", self.inbox_capacity),
            ("accept_backlog", self.accept_backlog),
            ("event_capacity", self.event_capacity),
        ] {
            if n == 0 {
                return Err(SocketError::invalid(format!("{what} must be at least 1")));
            }
        }
        self.limits.validate()
    }
}

impl std::fmt::Debug for SocketConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SocketConfig")
            .field("secure", &self.security.is_some())
            .field("packet_size", &self.packet_size)
            .field("send_options", &self.send_options)
            .field("limits", &self.limits)
            .field("to_client_spacing", &self.to_client_spacing)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::FragmentLimits;

    #[test]
    fn validate_names_the_zero_setting() {
        assert!(SocketConfig::default().validate().is_ok());
        let e = SocketConfig::default().event_capacity(0).validate();
        assert!(e.unwrap_err().detail().contains("event_capacity"));
        let limits = InboundLimits::default().fragments(FragmentLimits::default().per_client(0));
        let e = SocketConfig::default().limits(limits).validate();
        assert!(e.unwrap_err().detail().contains("fragments.per_client"));
    }
}
