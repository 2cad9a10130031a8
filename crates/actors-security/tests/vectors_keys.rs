//! `ec_handshake.json`, `rsa_handshake.json`, `security_storage.json` and
//! `sprite_capture.json` (PROTOCOL.md §6, §7).

#[path = "support/from_client.rs"]
mod from_client;
#[path = "support/vectors.rs"]
mod vectors;

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use actors_security::client_random_digits;
use actors_security::parse_hex32;
use actors_security::server_decode;
use actors_security::{centis_floor, check_connect_salt};
use actors_security::{ec_handshake_with_scalar, rsa_handshake_with_digits, PublicData};
use actors_security::{CipherKey, Security, SecurityErrorKind};
use from_client::joined_fragments;
use num_bigint::BigUint;
use vectors::{hex, load, s};

/// A public-data object of a vector as the string map `public_data()` returns. JSON
/// numbers lose precision in `serde_json::Value`, so the RSA modulus (the only huge
/// number) is read from the raw text of `file`.
fn string_map(v: &serde_json::Value, file: &str) -> BTreeMap<String, String> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.clone(),
                _ if k == "[secure] public modulus" => raw_modulus(file),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// The digits after `"[secure] public modulus": ` in the raw vector file (all
/// occurrences must agree).
fn raw_modulus(file: &str) -> String {
    let text = std::fs::read_to_string(test_support::vectors::vector_path(file)).unwrap();
    let marker = "\"[secure] public modulus\": ";
    let found: Vec<String> = text
        .match_indices(marker)
        .map(|(i, _)| {
            text[i + marker.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect()
        })
        .collect();
    assert!(!found.is_empty() && found.iter().all(|m| m == &found[0] && m.len() > 300));
    found[0].clone()
}

fn scalar(v: &serde_json::Value, key: &str) -> [u8; 32] {
    parse_hex32(s(v, key), key, SecurityErrorKind::InvalidKeyData).unwrap()
}

fn check_ec_handshake(server: &Security, public: &PublicData, case: &serde_json::Value) {
    let salt: u64 = s(case, "activity_id").parse().unwrap();
    let hs = ec_handshake_with_scalar(public, salt, &scalar(case, "client_scalar_hex")).unwrap();
    assert_eq!(hs.fragment_payload, s(case, "encrypted_client_key"));
    assert_eq!(hex(&hs.key.hashed_key()), s(case, "hashed_key_hex"));
    assert_eq!(hs.key, CipherKey::from_key_text(s(case, "client_key")));

    let values: Vec<&str> = case["from_client_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let (joined, connect) = joined_fragments(&values).expect("all fragments present");
    assert_eq!(joined, s(case, "encrypted_client_key"));
    assert_eq!(connect.client_id, s(case, "client_id"));
    assert_eq!(connect.salt, salt);
    let ids: Vec<&str> = case["fragment_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(connect.fragment_ids, ids);
    let text = server
        .derive_server_key_text(&joined, connect.salt)
        .unwrap();
    assert_eq!(text.as_str(), s(case, "client_key"));
    assert_eq!(
        server.derive_server_key(&joined, connect.salt).unwrap(),
        hs.key
    );
}

#[test]
fn ec_handshake_vectors() {
    let v = load("ec_handshake.json");
    let server = Security::from_key_string(s(&v["server"], "security_to_string")).unwrap();
    assert_eq!(
        server.public_data(),
        string_map(&v["server"]["public_data"], "ec_handshake.json")
    );
    assert_eq!(
        server.to_key_string().as_str(),
        s(&v["server"], "security_to_string")
    );
    let public = PublicData::from_map(&server.public_data()).unwrap();

    let case = &v["handshake"];
    check_ec_handshake(&server, &public, case);
    let side = &case["server_side"];
    assert_eq!(s(side, "joined_fragments"), s(case, "encrypted_client_key"));
    assert_eq!(
        server_decode(&s(side, "joined_fragments")[15..]).unwrap(),
        s(side, "decoded_client_point_hex")
    );
    assert_eq!(
        server
            .derive_server_key_text(s(side, "joined_fragments"), 177_438_110_100)
            .unwrap()
            .as_str(),
        s(side, "integer_key_decimal")
    );
    check_ec_handshake(
        &server,
        &public,
        &v["handshake_multi_fragment_packet_size_64"],
    );
}

#[test]
fn ec_negative_cases() {
    let v = load("ec_handshake.json");
    let server = Security::from_key_string(s(&v["server"], "security_to_string")).unwrap();
    for case in v["negative_cases"].as_array().unwrap() {
        let name = s(case, "case");
        let values: Vec<&str> = case["from_client_values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let clock = centis_floor(
            UNIX_EPOCH + Duration::from_secs_f64(case["server_clock"].as_f64().unwrap()),
        );
        let registered = case["client_registered"].as_bool().unwrap();
        let Some((joined, connect)) = joined_fragments(&values) else {
            assert!(!registered, "{name}: fragments missing but registered");
            continue;
        };
        // The socket was created before the control salt, except in the "not newer than
        // socket start" case, where it was created at the server clock.
        let created = if name.contains("socket start") {
            clock
        } else {
            connect.salt - 100
        };
        let fresh = check_connect_salt(connect.salt, created, None, clock);
        let derived = server.derive_server_key(&joined, connect.salt);
        assert_eq!(fresh.is_ok() && derived.is_ok(), registered, "{name}");
    }
}

#[test]
fn rsa_handshake_vectors() {
    let v = load("rsa_handshake.json");
    let srv = &v["server"];
    let server = Security::from_key_string(s(srv, "security_to_string")).unwrap();
    assert_eq!(
        server.to_key_string().as_str(),
        s(srv, "security_to_string")
    );
    assert_eq!(
        server.public_data(),
        string_map(&srv["public_data"], "rsa_handshake.json")
    );
    let p = BigUint::parse_bytes(s(srv, "p").as_bytes(), 10).unwrap();
    let q = BigUint::parse_bytes(s(srv, "q").as_bytes(), 10).unwrap();
    let Security::Rsa(keys) = &server else {
        panic!("not RSA")
    };
    assert_eq!(&(&p * &q), keys.modulus());
    assert_eq!(
        keys.private_exponent_text().as_str(),
        s(srv, "private_exponent")
    );

    let case = &v["handshake"];
    let public = PublicData::from_map(&server.public_data()).unwrap();
    let salt: u64 = s(case, "activity_id").parse().unwrap();
    let digits = s(case, "csprng_digits");
    let n_digits = keys.modulus().to_str_radix(10).len();
    let want_len = case["csprng_length"].as_u64().unwrap() as usize;
    assert_eq!(
        client_random_digits(n_digits, keys.public_exponent(), salt.to_string().len()),
        want_len
    );
    assert_eq!(digits.len(), want_len);
    let hs = rsa_handshake_with_digits(&public, salt, digits).unwrap();
    assert_eq!(hs.fragment_payload, s(case, "encrypted_client_key"));
    assert_eq!(hex(&hs.key.hashed_key()), s(case, "hashed_key_hex"));

    let values: Vec<&str> = case["from_client_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let (joined, connect) = joined_fragments(&values).unwrap();
    assert_eq!(connect.client_id, s(case, "client_id"));
    let text = server
        .derive_server_key_text(&joined, connect.salt)
        .unwrap();
    assert_eq!(text.as_str(), s(case, "client_key"));
    assert_eq!(
        server.derive_server_key(&joined, connect.salt).unwrap(),
        hs.key
    );
    let err = server
        .derive_server_key(&joined, connect.salt + 1)
        .unwrap_err();
    assert_eq!(err.kind(), SecurityErrorKind::HandshakeRejected);
}

#[test]
fn storage_vectors() {
    let v = load("security_storage.json");
    let three_element = load("ec_handshake.json")["server"]["security_to_string"].clone();
    for entry in v["entries"].as_array().unwrap() {
        let text = s(entry, "to_string");
        let sec = Security::from_key_string(text).unwrap();
        assert_eq!(sec.scheme(), s(entry, "security_type"));
        assert_eq!(
            sec.public_data(),
            string_map(&entry["public_data"], "security_storage.json"),
            "{}",
            entry["label"]
        );
        let written = sec.to_key_string();
        if sec.scheme() == "EC" {
            // Always written in the 3-element form the reference CloudSocket requires.
            assert_eq!(written.as_str(), three_element.as_str().unwrap());
        } else {
            assert_eq!(written.as_str(), text);
        }
        let again = Security::from_key_string(&written).unwrap();
        assert_eq!(again.public_data(), sec.public_data());
    }
    for case in v["from_string_errors"].as_array().unwrap() {
        let err = Security::from_key_string(s(case, "input")).unwrap_err();
        assert_eq!(err.kind(), SecurityErrorKind::UnknownFormat);
    }
    let shape = &v["generate_ec_shape"];
    let generated = Security::generate_ec().public_data();
    assert_eq!(generated["[secure] public base"], s(shape, "base"));
}

#[test]
fn sprite_capture_vectors() {
    let v = load("sprite_capture.json");
    let mut map = BTreeMap::new();
    map.insert(
        "[secure] public base".to_owned(),
        s(&v, "public_base").to_owned(),
    );
    map.insert(
        "[secure] public point".to_owned(),
        s(&v, "server_public_point").to_owned(),
    );
    map.insert("[secure] key exchange scheme".to_owned(), "EC".to_owned());
    let public = PublicData::from_map(&map).unwrap();
    let salt: u64 = s(&v, "connect_activity_id").parse().unwrap();
    let hs = ec_handshake_with_scalar(&public, salt, &scalar(&v, "client_scalar_hex")).unwrap();
    assert_eq!(hs.fragment_payload, s(&v, "encrypted_client_key"));
    assert_eq!(hs.key, CipherKey::from_key_text(s(&v, "client_key")));
    let hashed: Vec<u64> = hs.key.hashed_key().iter().map(|&b| b.into()).collect();
    let want: Vec<u64> = v["hashed_key"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap())
        .collect();
    assert_eq!(hashed, want);
    assert!(s(&v, "sha256_of_last_53_hex").starts_with(&hex(&hs.key.hashed_key())));

    for (value_key, cipher_key, plain_key) in [
        (
            "from_client_value",
            "from_client_encrypted_text",
            "from_client_plaintext",
        ),
        (
            "to_client_1_value",
            "to_client_1_encrypted_text",
            "to_client_1_plaintext",
        ),
    ] {
        let value = s(&v, value_key);
        let body = &value[1..value.find('.').unwrap()];
        let (digits, salt_digits) = body.split_at(body.len() - 15);
        let salt: u64 = salt_digits.parse().unwrap();
        let ciphertext = server_decode(digits).unwrap();
        assert_eq!(ciphertext, s(&v, cipher_key));
        assert_eq!(hs.key.decrypt(&ciphertext, salt).unwrap(), s(&v, plain_key));
        assert_eq!(
            hs.key.decrypt(&ciphertext, salt + 1).unwrap_err().kind(),
            SecurityErrorKind::BadMessage
        );
    }
}
