//! Client receive (§4): the sprite's `handle()` with its slot rules and replay guard.
//!
//! Unlike the sprite, which only looks while a `recv` runs, a Rust client can feed every
//! TO_CLIENT update it sees; [`ClientReceiver::observe`] keeps the sprite's "only changed
//! values" rule per variable. Slots are bounded ([`MAX_SLOTS`] packets, [`MAX_CHARS`]
//! characters); a packet beyond that is ignored like a lost one.

use super::send::ClientSession;
use crate::types::Centis;
use actors_security::client_decode as sprite_decode;
use actors_security::ClientReplayGuard;
use std::collections::BTreeMap;

/// Most packets of one message kept.
pub const MAX_SLOTS: usize = 100_000;
/// Most characters of one message kept.
pub const MAX_CHARS: usize = 64 << 20;

/// The receive state of one client.
#[derive(Debug)]
pub struct ClientReceiver {
    session: ClientSession,
    slots: BTreeMap<usize, String>,
    chars: usize,
    guard: ClientReplayGuard,
    last_seen: [Option<String>; 4],
}

impl ClientReceiver {
    /// A receiver for `session`; the replay floor starts at `now` (the sprite sets it to
    /// ceil(100 × now) at the green flag).
    pub fn new(session: ClientSession, now: Centis) -> Self {
        ClientReceiver {
            session,
            slots: BTreeMap::new(),
            chars: 0,
            guard: ClientReplayGuard::new(now),
            last_seen: Default::default(),
        }
    }

    /// The client's replay floor (`last_activity_id`).
    pub fn last_activity(&self) -> Centis {
        self.guard.last_activity_id()
    }

    /// Sets the replay floor (e.g. to replay a transcript with its recorded clock).
    pub fn set_last_activity(&mut self, floor: Centis) {
        self.guard.set_last_activity_id(floor);
    }

    /// What the sprite does at the start of a `recv` (§4 steps 2–3): raise the replay floor
    /// to ceil(100 × (now − 2 s)) in secure mode, and clear the received packets.
    pub fn begin_recv(&mut self, now: Centis) {
        if self.session.is_secure() {
            self.guard.begin_recv(now);
        }
        self.clear();
    }

    /// Forgets the packets of an incomplete message.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.chars = 0;
    }

    /// A new value of `TO_CLIENT_<var>` (1..=4): handled only if it differs from the last
    /// value seen for that variable (§4 step 4). Returns a completed message.
    pub fn observe(&mut self, var: u8, value: &str, now: Centis) -> Option<String> {
        let slot = self.last_seen.get_mut(usize::from(var).checked_sub(1)?)?;
        if slot.as_deref() == Some(value) {
            return None;
        }
        *slot = Some(value.to_owned());
        self.handle(value, now)
    }

    /// The sprite's `handle(value)`: returns the message when this value completed one.
    pub fn handle(&mut self, value: &str, now: Centis) -> Option<String> {
        let needle = format!(".{}", self.session.client_id);
        if !value.contains(&needle) {
            return None;
        }
        let dot = value.find('.')?;
        let index: usize = value.get(dot + 9..)?.parse().ok()?;
        let slot = index.checked_add(1)?;
        let secure = self.session.is_secure();
        let start = if secure || slot == 1 {
            if value.starts_with('-') {
                2
            } else {
                1
            }
        } else {
            0
        };
        let content = value.get(start..dot).unwrap_or("");
        let content = match &self.session.key {
            None => content.to_owned(),
            Some(key) => {
                let cut = content.len().checked_sub(15)?;
                let (cipher_digits, salt_text) = (content.get(..cut)?, content.get(cut..)?);
                let salt: Centis = salt_text.parse().ok()?;
                self.guard.check(salt, now).ok()?;
                let plain = key.decrypt(&sprite_decode(cipher_digits), salt).ok()?;
                self.guard.accept(salt, now).ok()?;
                plain
            }
        };
        if slot <= MAX_SLOTS && self.chars + content.len() <= MAX_CHARS {
            self.chars += content.len();
            if let Some(old) = self.slots.insert(slot, content) {
                self.chars -= old.len();
            }
        }
        if value.contains('-') {
            return None;
        }
        let joined: String = std::mem::take(&mut self.slots).into_values().collect();
        self.chars = 0;
        Some(if secure {
            joined
        } else {
            sprite_decode(&joined)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{OutboundMessage, RngRandom, Rotation, SendOptions};
    use crate::types::ClientId;
    use actors_security::CipherKey;
    use rand::SeedableRng;

    const NOW: Centis = 177_438_700_000;

    fn packets(key: Option<&CipherKey>, text: &str, salts: &[Centis]) -> Vec<(u8, String)> {
        let cid = ClientId::parse("12345").unwrap();
        let mut out = OutboundMessage::new(cid, text, key, 60, SendOptions::default()).unwrap();
        let mut rng = RngRandom(rand::rngs::StdRng::seed_from_u64(1));
        let mut rotation = Rotation::new();
        let mut v = Vec::new();
        let mut i = 0;
        while let Some(set) = out
            .next_packet(salts[i.min(salts.len() - 1)], &mut rng, &mut rotation)
            .unwrap()
        {
            v.push((set.var, set.value));
            i += 1;
        }
        v
    }

    fn receiver(key: Option<CipherKey>) -> ClientReceiver {
        let session = ClientSession::new(ClientId::parse("12345").unwrap(), key, 220).unwrap();
        ClientReceiver::new(session, NOW)
    }

    #[test]
    fn secure_freshness_rules() {
        let key = CipherKey::from_key_text("12345678901234567890");
        // Stale (before the floor) and too far ahead (> 30 s) are ignored.
        let stale = packets(Some(&key), "a", &[NOW - 1]);
        assert_eq!(receiver(Some(key.clone())).handle(&stale[0].1, NOW), None);
        let ahead = packets(Some(&key), "a", &[NOW + 3_001]);
        assert_eq!(receiver(Some(key.clone())).handle(&ahead[0].1, NOW), None);
        // Equal salts are accepted (the sprite's rule is >=).
        let mut rx = receiver(Some(key.clone()));
        let same = packets(Some(&key), "hi", &[NOW]);
        assert_eq!(rx.handle(&same[0].1, NOW).as_deref(), Some("hi"));
        assert_eq!(rx.handle(&same[0].1, NOW).as_deref(), Some("hi"));
        // A packet with the wrong key is rejected; nothing completes.
        let other = CipherKey::from_key_text("99");
        let forged = packets(Some(&other), "x", &[NOW + 5]);
        assert_eq!(rx.handle(&forged[0].1, NOW + 5), None);
        assert_eq!(rx.last_activity(), NOW);
        // begin_recv raises the floor to now - 2 s.
        rx.begin_recv(NOW + 1_000);
        assert_eq!(rx.last_activity(), NOW + 800);
    }

    #[test]
    fn slots_other_clients_and_lost_packets() {
        let text = "abcdefghijklmnopqrstuvwxyz0123456789";
        let sets = packets(None, text, &[NOW]);
        assert_eq!(sets.len(), 2);
        let mut rx = receiver(None);
        // Values for another client are ignored.
        let other = sets[0].1.replace(".12345", ".54321");
        assert_eq!(rx.handle(&other, NOW), None);
        // The final packet completes the message at once; a lost earlier slot contributes
        // nothing (the later insecure packet is decoded from its first character on).
        assert_eq!(rx.handle(&sets[1].1, NOW), Some(rx_tail(&sets)));
        // In order: the whole text.
        let mut rx = receiver(None);
        assert_eq!(rx.observe(sets[0].0, &sets[0].1, NOW), None);
        assert_eq!(rx.observe(sets[0].0, &sets[0].1, NOW), None);
        assert_eq!(
            rx.observe(sets[1].0, &sets[1].1, NOW).as_deref(),
            Some(text)
        );
        assert_eq!(rx.observe(0, "x", NOW), None);
        assert_eq!(rx.observe(9, "x", NOW), None);
    }

    /// What the sprite shows when only the final insecure packet arrived.
    fn rx_tail(sets: &[(u8, String)]) -> String {
        let v = &sets[1].1;
        sprite_decode(&v[..v.find('.').unwrap()])
    }
}
