//! The kit's server side as one sans-IO state machine: fed TO_HOST values and a clock, it
//! returns complete requests, and hands out the FROM_HOST sets to make, each when it is due.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::encoding::sa_decode;
use super::framing::{classify, Inbound, TO_HOST};
use super::reassembly::{Assembled, Reassembly};
use super::replies::{packets, Memory, SaReply};
use crate::error::RequestError;

/// FROM_HOST variables, used in turn (§5.4).
const FROM_HOST: [&str; 9] = [
    "FROM_HOST_1",
    "FROM_HOST_2",
    "FROM_HOST_3",
    "FROM_HOST_4",
    "FROM_HOST_5",
    "FROM_HOST_6",
    "FROM_HOST_7",
    "FROM_HOST_8",
    "FROM_HOST_9",
];

/// Least time between two packets of one reply, whatever the host (B5): one frame of the
/// sprite, which polls the variables once per frame.
const PACKET_GAP: Duration = Duration::from_millis(35);
/// Least time before a FROM_HOST variable is set again (B5): three frames, so that the
/// sprite has polled the previous value.
const VAR_REUSE: Duration = Duration::from_millis(100);

/// Settings of the kit's protocol: [`scratch`](Self::scratch) or
/// [`turbowarp`](Self::turbowarp), adjusted with the setters named after each setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SaConfig {
    pub(crate) length_limit: usize,
    pub(crate) spacing: Duration,
    pub(crate) part_expiry: Duration,
}

impl SaConfig {
    /// Scratch's cloud: values of 256 characters, sets 0.1 s apart.
    pub fn scratch() -> SaConfig {
        SaConfig {
            length_limit: 256,
            spacing: Duration::from_millis(100),
            part_expiry: Duration::from_secs(60),
        }
    }

    /// TurboWarp's cloud-server (and ours): values of 100 000 characters, no spacing
    /// beyond the packet gap of multi-packet replies (B5).
    pub fn turbowarp() -> SaConfig {
        SaConfig {
            length_limit: 100_000,
            spacing: Duration::ZERO,
            part_expiry: Duration::from_secs(60),
        }
    }

    /// The largest value the host accepts; packets are at most one shorter (§5.3). More
    /// than 12: a packet carries the 6-digit request id and 6 characters of framing.
    pub fn length_limit(mut self, chars: usize) -> SaConfig {
        self.length_limit = chars;
        self
    }

    /// Least time between two sets of the bot (§5.5).
    pub fn spacing(mut self, spacing: Duration) -> SaConfig {
        self.spacing = spacing;
        self
    }

    /// Parts of an unfinished request are dropped after this long without a new one (B12;
    /// default 60 s).
    pub fn part_expiry(mut self, expiry: Duration) -> SaConfig {
        self.part_expiry = expiry;
        self
    }

    /// The length limit, as set by [`length_limit`](Self::length_limit).
    pub fn get_length_limit(&self) -> usize {
        self.length_limit
    }

    /// The spacing, as set by [`spacing`](Self::spacing).
    pub fn get_spacing(&self) -> Duration {
        self.spacing
    }

    /// Check the settings.
    ///
    /// # Errors
    ///
    /// A [`RequestError`] of kind [`InvalidConfig`](crate::RequestErrorKind::InvalidConfig) when the length limit
    /// is 12 or less (no room for a reply) or the part expiry is zero.
    pub fn validate(&self) -> Result<(), RequestError> {
        let bad = |m: String| Err(RequestError::new(crate::RequestErrorKind::InvalidConfig, m));
        if self.length_limit <= 12 {
            return bad(format!(
                "length_limit {} must be more than 12 (6-digit id and 6 characters of framing)",
                self.length_limit
            ));
        }
        if self.part_expiry.is_zero() {
            return bad("part_expiry must be longer than zero".into());
        }
        Ok(())
    }
}

/// A complete request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SaRequest {
    /// Its id (the 6 digits after the sprite's `.`); the reply carries it.
    pub id: String,
    /// The request name (case-sensitive).
    pub name: String,
    /// The arguments, split on every `&` (`name&` has one empty argument).
    pub args: Vec<String>,
}

/// What a TO_HOST value completed.
#[derive(Clone, Debug, PartialEq)]
pub enum SaIncoming {
    /// A request to answer.
    Request(SaRequest),
    /// A complete request that cannot be read (not digits).
    Invalid {
        /// Its id.
        id: String,
        /// The value as received.
        text: String,
        /// Why.
        error: RequestError,
    },
}

/// The next set to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaPoll {
    /// Set `var` (without `☁ `) to `value` now. `completes` is the request id when this is
    /// the first sending of a reply's final packet.
    Set {
        /// The variable.
        var: &'static str,
        /// The value.
        value: String,
        /// The request this set completes the reply of.
        completes: Option<String>,
    },
    /// Nothing is due before this instant.
    Wait(Instant),
    /// Nothing to send.
    Idle,
}

#[derive(Debug)]
struct Queued {
    value: String,
    /// Another packet of the same reply was queued just before this one.
    follows_packet: bool,
    completes: Option<String>,
}

/// The protocol state of one bot in one room.
#[derive(Debug)]
pub struct SaProtocol {
    config: SaConfig,
    reassembly: Reassembly,
    memory: Memory,
    queue: VecDeque<Queued>,
    next_var: usize,
    last_set: Option<Instant>,
    var_set_at: [Option<Instant>; 9],
}

impl SaProtocol {
    /// A protocol with these settings.
    pub fn new(config: SaConfig) -> SaProtocol {
        SaProtocol {
            config,
            reassembly: Reassembly::new(config.part_expiry),
            memory: Memory::default(),
            queue: VecDeque::new(),
            next_var: 0,
            last_set: None,
            var_set_at: [None; 9],
        }
    }

    /// The settings.
    pub fn config(&self) -> SaConfig {
        self.config
    }

    /// Feed a set of variable `name` (without `☁ `) made by someone else. Only TO_HOST
    /// matters; a packet re-request is answered from memory (queued, see [`poll`](Self::poll)).
    pub fn on_set(&mut self, name: &str, value: &str, now: Instant) -> Option<SaIncoming> {
        if name != TO_HOST {
            return None;
        }
        let memory = &self.memory;
        let (id, assembled) = match classify(value, |id| memory.contains(id)) {
            Inbound::Invalid(why) => {
                tracing::debug!(value, why, "TO_HOST value ignored");
                return None;
            }
            Inbound::ReRequest { reply_id, index } => {
                self.resend(reply_id, index);
                return None;
            }
            Inbound::Part { id, digits } => (id, self.reassembly.part(id, digits, now)),
            Inbound::Last { id, digits } => (id, self.reassembly.last(id, digits, now)),
        };
        let digits = match assembled {
            Assembled::Pending => return None,
            Assembled::Duplicate => {
                tracing::debug!(id, "request id answered recently; ignored");
                return None;
            }
            Assembled::Complete(digits) => digits,
        };
        Some(match sa_decode(&digits) {
            Ok(text) => {
                let mut pieces = text.split('&').map(str::to_string);
                let name = pieces.next().unwrap_or_default();
                SaIncoming::Request(SaRequest {
                    id: id.to_string(),
                    name,
                    args: pieces.collect(),
                })
            }
            Err(error) => SaIncoming::Invalid {
                id: id.to_string(),
                text: digits,
                error,
            },
        })
    }

    fn resend(&mut self, reply_id: &str, index: usize) {
        let Some(packet) = self.memory.packet(reply_id, index) else {
            tracing::debug!(
                reply_id,
                index,
                "re-request of a packet not remembered; ignored"
            );
            return;
        };
        if self.queue.iter().any(|q| q.value == packet) {
            return;
        }
        let value = packet.to_string();
        self.queue.push_back(Queued {
            value,
            follows_packet: false,
            completes: None,
        });
    }

    /// Queue the reply to request `id`; remembered for re-requests. An error (a reply too
    /// long for 999 packets) queues nothing.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when the reply does not fit in 999 packets.
    pub fn reply(&mut self, id: &str, reply: &SaReply) -> Result<usize, RequestError> {
        let packets = packets(reply, id, self.config.length_limit)?;
        let count = packets.len();
        for (i, value) in packets.iter().enumerate() {
            self.queue.push_back(Queued {
                value: value.clone(),
                follows_packet: i > 0,
                completes: (i + 1 == count).then(|| id.to_string()),
            });
        }
        self.memory.remember(id, packets);
        Ok(count)
    }

    /// Queue a server push (§5.8, scratchattach's `send()`): a reply to the id
    /// `100000000` ‖ (1000 + `nonce` mod 9000), which the sprite's receiver loop collects and
    /// broadcasts as `on_server_message`. Pushes are not remembered (the sprite never
    /// re-requests them). Returns the id used.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) when the reply does not fit in 999 packets.
    pub fn push(&mut self, reply: &SaReply, nonce: u16) -> Result<String, RequestError> {
        let id = format!("100000000{}", 1000 + nonce % 9000);
        let packets = packets(reply, &id, self.config.length_limit)?;
        for (i, value) in packets.into_iter().enumerate() {
            self.queue.push_back(Queued {
                value,
                follows_packet: i > 0,
                completes: None,
            });
        }
        Ok(id)
    }

    /// The next set, when it is due: sets are `spacing` apart, packets of one reply at
    /// least a frame apart, and a variable is not set again within three frames (B5).
    pub fn poll(&mut self, now: Instant) -> SaPoll {
        let Some(next) = self.queue.front() else {
            return SaPoll::Idle;
        };
        let mut gap = self.config.spacing;
        if next.follows_packet {
            gap = gap.max(PACKET_GAP);
        }
        let mut due = self.last_set.map_or(now, |t| t + gap);
        if let Some(t) = self.var_set_at[self.next_var] {
            due = due.max(t + VAR_REUSE);
        }
        if due > now {
            return SaPoll::Wait(due);
        }
        let Some(q) = self.queue.pop_front() else {
            return SaPoll::Idle;
        };
        let var = FROM_HOST[self.next_var];
        self.var_set_at[self.next_var] = Some(now);
        self.next_var = (self.next_var + 1) % FROM_HOST.len();
        self.last_set = Some(now);
        SaPoll::Set {
            var,
            value: q.value,
            completes: q.completes,
        }
    }

    /// Sets waiting to be made.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }
}

#[cfg(test)]
mod tests;
