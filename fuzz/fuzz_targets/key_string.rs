//! Key strings (`Security::from_key_string`, `ECxxxxx1[..]` / `RSAxxxx1[..]`), the server side
//! of a key exchange on the loaded key (`derive_server_key_text`, fed any fragment text), and
//! the public data a client reads from the stage (`PublicData::from_map`).
//! Input: `key string \0 joined fragments \0 name=value lines`.
//! Invariants: no panic; a key that loads writes a key string that loads to the same key
//! (to_key_string is a fixed point) and public data that `PublicData::from_map` accepts.
#![no_main]
use actors_security::PublicData;
use actors_security::Security;
use libfuzzer_sys::fuzz_target;
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let text = scratchcomm_fuzz::text(data);
    let mut parts = text.splitn(3, '\0');
    let key_text = parts.next().unwrap_or_default();
    let joined = parts.next().unwrap_or_default();
    let public = parts.next().unwrap_or_default();

    if let Ok(security) = Security::from_key_string(key_text) {
        let written = security.to_key_string();
        let again = Security::from_key_string(&written).expect("a written key string loads");
        assert_eq!(
            *again.to_key_string(),
            *written,
            "key string is not a fixed point"
        );
        let map = security.public_data();
        PublicData::from_map(&map).expect("our public data is readable by a client");
        let small = match &security {
            Security::Rsa(k) => k.modulus().bits() <= 4_200,
            _ => true,
        };
        if small {
            let salt = joined.len() as u64 * 7_919;
            let _ = security.derive_server_key_text(joined, salt);
            let _ = security.derive_server_key(joined, 177_000_000_000);
        }
    }

    let map: BTreeMap<String, String> = public
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let _ = PublicData::from_map(&map);
});
