//! Sans-IO server send (§3.6): one message for one client becomes a sequence of
//! TO_CLIENT sets, produced one at a time so each secure chunk gets its salt at the moment
//! it is sent. The variable of each set comes from the link's shared [`Rotation`]
//! (deviation R1, see [`Rotation`]), not from the reference's random draw.

use super::rotation::Rotation;
use crate::error::{SocketError, SocketErrorKind};
use crate::types::{pad15, Centis, ClientId};
use actors_security::CipherKey;
use actors_security::{sanitize, server_encode};

/// Draws of the 3-digit random after which a repeated value is sent anyway (a random
/// source that keeps answering the same number; cannot happen with a real generator).
const SUFFIX_DRAWS: usize = 16;

/// The random draws of a send, in the reference's order: for every chunk the cipher seed
/// (secure only), then the 3-digit suffix. (The reference also draws the final packet's
/// variable; here the [`Rotation`] chooses it, deviation R1.)
pub trait SendRandom {
    /// Cipher seed, 1000..=9998.
    fn seed(&mut self) -> u16;
    /// Server suffix random, 0..=999.
    fn suffix(&mut self) -> u16;
}

/// [`SendRandom`] over any `rand` generator.
#[derive(Debug, Clone)]
pub struct RngRandom<R>(pub R);

impl<R: rand::RngCore> SendRandom for RngRandom<R> {
    fn seed(&mut self) -> u16 {
        rand::Rng::gen_range(&mut self.0, 1000..=9998)
    }
    fn suffix(&mut self) -> u16 {
        rand::Rng::gen_range(&mut self.0, 0..=999)
    }
}

/// Options of one send.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendOptions {
    pub(crate) allow_garbled_insecure: bool,
}

impl SendOptions {
    /// Send an insecure message that needs 3 or more packets although the sprite garbles
    /// it (§9 C1). Off by default: such a send fails with
    /// [`SocketErrorKind::InsecureTooLong`].
    pub fn allow_garbled_insecure(mut self, value: bool) -> Self {
        self.allow_garbled_insecure = value;
        self
    }
}

/// One `set` of a TO_CLIENT variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToClientSet {
    /// Variable number 1..=4.
    pub var: u8,
    /// The value, sent as a JSON string.
    pub value: String,
}

impl ToClientSet {
    /// The variable name without the cloud prefix, e.g. `TO_CLIENT_3`.
    pub fn name(&self) -> String {
        format!("TO_CLIENT_{}", self.var)
    }
}

/// A message being sent: yields its TO_CLIENT sets in order.
pub struct OutboundMessage {
    client_id: ClientId,
    key: Option<CipherKey>,
    chunks: Vec<String>,
    next: usize,
}

impl std::fmt::Debug for OutboundMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutboundMessage")
            .field("client_id", &self.client_id)
            .field("secure", &self.key.is_some())
            .field("packets", &self.chunks.len())
            .field("next", &self.next)
            .finish()
    }
}

/// Characters of plaintext per secure chunk at `packet_size` (§3.6): floor(size/2) - 28.
pub fn secure_chunk_chars(packet_size: usize) -> Result<usize, SocketError> {
    match (packet_size / 2).checked_sub(28) {
        Some(n) if n > 0 => Ok(n),
        _ => Err(SocketError::invalid(format!(
            "packet size {packet_size} leaves no room for a secure chunk (minimum 58)"
        ))),
    }
}

impl OutboundMessage {
    /// Prepares `text` for `client_id`; `key` makes it a secure send. Characters outside
    /// the table become `?` (§7.5).
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) when the packet size leaves no room for a chunk, or an insecure message the sprite would garble is not allowed by the options.
    pub fn new(
        client_id: ClientId,
        text: &str,
        key: Option<&CipherKey>,
        packet_size: usize,
        options: SendOptions,
    ) -> Result<Self, SocketError> {
        if packet_size == 0 {
            return Err(SocketError::invalid("packet size must be at least 1"));
        }
        let chunks = match key {
            None => {
                let digits = server_encode(text);
                let chunks: Vec<String> = digits
                    .as_bytes()
                    .chunks(packet_size)
                    .map(|c| String::from_utf8_lossy(c).into_owned())
                    .collect();
                if chunks.len() > 2 && !options.allow_garbled_insecure {
                    return Err(SocketError::new(
                        SocketErrorKind::InsecureTooLong,
                        format!(
                            "insecure message of {} characters needs {} packets at size \
                             {packet_size}; the sprite garbles more than 2 (PROTOCOL §9 C1). \
                             Use a secure socket, a shorter message, or opt in",
                            text.chars().count(),
                            chunks.len()
                        ),
                    ));
                }
                chunks
            }
            Some(_) => {
                let per = secure_chunk_chars(packet_size)?;
                let chars: Vec<char> = sanitize(text).chars().collect();
                if chars.is_empty() {
                    vec![String::new()]
                } else {
                    chars.chunks(per).map(|c| c.iter().collect()).collect()
                }
            }
        };
        Ok(OutboundMessage {
            client_id,
            key: key.cloned(),
            chunks,
            next: 0,
        })
    }

    /// Number of packets of the whole message.
    pub fn packet_count(&self) -> usize {
        self.chunks.len()
    }

    /// Packets not yet produced.
    pub fn remaining(&self) -> usize {
        self.chunks.len() - self.next
    }

    /// The client the message is for.
    pub fn client_id(&self) -> ClientId {
        self.client_id
    }

    /// The next set, built at `now` (the salt of a secure chunk), its variable taken from
    /// `rotation`; `None` when done.
    ///
    /// # Errors
    ///
    /// A [`SocketError`](crate::SocketError) when a chunk cannot be encrypted at `now`.
    pub fn next_packet(
        &mut self,
        now: Centis,
        rng: &mut dyn SendRandom,
        rotation: &mut Rotation,
    ) -> Result<Option<ToClientSet>, SocketError> {
        let Some(chunk) = self.chunks.get(self.next) else {
            return Ok(None);
        };
        let payload = match &self.key {
            None => chunk.clone(),
            Some(key) => {
                let seed = rng.seed();
                let ciphertext = key.encrypt(chunk, now, seed)?;
                format!("{}{}", server_encode(&ciphertext), pad15(now))
            }
        };
        let index = self.next;
        let last = index + 1 == self.chunks.len();
        let dash = if last { "" } else { "-" };
        let var = rotation.next_var(self.remaining());
        // The sprite ignores a value equal to the variable's previous one (§4): redraw the
        // random part until it differs (bounded; 1 in 1000 needs a second draw).
        let mut value = String::new();
        for _ in 0..SUFFIX_DRAWS {
            let suffix = rng.suffix() % 1000;
            value = format!("{dash}{payload}.{}{suffix:03}{index}", self.client_id);
            if !rotation.repeats(var, &value) {
                break;
            }
        }
        rotation.record(var, &value);
        self.next += 1;
        Ok(Some(ToClientSet { var, value }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Suffixes from a script; seeds fixed.
    struct Scripted(Vec<u16>);

    impl SendRandom for Scripted {
        fn seed(&mut self) -> u16 {
            1000
        }
        fn suffix(&mut self) -> u16 {
            self.0.remove(0)
        }
    }

    #[test]
    fn a_value_never_repeats_the_last_one_of_its_variable() {
        let cid = ClientId::parse("12345").unwrap();
        let mut rotation = Rotation::new();
        // Five one-packet "pong" replies: the fifth goes to TO_CLIENT_1 again, and its first
        // suffix draw (5) would make it equal to the first reply there.
        let mut rng = Scripted(vec![5, 5, 5, 5, 5, 9]);
        let mut sent = Vec::new();
        for _ in 0..5 {
            let mut m =
                OutboundMessage::new(cid, "pong", None, 220, SendOptions::default()).unwrap();
            sent.push(m.next_packet(0, &mut rng, &mut rotation).unwrap().unwrap());
        }
        assert_eq!(sent[0].var, 1);
        assert_eq!(sent[4].var, 1);
        assert_ne!(sent[4].value, sent[0].value);
        assert!(sent[4].value.ends_with(".123450090"), "{}", sent[4].value);
        // Other variables kept their first draw.
        assert!(sent[1].value.ends_with(".123450050"));
    }
}
