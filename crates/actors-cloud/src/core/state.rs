//! The connection state machine: fed websocket events and a clock, it returns actions.
//!
//! Lifecycle: `start` asks for a socket ([`Action::Connect`]); `on_opened` writes the
//! handshake; once it is written a [`EventKind::Connect`] event goes out and queued
//! operations are written one at a time (the next only after the previous write finished),
//! spaced by the [`RateLimiter`](super::RateLimiter). A close or failure puts an unwritten
//! operation back at the head of the queue and either schedules a reconnect (exponential
//! backoff with jitter; 4003 backs off longer) or, for close codes that cannot heal, stops
//! with an error event. Every input carries the socket's epoch; inputs from an older socket
//! are ignored.
//!
//! Snapshot rule (documented behaviour): the first frame received within
//! `snapshot_window` after the handshake was written is the server's join snapshot. On the
//! first connect it only fills the cache (as docs/protocol.md §1.3 says); after a reconnect it
//! also emits `Set` events for values that changed while we were away. A first frame that
//! arrives later (an empty room sends no snapshot) is handled as a live update.
//! [`Action::Synced`] marks the end of that phase (snapshot received, or window over);
//! `CloudHandle::connect` resolves there, so the cache is filled when it returns and every
//! frame after it is live. The one remaining ambiguity: in an empty room, another client's
//! set that arrives inside the window is taken for the snapshot (cached, no event).

use super::backoff::BackoffPolicy;
use super::inbound::{apply_frame, FrameMode};
use super::queue::{OpId, OutQueue, Pending};
use super::rate_limit::{RateLimit, RateLimiter};
use crate::events::{CloudEvent, EventKind, SourceId};
use crate::CloudError;
use dashmap::DashMap;
use rand::{rngs::StdRng, SeedableRng};
use scratchcomm_wire::{strip_prefix, ClientMessage, CloudValue, ProjectId, VarName};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Settings of the state machine (derived from a `ConnectionConfig`).
#[derive(Clone, Debug)]
pub struct CoreConfig {
    /// Username sent in the handshake and every message.
    pub user: String,
    /// The project.
    pub project_id: ProjectId,
    /// `project_id` as sent in frames (number for Scratch, string otherwise).
    pub project_json: serde_json::Value,
    /// The source id events carry.
    pub source: SourceId,
    /// Spacing of messages after the handshake.
    pub rate_limit: RateLimit,
    /// Reconnect delays.
    pub backoff: BackoffPolicy,
    /// Reconnect after a disconnect.
    pub reconnect: bool,
    /// Process frames from the server.
    pub receive_updates: bool,
    /// Merge superseded queued sets.
    pub coalesce: bool,
    /// How long after the handshake the first frame counts as the join snapshot.
    pub snapshot_window: Duration,
    /// How long a clean stop waits for queued operations to be written.
    pub drain_timeout: Duration,
    /// After the server lost variables we had written (a restarted server's empty room),
    /// write our last values again instead of removing them from the cache.
    pub resend_own_values: bool,
    /// Send a websocket ping after this long without hearing from the server; `None` = never.
    pub ping_interval: Option<Duration>,
    /// After a ping, how long to wait for any frame before treating the socket as dead.
    pub ping_timeout: Duration,
    /// Seed for backoff jitter.
    pub seed: u64,
    /// Asked before each operation is written; a refusal fails that operation.
    pub write_gate: Option<crate::config::WriteGate>,
}

/// What the executor (the actor) must do.
#[derive(Debug)]
pub enum Action {
    /// Open a new websocket; report with `on_opened` / `on_connect_failed` using `epoch`.
    #[allow(missing_docs)]
    Connect { epoch: u64 },
    /// Write one text frame on the current socket; report with `on_write_done`.
    #[allow(missing_docs)]
    Send { frame: String },
    /// Deliver an event to subscribers.
    Emit(CloudEvent),
    /// These accepted operations are finished (written, or failed).
    Complete {
        /// The operations.
        ids: Vec<OpId>,
        /// Written, or why not.
        result: Result<(), CloudError>,
    },
    /// Call `on_tick` at (or after) this instant.
    WakeAt(Instant),
    /// Drop the socket; call `on_reconnect_due` after `after`. `attempt` counts the
    /// reconnect attempts since the last completed handshake (1 = first), for logs.
    #[allow(missing_docs)]
    Reconnect { after: Duration, attempt: u32 },
    /// The join snapshot arrived (or none came within the snapshot window): the cache
    /// reflects the server. `CloudHandle::connect` resolves here.
    Synced,
    /// Send a websocket ping (not reported back).
    Ping,
    /// Close the current socket normally.
    Close,
    /// The connection is finished for good.
    #[allow(missing_docs)]
    Stop { error: Option<CloudError> },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Connecting,
    Open,
    Waiting,
    Stopped,
}

#[derive(Debug)]
enum InFlight {
    Handshake,
    Op(Pending),
}

/// The sans-IO connection.
pub struct Core {
    cfg: CoreConfig,
    cache: Arc<DashMap<String, CloudValue>>,
    phase: Phase,
    epoch: u64,
    handshake_done: bool,
    snapshot_until: Option<Instant>,
    connected_before: bool,
    in_flight: Option<InFlight>,
    queue: OutQueue,
    limiter: RateLimiter,
    wake: Option<Instant>,
    failures: u32,
    stop_deadline: Option<Instant>,
    last_rx: Option<Instant>,
    ping_sent: bool,
    ka_wake: Option<Instant>,
    rng: StdRng,
    clock_base: (Instant, SystemTime),
    /// Names we wrote on this socket before its join dump was handled: the dump predates
    /// them, so it must neither overwrite nor remove them.
    written_in_sync: HashSet<String>,
    /// When the current outage began (the first loss after a completed handshake).
    outage_since: Option<Instant>,
    /// Our last written value per variable (full name), kept only with
    /// `resend_own_values`.
    own_values: HashMap<String, (VarName, CloudValue)>,
}

impl Core {
    /// A new idle connection sharing `cache`; `now` anchors event timestamps.
    pub fn new(cfg: CoreConfig, cache: Arc<DashMap<String, CloudValue>>, now: Instant) -> Self {
        Core {
            queue: OutQueue::new(cfg.coalesce),
            limiter: RateLimiter::new(cfg.rate_limit),
            rng: StdRng::seed_from_u64(cfg.seed),
            cfg,
            cache,
            phase: Phase::Idle,
            epoch: 0,
            handshake_done: false,
            snapshot_until: None,
            connected_before: false,
            in_flight: None,
            wake: None,
            failures: 0,
            stop_deadline: None,
            last_rx: None,
            ping_sent: false,
            ka_wake: None,
            clock_base: (now, SystemTime::now()),
            written_in_sync: HashSet::new(),
            outage_since: None,
            own_values: HashMap::new(),
        }
    }

    /// The current socket epoch.
    #[cfg(test)]
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Whether the connection finished for good.
    pub fn is_stopped(&self) -> bool {
        self.phase == Phase::Stopped
    }

    /// Whether the handshake is written on the current socket.
    pub fn is_connected(&self) -> bool {
        self.phase == Phase::Open && self.handshake_done
    }

    /// Queued (not yet written) messages.
    pub fn queued(&self) -> usize {
        self.queue.len() + usize::from(matches!(self.in_flight, Some(InFlight::Op(_))))
    }

    /// Begin: ask for the first socket.
    pub fn start(&mut self, _now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if self.phase == Phase::Idle {
            self.connect(&mut out);
        }
        out
    }

    /// The websocket of `epoch` is open: write the handshake.
    pub fn on_opened(&mut self, epoch: u64, _now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if epoch != self.epoch || self.phase != Phase::Connecting {
            return out;
        }
        self.phase = Phase::Open;
        self.handshake_done = false;
        self.in_flight = Some(InFlight::Handshake);
        let hs = ClientMessage::Handshake {
            user: self.cfg.user.clone(),
            project_id: self.cfg.project_json.clone(),
        };
        out.push(Action::Send {
            frame: hs.to_frame(),
        });
        out
    }

    /// The last `Send` finished writing (or failed).
    pub fn on_write_done(
        &mut self,
        epoch: u64,
        result: Result<(), String>,
        now: Instant,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        if epoch != self.epoch || self.phase != Phase::Open {
            return out;
        }
        let Some(done) = self.in_flight.take() else {
            return out;
        };
        match (result, done) {
            (Err(e), done) => {
                if let InFlight::Op(p) = done {
                    self.queue.push_front(p);
                }
                self.lost(format!("write failed: {e}"), None, now, &mut out);
                return out;
            }
            (Ok(()), InFlight::Handshake) => {
                self.handshake_done = true;
                // A completed handshake means the server is back: the next outage starts
                // its backoff from the shortest delay again (flapping servers).
                self.failures = 0;
                self.outage_since = None;
                self.written_in_sync.clear();
                self.heard(now, &mut out);
                self.emit(&mut out, EventKind::Connect, "", None, now);
                if self.cfg.receive_updates {
                    let until = now + self.cfg.snapshot_window;
                    self.snapshot_until = Some(until);
                    out.push(Action::WakeAt(until));
                } else {
                    out.push(Action::Synced);
                }
            }
            (Ok(()), InFlight::Op(p)) => {
                if self.snapshot_until.is_some() {
                    self.note_written_in_sync(&p.op);
                }
                self.apply_own(&p.op);
                let sent = self.own_write_event(&p.op, now);
                out.push(Action::Complete {
                    ids: p.ids,
                    result: Ok(()),
                });
                out.push(sent);
            }
        }
        self.pump(now, &mut out);
        out
    }

    /// A text frame arrived on the socket of `epoch`.
    pub fn on_frame(&mut self, epoch: u64, text: &str, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if epoch != self.epoch || self.phase != Phase::Open {
            return out;
        }
        self.heard(now, &mut out);
        if !self.cfg.receive_updates {
            return out;
        }
        // A frame ends the snapshot window whether or not it falls inside it: a frame that
        // arrives after the window but before the tick that would close it is live, and
        // `connect` must still be released (else it would wait forever).
        let window = self.snapshot_until.take();
        let mode = match window {
            Some(until) if now <= until && self.connected_before => FrameMode::ReconnectSnapshot,
            Some(until) if now <= until => FrameMode::FirstSnapshot,
            _ => FrameMode::Live,
        };
        if mode == FrameMode::ReconnectSnapshot {
            self.resync(Some(text), now, &mut out);
        } else {
            if window.is_some() && self.connected_before {
                // The window passed without a dump but its tick has not run yet (a busy
                // thread): the room was empty when we joined, and the cache must be
                // pruned as `on_tick` would have done, before this live frame applies.
                // Treated as live only, a value lost with a restarted server stayed cached.
                self.resync(None, now, &mut out);
            }
            let ups = apply_frame(&self.cache, text, mode);
            self.emit_updates(ups, now, &mut out);
        }
        if window.is_some() {
            out.push(Action::Synced);
        }
        out
    }

    /// A `WakeAt` instant passed.
    pub fn on_tick(&mut self, now: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        if self.wake.is_some_and(|w| w <= now) {
            self.wake = None;
        }
        if self.snapshot_until.is_some_and(|u| u <= now) {
            // No snapshot came: the room was empty. Later frames are live.
            self.snapshot_until = None;
            if self.connected_before {
                self.resync(None, now, &mut out);
            }
            out.push(Action::Synced);
        }
        if self.stop_deadline.is_some_and(|d| d <= now) {
            self.finish(now, &mut out);
            return out;
        }
        if self.keepalive_tick(now, &mut out) {
            return out; // the socket was declared dead
        }
        self.pump(now, &mut out);
        out
    }

    /// Build an event of this connection (used for custom events too).
    pub fn event(
        &self,
        kind: EventKind,
        raw_name: &str,
        value: Option<CloudValue>,
        now: Instant,
    ) -> CloudEvent {
        let (base_i, base_w) = self.clock_base;
        CloudEvent {
            kind,
            source: self.cfg.source.clone(),
            project_id: self.cfg.project_id.clone(),
            name: strip_prefix(raw_name).to_owned(),
            raw_name: raw_name.to_owned(),
            value,
            timestamp: base_w + now.saturating_duration_since(base_i),
            user: None,
        }
    }

    fn emit(
        &self,
        out: &mut Vec<Action>,
        kind: EventKind,
        raw: &str,
        v: Option<CloudValue>,
        now: Instant,
    ) {
        out.push(Action::Emit(self.event(kind, raw, v, now)));
    }

    fn connect(&mut self, out: &mut Vec<Action>) {
        self.epoch += 1;
        self.phase = Phase::Connecting;
        self.handshake_done = false;
        out.push(Action::Connect { epoch: self.epoch });
    }
}

mod keepalive;
mod lifecycle;
mod outgoing;
mod resync;

#[cfg(test)]
mod tests;
