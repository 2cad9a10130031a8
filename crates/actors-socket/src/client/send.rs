//! Client send (§5.3, §5.4): a message becomes FROM_CLIENT values, one at a time so each
//! secure chunk gets the activity id of the moment it is sent.

use crate::error::SocketError;
use crate::types::{pad15, Centis, ClientId};
use actors_security::CipherKey;
use actors_security::{client_encode, sanitize};

/// The sprite's random draws.
pub trait ClientRandom {
    /// 5 random digits as a number 0..=99999 (client ids and fragment ids: the last 5
    /// digits of a random 0…99999999999).
    fn id5(&mut self) -> u32;
    /// The value suffix random, 0..=9999999999.
    fn suffix(&mut self) -> u64;
    /// Cipher seed, 1000..=9998.
    fn seed(&mut self) -> u16;
    /// The cipher seed for a chunk encrypted with `salt`. The default is [`seed`](Self::seed);
    /// [`FreshSeeds`] never repeats a seed at one salt.
    fn seed_at(&mut self, salt: Centis) -> u16 {
        let _ = salt;
        self.seed()
    }
    /// A CSPRNG for key material.
    fn csprng(&mut self) -> &mut dyn rand::RngCore;
}

/// [`ClientRandom`] over any `rand` generator (use a CSPRNG such as `StdRng`).
#[derive(Debug, Clone)]
pub struct ClientRng<R>(pub R);

impl<R: rand::RngCore> ClientRandom for ClientRng<R> {
    fn id5(&mut self) -> u32 {
        rand::Rng::gen_range(&mut self.0, 0..=99_999)
    }
    fn suffix(&mut self) -> u64 {
        rand::Rng::gen_range(&mut self.0, 0..=9_999_999_999)
    }
    fn seed(&mut self) -> u16 {
        rand::Rng::gen_range(&mut self.0, 1000..=9998)
    }
    fn csprng(&mut self) -> &mut dyn rand::RngCore {
        &mut self.0
    }
}

/// A [`ClientRandom`] that never gives the same cipher seed twice for one salt.
///
/// The cipher ignores the seed (§7.3), so two chunks with the same text, salt and seed are
/// byte-identical, and the server rightly rejects the second as a replay. The sprite draws
/// seeds at random and can hit this (1 in 8999 for two equal chunks in one centisecond); a
/// Rust client need not.
#[derive(Debug, Clone)]
pub struct FreshSeeds<R> {
    inner: R,
    salt: Centis,
    used: Vec<u16>,
}

impl<R: ClientRandom> FreshSeeds<R> {
    /// Wraps `inner`.
    pub fn new(inner: R) -> Self {
        FreshSeeds {
            inner,
            salt: 0,
            used: Vec::new(),
        }
    }
}

/// Draws after which a repeated seed is accepted (cannot happen unless thousands of chunks
/// share one centisecond; it keeps the loop bounded).
const SEED_DRAWS: usize = 64;

impl<R: ClientRandom> ClientRandom for FreshSeeds<R> {
    fn id5(&mut self) -> u32 {
        self.inner.id5()
    }
    fn suffix(&mut self) -> u64 {
        self.inner.suffix()
    }
    fn seed(&mut self) -> u16 {
        self.inner.seed()
    }
    fn seed_at(&mut self, salt: Centis) -> u16 {
        if salt != self.salt {
            self.salt = salt;
            self.used.clear();
        }
        let mut seed = self.inner.seed();
        for _ in 0..SEED_DRAWS {
            if !self.used.contains(&seed) {
                break;
            }
            seed = self.inner.seed();
        }
        self.used.push(seed);
        seed
    }
    fn csprng(&mut self) -> &mut dyn rand::RngCore {
        self.inner.csprng()
    }
}

/// A connected client: id, packet size and, in secure mode, the connection key.
#[derive(Clone)]
pub struct ClientSession {
    pub(crate) client_id: ClientId,
    pub(crate) key: Option<CipherKey>,
    pub(crate) packet_size: usize,
}

impl std::fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSession")
            .field("client_id", &self.client_id)
            .field("secure", &self.key.is_some())
            .field("packet_size", &self.packet_size)
            .finish()
    }
}

impl ClientSession {
    /// A session from its parts (e.g. to replay a recorded one). `packet_size` is the
    /// resolved number of characters per packet (what [`PacketSize::resolve`](crate::PacketSize::resolve) gives).
    ///
    /// # Errors
    ///
    /// A [`SocketError`] of kind `InvalidInput` when `packet_size` is 0.
    pub fn new(
        client_id: ClientId,
        key: Option<CipherKey>,
        packet_size: usize,
    ) -> Result<Self, SocketError> {
        if packet_size == 0 {
            return Err(SocketError::invalid(
                "packet size 0: give the resolved size (PacketSize::resolve), e.g. 220 on Scratch",
            ));
        }
        Ok(ClientSession {
            client_id,
            key,
            packet_size,
        })
    }

    /// The client id.
    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    /// Whether the session is encrypted.
    pub fn is_secure(&self) -> bool {
        self.key.is_some()
    }

    /// The key of a secure session.
    pub fn key(&self) -> Option<&CipherKey> {
        self.key.as_ref()
    }

    /// `# PACKET SIZE`.
    pub fn packet_size(&self) -> usize {
        self.packet_size
    }

    /// Prepares `text` for sending. Secure mode replaces characters outside the table by
    /// `?` (the sprite would encrypt garbage, §7.5).
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) when the packet size leaves no room for a chunk.
    pub fn outgoing(&self, text: &str) -> Result<ClientOutbound, SocketError> {
        let chunks = match &self.key {
            None => client_encode(text)
                .as_bytes()
                .chunks(self.packet_size)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect(),
            Some(_) => {
                let per = self.packet_size.saturating_sub(50) / 2;
                if per == 0 {
                    return Err(SocketError::invalid(format!(
                        "packet size {} leaves no room for a secure chunk (minimum 52)",
                        self.packet_size
                    )));
                }
                let chars: Vec<char> = sanitize(text).chars().collect();
                if chars.is_empty() {
                    vec![String::new()]
                } else {
                    chars.chunks(per).map(|c| c.iter().collect()).collect()
                }
            }
        };
        Ok(ClientOutbound {
            session: self.clone(),
            chunks,
            next: 0,
            done: false,
        })
    }

    /// `"." ‖ client id ‖ random` (§3.4 suffix).
    pub(crate) fn suffix(&self, rng: &mut dyn ClientRandom) -> String {
        format!(".{}{}", self.client_id, rng.suffix() % 10_000_000_000)
    }
}

/// A client message being sent.
#[derive(Debug)]
pub struct ClientOutbound {
    session: ClientSession,
    chunks: Vec<String>,
    next: usize,
    done: bool,
}

impl ClientOutbound {
    /// Number of FROM_CLIENT values of the whole message.
    pub fn packet_count(&self) -> usize {
        self.chunks.len().max(1)
    }

    /// The next FROM_CLIENT value, built at `now` (round(100 × time), the activity id of a
    /// secure chunk); `None` when done.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) when a chunk cannot be encrypted at `now`.
    pub fn next_value(
        &mut self,
        now: Centis,
        rng: &mut dyn ClientRandom,
    ) -> Result<Option<String>, SocketError> {
        if self.done {
            return Ok(None);
        }
        let chunk = self.chunks.get(self.next).cloned().unwrap_or_default();
        self.next += 1;
        let last = self.next >= self.chunks.len();
        self.done = last;
        let lead = if last { "1" } else { "-1" };
        let body = match &self.session.key {
            None => chunk,
            Some(key) => {
                let ciphertext = key.encrypt(&chunk, now, rng.seed_at(now))?;
                format!("{}{}", client_encode(&ciphertext), pad15(now))
            }
        };
        Ok(Some(format!("{lead}{body}{}", self.session.suffix(rng))))
    }

    /// All values at once with one clock reading (tests and tools).
    ///
    /// # Errors
    ///
    /// As [`next_value`](Self::next_value).
    pub fn collect_all(
        mut self,
        now: Centis,
        rng: &mut dyn ClientRandom,
    ) -> Result<Vec<String>, SocketError> {
        let mut out = Vec::new();
        while let Some(v) = self.next_value(now, rng)? {
            out.push(v);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeds from a script (then 1000 forever); everything else fixed.
    struct Scripted(Vec<u16>);

    impl ClientRandom for Scripted {
        fn id5(&mut self) -> u32 {
            12_345
        }
        fn suffix(&mut self) -> u64 {
            7
        }
        fn seed(&mut self) -> u16 {
            if self.0.is_empty() {
                1000
            } else {
                self.0.remove(0)
            }
        }
        fn csprng(&mut self) -> &mut dyn rand::RngCore {
            unreachable!("not used by these tests")
        }
    }

    #[test]
    fn fresh_seeds_never_repeat_at_one_salt() {
        let mut rng = FreshSeeds::new(Scripted(vec![4321, 4321, 4321, 5555, 4321]));
        assert_eq!(rng.seed_at(100), 4321);
        assert_eq!(rng.seed_at(100), 5555);
        // A new salt forgets the old seeds.
        assert_eq!(rng.seed_at(101), 4321);
    }

    #[test]
    fn equal_chunks_in_one_centisecond_differ_on_the_wire() {
        let key = CipherKey::from_key_text("12345678901234567890123456789012345678901234567890");
        let session =
            ClientSession::new(ClientId::parse("12345").unwrap(), Some(key), 220).unwrap();
        // 85 characters per chunk at 220: two identical chunks.
        let text = "a".repeat(170);
        let body = |v: &str| {
            v.trim_start_matches('-')
                .split('.')
                .next()
                .unwrap()
                .to_owned()
        };

        let mut same = Scripted(vec![]);
        let plain = session
            .outgoing(&text)
            .unwrap()
            .collect_all(500, &mut same)
            .unwrap();
        assert_eq!(
            body(&plain[0]).trim_start_matches('1'),
            body(&plain[1]).trim_start_matches('1')
        );

        // The same draw twice, as a random source may give: FreshSeeds draws again.
        let mut fresh = FreshSeeds::new(Scripted(vec![2000, 2000, 3000]));
        let values = session
            .outgoing(&text)
            .unwrap()
            .collect_all(500, &mut fresh)
            .unwrap();
        assert_ne!(
            body(&values[0]).trim_start_matches('1'),
            body(&values[1]).trim_start_matches('1')
        );
    }
}
