//! Sans-IO keepalive: when to ping a client, and when to give up on it because it does not
//! answer pings or never sends its handshake.
//!
//! The session feeds it the current time; it never reads a clock itself, so the rules are
//! tested with made-up instants.

use std::time::{Duration, Instant};

/// What the connection should do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepaliveAction {
    /// Nothing until [`Keepalive::next_deadline`].
    Wait,
    /// Send a websocket ping.
    Ping,
    /// The client did not answer in time: drop it.
    Drop,
    /// The client did not complete its handshake within the handshake timeout: close it.
    HandshakeTimeout,
}

/// Ping every `interval`; a client that sends nothing at all (no pong, no message) within
/// `timeout` after a ping is dropped. Any received frame counts as a sign of life.
///
/// With [`with_handshake_timeout`](Self::with_handshake_timeout), a connection that has not
/// completed its handshake by then is given up as well, however lively it is otherwise
/// (pings and pongs do not count as a handshake).
#[derive(Clone, Debug)]
pub struct Keepalive {
    interval: Duration,
    timeout: Duration,
    started: Instant,
    last_ping: Instant,
    outstanding: Option<Instant>,
    handshake_deadline: Option<Instant>,
}

impl Keepalive {
    /// Start counting at `now` (the first ping goes out at `now + interval`).
    pub fn new(now: Instant, interval: Duration, timeout: Duration) -> Self {
        Keepalive {
            interval: interval.max(Duration::from_millis(1)),
            timeout,
            started: now,
            last_ping: now,
            outstanding: None,
            handshake_deadline: None,
        }
    }

    /// Expect the handshake within `timeout` of the start given to [`new`](Self::new);
    /// `None` (or a timeout too large to represent) waits forever.
    pub fn with_handshake_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.handshake_deadline = timeout.and_then(|t| self.started.checked_add(t));
        self
    }

    /// The handshake succeeded: no more handshake deadline.
    pub fn on_handshake(&mut self) {
        self.handshake_deadline = None;
    }

    /// The client sent something (a pong, a ping, a message).
    pub fn on_activity(&mut self, _now: Instant) {
        self.outstanding = None;
    }

    /// When [`poll`](Self::poll) should be called next.
    pub fn next_deadline(&self) -> Instant {
        let ping = match self.outstanding {
            Some(sent) => sent + self.timeout,
            None => self.last_ping + self.interval,
        };
        self.handshake_deadline.map_or(ping, |h| h.min(ping))
    }

    /// What to do at `now`. A missed handshake deadline wins over pings.
    pub fn poll(&mut self, now: Instant) -> KeepaliveAction {
        if self.handshake_deadline.is_some_and(|h| now >= h) {
            return KeepaliveAction::HandshakeTimeout;
        }
        match self.outstanding {
            Some(sent) if now >= sent + self.timeout => KeepaliveAction::Drop,
            Some(_) => KeepaliveAction::Wait,
            None if now >= self.last_ping + self.interval => {
                self.last_ping = now;
                self.outstanding = Some(now);
                KeepaliveAction::Ping
            }
            None => KeepaliveAction::Wait,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn pings_on_interval_and_drops_silent_clients() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(t0, 10 * S, 5 * S);
        assert_eq!(k.poll(t0 + 9 * S), KeepaliveAction::Wait);
        assert_eq!(k.next_deadline(), t0 + 10 * S);
        assert_eq!(k.poll(t0 + 10 * S), KeepaliveAction::Ping);
        assert_eq!(k.next_deadline(), t0 + 15 * S);
        assert_eq!(k.poll(t0 + 14 * S), KeepaliveAction::Wait);
        assert_eq!(k.poll(t0 + 15 * S), KeepaliveAction::Drop);
    }

    #[test]
    fn an_answer_keeps_the_client() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(t0, 10 * S, 5 * S);
        assert_eq!(k.poll(t0 + 10 * S), KeepaliveAction::Ping);
        k.on_activity(t0 + 11 * S);
        assert_eq!(k.next_deadline(), t0 + 20 * S);
        assert_eq!(k.poll(t0 + 16 * S), KeepaliveAction::Wait);
        assert_eq!(k.poll(t0 + 20 * S), KeepaliveAction::Ping);
        k.on_activity(t0 + 21 * S);
        assert_eq!(k.poll(t0 + 29 * S), KeepaliveAction::Wait);
    }

    #[test]
    fn late_poll_pings_once_then_waits_for_the_timeout() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(t0, 10 * S, 5 * S);
        assert_eq!(k.poll(t0 + 100 * S), KeepaliveAction::Ping);
        assert_eq!(k.poll(t0 + 101 * S), KeepaliveAction::Wait);
        assert_eq!(k.poll(t0 + 105 * S), KeepaliveAction::Drop);
    }

    #[test]
    fn a_connection_without_handshake_is_closed_at_the_deadline() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(t0, 30 * S, 30 * S).with_handshake_timeout(Some(10 * S));
        assert_eq!(k.next_deadline(), t0 + 10 * S);
        assert_eq!(k.poll(t0 + 9 * S), KeepaliveAction::Wait);
        // Being alive (a ping from the client) is not a handshake.
        k.on_activity(t0 + 9 * S);
        assert_eq!(k.poll(t0 + 10 * S), KeepaliveAction::HandshakeTimeout);
        // It stays decided until the connection is closed.
        assert_eq!(k.poll(t0 + 11 * S), KeepaliveAction::HandshakeTimeout);
    }

    #[test]
    fn the_handshake_deadline_wins_over_an_earlier_ping_schedule() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(t0, 2 * S, 5 * S).with_handshake_timeout(Some(3 * S));
        assert_eq!(k.next_deadline(), t0 + 2 * S);
        assert_eq!(k.poll(t0 + 2 * S), KeepaliveAction::Ping);
        assert_eq!(k.next_deadline(), t0 + 3 * S);
        assert_eq!(k.poll(t0 + 3 * S), KeepaliveAction::HandshakeTimeout);
    }

    #[test]
    fn a_handshake_in_time_removes_the_deadline() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(t0, 30 * S, 30 * S).with_handshake_timeout(Some(10 * S));
        assert_eq!(k.poll(t0 + 9 * S), KeepaliveAction::Wait);
        k.on_handshake();
        assert_eq!(k.next_deadline(), t0 + 30 * S);
        assert_eq!(k.poll(t0 + 29 * S), KeepaliveAction::Wait);
        assert_eq!(k.poll(t0 + 30 * S), KeepaliveAction::Ping);
    }

    #[test]
    fn no_handshake_timeout_waits_forever() {
        let t0 = Instant::now();
        let mut k = Keepalive::new(t0, 30 * S, 30 * S).with_handshake_timeout(None);
        assert_eq!(k.next_deadline(), t0 + 30 * S);
        assert_eq!(k.poll(t0 + 29 * S), KeepaliveAction::Wait);
        let huge = Keepalive::new(t0, 30 * S, 30 * S).with_handshake_timeout(Some(Duration::MAX));
        assert_eq!(huge.next_deadline(), t0 + 30 * S);
    }
}
