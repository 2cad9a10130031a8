//! The bounded client table of the sans-IO server: per-client mode, pending buffer and
//! replay state, eviction, and remembered secure-connect salts.
//!
//! Eviction rule (one place): when the table is full, the longest idle client that did not
//! complete a secure handshake goes first. A secure client is never evicted by traffic from
//! other ids — a flood of fake insecure ids only evicts each other — unless it has been idle
//! longer than the configurable `secure_idle_expiry`. If every client is secure and none has
//! expired, the newcomer is refused ([`Rejection::TableFull`]) instead.

use super::events::InboundLimits;
use crate::error::Rejection;
use crate::types::{Centis, ClientId};
use actors_security::CipherKey;
use actors_security::ServerReplayGuard;
use std::collections::{HashMap, VecDeque};

/// Key and replay state of a secure client.
#[derive(Debug, Clone)]
pub struct SecureState {
    /// The connection key.
    pub key: CipherKey,
    /// Per-client replay guard.
    pub guard: ServerReplayGuard,
    /// The rest of the current message is dropped: one of its packets was rejected as a
    /// replay, so it can no longer arrive whole. Cleared by its last packet.
    pub discarding: bool,
}

impl SecureState {
    /// A secure client with `key`, accepting salts from `guard` on.
    pub fn new(key: CipherKey, guard: ServerReplayGuard) -> Self {
        SecureState {
            key,
            guard,
            discarding: false,
        }
    }
}

/// One registered client.
#[derive(Debug)]
pub struct ClientState {
    /// `Some` for secure clients.
    pub secure: Option<SecureState>,
    /// Pending message: digits (insecure) or plaintext (secure).
    pub buffer: String,
    last_active: u64,
    last_seen: Centis,
}

impl ClientState {
    /// A fresh client with an empty buffer.
    pub fn new(secure: Option<SecureState>) -> Self {
        ClientState {
            secure,
            buffer: String::new(),
            last_active: 0,
            last_seen: 0,
        }
    }
}

/// Clients by id, bounded.
#[derive(Debug)]
pub struct ClientTable {
    clients: HashMap<ClientId, ClientState>,
    max_clients: usize,
    secure_idle_expiry: Option<Centis>,
    tick: u64,
    buffered_total: usize,
    connects: HashMap<ClientId, Centis>,
    connect_order: VecDeque<ClientId>,
    max_connects: usize,
}

impl ClientTable {
    /// An empty table holding at most `max_clients` clients and remembering the last
    /// connect salt of at most `max_connects` ids. Secure clients are never evicted.
    pub fn new(max_clients: usize, max_connects: usize) -> Self {
        ClientTable {
            clients: HashMap::new(),
            max_clients: max_clients.max(1),
            secure_idle_expiry: None,
            tick: 0,
            buffered_total: 0,
            connects: HashMap::new(),
            connect_order: VecDeque::new(),
            max_connects: max_connects.max(1),
        }
    }

    /// Let a secure client idle longer than `expiry` (centiseconds) be evicted like an
    /// insecure one; `None` (the default of `new`): never.
    pub fn with_secure_idle_expiry(mut self, expiry: Option<Centis>) -> Self {
        self.secure_idle_expiry = expiry;
        self
    }

    /// Number of clients.
    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Characters buffered over all clients.
    #[cfg(test)]
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

    /// Records that `id` proved itself at `now` (a secure packet that decrypted).
    pub fn touch(&mut self, id: ClientId, now: Centis) {
        if let Some(c) = self.get_mut(id) {
            c.last_seen = c.last_seen.max(now);
        }
    }

    /// Registers or replaces `id` at `now`. Returns (replaced, evicted client), or
    /// [`Rejection::TableFull`] when the table is full of secure clients none of which may
    /// be evicted (see the module docs).
    pub fn register(
        &mut self,
        id: ClientId,
        mut state: ClientState,
        now: Centis,
    ) -> Result<(bool, Option<ClientId>), Rejection> {
        let mut evicted = None;
        if !self.clients.contains_key(&id) && self.clients.len() >= self.max_clients {
            let victim = self.victim(now).ok_or(Rejection::TableFull)?;
            self.remove(victim);
            evicted = Some(victim);
        }
        self.tick += 1;
        state.last_active = self.tick;
        state.last_seen = now;
        let replaced = self.remove(id);
        self.clients.insert(id, state);
        Ok((replaced, evicted))
    }

    /// The client to evict: the longest idle insecure one, else the longest idle secure one
    /// that expired.
    fn victim(&self, now: Centis) -> Option<ClientId> {
        let insecure = self
            .clients
            .iter()
            .filter(|(_, c)| c.secure.is_none())
            .min_by_key(|(_, c)| c.last_active);
        if let Some((id, _)) = insecure {
            return Some(*id);
        }
        let expiry = self.secure_idle_expiry?;
        self.clients
            .iter()
            .filter(|(_, c)| now.saturating_sub(c.last_seen) > expiry)
            .min_by_key(|(_, c)| c.last_seen)
            .map(|(id, _)| *id)
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

    fn insecure() -> ClientState {
        ClientState::new(None)
    }

    fn secure() -> ClientState {
        let key = CipherKey::from_key_text("123456789");
        ClientState::new(Some(SecureState::new(key, ServerReplayGuard::new(0))))
    }

    #[test]
    fn evicts_least_recently_active() {
        let mut t = ClientTable::new(2, 2);
        t.register(cid(1), insecure(), 0).unwrap();
        t.register(cid(2), insecure(), 0).unwrap();
        t.get_mut(cid(1));
        let (replaced, evicted) = t.register(cid(3), insecure(), 0).unwrap();
        assert!(!replaced);
        assert_eq!(evicted, Some(cid(2)));
        let (replaced, evicted) = t.register(cid(3), insecure(), 0).unwrap();
        assert!(replaced);
        assert_eq!(evicted, None);
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn a_flood_of_fake_ids_never_evicts_a_secure_client() {
        let mut t = ClientTable::new(4, 2);
        t.register(cid(1), secure(), 0).unwrap();
        t.register(cid(2), insecure(), 0).unwrap();
        let mut evicted = Vec::new();
        for n in 100..5_100 {
            let (_, e) = t.register(cid(n), insecure(), 0).unwrap();
            evicted.extend(e);
        }
        assert_eq!(t.len(), 4);
        assert!(t.get(cid(1)).is_some(), "the idle secure client stays");
        assert_eq!(evicted.len(), 5_002 - 4);
        assert_eq!(
            evicted[0],
            cid(2),
            "the longest idle insecure client went first"
        );
        assert!(!evicted.contains(&cid(1)));
    }

    #[test]
    fn a_table_full_of_secure_clients_refuses_newcomers_until_one_expires() {
        let mut t = ClientTable::new(2, 2).with_secure_idle_expiry(Some(100));
        t.register(cid(1), secure(), 0).unwrap();
        t.register(cid(2), secure(), 50).unwrap();
        assert_eq!(
            t.register(cid(3), insecure(), 100),
            Err(Rejection::TableFull)
        );
        assert_eq!(t.register(cid(3), secure(), 100), Err(Rejection::TableFull));
        // A re-registration of a known id needs no room.
        assert!(t.register(cid(2), secure(), 100).is_ok());
        // Client 1 proved itself at 90; at 191 it has been idle 101 > 100 centiseconds.
        t.touch(cid(1), 90);
        assert_eq!(
            t.register(cid(3), insecure(), 150),
            Err(Rejection::TableFull)
        );
        let (_, evicted) = t.register(cid(3), insecure(), 191).unwrap();
        assert_eq!(evicted, Some(cid(1)));
        let mut never = ClientTable::new(1, 1);
        never.register(cid(1), secure(), 0).unwrap();
        assert_eq!(
            never.register(cid(2), insecure(), u64::MAX),
            Err(Rejection::TableFull)
        );
    }

    #[test]
    fn buffers_are_bounded() {
        let limits = InboundLimits::default()
            .max_message_chars(10)
            .max_buffered_total(15);
        let mut t = ClientTable::new(10, 2);
        t.register(cid(1), insecure(), 0).unwrap();
        t.register(cid(2), insecure(), 0).unwrap();
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
