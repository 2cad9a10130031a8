//! Client-side keepalive: a server that vanished without closing the TCP connection is
//! noticed by a websocket ping that gets no answer. Any frame from the server (data, ping,
//! pong) counts as an answer.

use super::{Action, Core};
use std::time::Instant;

impl Core {
    /// Any frame arrived on the socket of `epoch` (ping, pong, close, data).
    pub fn on_activity(&mut self, epoch: u64, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if epoch == self.epoch && self.is_connected() {
            self.heard(now, &mut out);
        }
        out
    }

    /// Note that the server is alive and schedule the next liveness check.
    pub(super) fn heard(&mut self, now: Instant, out: &mut Vec<Action>) {
        let first = self.last_rx.is_none();
        self.last_rx = Some(now);
        self.ping_sent = false;
        if first {
            if let Some(interval) = self.cfg.ping_interval {
                self.keepalive_wake(now + interval, now, out);
            }
        }
    }

    /// Ask for a wake at `at`, unless a keepalive wake is already pending (it re-checks
    /// and schedules the next one), so rate-limit ticks do not pile up timers.
    fn keepalive_wake(&mut self, at: Instant, now: Instant, out: &mut Vec<Action>) {
        if self.ka_wake.is_some_and(|w| w > now) {
            return;
        }
        self.ka_wake = Some(at);
        out.push(Action::WakeAt(at));
    }

    /// Ping when the server was quiet for `ping_interval`; give up on the socket when it
    /// stays quiet `ping_timeout` longer. Returns `true` when the socket was declared dead.
    pub(super) fn keepalive_tick(&mut self, now: Instant, out: &mut Vec<Action>) -> bool {
        let (Some(interval), Some(last)) = (self.cfg.ping_interval, self.last_rx) else {
            return false;
        };
        if !self.is_connected() {
            return false;
        }
        let quiet = now.saturating_duration_since(last);
        if self.ping_sent && quiet >= interval + self.cfg.ping_timeout {
            let reason = format!("no answer to a ping within {:?}", self.cfg.ping_timeout);
            self.lost(reason, None, now, out);
            return true;
        }
        if !self.ping_sent && quiet >= interval {
            self.ping_sent = true;
            out.push(Action::Ping);
            self.keepalive_wake(last + interval + self.cfg.ping_timeout, now, out);
        } else if !self.ping_sent {
            self.keepalive_wake(last + interval, now, out);
        } else {
            self.keepalive_wake(last + interval + self.cfg.ping_timeout, now, out);
        }
        false
    }
}
