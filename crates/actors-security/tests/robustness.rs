//! Property tests: every decode, decrypt and parse path returns a value or an error on
//! arbitrary input and never panics (CONTRIBUTING: never panic on bad input).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use actors_security::PublicData;
use actors_security::{check_connect_salt, ClientReplayGuard, ServerReplayGuard};
use actors_security::{client_decode, client_encode, sanitize, server_decode, server_encode};
use actors_security::{CipherKey, Security};
use proptest::prelude::*;

fn ec_server() -> &'static Security {
    static S: OnceLock<Security> = OnceLock::new();
    S.get_or_init(Security::generate_ec)
}

fn rsa_server() -> &'static Security {
    static S: OnceLock<Security> = OnceLock::new();
    // A fixed 1024-bit key from the vectors keeps the test fast.
    S.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/vectors/rsa_handshake.json"
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        Security::from_key_string(v["server"]["security_to_string"].as_str().unwrap()).unwrap()
    })
}

fn table_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        proptest::sample::select(actors_security::TABLE.chars().collect::<Vec<_>>()),
        0..200,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn decoders_never_panic(text in any::<String>(), digits in "[0-9]{0,300}") {
        let _ = server_decode(&text);
        let _ = client_decode(&text);
        let decoded = server_decode(&digits).unwrap();
        prop_assert!(decoded.chars().count() <= digits.len() / 2);
        prop_assert_eq!(client_decode(&digits).chars().count(), digits.len().div_ceil(2));
    }

    #[test]
    fn encode_decode_round_trip(text in any::<String>()) {
        let clean = sanitize(&text);
        let encoded = server_encode(&text);
        prop_assert_eq!(server_decode(&encoded[1..]).unwrap(), clean.clone());
        let sprite = client_encode(&text);
        prop_assert!(sprite.bytes().all(|b| b.is_ascii_digit()));
        prop_assert_eq!(sprite.len(), 2 * text.encode_utf16().count());
        if text.chars().all(|c| c.len_utf16() == 1) {
            prop_assert_eq!(client_decode(&sprite), clean);
        }
    }

    #[test]
    fn decrypt_never_panics(text in any::<String>(), digits in "[0-9:]{0,60}", salt in any::<u64>()) {
        let key = CipherKey::from_key_text("123456789");
        let _ = key.decrypt(&text, salt);
        let _ = key.decrypt(&digits, salt);
        let _ = key.decrypt_as_sprite(&text, salt);
        let _ = key.decrypt_as_sprite(&digits, salt);
        let _ = key.decrypt_as_sprite(&format!("1:0:{text}"), salt);
        let _ = key.decrypt(&format!("1234:{}:{text}", text.chars().count().saturating_sub(15)), salt);
    }

    #[test]
    fn cipher_round_trip(plain in table_text(), salt in 0u64..=999_999_999_999_999, seed in 1000u16..=9998) {
        let key = CipherKey::from_key_text("9876543210");
        let c = key.encrypt(&plain, salt, seed).unwrap();
        prop_assert_eq!(key.decrypt(&c, salt).unwrap(), plain);
        prop_assert!(key.decrypt(&c, salt ^ 1).is_err());
    }

    #[test]
    fn key_strings_never_panic(text in any::<String>(), digits in "[0-9, \\[\\]]{0,80}") {
        let _ = Security::from_key_string(&text);
        let _ = Security::from_key_string(&format!("ECxxxxx1{text}"));
        let _ = Security::from_key_string(&format!("RSAxxxx1{text}"));
        let _ = Security::from_key_string(&format!("RSAxxxx1{digits}"));
        let _ = Security::from_key_string(&format!("ECxxxxx1[\"{text}\", \"{digits}\"]"));
    }

    #[test]
    fn server_derivation_never_panics(text in any::<String>(), digits in "[0-9]{0,400}", salt in any::<u64>()) {
        for server in [ec_server(), rsa_server()] {
            let _ = server.derive_server_key(&text, salt);
            let _ = server.derive_server_key(&digits, salt);
        }
    }

    #[test]
    fn public_data_never_panics(scheme in any::<String>(), a in any::<String>(), b in "[0-9a-fA-F]{0,70}") {
        let names = ["[secure] public base", "[secure] public point", "[secure] public exponent", "[secure] public modulus"];
        let mut map = BTreeMap::new();
        map.insert("[secure] key exchange scheme".to_owned(), scheme);
        for (i, name) in names.iter().enumerate() {
            map.insert((*name).to_owned(), if i % 2 == 0 { a.clone() } else { b.clone() });
        }
        let _ = PublicData::from_map(&map);
        map.insert("[secure] key exchange scheme".to_owned(), "EC".to_owned());
        let _ = PublicData::from_map(&map);
    }

    #[test]
    fn replay_guards_never_panic(salt in any::<u64>(), now in any::<u64>(), created in any::<u64>()) {
        let _ = check_connect_salt(salt, created, Some(now), now);
        let mut s = ServerReplayGuard::new(created);
        if s.check(salt, "body", now).is_ok() {
            s.commit(salt, "body");
        }
        let mut c = ClientReplayGuard::new(now);
        c.begin_recv(now);
        let _ = c.accept(salt, now);
    }
}
