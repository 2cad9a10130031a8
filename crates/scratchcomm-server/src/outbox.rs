//! Per-receiver outbound queues: what a client has not been sent yet, bounded by bytes and
//! by age, never by how many frames another client's burst produced.
//!
//! [`OutQueue`] is the sans-IO rule (fed updates and a clock); [`ChannelOutbox`] shares one
//! queue between the room (which pushes) and the client's session task (which takes
//! everything queued at each wake-up and writes it as few frames as possible).
//!
//! On the lean transport an update usually does not wait at all: while the session is
//! parked with nothing queued, the room writes the frame straight to the client's socket
//! (one `send`, no wake-up of the session's task). Only when the socket cannot take it
//! whole (the client does not read fast enough) is the update queued, or the unwritten
//! rest of its frame kept, and the session woken to finish the write.
//!
//! The rule for a receiver:
//! * updates are queued in order; the session task is woken only when the queue turns
//!   non-empty, and then takes *all* of it at once;
//! * while the queue holds more than [`QueueLimits::coalesce_bytes`], a `set` that a later
//!   `set` of the same variable supersedes is dropped (a lagging receiver gets the latest
//!   value of every variable, in the order of the latest updates; `rename`/`delete` are
//!   never dropped and no set is moved across them);
//! * the receiver is too slow (closed with 1013) only when, after coalescing, it still holds
//!   more than [`QueueLimits::max_bytes`], or its oldest unsent update is older than
//!   [`QueueLimits::max_lag`]. A receiver that keeps reading therefore stays connected
//!   whatever burst another client sends.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio::sync::Notify;

use crate::room::Outbox;

/// One update for the room's members: a frame shared by all of them (no copy per
/// receiver), the variable it sets (for coalescing) and when it was made.
#[derive(Clone, Debug)]
pub struct Update {
    frame: Arc<str>,
    var: Option<Arc<str>>,
    at: Instant,
}

impl Update {
    /// An update that never supersedes another (rename, delete).
    pub fn other(frame: &str) -> Self {
        Update {
            frame: frame.into(),
            var: None,
            at: Instant::now(),
        }
    }

    /// A `set` of variable `name`: a later set of the same name supersedes it.
    pub fn set(name: &str, frame: &str) -> Self {
        Update {
            frame: frame.into(),
            var: Some(name.into()),
            at: Instant::now(),
        }
    }

    /// The same update made at `at` (for tests of the age rule).
    pub fn made_at(mut self, at: Instant) -> Self {
        self.at = at;
        self
    }

    /// The frame text.
    pub fn frame(&self) -> &str {
        &self.frame
    }
}

/// Bounds of one receiver's queue (see [`ServerConfig`](crate::ServerConfig) for defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QueueLimits {
    /// Above this many queued bytes, superseded sets are dropped.
    pub coalesce_bytes: usize,
    /// More than this many bytes after coalescing: too slow.
    pub max_bytes: usize,
    /// Oldest unsent update older than this: too slow.
    pub max_lag: Duration,
}

impl QueueLimits {
    /// The limits a server's configuration gives every receiver.
    pub fn of(config: &crate::ServerConfig) -> Self {
        QueueLimits {
            coalesce_bytes: config.outbound_coalesce_bytes,
            max_bytes: config.outbound_max_bytes,
            max_lag: config.outbound_max_lag,
        }
    }
}

/// What [`OutQueue::push`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// Queued; the queue was empty before, so the writer must be woken.
    First,
    /// Queued behind updates the writer has not taken yet.
    Behind,
    /// The receiver is too slow: close it (1013). Nothing more is queued.
    TooSlow,
    /// The receiver is gone.
    Closed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Open,
    TooSlow,
    Closed,
}

/// The unsent updates of one receiver.
#[derive(Debug)]
pub struct OutQueue {
    items: VecDeque<Update>,
    bytes: usize,
    /// Bytes right after the last coalescing pass (coalesce again only past twice that).
    settled: usize,
    state: State,
    /// The session waits with nothing to write: an update may go straight to the socket.
    parked: bool,
    /// The unwritten end of a frame that went straight to the socket in part: written
    /// before anything else.
    rest: Option<Box<[u8]>>,
}

impl Default for OutQueue {
    fn default() -> Self {
        OutQueue {
            items: VecDeque::new(),
            bytes: 0,
            settled: 0,
            state: State::Open,
            parked: false,
            rest: None,
        }
    }
}

impl OutQueue {
    /// Queue `update`, coalescing and judging the receiver as described in the module docs.
    pub fn push(&mut self, update: &Update, limits: &QueueLimits) -> Pushed {
        match self.state {
            State::Open => {}
            State::TooSlow => return Pushed::TooSlow,
            State::Closed => return Pushed::Closed,
        }
        // Queued behind this update, the next ones must not overtake it on the socket.
        self.parked = false;
        let first = self.items.is_empty();
        self.bytes += update.frame.len() + 1;
        self.items.push_back(update.clone());
        if self.bytes > limits.coalesce_bytes && self.bytes > 2 * self.settled {
            self.coalesce();
        }
        let lagging = self
            .items
            .front()
            .is_some_and(|oldest| update.at.saturating_duration_since(oldest.at) > limits.max_lag);
        if self.bytes > limits.max_bytes || lagging {
            self.state = State::TooSlow;
            self.items.clear();
            self.bytes = 0;
            return Pushed::TooSlow;
        }
        if first {
            Pushed::First
        } else {
            Pushed::Behind
        }
    }

    /// Drop every set that a later set of the same variable supersedes, without moving any
    /// set across a rename or delete.
    fn coalesce(&mut self) {
        let mut seen: HashSet<Arc<str>> = HashSet::new();
        let mut keep = vec![true; self.items.len()];
        for (i, item) in self.items.iter().enumerate().rev() {
            match &item.var {
                Some(var) => keep[i] = seen.insert(var.clone()),
                None => seen.clear(),
            }
        }
        let mut i = 0;
        self.items.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        self.bytes = self.items.iter().map(|u| u.frame.len() + 1).sum();
        self.settled = self.bytes;
    }

    /// Take everything queued, joined into frames of newline-separated messages of about
    /// `cap` bytes at most (a single longer message is a frame of its own; 0: one message
    /// per frame).
    pub fn take_frames(&mut self, cap: usize) -> Vec<String> {
        let mut frames = Vec::new();
        let mut left = self.bytes;
        let mut current = String::new();
        // Taken whole, so an idle receiver holds no queue allocation.
        for item in std::mem::take(&mut self.items) {
            if !current.is_empty() && current.len() + 1 + item.frame.len() > cap {
                frames.push(std::mem::take(&mut current));
            }
            if current.is_empty() {
                current.reserve(left.min(cap).max(item.frame.len()));
            } else {
                current.push('\n');
            }
            current.push_str(&item.frame);
            left = left.saturating_sub(item.frame.len() + 1);
        }
        if !current.is_empty() {
            frames.push(current);
        }
        self.bytes = 0;
        self.settled = 0;
        frames
    }

    /// Whether the receiver was judged too slow.
    pub fn is_too_slow(&self) -> bool {
        self.state == State::TooSlow
    }

    /// Queued bytes (each message counts its length plus a separator).
    #[cfg(test)]
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Whether nothing is queued.
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The receiver is gone: refuse everything from now on.
    pub fn close(&mut self) {
        self.state = State::Closed;
        self.items.clear();
        self.bytes = 0;
        self.parked = false;
        self.rest = None;
    }

    /// Whether an update may be written straight to the socket now: the session is parked,
    /// nothing is queued or half-written before it, the receiver is open.
    fn writable_now(&self) -> bool {
        self.parked && self.items.is_empty() && self.rest.is_none() && self.state == State::Open
    }

    /// The unwritten end of a frame written in part, if any (the session writes it first).
    pub(crate) fn take_rest(&mut self) -> Option<Box<[u8]>> {
        self.rest.take()
    }
}

/// What a write straight to the socket did.
pub(crate) enum Direct {
    /// The whole frame was written.
    All,
    /// Only the start: here is the rest.
    Part(Box<[u8]>),
    /// Nothing was written (the socket is full, or broken): queue the update.
    Nothing,
}

/// What one receiver's queue shares between the room and the session.
#[derive(Debug)]
struct Shared {
    queue: Mutex<OutQueue>,
    /// The lean transport's socket, for writes straight from the room while the queue is
    /// open (a closed queue never writes). Outside the lock, so [`Outbox::warm`] can reach
    /// it without a locked instruction; it lives as long as the session's own handle.
    socket: OnceLock<Arc<TcpStream>>,
    wake: Notify,
    limits: QueueLimits,
}

/// The server's [`Outbox`]: one [`OutQueue`] shared with the client's session task, which
/// [`wake`](Self::wake) wakes when the queue turns non-empty or the client is too slow.
/// (One pointer: the session and the room's member entry each hold one.)
#[derive(Clone, Debug)]
pub struct ChannelOutbox {
    shared: Arc<Shared>,
}

impl ChannelOutbox {
    /// An empty queue with these limits.
    pub fn new(limits: QueueLimits) -> Self {
        ChannelOutbox {
            shared: Arc::new(Shared {
                queue: Mutex::default(),
                socket: OnceLock::new(),
                wake: Notify::new(),
                limits,
            }),
        }
    }

    /// Notified when there is something to take or the client is too slow.
    pub fn wake(&self) -> &Notify {
        &self.shared.wake
    }

    /// The queue, locked (a poisoned lock is still usable: the queue has no invariant a
    /// panic could break half-way).
    pub fn lock(&self) -> MutexGuard<'_, OutQueue> {
        self.shared.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The receiver is gone: refuse everything from now on.
    pub fn close(&self) {
        self.lock().close();
    }

    /// Let updates be written straight to `socket` while the session is parked (until
    /// [`close`](Self::close)). Once: a second socket is ignored.
    pub(crate) fn attach(&self, socket: Arc<TcpStream>) {
        let _ = self.shared.socket.set(socket);
    }

    /// The session is about to wait: with nothing queued, updates may go straight to the
    /// socket until [`unpark`](Self::unpark). The session's own writer must hold nothing
    /// unwritten (its writes are always finished or the connection ends).
    pub(crate) fn park(&self) {
        let mut queue = self.lock();
        queue.parked =
            self.shared.socket.get().is_some() && queue.items.is_empty() && queue.rest.is_none();
    }

    /// The session woke and may write itself: no update goes straight to the socket.
    pub(crate) fn unpark(&self) {
        self.lock().parked = false;
    }
}

impl Outbox for ChannelOutbox {
    /// Plain reads (no lock: a locked instruction would make each read wait for the one
    /// before) of the cache lines `offer_update` uses: the lock, the limits and the socket.
    fn warm(&self) {
        use std::os::fd::{AsFd, AsRawFd};
        std::hint::black_box(self.shared.queue.is_poisoned());
        std::hint::black_box(self.shared.limits.max_bytes);
        if let Some(socket) = self.shared.socket.get() {
            std::hint::black_box(socket.as_fd().as_raw_fd());
        }
    }

    fn offer(&self, frame: &str) -> bool {
        self.offer_update(&Update::other(frame))
    }

    fn offer_update(&self, update: &Update) -> bool {
        let mut queue = self.lock();
        if queue.writable_now() && update.frame.len() <= crate::lean::DIRECT_MAX {
            // Written under the queue's lock, so nothing else writes to the socket meanwhile.
            let direct = self.shared.socket.get().map_or(Direct::Nothing, |socket| {
                crate::lean::write_text_now(socket, &update.frame)
            });
            match direct {
                Direct::All => return true,
                Direct::Part(rest) => {
                    queue.parked = false;
                    queue.rest = Some(rest);
                    drop(queue);
                    self.shared.wake.notify_one();
                    return true;
                }
                Direct::Nothing => {}
            }
        }
        let pushed = queue.push(update, &self.shared.limits);
        drop(queue);
        match pushed {
            Pushed::First | Pushed::TooSlow => self.shared.wake.notify_one(),
            Pushed::Behind | Pushed::Closed => {}
        }
        matches!(pushed, Pushed::First | Pushed::Behind)
    }
}

#[cfg(test)]
mod tests;
