//! The bounded client table of the sans-IO server: per-client mode, pending buffer and
//! replay state, least-recently-active eviction, and remembered secure-connect salts.

use super::events::InboundLimits;
use super::replay::ReplayGuard;
use crate::error::Rejection;
use crate::types::{Centis, ClientId, Host, SourceTag};
use actors_security::CipherKey;
use std::collections::{HashMap, VecDeque};

/// Key and replay state of a secure client.
#[derive(Debug, Clone)]
pub struct SecureState {
    /// The connection key.
    pub key: CipherKey,
    /// Per-client replay guard.
    pub guard: ReplayGuard,
}

/// One registered client.
#[derive(Debug)]
pub struct ClientState {
    /// `Some` for secure clients.
    pub secure: Option<SecureState>,
    /// Pending message: digits (insecure) or plaintext (secure).
    pub buffer: String,
    /// Connection its packets came through.
    pub source: SourceTag,
    /// Host kind of that connection.
    pub host: Host,
    last_active: u64,
}

impl ClientState {
    /// A fresh client with an empty buffer.
    pub fn new(secure: Option<SecureState>, source: SourceTag, host: Host) -> Self {
        ClientState {
            secure,
            buffer: String::new(),
            source,
            host,
            last_active: 0,
        }
    }
}

/// Clients by id, bounded.
#[derive(Debug)]
pub struct ClientTable {
    clients: HashMap<ClientId, ClientState>,
    max_clients: usize,
    tick: u64,
    buffered_total: usize,
    connects: HashMap<ClientId, Centis>,
    connect_order: VecDeque<ClientId>,
    max_connects: usize,
}

impl ClientTable {
    /// An empty table holding at most `max_clients` clients and remembering the last
    /// connect salt of at most `max_connects` ids.
    pub fn new(max_clients: usize, max_connects: usize) -> Self {
        ClientTable {
            clients: HashMap::new(),
            max_clients: max_clients.max(1),
            tick: 0,
            buffered_total: 0,
            connects: HashMap::new(),
            connect_order: VecDeque::new(),
            max_connects: max_connects.max(1),
        }
    }

    /// Number of clients.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Whether there are no clients.
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Characters buffered over all clients.
    pub fn buffered_total(&self) -> usize {
        self.buffered_total
    }

    /// A client by id.
    pub fn get(&self, id: ClientId) -> Option<&ClientState> {
        self.clients.get(&id)
    }

    /// A client by id, mutable; marks it active.
    pub fn get_mut(&mut self, id: ClientId) -> Option<&mut ClientState> {
        self.tick += 1;
        let tick = self.tick;
        let c = self.clients.get_mut(&id)?;
        c.last_active = tick;
        Some(c)
    }

    /// Registers or replaces `id`. Returns (replaced, evicted client).
    pub fn register(&mut self, id: ClientId, mut state: ClientState) -> (bool, Option<ClientId>) {
        self.tick += 1;
        state.last_active = self.tick;
        let replaced = self.remove(id);
        let mut evicted = None;
        if self.clients.len() >= self.max_clients {
            let oldest = self
                .clients
                .iter()
                .min_by_key(|(_, c)| c.last_active)
                .map(|(k, _)| *k);
            if let Some(old) = oldest {
                self.remove(old);
                evicted = Some(old);
            }
        }
        self.clients.insert(id, state);
        (replaced, evicted)
    }

    /// Removes `id`; true if it existed.
    pub fn remove(&mut self, id: ClientId) -> bool {
        match self.clients.remove(&id) {
            Some(c) => {
                self.buffered_total -= c.buffer.len();
                true
            }
            None => false,
        }
    }

    /// Appends `part` to the pending buffer of `id` within the limits. When a limit would
    /// be exceeded the client's partial message is dropped and the part refused.
    pub fn append(
        &mut self,
        id: ClientId,
        part: &str,
        limits: &InboundLimits,
    ) -> Result<(), Rejection> {
        let total = self.buffered_total;
        let Some(c) = self.get_mut(id) else {
            return Err(Rejection::Malformed("unknown client"));
        };
        let own = c.buffer.len();
        if own + part.len() > limits.max_message_chars
            || total + part.len() > limits.max_buffered_total
        {
            c.buffer = String::new();
            self.buffered_total -= own;
            return Err(Rejection::TooLarge);
        }
        c.buffer.push_str(part);
        self.buffered_total += part.len();
        Ok(())
    }

    /// Takes the pending buffer of `id` (empty if unknown).
    pub fn take_buffer(&mut self, id: ClientId) -> String {
        match self.clients.get_mut(&id) {
            Some(c) => {
                let b = std::mem::take(&mut c.buffer);
                self.buffered_total -= b.len();
                b
            }
            None => String::new(),
        }
    }

    /// The last accepted secure-connect salt of `id`, if remembered.
    pub fn last_connect(&self, id: ClientId) -> Option<Centis> {
        self.connects.get(&id).copied()
    }

    /// Remembers the secure-connect salt of `id` (bounded, oldest forgotten first).
    pub fn remember_connect(&mut self, id: ClientId, salt: Centis) {
        if self.connects.insert(id, salt).is_none() {
            self.connect_order.push_back(id);
            while self.connect_order.len() > self.max_connects {
                if let Some(old) = self.connect_order.pop_front() {
                    self.connects.remove(&old);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid(n: u32) -> ClientId {
        ClientId::from_number(n).unwrap()
    }

    #[test]
    fn evicts_least_recently_active() {
        let mut t = ClientTable::new(2, 2);
        t.register(cid(1), ClientState::new(None, 0, Host::Scratch));
        t.register(cid(2), ClientState::new(None, 0, Host::Scratch));
        t.get_mut(cid(1));
        let (replaced, evicted) = t.register(cid(3), ClientState::new(None, 0, Host::Scratch));
        assert!(!replaced);
        assert_eq!(evicted, Some(cid(2)));
        let (replaced, evicted) = t.register(cid(3), ClientState::new(None, 0, Host::Scratch));
        assert!(replaced);
        assert_eq!(evicted, None);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn buffers_are_bounded() {
        let limits = InboundLimits {
            max_message_chars: 10,
            max_buffered_total: 15,
            ..InboundLimits::default()
        };
        let mut t = ClientTable::new(10, 2);
        t.register(cid(1), ClientState::new(None, 0, Host::Scratch));
        t.register(cid(2), ClientState::new(None, 0, Host::Scratch));
        t.append(cid(1), "12345678", &limits).unwrap();
        assert_eq!(t.append(cid(1), "123", &limits), Err(Rejection::TooLarge));
        assert_eq!(t.buffered_total(), 0);
        t.append(cid(1), "12345678", &limits).unwrap();
        t.append(cid(2), "1234567", &limits).unwrap();
        assert_eq!(t.append(cid(2), "1", &limits), Err(Rejection::TooLarge));
        assert_eq!(t.take_buffer(cid(1)), "12345678");
        assert_eq!(t.buffered_total(), 0);
        t.remember_connect(cid(1), 5);
        t.remember_connect(cid(2), 6);
        t.remember_connect(cid(3), 7);
        assert_eq!(t.last_connect(cid(1)), None);
        assert_eq!(t.last_connect(cid(3)), Some(7));
    }
}
