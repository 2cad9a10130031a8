//! Regression (fuzz finding of `socket_from_client`, issue #15): the sprite draws its cipher
//! seed at random (1000..=9998), so two equal chunks of one secure message sent in the same
//! centisecond can be byte-identical packets. The server must reject the second as a replay
//! (it cannot tell it from an attacker's replay) but must then never deliver the message
//! without that chunk, nor let the rest of it leak into the next message.

#[path = "support/inbound.rs"]
mod inbound;

use actors_security::CipherKey;
use actors_socket::{secure_connect_values, ClientRandom, ClientSession};
use actors_socket::{ClientId, Rejection};
use actors_socket::{InboundEvent, InboundLimits, KeyExchange, ServerProtocol};
use inbound::feed;
use rand::SeedableRng;
use std::sync::Arc;

/// Accepts any fragments: the key is the joined text, as the client below computes it.
struct FakeExchange;

impl KeyExchange for FakeExchange {
    fn derive_server_key(&self, joined: &str, _salt: u64) -> Result<CipherKey, String> {
        Ok(CipherKey::from_key_text(joined))
    }
}

/// The sprite's draws with a fixed cipher seed: every chunk at one salt gets the same seed.
struct SameSeed(rand::rngs::StdRng);

impl ClientRandom for SameSeed {
    fn id5(&mut self) -> u32 {
        rand::Rng::gen_range(&mut self.0, 0..=99_999)
    }
    fn suffix(&mut self) -> u64 {
        rand::Rng::gen_range(&mut self.0, 0..=9_999_999_999)
    }
    fn seed(&mut self) -> u16 {
        4321
    }
    fn csprng(&mut self) -> &mut dyn rand::RngCore {
        &mut self.0
    }
}

const START: u64 = 177_000_000_000;
const PAYLOAD: &str = "12345678901234567890123456789012345678901234567890";

/// A server with one registered secure client (packets of 220: 85 characters per chunk).
fn connected(rng: &mut SameSeed) -> (ServerProtocol, ClientSession) {
    let mut p = ServerProtocol::new(
        Some(Arc::new(FakeExchange)),
        START,
        InboundLimits::default(),
    );
    let id = ClientId::parse("12345").unwrap();
    let key = CipherKey::from_key_text(PAYLOAD);
    let (session, values) = secure_connect_values(id, key, PAYLOAD, START + 1, 220, rng).unwrap();
    let mut registered = false;
    for v in &values {
        for e in feed(&mut p, v, START + 1) {
            registered |= matches!(e, InboundEvent::NewClient(_));
        }
    }
    assert!(registered, "the secure client did not connect");
    (p, session)
}

/// Sends `text` with every chunk at salt `at`; returns the delivered messages and rejections.
fn send(
    p: &mut ServerProtocol,
    s: &ClientSession,
    text: &str,
    at: u64,
    rng: &mut SameSeed,
) -> (Vec<String>, Vec<Rejection>) {
    let values = s.outgoing(text).unwrap().collect_all(at, rng).unwrap();
    let (mut got, mut rejected) = (Vec::new(), Vec::new());
    for v in &values {
        for e in feed(p, v, at) {
            match e {
                InboundEvent::Message { text, .. } => got.push(text),
                InboundEvent::Rejected { reason, .. } => rejected.push(reason),
                _ => {}
            }
        }
    }
    (got, rejected)
}

fn rng() -> SameSeed {
    SameSeed(rand::rngs::StdRng::seed_from_u64(7))
}

#[test]
fn identical_middle_chunk_never_delivers_a_shortened_message() {
    let mut rng = rng();
    let (mut p, s) = connected(&mut rng);
    // Two identical 85-character chunks, then a different last one.
    let text = format!("{}{}", "?".repeat(170), "end");
    let (got, rejected) = send(&mut p, &s, &text, START + 10, &mut rng);
    assert!(
        got.iter().all(|m| *m == text),
        "a message arrived changed: {got:?}"
    );
    assert!(
        !got.is_empty() || !rejected.is_empty(),
        "the message vanished without a rejection"
    );
    // The next message arrives whole.
    let (got, _) = send(&mut p, &s, "next", START + 20, &mut rng);
    assert_eq!(got, vec!["next".to_owned()]);
}

#[test]
fn identical_last_chunk_does_not_leak_into_the_next_message() {
    let mut rng = rng();
    let (mut p, s) = connected(&mut rng);
    let text = "?".repeat(170);
    let (got, rejected) = send(&mut p, &s, &text, START + 10, &mut rng);
    assert!(
        got.iter().all(|m| *m == text),
        "a message arrived changed: {got:?}"
    );
    assert!(!got.is_empty() || !rejected.is_empty());
    let (got, _) = send(&mut p, &s, "next", START + 20, &mut rng);
    assert_eq!(got, vec!["next".to_owned()], "the old chunk leaked");
}

#[test]
fn identical_first_chunk_of_the_next_message_never_delivers_its_tail() {
    let mut rng = rng();
    let (mut p, s) = connected(&mut rng);
    let chunk = "?".repeat(85);
    let (got, _) = send(&mut p, &s, &chunk, START + 10, &mut rng);
    assert_eq!(got, vec![chunk.clone()]);
    // Same centisecond, same seed: its first packet equals the last message's only packet.
    let text = format!("{chunk}tail");
    let (got, rejected) = send(&mut p, &s, &text, START + 10, &mut rng);
    assert!(
        got.iter().all(|m| *m == text),
        "a message arrived changed: {got:?}"
    );
    assert!(!got.is_empty() || !rejected.is_empty());
    let (got, _) = send(&mut p, &s, "next", START + 20, &mut rng);
    assert_eq!(got, vec!["next".to_owned()]);
}
