//! The cloud socket server's FROM_CLIENT handling (`ServerProtocol`), fed many values from
//! many client ids: raw values, and connects / messages made by the sans-IO client (what the
//! sprite sends), insecure and secure, whole or with packets dropped, repeated or swapped.
//! Invariants: no panic; the client table and buffers stay within `InboundLimits`; a message
//! sent whole by a registered client on a clean buffer arrives exactly (sanitized), or the
//! update is reported rejected — never a different text. Cipher seeds are drawn like the
//! sprite's (with repeats), from a range the input may narrow so that equal chunks in one
//! centisecond often become identical packets (the fixed finding, see README).
#![no_main]
use actors_security::Centis;
use actors_security::CipherKey;
use actors_security::{in_table, sanitize};
use actors_socket::{secure_connect_values, ClientRandom, ClientSession};
use actors_socket::{ClientId, Host};
use actors_socket::{
    FragmentLimits, InboundEvent, InboundLimits, KeyExchange, ServerProtocol, Update,
};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scratchcomm_fuzz::Det;
use std::sync::Arc;

/// Accepts any fragments: the key is the hash of the joined text, as the client computes it.
struct FakeExchange;

impl KeyExchange for FakeExchange {
    fn derive_server_key(&self, joined: &str, _salt: Centis) -> Result<CipherKey, String> {
        Ok(CipherKey::from_key_text(joined))
    }
}

const SLOTS: usize = 6;
const START: Centis = 177_000_000_000;

#[derive(Arbitrary, Debug)]
enum Op {
    Raw {
        value: String,
        turbowarp: bool,
    },
    Connect {
        slot: u8,
        secure: bool,
        key: u32,
        packet: u8,
    },
    Send {
        slot: u8,
        text: String,
    },
    Mangled {
        slot: u8,
        text: String,
        drop: u8,
        repeat: u8,
        swap: bool,
    },
    Tick {
        centis: u16,
    },
    Remove {
        slot: u8,
    },
}

/// The sprite's draws, seeds from `1000..1000 + span` (the sprite: span 8999), repeats
/// included.
struct SpriteSeeds {
    det: Det,
    span: u16,
}

impl ClientRandom for SpriteSeeds {
    fn id5(&mut self) -> u32 {
        self.det.id5()
    }
    fn suffix(&mut self) -> u64 {
        self.det.suffix()
    }
    fn seed(&mut self) -> u16 {
        1000 + self.det.seed() % self.span
    }
    fn csprng(&mut self) -> &mut dyn rand::RngCore {
        self.det.csprng()
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    seed: u64,
    /// Seeds from 1000..1000 + span (1..=8999).
    span: u16,
    ops: Vec<Op>,
}

/// The limits the properties check (the limits' fields are private).
const MAX_CLIENTS: usize = 4;
const MAX_MESSAGE_CHARS: usize = 3_000;

fn limits() -> InboundLimits {
    InboundLimits::default()
        .max_clients(MAX_CLIENTS)
        .max_message_chars(MAX_MESSAGE_CHARS)
        .max_buffered_total(5_000)
        .max_value_chars(2_000)
        .remembered_connects(8)
        .fragments(
            FragmentLimits::default()
                .per_client(4)
                .max_total(8)
                .max_total_chars(4_000),
        )
}

/// What the server decodes from the client's insecure encoding: the sprite encodes per UTF-16
/// unit, so a character outside the BMP becomes two `?`.
fn insecure_expected(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let n = if in_table(c) { 0 } else { c.len_utf16() };
            std::iter::repeat('?')
                .take(n)
                .chain(in_table(c).then_some(c))
        })
        .collect()
}

struct Harness {
    proto: ServerProtocol,
    now: Centis,
    rng: SpriteSeeds,
    sessions: Vec<Option<ClientSession>>,
    dirty: Vec<bool>,
}

impl Harness {
    fn feed(&mut self, value: &str, host: Host) -> Vec<InboundEvent> {
        let events = self.proto.handle_variable(
            "FROM_CLIENT",
            Update {
                value,
                source: 7,
                host,
                now: self.now,
            },
        );
        for e in &events {
            if let InboundEvent::Evicted { client_id } = e {
                if let Some(s) = self.slot_of(*client_id) {
                    self.dirty[s] = true;
                }
            }
        }
        assert!(
            self.proto.client_count() <= MAX_CLIENTS,
            "client table beyond its limit"
        );
        for e in &events {
            if let InboundEvent::MessagePart { part, .. }
            | InboundEvent::Message { text: part, .. } = e
            {
                assert!(
                    part.chars().count() <= MAX_MESSAGE_CHARS,
                    "message beyond its limit"
                );
            }
        }
        events
    }

    fn slot_of(&self, id: ClientId) -> Option<usize> {
        (0..SLOTS).find(|&s| client_id(s) == id)
    }
}

fn client_id(slot: usize) -> ClientId {
    ClientId::wrapping(10_007 + 7_919 * slot as u32)
}

fuzz_target!(|input: Input| {
    let mut h = Harness {
        proto: ServerProtocol::new(Some(Arc::new(FakeExchange)), START, limits()),
        now: START + 1,
        rng: SpriteSeeds {
            det: Det::new(input.seed),
            span: input.span % 8999 + 1,
        },
        sessions: (0..SLOTS).map(|_| None).collect(),
        dirty: vec![false; SLOTS],
    };
    for op in input.ops.into_iter().take(64) {
        match op {
            Op::Raw { value, turbowarp } => {
                let host = if turbowarp {
                    Host::TurboWarp
                } else {
                    Host::Scratch
                };
                h.dirty.iter_mut().for_each(|d| *d = true);
                h.feed(&value, host);
            }
            Op::Connect {
                slot,
                secure,
                key,
                packet,
            } => {
                let slot = usize::from(slot) % SLOTS;
                let packet_size = 60 + usize::from(packet) * 4;
                h.now += 1;
                let (session, values) = if secure {
                    let payload = format!("{}", u64::from(key) * 1_000_003 + 1);
                    let key = CipherKey::from_key_text(&payload);
                    secure_connect_values(
                        client_id(slot),
                        key,
                        &payload,
                        h.now,
                        packet_size,
                        &mut h.rng,
                    )
                    .expect("valid connect")
                } else {
                    let session = ClientSession::new(client_id(slot), None, packet_size)
                        .expect("a packet size of at least 1");
                    let values = session
                        .outgoing("_connect")
                        .and_then(|o| o.collect_all(h.now, &mut h.rng))
                        .expect("valid connect");
                    (session, values)
                };
                let mut registered = false;
                for v in &values {
                    for e in h.feed(v, Host::Scratch) {
                        if let InboundEvent::NewClient(n) = e {
                            registered |= n.client_id == client_id(slot);
                        }
                    }
                }
                if registered {
                    h.sessions[slot] = Some(session);
                    h.dirty[slot] = false;
                }
            }
            Op::Send { slot, text } | Op::Mangled { slot, text, .. }
                if h.sessions[usize::from(slot) % SLOTS].is_none() =>
            {
                let _ = text;
            }
            Op::Send { slot, text } => {
                let slot = usize::from(slot) % SLOTS;
                let session = h.sessions[slot].clone().expect("checked");
                let Ok(values) = session
                    .outgoing(&text)
                    .and_then(|o| o.collect_all(h.now, &mut h.rng))
                else {
                    continue;
                };
                let expected = if session.is_secure() {
                    sanitize(&text)
                } else {
                    insecure_expected(&text)
                };
                let known = h.proto.has_client(client_id(slot))
                    && h.proto.client_key(client_id(slot)).is_some() == session.is_secure();
                let clean = known && !h.dirty[slot] && !expected.contains("_connect");
                let mut delivered = None;
                let mut rejected = false;
                for v in &values {
                    for e in h.feed(v, Host::Scratch) {
                        match e {
                            InboundEvent::Message {
                                client_id: id,
                                text,
                            } if id == client_id(slot) => delivered = Some(text),
                            InboundEvent::Rejected { .. } | InboundEvent::Evicted { .. } => {
                                rejected = true
                            }
                            _ => {}
                        }
                    }
                }
                if clean {
                    match &delivered {
                        Some(got) => assert_eq!(got, &expected, "a whole message arrived changed"),
                        None => assert!(
                            rejected || !h.proto.has_client(client_id(slot)),
                            "a whole message vanished silently"
                        ),
                    }
                }
                if delivered.is_some() {
                    h.dirty[slot] = false;
                }
            }
            Op::Mangled {
                slot,
                text,
                drop,
                repeat,
                swap,
            } => {
                let slot = usize::from(slot) % SLOTS;
                let session = h.sessions[slot].clone().expect("checked");
                let Ok(mut values) = session
                    .outgoing(&text)
                    .and_then(|o| o.collect_all(h.now, &mut h.rng))
                else {
                    continue;
                };
                if swap && values.len() > 1 {
                    values.swap(0, 1);
                }
                if !values.is_empty() {
                    let d = usize::from(drop) % (values.len() + 1);
                    if d < values.len() {
                        values.remove(d);
                    }
                }
                if let Some(v) = values
                    .get(usize::from(repeat) % (values.len() + 1))
                    .cloned()
                {
                    values.push(v);
                }
                h.dirty[slot] = true;
                for v in &values {
                    h.feed(v, Host::TurboWarp);
                }
            }
            Op::Tick { centis } => h.now += u64::from(centis),
            Op::Remove { slot } => {
                let slot = usize::from(slot) % SLOTS;
                h.proto.remove_client(client_id(slot));
                h.sessions[slot] = None;
            }
        }
    }
});
