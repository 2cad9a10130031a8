//! `encoding.json` and `symmetric_encryption.json` (PROTOCOL.md §3.2, §7).

#[path = "support/vectors.rs"]
mod common;

use actors_security::{client_decode, client_encode, server_decode, server_encode, TABLE};
use actors_security::{salt_pairs, salt_text};
use actors_security::{CipherKey, SecurityErrorKind};
use common::{hex, load, s};

#[test]
fn table_matches_vector() {
    let v = load("encoding.json");
    let table = v["table"].as_array().unwrap();
    assert_eq!(table.len(), 91);
    for (i, (entry, c)) in table.iter().zip(TABLE.chars()).enumerate() {
        assert_eq!(s(entry, "char"), c.to_string(), "table entry {i}");
        assert_eq!(s(entry, "code"), format!("{:02}", i + 1));
        assert_eq!(server_encode(&c.to_string()), format!("1{:02}", i + 1));
    }
}

#[test]
fn samples_match_vector() {
    let v = load("encoding.json");
    for sample in v["samples"].as_array().unwrap() {
        let text = s(sample, "text");
        let encoded = server_encode(text);
        assert_eq!(
            encoded,
            s(sample, "server_encode"),
            "server_encode {text:?}"
        );
        assert_eq!(
            server_decode(&encoded[1..]).unwrap(),
            s(sample, "server_decode_of_encoded_without_leading_1"),
            "server_decode {text:?}"
        );
        let sprite = client_encode(text);
        assert_eq!(sprite, s(sample, "sprite_encode"), "client_encode {text:?}");
        assert_eq!(
            client_decode(&sprite),
            s(sample, "sprite_decode_of_sprite_encode")
        );
    }
}

#[test]
fn decode_edge_cases_match_vector() {
    let v = load("encoding.json");
    for case in v["decode_edge_cases"].as_array().unwrap() {
        let digits = s(case, "digits");
        assert_eq!(
            server_decode(digits).unwrap(),
            s(case, "server_decode"),
            "{digits}"
        );
        assert_eq!(client_decode(digits), s(case, "sprite_decode"), "{digits}");
    }
}

#[test]
fn cipher_vectors() {
    let v = load("symmetric_encryption.json");
    let cases = v["vectors"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let key = CipherKey::from_key_text(s(case, "key_decimal"));
        let salt = case["salt"].as_u64().unwrap();
        assert_eq!(hex(&key.hashed_key()), s(case, "hashed_key_hex"));
        assert_eq!(salt_text(salt).unwrap(), s(case, "salt_15_digits"));
        let pairs: Vec<u64> = salt_pairs(salt)
            .unwrap()
            .iter()
            .map(|&p| p.into())
            .collect();
        let want: Vec<u64> = case["salt_pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_u64().unwrap())
            .collect();
        assert_eq!(pairs, want);
        assert_eq!(hex(&key.aes_key(salt).unwrap()[..]), s(case, "aes_key_hex"));
        let stream: Vec<u64> = key
            .keystream(salt, 32)
            .unwrap()
            .iter()
            .map(|&b| b.into())
            .collect();
        let want: Vec<u64> = case["keystream_first_32"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap())
            .collect();
        assert_eq!(stream, want);
        let seed = u16::try_from(case["seed"].as_u64().unwrap()).unwrap();
        let plaintext = s(case, "plaintext");
        let ciphertext = key.encrypt(plaintext, salt, seed).unwrap();
        assert_eq!(ciphertext, s(case, "ciphertext"));
        assert_eq!(
            server_encode(&ciphertext),
            s(case, "server_encoded_ciphertext")
        );
        assert_eq!(key.decrypt(&ciphertext, salt).unwrap(), plaintext);
    }
}

#[test]
fn cipher_failures() {
    let v = load("symmetric_encryption.json");
    for case in v["decrypt_failures"].as_array().unwrap() {
        let key = CipherKey::from_key_text(s(case, "key_decimal"));
        let salt = case["salt"].as_u64().unwrap();
        let got = key.decrypt(s(case, "ciphertext"), salt);
        match case.get("result") {
            Some(result) => assert_eq!(got.unwrap(), result.as_str().unwrap(), "{}", case["case"]),
            None => assert_eq!(
                got.unwrap_err().kind(),
                SecurityErrorKind::BadMessage,
                "{}",
                case["case"]
            ),
        }
    }
    let unknown = &v["encrypt_unknown_character"];
    let err = CipherKey::from_key_text("1")
        .encrypt(s(unknown, "plaintext"), 5, 1000)
        .unwrap_err();
    assert_eq!(err.kind(), SecurityErrorKind::CharacterNotInTable);
}
