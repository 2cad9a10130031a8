//! The end of a socket and of the connection: reconnect decisions, fatal errors, clean
//! stop. Part of the [`Core`] state machine.

use super::{Action, Core, InFlight, Phase};
use crate::core::queue::OpId;
use crate::events::EventKind;
use crate::CloudError;
use rand::Rng;
use scratchcomm_wire::{CloseCode, ReconnectAdvice};
use std::time::Instant;

impl Core {
    /// The websocket of `epoch` could not be opened; `fatal` when retrying cannot help
    /// (e.g. the server answered the upgrade with 401/403).
    pub fn on_connect_failed(
        &mut self,
        epoch: u64,
        reason: String,
        fatal: bool,
        now: Instant,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        if epoch != self.epoch || self.phase != Phase::Connecting {
            return out;
        }
        if fatal {
            self.emit(
                &mut out,
                EventKind::Disconnect {
                    code: None,
                    reason: reason.clone(),
                },
                "",
                None,
                now,
            );
            self.fail(CloudError::refused(None, &reason), now, &mut out);
        } else {
            self.lost(reason, None, now, &mut out);
        }
        out
    }

    /// The socket of `epoch` closed (`code` from the close frame, if any).
    pub fn on_closed(
        &mut self,
        epoch: u64,
        code: Option<CloseCode>,
        reason: String,
        now: Instant,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        if epoch != self.epoch || !matches!(self.phase, Phase::Open | Phase::Connecting) {
            return out;
        }
        self.lost(reason, code, now, &mut out);
        out
    }

    /// The reconnect delay is over.
    pub fn on_reconnect_due(&mut self, _now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if self.phase == Phase::Waiting {
            self.connect(&mut out);
        }
        out
    }

    /// The actor executing this core was restarted without asking for it (a panic): its
    /// socket and timers are gone. An open or opening socket counts as lost (requeue,
    /// `Disconnect`, reconnect after the backoff delay, or the end of a draining stop); a
    /// reconnect that was waiting is made now; a draining stop gets its deadline again.
    pub fn on_executor_restart(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        self.wake = None;
        self.ka_wake = None;
        match self.phase {
            Phase::Open | Phase::Connecting => self.lost(
                "the connection actor restarted after a panic".into(),
                None,
                now,
                &mut out,
            ),
            Phase::Waiting | Phase::Idle => self.connect(&mut out),
            Phase::Stopped => {}
        }
        if let Some(deadline) = self.stop_deadline.filter(|_| self.phase != Phase::Stopped) {
            out.push(Action::WakeAt(deadline));
        }
        out
    }

    /// Clean stop: write what is queued (up to `drain_timeout`), then close.
    pub fn stop(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if self.phase == Phase::Stopped {
            return out;
        }
        if self.queued() == 0 || self.phase == Phase::Idle {
            self.finish(now, &mut out);
        } else if self.stop_deadline.is_none() {
            let deadline = now + self.cfg.drain_timeout;
            self.stop_deadline = Some(deadline);
            out.push(Action::WakeAt(deadline));
            self.pump(now, &mut out);
        }
        out
    }

    /// Stop for good at once because of `err` (fails everything queued, emits an error).
    pub fn abort(&mut self, err: CloudError, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if self.phase != Phase::Stopped {
            if self.phase == Phase::Open {
                out.push(Action::Close);
            }
            self.epoch += 1;
            self.fail(err, now, &mut out);
        }
        out
    }

    /// The socket is gone: requeue, report, and reconnect or stop.
    pub(super) fn lost(
        &mut self,
        reason: String,
        code: Option<CloseCode>,
        now: Instant,
        out: &mut Vec<Action>,
    ) {
        if let Some(InFlight::Op(p)) = self.in_flight.take() {
            self.queue.push_front(p);
        }
        if self.handshake_done {
            self.connected_before = true;
        }
        self.handshake_done = false;
        self.snapshot_until = None;
        self.last_rx = None;
        self.ping_sent = false;
        self.ka_wake = None;
        self.wake = None; // the executor drops the old socket's timers
        self.epoch += 1;
        self.emit(
            out,
            EventKind::Disconnect {
                code,
                reason: reason.clone(),
            },
            "",
            None,
            now,
        );
        if self.stop_deadline.is_some() {
            self.finish(now, out);
            return;
        }
        let advice = code.map_or(ReconnectAdvice::Retry, CloseCode::advice);
        if advice == ReconnectAdvice::Never {
            self.fail(CloudError::refused(code, &reason), now, out);
        } else if !self.cfg.reconnect {
            self.fail(CloudError::disconnected(code, reason), now, out);
        } else if !self.cfg.backoff.allows(self.failures) {
            let reason = format!(
                "gave up after {} reconnect attempts; last: {reason}",
                self.failures
            );
            self.fail(CloudError::disconnected(code, reason), now, out);
        } else {
            let slow = advice == ReconnectAdvice::RetrySlowly;
            let since = *self.outage_since.get_or_insert(now);
            let after = self.cfg.backoff.delay_in_outage(
                self.failures,
                now.saturating_duration_since(since),
                slow,
                self.rng.gen::<f64>(),
            );
            self.failures += 1;
            self.phase = Phase::Waiting;
            out.push(Action::Reconnect {
                after,
                attempt: self.failures,
            });
        }
    }

    /// Stop for good because of `err`: fail everything queued, emit an error event.
    pub(super) fn fail(&mut self, err: CloudError, now: Instant, out: &mut Vec<Action>) {
        self.phase = Phase::Stopped;
        self.fail_queue(&err, out);
        self.emit(
            out,
            EventKind::Error {
                message: err.to_string(),
            },
            "",
            None,
            now,
        );
        out.push(Action::Stop { error: Some(err) });
    }

    /// Finish a clean stop.
    pub(super) fn finish(&mut self, _now: Instant, out: &mut Vec<Action>) {
        if self.phase == Phase::Open {
            out.push(Action::Close);
        }
        self.phase = Phase::Stopped;
        self.epoch += 1;
        self.fail_queue(&CloudError::stopped(), out);
        out.push(Action::Stop { error: None });
    }

    pub(super) fn fail_queue(&mut self, err: &CloudError, out: &mut Vec<Action>) {
        let mut ids: Vec<OpId> = Vec::new();
        if let Some(InFlight::Op(p)) = self.in_flight.take() {
            ids.extend(p.ids);
        }
        ids.extend(self.queue.drain().flat_map(|p| p.ids));
        if !ids.is_empty() {
            out.push(Action::Complete {
                ids,
                result: Err(err.clone()),
            });
        }
    }
}
