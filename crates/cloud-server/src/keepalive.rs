//! Sans-IO ping keepalive: when to ping a client and when to give up on it.
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
}

/// Ping every `interval`; a client that sends nothing at all (no pong, no message) within
/// `timeout` after a ping is dropped. Any received frame counts as a sign of life.
#[derive(Clone, Debug)]
pub struct Keepalive {
    interval: Duration,
    timeout: Duration,
    last_ping: Instant,
    outstanding: Option<Instant>,
}

impl Keepalive {
    /// Start counting at `now` (the first ping goes out at `now + interval`).
    pub fn new(now: Instant, interval: Duration, timeout: Duration) -> Self {
        Keepalive {
            interval: interval.max(Duration::from_millis(1)),
            timeout,
            last_ping: now,
            outstanding: None,
        }
    }

    /// The client sent something (a pong, a ping, a message).
    pub fn on_activity(&mut self, _now: Instant) {
        self.outstanding = None;
    }

    /// When [`poll`](Self::poll) should be called next.
    pub fn next_deadline(&self) -> Instant {
        match self.outstanding {
            Some(sent) => sent + self.timeout,
            None => self.last_ping + self.interval,
        }
    }

    /// What to do at `now`.
    pub fn poll(&mut self, now: Instant) -> KeepaliveAction {
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
}
