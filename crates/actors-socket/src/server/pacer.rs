//! [`Pacer`]: the sans-IO outbound scheduler of one link (§1.6, §9 C4, R3).
//!
//! Every TO_CLIENT set of a link goes through one pacer, which
//!
//! * spaces sets at least [`Pacer::spacing`] apart (0.1 s by default) whatever the
//!   connection's own rate limit, because the sprite only sees the latest value of each
//!   variable (R3: a 3-packet reply written within 1 ms lost packets);
//! * owns the link's [`Rotation`] and never rewrites a variable less than 4 × spacing after
//!   its previous write (the guarantee the plain rotation gives, kept when a run restarts at
//!   `TO_CLIENT_1`);
//! * writes each client's messages in order, one at a time, and serves clients round robin,
//!   one rotation run (up to 4 packets) per turn, so a long message cannot hold the others
//!   back and the packets of one run stay in rising variables.
//!
//! It is fed a monotonic clock (`Duration` since any fixed instant) and the salt clock
//! ([`Centis`]); the caller executes [`PacerStep::Write`] and reports back with
//! [`Pacer::written`]. One write is in flight at a time.

use super::outbound::{OutboundMessage, SendRandom, ToClientSet};
use super::rotation::{Rotation, TO_CLIENT_VARS};
use crate::error::SocketError;
use crate::types::Centis;
use std::collections::VecDeque;
use std::time::Duration;

/// Identifies a queued message.
pub type MessageId = u64;

/// Identifies a sender (one per server-side client object; a reconnect with the same client
/// id gets a new key, so cancelling the old one leaves the new one alone).
pub type SenderKey = u64;

/// What the caller must do next.
#[derive(Debug)]
pub enum PacerStep {
    /// Write this set now, then call [`Pacer::written`].
    Write {
        /// The message the set belongs to (the writer needs only the set; tests check it).
        #[allow(dead_code)]
        id: MessageId,
        /// The set.
        set: ToClientSet,
    },
    /// Building the message's next packet failed; it was dropped. Poll again.
    Failed {
        /// The dropped message.
        id: MessageId,
        /// Why.
        error: SocketError,
    },
    /// Nothing may be written before this instant; poll again then.
    WaitUntil(Duration),
    /// A write is in flight.
    Busy,
    /// Nothing queued.
    Idle,
}

struct Queued {
    id: MessageId,
    message: OutboundMessage,
}

struct InFlight {
    key: SenderKey,
    id: MessageId,
    var: u8,
    last: bool,
}

/// The outbound scheduler of one link.
pub struct Pacer {
    spacing: Duration,
    rotation: Rotation,
    /// Round-robin order; the front sender has the turn.
    queues: VecDeque<(SenderKey, VecDeque<Queued>)>,
    next_id: MessageId,
    last_set: Option<Duration>,
    last_write: [Option<Duration>; TO_CLIENT_VARS as usize],
    in_flight: Option<InFlight>,
}

impl std::fmt::Debug for Pacer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pacer")
            .field("spacing", &self.spacing)
            .field("senders", &self.queues.len())
            .field("queued", &self.queued())
            .field("busy", &self.in_flight.is_some())
            .finish()
    }
}

impl Pacer {
    /// A pacer spacing sets `spacing` apart (zero: no spacing, e.g. for Rust clients that see
    /// every update).
    pub fn new(spacing: Duration) -> Self {
        Pacer {
            spacing,
            rotation: Rotation::new(),
            queues: VecDeque::new(),
            next_id: 0,
            last_set: None,
            last_write: [None; TO_CLIENT_VARS as usize],
            in_flight: None,
        }
    }

    /// Messages queued (the one being written included).
    pub fn queued(&self) -> usize {
        self.queues.iter().map(|(_, q)| q.len()).sum()
    }

    /// Queues `message` of sender `key` behind that sender's earlier messages.
    pub fn enqueue(&mut self, key: SenderKey, message: OutboundMessage) -> MessageId {
        let id = self.next_id;
        self.next_id += 1;
        let item = Queued { id, message };
        match self.queues.iter_mut().find(|(k, _)| *k == key) {
            Some((_, q)) => q.push_back(item),
            None => self.queues.push_back((key, VecDeque::from([item]))),
        }
        id
    }

    /// Drops every queued message of `key` (the client is gone) and returns their ids. A
    /// write already in flight still completes, but [`written`](Self::written) then reports
    /// nothing for it.
    pub fn cancel(&mut self, key: SenderKey) -> Vec<MessageId> {
        let Some(pos) = self.queues.iter().position(|(k, _)| *k == key) else {
            return Vec::new();
        };
        if pos == 0 {
            self.rotation.end_run();
        }
        self.queues
            .remove(pos)
            .map(|(_, q)| q.into_iter().map(|m| m.id).collect())
            .unwrap_or_default()
    }

    /// The earliest instant a set to `var` may be written.
    fn ready_at(&self, var: u8) -> Duration {
        let after_last = self.last_set.map_or(Duration::ZERO, |t| t + self.spacing);
        let reuse = self.spacing * u32::from(TO_CLIENT_VARS);
        let after_var = self
            .last_write
            .get(usize::from(var).saturating_sub(1))
            .copied()
            .flatten()
            .map_or(Duration::ZERO, |t| t + reuse);
        after_last.max(after_var)
    }

    /// The front sender's turn is over: it goes to the back (or away when it has nothing left).
    fn next_turn(&mut self) {
        if let Some((key, q)) = self.queues.pop_front() {
            if !q.is_empty() {
                self.queues.push_back((key, q));
            }
        }
    }

    /// What to do at `now`; `salt_now` salts a secure chunk built now.
    pub fn poll(&mut self, now: Duration, salt_now: Centis, rng: &mut dyn SendRandom) -> PacerStep {
        if self.in_flight.is_some() {
            return PacerStep::Busy;
        }
        loop {
            let Some((key, queue)) = self.queues.front() else {
                return PacerStep::Idle;
            };
            let key = *key;
            let Some(remaining) = queue.front().map(|m| m.message.remaining()) else {
                self.queues.pop_front();
                continue;
            };
            let at = self.ready_at(self.rotation.peek(remaining));
            if now < at {
                return PacerStep::WaitUntil(at);
            }
            let Some(front) = self.queues.front_mut().and_then(|(_, q)| q.front_mut()) else {
                continue;
            };
            let id = front.id;
            match front.message.next_packet(salt_now, rng, &mut self.rotation) {
                Ok(Some(set)) => {
                    let last = front.message.remaining() == 0;
                    self.in_flight = Some(InFlight {
                        key,
                        id,
                        var: set.var,
                        last,
                    });
                    return PacerStep::Write { id, set };
                }
                Ok(None) => {
                    // Never queued empty, but a finished message must not block the queue.
                    self.drop_front_message();
                }
                Err(error) => {
                    self.drop_front_message();
                    return PacerStep::Failed { id, error };
                }
            }
        }
    }

    /// The write of the last [`PacerStep::Write`] finished at `now` with `result`. Returns the
    /// message's outcome when it is decided: `Ok` after its final set, the error when a set
    /// failed (the rest of that message is dropped). Nothing for a cancelled sender.
    pub fn written(
        &mut self,
        now: Duration,
        result: Result<(), SocketError>,
    ) -> Option<(MessageId, Result<(), SocketError>)> {
        let done = self.in_flight.take()?;
        self.last_set = Some(now);
        if let Some(t) = self
            .last_write
            .get_mut(usize::from(done.var).saturating_sub(1))
        {
            *t = Some(now);
        }
        let at_front = matches!(
            self.queues.front(),
            Some((k, q)) if *k == done.key && q.front().is_some_and(|m| m.id == done.id)
        );
        if !at_front {
            return None;
        }
        match result {
            Err(e) => {
                self.drop_front_message();
                Some((done.id, Err(e)))
            }
            Ok(()) if done.last => {
                self.drop_front_message();
                Some((done.id, Ok(())))
            }
            Ok(()) => {
                if !self.rotation.in_run() {
                    self.next_turn();
                }
                None
            }
        }
    }

    fn drop_front_message(&mut self) {
        if let Some((_, q)) = self.queues.front_mut() {
            q.pop_front();
        }
        self.rotation.end_run();
        self.next_turn();
    }
}

#[cfg(test)]
mod tests;
