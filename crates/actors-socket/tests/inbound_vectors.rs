//! Server inbound (§3.5) against client_to_server.json, ec_handshake.json,
//! rsa_handshake.json and the FROM_CLIENT side of sprite_e2e.json.

#[path = "support/inbound.rs"]
mod inbound;

use actors_security::CipherKey;
use actors_security::Security;
use actors_socket::{ClientId, Host, Rejection};
use actors_socket::{InboundEvent, InboundLimits, KeyExchange, ServerProtocol, Update};
use inbound::{feed, messages};
use serde_json::Value;
use std::sync::Arc;

use test_support::vectors::load as vectors;

fn security(doc: &Value) -> Arc<dyn KeyExchange> {
    let s = doc["server"]["security_to_string"].as_str().unwrap();
    Arc::new(Security::from_key_string(s).unwrap())
}

fn cs(seconds: f64) -> u64 {
    (seconds * 100.0).floor() as u64
}

fn new_client(events: &[InboundEvent]) -> Option<&actors_socket::NewClient> {
    events.iter().find_map(|e| match e {
        InboundEvent::NewClient(n) => Some(n),
        _ => None,
    })
}

fn rejection(events: &[InboundEvent]) -> Option<Rejection> {
    events.iter().find_map(|e| match e {
        InboundEvent::Rejected { reason, .. } => Some(reason.clone()),
        _ => None,
    })
}

#[test]
fn client_to_server_cases() {
    let doc = vectors("client_to_server.json");
    let ec = vectors("ec_handshake.json");
    let start = cs(1_774_381_000.0);
    let mut p = ServerProtocol::new(Some(security(&ec)), start, InboundLimits::default());
    let cases = doc["cases"].as_array().unwrap();
    // Insecure client 12345 and request client 24242.
    let connect = cases[0]["from_client_values"][0].as_str().unwrap();
    let ev = feed(&mut p, connect, start);
    let n = new_client(&ev).expect("registered");
    assert!(n.key.is_none() && n.from_connect);
    // The request client connects the same way (the vectors start after that).
    assert!(new_client(&feed(&mut p, "15903151414050320.242421", start)).is_some());
    // Secure client 76227.
    let hs = &doc["secure_handshake"];
    let mut now = start;
    for v in hs["from_client_values"].as_array().unwrap() {
        let v = v.as_str().unwrap();
        now = cs(1_774_391_001.0);
        let ev = feed(&mut p, v, now);
        if let Some(n) = new_client(&ev) {
            let expected = CipherKey::from_key_text(hs["client_key"].as_str().unwrap());
            assert_eq!(n.key.as_ref(), Some(&expected));
        }
    }
    assert!(p.client_key(ClientId::parse("76227").unwrap()).is_some());
    for case in &cases[1..] {
        let label = case["label"].as_str().unwrap();
        let values: Vec<(String, u64)> = match case.get("packets") {
            Some(packets) => packets
                .as_array()
                .unwrap()
                .iter()
                .map(|pk| {
                    let t = cs(pk["client_time"].as_f64().unwrap());
                    (pk["value"].as_str().unwrap().to_owned(), t)
                })
                .collect(),
            None => case["from_client_values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| (v.as_str().unwrap().to_owned(), now))
                .collect(),
        };
        let mut got = Vec::new();
        let mut reasons = Vec::new();
        for (v, t) in values {
            now = now.max(t);
            let ev = feed(&mut p, &v, now);
            got.extend(messages(&ev));
            reasons.extend(rejection(&ev));
        }
        match case["server_received"].as_str() {
            Some(expected) => assert_eq!(got, vec![expected.to_owned()], "{label}"),
            None => {
                assert!(got.is_empty(), "{label}");
                let expected = if label.contains("replay") {
                    Rejection::StaleSalt
                } else {
                    Rejection::Decrypt
                };
                assert_eq!(reasons, vec![expected], "{label}");
            }
        }
    }
}

#[test]
fn unknown_client_message_makes_insecure_client_and_is_discarded() {
    let mut p = ServerProtocol::new(None, 0, InboundLimits::default());
    let ev = feed(&mut p, "1200519205383.123451", 10);
    let n = new_client(&ev).unwrap();
    assert!(!n.from_connect && n.key.is_none());
    assert!(messages(&ev).is_empty());
    let ev = feed(&mut p, "1200519205383.123452", 10);
    assert_eq!(messages(&ev), vec!["test 5".to_owned()]);
    // Other variables are not FROM_CLIENT.
    let other = Update {
        value: "1200519205383.123453",
        source: 0,
        host: Host::Scratch,
        now: 10,
    };
    assert!(p.handle_variable("TO_CLIENT_1", other).is_empty());
    assert_eq!(
        messages(&p.handle_variable("FROM_CLIENT", other)),
        vec!["test 5".to_owned()]
    );
    // A message starting with _connect is a reconnect.
    let ev = feed(&mut p, "15903151414050320.12345987654321", 10);
    assert!(new_client(&ev).unwrap().replaced);
}

#[test]
fn ec_handshakes_and_negative_cases() {
    let doc = vectors("ec_handshake.json");
    for name in ["handshake", "handshake_multi_fragment_packet_size_64"] {
        let hs = &doc[name];
        let t = cs(hs["client_time"].as_f64().unwrap());
        let mut p = ServerProtocol::new(Some(security(&doc)), t - 100, InboundLimits::default());
        let mut registered = None;
        for v in hs["from_client_values"].as_array().unwrap() {
            let ev = feed(&mut p, v.as_str().unwrap(), t + 1);
            assert!(rejection(&ev).is_none(), "{name}: {:?}", rejection(&ev));
            registered = registered.or_else(|| new_client(&ev).cloned());
        }
        let n = registered.expect(name);
        assert_eq!(n.client_id.to_string(), hs["client_id"].as_str().unwrap());
        let expected = CipherKey::from_key_text(hs["client_key"].as_str().unwrap());
        assert_eq!(n.key, Some(expected));
        assert_eq!(
            hex(&n.key.unwrap().hashed_key()),
            hs["hashed_key_hex"].as_str().unwrap()
        );
    }
    for case in doc["negative_cases"].as_array().unwrap() {
        let label = case["case"].as_str().unwrap();
        let clock = cs(case["server_clock"].as_f64().unwrap());
        let created = match label {
            "salt not newer than socket start" => clock,
            _ => clock - 1_000,
        };
        let mut p = ServerProtocol::new(Some(security(&doc)), created, InboundLimits::default());
        let mut registered = false;
        for v in case["from_client_values"].as_array().unwrap() {
            registered |= new_client(&feed(&mut p, v.as_str().unwrap(), clock)).is_some();
        }
        assert_eq!(
            registered,
            case["client_registered"].as_bool().unwrap(),
            "{label}"
        );
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn rsa_handshake() {
    let doc = vectors("rsa_handshake.json");
    let hs = &doc["handshake"];
    let t = cs(hs["client_time"].as_f64().unwrap());
    let mut p = ServerProtocol::new(Some(security(&doc)), t - 100, InboundLimits::default());
    let mut key = None;
    for v in hs["from_client_values"].as_array().unwrap() {
        let ev = feed(&mut p, v.as_str().unwrap(), t + 1);
        assert!(rejection(&ev).is_none());
        key = key.or_else(|| new_client(&ev).and_then(|n| n.key.clone()));
    }
    let expected = CipherKey::from_key_text(hs["client_key"].as_str().unwrap());
    assert_eq!(key, Some(expected));
}

#[test]
fn sprite_e2e_from_client_replay() {
    let doc = vectors("sprite_e2e.json");
    let ec = vectors("ec_handshake.json");
    for session in doc["sessions"].as_array().unwrap() {
        let events = session["events"].as_array().unwrap();
        let first = cs(events[0]["t"].as_f64().unwrap());
        let mut p =
            ServerProtocol::new(Some(security(&ec)), first - 1_000, InboundLimits::default());
        let mut got = Vec::new();
        let mut expected = Vec::new();
        for e in events {
            match e["kind"].as_str().unwrap() {
                "from_client" => {
                    let now = cs(e["t"].as_f64().unwrap());
                    let ev = feed(&mut p, e["value"].as_str().unwrap(), now);
                    assert!(rejection(&ev).is_none(), "{:?}", rejection(&ev));
                    if let Some(n) = new_client(&ev) {
                        got.push(format!("new {} {}", n.client_id, n.key.is_some()));
                        if let Some(k) = &n.key {
                            let text = session["client_state"]["client_key"].as_str().unwrap();
                            assert_eq!(k, &CipherKey::from_key_text(text));
                        }
                    }
                    got.extend(messages(&ev));
                }
                "server" => {
                    let d = &e["data"];
                    if let Some(cid) = d["new_client"].as_str() {
                        expected.push(format!("new {cid} {}", d["secure"].as_bool().unwrap()));
                    }
                    if let Some(m) = d["server_received"].as_str() {
                        expected.push(m.to_owned());
                    }
                }
                _ => {}
            }
        }
        assert_eq!(got, expected, "{}", session["scenario"]);
        let replayed: Vec<&str> = session["replay_messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert_eq!(&got[1..], &replayed[..]);
    }
}
