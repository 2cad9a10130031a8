//! `sprite_e2e.json`, secure session: the real sprite in scratch-vm against the
//! reference server. Our server derives the sprite's key from its handshake, decrypts
//! every FROM_CLIENT packet into the messages the reference received, and our sprite
//! model (client decode, decrypt, client replay guard) reads every TO_CLIENT reply.

#[path = "support/from_client.rs"]
mod from_client;
#[path = "support/vectors.rs"]
mod vectors;

use std::time::{Duration, UNIX_EPOCH};

use actors_security::STANDARD_BASE_HEX;
use actors_security::{
    centis_ceil, centis_floor, check_connect_salt, Centis, ClientReplayGuard, ServerReplayGuard,
};
use actors_security::{client_decode, server_decode};
use actors_security::{CipherKey, Security};
use from_client::joined_fragments;
use serde_json::Value;
use vectors::{load, s};

fn at(event: &Value) -> Centis {
    centis_floor(UNIX_EPOCH + Duration::from_secs_f64(event["t"].as_f64().unwrap()))
}

/// Splits a secure packet's content (without `-`/`1` prefix and `.` suffix) into
/// ciphertext digits and salt.
fn split_secure(content: &str) -> (&str, u64) {
    let (digits, salt) = content.split_at(content.len() - 15);
    (digits, salt.parse().unwrap())
}

#[test]
fn secure_session_round_trips() {
    let v = load("sprite_e2e.json");
    let server = Security::from_key_string(&format!(
        "ECxxxxx1[\"{STANDARD_BASE_HEX}\", \"{}\"]",
        s(&v, "server_scalar_hex")
    ))
    .unwrap();
    assert_eq!(
        server.public_data()["[secure] public point"],
        s(&v, "server_public_point")
    );
    let session = v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["scenario"] == "secure")
        .unwrap();
    let events = session["events"].as_array().unwrap();
    let from_client: Vec<&Value> = events
        .iter()
        .filter(|e| e["kind"] == "from_client")
        .collect();

    // Handshake: key fragment + _safe_connect.
    let (joined, connect) =
        joined_fragments(&[s(from_client[0], "value"), s(from_client[1], "value")]).unwrap();
    let key_text = server
        .derive_server_key_text(&joined, connect.salt)
        .unwrap();
    assert_eq!(key_text.as_str(), s(&session["client_state"], "client_key"));
    let key = CipherKey::from_key_text(&key_text);
    let created = at(from_client[0]) - 500;
    check_connect_salt(connect.salt, created, None, at(from_client[1])).unwrap();
    let mut server_guard = ServerReplayGuard::new(connect.salt);

    let green_flag = Duration::from_secs_f64(from_client[0]["t"].as_f64().unwrap());
    let mut client_guard = ClientReplayGuard::new(centis_ceil(UNIX_EPOCH + green_flag));
    let mut received = Vec::new();
    let mut receptions = Vec::new();
    let (mut server_buf, mut client_buf) = (String::new(), String::new());
    for event in &events[2..] {
        match event["kind"].as_str().unwrap() {
            "from_client" => {
                let raw = s(event, "value");
                let v: String = raw.chars().filter(|&c| c != '-').collect();
                let body = &v[1..v.find('.').unwrap()];
                let (digits, salt) = split_secure(body);
                server_guard.check(salt, body, at(event)).unwrap();
                server_guard.commit(salt, body);
                server_buf.push_str(&key.decrypt(&server_decode(digits).unwrap(), salt).unwrap());
                if !raw.contains('-') {
                    received.push(std::mem::take(&mut server_buf));
                }
            }
            "to_client" => {
                let raw = s(event, "value");
                let start = if raw.starts_with('-') { 2 } else { 1 };
                let (digits, salt) = split_secure(&raw[start..raw.find('.').unwrap()]);
                client_guard.accept(salt, at(event)).unwrap();
                client_buf.push_str(&key.decrypt(&client_decode(digits), salt).unwrap());
                if !raw.contains('-') {
                    receptions.push(std::mem::take(&mut client_buf));
                }
            }
            _ => {}
        }
    }
    let want_received: Vec<&str> = events
        .iter()
        .filter_map(|e| e["data"]["server_received"].as_str())
        .collect();
    let want_receptions: Vec<&str> = events
        .iter()
        .filter(|e| e["kind"] == "reception")
        .map(|e| s(e, "reception"))
        .collect();
    assert_eq!(received, want_received);
    assert_eq!(receptions, want_receptions);
    assert_eq!(received.len(), 4);
}

/// Insecure session: the sprite's receive algorithm (§4) with our `client_decode`
/// reproduces every reception, including the garbled 3-packet ones (§9 C1).
#[test]
fn insecure_session_receptions() {
    let v = load("sprite_e2e.json");
    let session = v["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["scenario"] == "insecure")
        .unwrap();
    let mut slots: Vec<String> = Vec::new();
    let mut receptions = Vec::new();
    for event in session["events"].as_array().unwrap() {
        match event["kind"].as_str().unwrap() {
            "to_client" => {
                let raw = s(event, "value");
                let dot = raw.find('.').unwrap();
                let index: usize = raw[dot + 9..].parse::<usize>().unwrap() + 1;
                let start = match (index, raw.starts_with('-')) {
                    (1, true) => 2,
                    (1, false) => 1,
                    _ => 0,
                };
                if slots.len() < index {
                    slots.resize(index, String::new());
                }
                slots[index - 1] = raw[start..dot].to_owned();
                if !raw.contains('-') {
                    receptions.push(client_decode(&slots.concat()));
                    slots.clear();
                }
            }
            "reception" => {}
            _ => {}
        }
    }
    let want: Vec<&str> = session["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "reception")
        .map(|e| s(e, "reception"))
        .collect();
    assert_eq!(receptions, want);
    assert!(
        want.iter().any(|r| r.contains("xEbkE")),
        "a garbled reception is covered"
    );
}
