//! A minimal test-only reader of FROM_CLIENT values (§3.4, §3.5 steps 1–3 and 6), used to
//! feed the handshake vectors through `Security::derive_server_key_text`. The real
//! framing lives in the socket crate.
#![allow(dead_code)]

use std::collections::HashMap;

use actors_security::server_decode;

/// The parsed `_safe_connect:` packet: client id, fragment ids and salt.
pub struct SafeConnect {
    pub client_id: String,
    pub fragment_ids: Vec<String>,
    pub salt: u64,
}

/// Feeds `values` in order: stores key fragments, returns the joined fragments and the
/// connect packet of the last `_safe_connect:` value (None if a fragment is missing).
pub fn joined_fragments(values: &[&str]) -> Option<(String, SafeConnect)> {
    let mut fragments: HashMap<String, String> = HashMap::new();
    let mut result = None;
    for raw in values {
        let v: String = raw.chars().filter(|&c| c != '-').collect();
        let (head, tail) = v.split_once('.').expect("value has a '.'");
        let body = &head[1..];
        if v.starts_with('0') {
            fragments
                .entry(body[..5].to_owned())
                .or_insert_with(|| body[5..].to_owned());
            continue;
        }
        let decoded = server_decode(&body[..28]).expect("connect head decodes");
        assert!(
            decoded.starts_with("_safe_connect:"),
            "not a safe connect: {decoded}"
        );
        let ids_part = &body[28..body.len() - 15];
        let fragment_ids: Vec<String> = ids_part
            .as_bytes()
            .chunks(5)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        let salt: u64 = body[body.len() - 15..].parse().unwrap();
        let joined: Option<String> = fragment_ids
            .iter()
            .map(|id| fragments.get(id).cloned())
            .collect();
        result = joined.map(|j| {
            (
                j,
                SafeConnect {
                    client_id: tail[..5].to_owned(),
                    fragment_ids,
                    salt,
                },
            )
        });
    }
    result
}
