//! The sans-IO client (what the sprite does) against client_to_server.json,
//! ec_handshake.json, rsa_handshake.json and the TO_CLIENT side of sprite_e2e.json.

use actors_security::CipherKey;
use actors_security::Security;
use actors_security::{ec_handshake_with_scalar, rsa_handshake_with_digits, PublicData};
use actors_socket::ClientId;
use actors_socket::{
    connect_insecure, secure_connect_values, ClientRandom, ClientReceiver, ClientRng, ClientSession,
};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

use test_support::vectors::load as vectors;

/// Scripted sprite randomness: fixed seeds and ids, suffix 0 (compared without suffix).
struct Scripted {
    seeds: VecDeque<u16>,
    ids: VecDeque<u32>,
    rng: rand::rngs::ThreadRng,
}

impl ClientRandom for Scripted {
    fn id5(&mut self) -> u32 {
        self.ids.pop_front().expect("scripted id")
    }
    fn suffix(&mut self) -> u64 {
        0
    }
    fn seed(&mut self) -> u16 {
        self.seeds.pop_front().expect("scripted seed")
    }
    fn csprng(&mut self) -> &mut dyn rand::RngCore {
        &mut self.rng
    }
}

fn scripted(seeds: Vec<u16>, ids: Vec<u32>) -> Scripted {
    Scripted {
        seeds: seeds.into(),
        ids: ids.into(),
        rng: rand::thread_rng(),
    }
}

/// The value up to and including the client id (the suffix random is free).
fn without_suffix(v: &str) -> &str {
    &v[..v.find('.').unwrap() + 6]
}

fn cs(seconds: f64) -> u64 {
    (seconds * 100.0).floor() as u64
}

#[test]
fn client_send_matches_sprite_values() {
    let doc = vectors("client_to_server.json");
    let key = CipherKey::from_key_text(doc["secure_handshake"]["client_key"].as_str().unwrap());
    for case in doc["cases"].as_array().unwrap() {
        let (Some(message), Some(cid)) = (case["message"].as_str(), case["client_id"].as_str())
        else {
            continue;
        };
        let cid = ClientId::parse(cid).unwrap();
        let label = case["label"].as_str().unwrap();
        let (got, expected): (Vec<String>, Vec<String>) = match case.get("packets") {
            None => {
                let session = ClientSession::new(cid, None, 220).unwrap();
                let got = session
                    .outgoing(message)
                    .unwrap()
                    .collect_all(0, &mut scripted(vec![], vec![]))
                    .unwrap();
                let exp = case["from_client_values"].as_array().unwrap();
                (
                    got,
                    exp.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
                )
            }
            Some(packets) => {
                let session = ClientSession::new(cid, Some(key.clone()), 220).unwrap();
                let packets = packets.as_array().unwrap();
                let seeds = packets.iter().map(|p| p["seed"].as_u64().unwrap() as u16);
                let mut rng = scripted(seeds.collect(), vec![]);
                let mut out = session.outgoing(message).unwrap();
                let mut got = Vec::new();
                for p in packets {
                    let aid: u64 = p["activity_id"].as_str().unwrap().parse().unwrap();
                    got.push(out.next_value(aid, &mut rng).unwrap().unwrap());
                }
                assert!(out.next_value(0, &mut rng).unwrap().is_none());
                let exp = packets
                    .iter()
                    .map(|p| p["value"].as_str().unwrap().to_owned());
                (got, exp.collect())
            }
        };
        assert_eq!(got.len(), expected.len(), "{label}");
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(without_suffix(g), without_suffix(e), "{label}");
        }
    }
}

#[test]
fn insecure_connect_is_connect_message() {
    let mut rng = ClientRng(rand::thread_rng());
    let (session, values) = connect_insecure(220, &mut rng).unwrap();
    assert_eq!(values.len(), 1);
    let expected = format!("15903151414050320.{}", session.client_id());
    assert!(values[0].starts_with(&expected), "{}", values[0]);
    assert!(!session.is_secure());
    assert_eq!(session.packet_size(), 220);
}

/// The sans-IO client takes the resolved packet size: 0 (which the sprite reads as "the
/// host's default") is refused with an error naming it, not quietly turned into 220.
#[test]
fn a_packet_size_of_zero_is_refused_by_the_sans_io_client() {
    let mut rng = ClientRng(rand::thread_rng());
    let err = connect_insecure(0, &mut rng).unwrap_err();
    assert_eq!(err.kind(), actors_socket::SocketErrorKind::InvalidInput);
    assert!(err.detail().contains("packet size 0"), "{err}");
    let cid = actors_socket::ClientId::parse("12345").unwrap();
    assert!(ClientSession::new(cid, None, 0).is_err());
}

/// The public data as the server would publish it (JSON numbers of 300 digits do not
/// survive serde_json, so it is rebuilt from the stored key).
fn public_map(doc: &Value) -> BTreeMap<String, String> {
    let key = doc["server"]["security_to_string"].as_str().unwrap();
    let map = Security::from_key_string(key).unwrap().public_data();
    for (k, v) in doc["server"]["public_data"].as_object().unwrap() {
        if let Value::String(s) = v {
            assert_eq!(&map[k], s);
        }
    }
    map
}

#[test]
fn secure_connect_values_match_ec_and_rsa_vectors() {
    let ec = vectors("ec_handshake.json");
    let public = PublicData::from_map(&public_map(&ec)).unwrap();
    for name in ["handshake", "handshake_multi_fragment_packet_size_64"] {
        let hs = &ec[name];
        let scalar_hex = hs["client_scalar_hex"].as_str().unwrap();
        let mut scalar = [0u8; 32];
        for (i, b) in scalar.iter_mut().enumerate() {
            *b = u8::from_str_radix(&scalar_hex[2 * i..2 * i + 2], 16).unwrap();
        }
        let aid: u64 = hs["activity_id"].as_str().unwrap().parse().unwrap();
        let h = ec_handshake_with_scalar(&public, aid, &scalar).unwrap();
        check_connect(hs, h.key, &h.fragment_payload, aid);
    }
    let rsa = vectors("rsa_handshake.json");
    let public = PublicData::from_map(&public_map(&rsa)).unwrap();
    let hs = &rsa["handshake"];
    let aid: u64 = hs["activity_id"].as_str().unwrap().parse().unwrap();
    let digits = hs["csprng_digits"].as_str().unwrap();
    let h = rsa_handshake_with_digits(&public, aid, digits).unwrap();
    check_connect(hs, h.key, &h.fragment_payload, aid);
}

fn check_connect(hs: &Value, key: CipherKey, payload: &str, aid: u64) {
    let cid = ClientId::parse(hs["client_id"].as_str().unwrap()).unwrap();
    let fids = hs["fragment_ids"].as_array().unwrap();
    let ids = fids.iter().map(|f| f.as_str().unwrap().parse().unwrap());
    let mut rng = scripted(vec![], ids.collect());
    let size = hs["packet_size"].as_u64().unwrap() as usize;
    let expected_key = CipherKey::from_key_text(hs["client_key"].as_str().unwrap());
    let (session, values) = secure_connect_values(cid, key, payload, aid, size, &mut rng).unwrap();
    assert_eq!(session.key(), Some(&expected_key));
    let expected = hs["from_client_values"].as_array().unwrap();
    assert_eq!(values.len(), expected.len());
    for (g, e) in values.iter().zip(expected) {
        assert_eq!(without_suffix(g), without_suffix(e.as_str().unwrap()));
    }
}

#[test]
fn sprite_e2e_receptions_reproduced() {
    let doc = vectors("sprite_e2e.json");
    for session in doc["sessions"].as_array().unwrap() {
        let state = &session["client_state"];
        let cid = ClientId::parse(state["client_id"].as_str().unwrap()).unwrap();
        let key = match state["client_key"].as_str().unwrap() {
            "" => None,
            k => Some(CipherKey::from_key_text(k)),
        };
        let events = session["events"].as_array().unwrap();
        let mut rx = ClientReceiver::new(ClientSession::new(cid, key, 220).unwrap(), 0);
        let mut completed: Option<String> = None;
        let mut receptions = 0;
        for e in events {
            let now = cs(e["t"].as_f64().unwrap());
            match e["kind"].as_str().unwrap() {
                // The sprite sends, then starts its recv.
                "from_client" => rx.begin_recv(now),
                "to_client" => {
                    let name = e["name"].as_str().unwrap();
                    let var = name.chars().last().unwrap().to_digit(10).unwrap() as u8;
                    if let Some(m) = rx.observe(var, e["value"].as_str().unwrap(), now) {
                        completed = Some(m);
                    }
                }
                "reception" => {
                    assert_eq!(e["status"].as_str().unwrap(), "done");
                    let expected = e["reception"].as_str().unwrap();
                    assert_eq!(completed.take().as_deref(), Some(expected));
                    receptions += 1;
                }
                _ => {}
            }
        }
        assert_eq!(
            receptions,
            session["replay_messages"].as_array().unwrap().len()
        );
    }
}
