//! Server send (§3.6) against `server_to_client.json`, and the sans-IO client's receive
//! (§4) decoding what the server emits.

use actors_security::CipherKey;
use actors_socket::{ClientId, SocketErrorKind};
use actors_socket::{ClientReceiver, ClientSession};
use actors_socket::{OutboundMessage, Rotation, SendOptions, SendRandom};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::VecDeque;

use test_support::vectors::load as vectors;

/// The reference's draw of the final packet's variable; ours comes from the rotation (R1).
const FINAL_VAR_DRAW: &str = "randint[1,4]";

/// Replays the recorded draws, checking the call order matches the reference's (except the
/// final variable's draw, which we do not make: R1).
struct Scripted(VecDeque<(String, u64)>);

impl Scripted {
    fn new(case: &Value) -> Self {
        let draws = case["random_values_used"].as_array().unwrap();
        Scripted(
            draws
                .iter()
                .map(|d| {
                    let call = format!("{}{}", d["call"].as_str().unwrap(), d["args"]);
                    (call, d["value"].as_u64().unwrap())
                })
                .filter(|(call, _)| call != FINAL_VAR_DRAW)
                .collect(),
        )
    }
    fn pop(&mut self, expected: &str) -> u64 {
        let (call, v) = self.0.pop_front().expect("more draws than recorded");
        assert_eq!(call, expected, "draw order differs from the reference");
        v
    }
}

impl SendRandom for Scripted {
    fn seed(&mut self) -> u16 {
        self.pop("randrange[1000,9999]") as u16
    }
    fn suffix(&mut self) -> u16 {
        self.pop("randrange[0,1000]") as u16
    }
}

fn message_of(case: &Value) -> String {
    match &case["message"] {
        Value::String(s) => s.clone(),
        long => {
            let recipe = case["message_recipe"].as_str().unwrap();
            let unit = recipe.split('\'').nth(1).unwrap();
            let m = unit.repeat(5000);
            assert_eq!(m.len() as u64, long["length"].as_u64().unwrap());
            assert_eq!(
                hex(&Sha256::digest(m.as_bytes())),
                long["sha256"].as_str().unwrap()
            );
            m
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn same_value(got: &str, expected: &Value) {
    match expected {
        Value::String(s) => assert_eq!(got, s),
        long => {
            assert_eq!(got.len() as u64, long["length"].as_u64().unwrap());
            assert_eq!(
                hex(&Sha256::digest(got.as_bytes())),
                long["sha256"].as_str().unwrap()
            );
        }
    }
}

/// The salt a secure value carries (the clock reading of the reference when it sent it).
fn salt_of(value: &str) -> u64 {
    let before_dot = &value[..value.find('.').unwrap()];
    before_dot[before_dot.len() - 15..].parse().unwrap()
}

/// Values byte for byte the reference's; variables the reference's for every packet but
/// the final one, which continues the rotation instead of the reference's random draw (R1).
#[test]
fn server_send_matches_reference_and_client_decodes_it() {
    let doc = vectors("server_to_client.json");
    for case in doc["cases"].as_array().unwrap() {
        let label = case["label"].as_str().unwrap();
        let cid = ClientId::parse(case["client_id"].as_str().unwrap()).unwrap();
        let size = case["packet_size"].as_u64().unwrap() as usize;
        let key = case["client_key"].as_str().map(CipherKey::from_key_text);
        let message = message_of(case);
        let options = SendOptions::default().allow_garbled_insecure(true);
        let mut out = OutboundMessage::new(cid, &message, key.as_ref(), size, options).unwrap();
        let sets = case["to_client_sets"].as_array().unwrap();
        assert_eq!(out.packet_count(), sets.len(), "{label}");
        let mut rng = Scripted::new(case);
        let session = ClientSession::new(cid, key.clone(), 220).unwrap();
        let start = (case["start_time"].as_f64().unwrap() * 100.0) as u64;
        let mut receiver = ClientReceiver::new(session, start);
        receiver.begin_recv(start);
        let mut received = None;
        let mut rotation = Rotation::new();
        for (i, set) in sets.iter().enumerate() {
            let expected_value = &set["value"];
            let now = match (&key, expected_value) {
                (Some(_), Value::String(s)) => salt_of(s),
                (Some(_), long) => salt_of(long["tail"].as_str().unwrap()),
                (None, _) => start,
            };
            let got = out
                .next_packet(now, &mut rng, &mut rotation)
                .unwrap()
                .unwrap();
            let reference_var = format!("TO_CLIENT_{}", i % 4 + 1);
            if i + 1 < sets.len() {
                assert_eq!(set["var"].as_str().unwrap(), reference_var, "{label}");
            }
            assert_eq!(got.name(), reference_var, "{label}");
            same_value(&got.value, expected_value);
            let var = got.var;
            if let Some(m) = receiver.observe(var, &got.value, now) {
                received = Some(m);
            }
        }
        assert!(out
            .next_packet(start, &mut rng, &mut rotation)
            .unwrap()
            .is_none());
        assert!(rng.0.is_empty(), "{label}: draws left over");
        let reception = received.expect("message completed");
        match &case["sprite_model_reception"] {
            Value::String(s) => assert_eq!(&reception, s, "{label}"),
            _ => assert_eq!(reception, message, "{label}"),
        }
    }
}

#[test]
fn secure_empty_message_is_one_empty_chunk() {
    let key = CipherKey::from_key_text("123456789012345678901234567890");
    let cid = ClientId::parse("76227").unwrap();
    let mut out = OutboundMessage::new(cid, "", Some(&key), 220, SendOptions::default()).unwrap();
    assert_eq!(out.packet_count(), 1);
    let mut rng = actors_socket::RngRandom(rand::thread_rng());
    let now = 177_438_700_000;
    let set = out
        .next_packet(now, &mut rng, &mut Rotation::new())
        .unwrap()
        .unwrap();
    let mut rx = ClientReceiver::new(ClientSession::new(cid, Some(key), 220).unwrap(), now);
    assert_eq!(rx.handle(&set.value, now).as_deref(), Some(""));
}

#[test]
fn non_table_characters_become_question_marks_when_secure() {
    let key = CipherKey::from_key_text("98765432109876543210987654321");
    let cid = ClientId::parse("00001").unwrap();
    let mut out =
        OutboundMessage::new(cid, "a@b~ß😀", Some(&key), 220, SendOptions::default()).unwrap();
    let mut rng = actors_socket::RngRandom(rand::thread_rng());
    let now = 177_438_700_000;
    let set = out
        .next_packet(now, &mut rng, &mut Rotation::new())
        .unwrap()
        .unwrap();
    let mut rx = ClientReceiver::new(ClientSession::new(cid, Some(key), 220).unwrap(), now);
    assert_eq!(rx.handle(&set.value, now).as_deref(), Some("a?b?ß?"));
}

#[test]
fn insecure_c1_needs_opt_in() {
    let cid = ClientId::parse("12345").unwrap();
    let two = "x".repeat(219);
    assert_eq!(
        OutboundMessage::new(cid, &two, None, 220, SendOptions::default())
            .unwrap()
            .packet_count(),
        2
    );
    let three = "x".repeat(220);
    let err = OutboundMessage::new(cid, &three, None, 220, SendOptions::default()).unwrap_err();
    assert_eq!(err.kind(), SocketErrorKind::InsecureTooLong);
    let opt_in = SendOptions::default().allow_garbled_insecure(true);
    assert_eq!(
        OutboundMessage::new(cid, &three, None, 220, opt_in)
            .unwrap()
            .packet_count(),
        3
    );
    let key = CipherKey::from_key_text("1");
    let err = OutboundMessage::new(cid, "x", Some(&key), 57, SendOptions::default()).unwrap_err();
    assert_eq!(err.kind(), SocketErrorKind::InvalidInput);
    assert!(OutboundMessage::new(cid, "x", None, 0, SendOptions::default()).is_err());
}
