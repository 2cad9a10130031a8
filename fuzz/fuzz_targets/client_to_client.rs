//! The client's TO_CLIENT reassembly (`ClientReceiver`, the sprite's `handle()`): raw values
//! on any variable interleaved with whole messages the sans-IO server sends
//! (`OutboundMessage` over a shared `Rotation`), insecure or secure, at many packet sizes.
//! Invariants: no panic; a message the server sends after `begin_recv` arrives exactly as
//! the server sanitized it (encode/decode and encrypt/decrypt round trips end to end).
#![no_main]
use actors_security::sanitize;
use actors_security::Centis;
use actors_security::CipherKey;
use actors_socket::ClientId;
use actors_socket::{ClientReceiver, ClientSession};
use actors_socket::{OutboundMessage, Rotation, SendOptions};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scratchcomm_fuzz::Det;

const START: Centis = 177_000_000_000;

#[derive(Arbitrary, Debug)]
enum Op {
    Raw { var: u8, value: String },
    Send { text: String, packet: u8 },
    Tick { centis: u16 },
    BeginRecv,
}

#[derive(Arbitrary, Debug)]
struct Input {
    seed: u64,
    id: u32,
    key: Option<String>,
    ops: Vec<Op>,
}

fuzz_target!(|input: Input| {
    let id = ClientId::wrapping(input.id);
    let key = input.key.as_deref().map(CipherKey::from_key_text);
    let session = ClientSession::new(id, key.clone(), 220).expect("220 is a valid packet size");
    let mut receiver = ClientReceiver::new(session, START);
    let mut rotation = Rotation::new();
    let mut rng = Det::new(input.seed);
    let mut now = START;
    // The last raw value put on each variable: a server value equal to it goes unseen (the
    // sprite only reacts to changes), so that message cannot be checked.
    let mut raw_seen: [Option<String>; 4] = Default::default();
    for op in input.ops.into_iter().take(64) {
        match op {
            Op::Raw { var, value } => {
                if let Some(slot) = raw_seen.get_mut(usize::from(var).wrapping_sub(1)) {
                    *slot = Some(value.clone());
                }
                let _ = receiver.observe(var, &value, now);
                let _ = receiver.handle(&value, now);
            }
            Op::Tick { centis } => now += u64::from(centis),
            Op::BeginRecv => receiver.begin_recv(now),
            Op::Send { text, packet } => {
                let packet_size = 20 + usize::from(packet) * 8;
                let Ok(mut msg) = OutboundMessage::new(
                    id,
                    &text,
                    key.as_ref(),
                    packet_size,
                    SendOptions::default(),
                ) else {
                    continue;
                };
                receiver.begin_recv(now);
                let mut got = None;
                let mut checkable = true;
                while let Some(set) = msg.next_packet(now, &mut rng, &mut rotation).expect("send") {
                    assert!(
                        (1..=4).contains(&set.var),
                        "TO_CLIENT_{} does not exist",
                        set.var
                    );
                    assert!(got.is_none(), "a message completed before its last packet");
                    let seen = &mut raw_seen[usize::from(set.var) - 1];
                    checkable &= seen.as_deref() != Some(set.value.as_str());
                    *seen = None;
                    got = receiver.observe(set.var, &set.value, now);
                }
                rotation.end_run();
                if checkable {
                    assert_eq!(got, Some(sanitize(&text)), "message changed on the way");
                }
            }
        }
    }
});
