//! Reconnect and resync options of a [`ConnectionConfig`] (kept apart from the other
//! builder methods). The backoff itself is [`BackoffPolicy`](crate::BackoffPolicy), set
//! with [`ConnectionConfig::backoff`].

use super::ConnectionConfig;

impl ConnectionConfig {
    /// Keep retrying (with the backoff, each attempt logged) when the very first connect
    /// fails, so a program started before its server waits for it (default on). Off:
    /// `CloudHandle::connect` returns the first connect error.
    pub fn retry_first_connect(mut self, yes: bool) -> Self {
        self.retry_first_connect = yes;
        self
    }

    /// After a reconnect the cache equals the server's join dump: a variable the server no
    /// longer has is removed (with a `Delete` event). On (default off): when the server
    /// lost a variable this connection wrote, write our last value again instead.
    pub fn resend_own_values(mut self, yes: bool) -> Self {
        self.resend_own_values = yes;
        self
    }
}
