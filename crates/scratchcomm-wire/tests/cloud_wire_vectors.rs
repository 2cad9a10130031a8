//! The reference library's captured frames and validation table (`cloud_wire.json`).
//!
//! Intended differences from the reference, as the issue and PROTOCOL.md §1.2 ask:
//! values always go as JSON strings (the reference sent Python ints as JSON numbers), and
//! Scratch validation accepts numerals only (`nan`, `inf`, `1_000`, ` 7 ` pass Python's
//! `float()` but are not numbers a Scratch project can use), measured on the value's
//! characters (at most 256) rather than on its JSON text.

use scratchcomm_wire::{
    is_plain_decimal, parse_batch, ClientMessage, CloudValue, ProjectId, ValueRules,
};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/vectors/cloud_wire.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).expect("valid JSON")
}

#[test]
fn handshake_frames_are_byte_exact() {
    let v = vectors();
    let scratch = ClientMessage::Handshake {
        user: "server_bot".into(),
        project_id: ProjectId::scratch("123456789").unwrap().to_json(true),
    };
    assert_eq!(
        scratch.to_frame(),
        v["scratch_connect"]["frames_sent"][0].as_str().unwrap()
    );
    let tw = ClientMessage::Handshake {
        user: "player1000".into(),
        project_id: ProjectId::new("123456789").unwrap().to_json(false),
    };
    assert_eq!(
        tw.to_frame(),
        v["turbowarp_connect"]["frames_sent"][0].as_str().unwrap()
    );
}

#[test]
fn set_frames_match_where_the_value_is_a_string() {
    let v = vectors();
    let tw = ClientMessage::Set {
        name: "☁ msg".into(),
        value: "hello".into(),
        user: "player1000".into(),
        project_id: ProjectId::new("123456789").unwrap().to_json(false),
    };
    assert_eq!(
        tw.to_frame(),
        v["turbowarp_connect"]["set_frames"][0].as_str().unwrap()
    );
    let scratch = ClientMessage::Set {
        name: "☁ score".into(),
        value: "3.14".into(),
        user: "server_bot".into(),
        project_id: ProjectId::scratch("123456789").unwrap().to_json(true),
    };
    assert_eq!(
        scratch.to_frame(),
        v["scratch_set_frames"][1].as_str().unwrap()
    );
    // The reference's `42` frame differs only in the value's JSON type.
    let int = ClientMessage::Set {
        name: "☁ score".into(),
        value: CloudValue::from(42),
        user: "server_bot".into(),
        project_id: ProjectId::scratch("123456789").unwrap().to_json(true),
    };
    let reference = v["scratch_set_frames"][0].as_str().unwrap();
    assert_eq!(
        int.to_frame(),
        reference.replace("\"value\": 42", "\"value\": \"42\"")
    );
}

#[test]
fn server_batch_example() {
    let v = vectors();
    let ex = &v["server_batch_example"];
    let ups: Vec<_> = parse_batch(ex["frame"].as_str().unwrap())
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let expected = ex["events"].as_array().unwrap();
    assert_eq!(ups.len(), expected.len());
    for (u, e) in ups.iter().zip(expected) {
        assert_eq!(u.name, e["var"].as_str().unwrap());
        let want = match &e["value"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        assert_eq!(u.value.as_ref().unwrap().as_str(), want);
    }
}

#[test]
fn validation_table() {
    // The original library's own table. We deviate on purpose wherever it accepts a text the
    // servers do not relay (TurboWarp's `isValidVariableValue`, the same grammar on Scratch):
    // exponents, `nan`, `inf`, spaces, `_`. Everything else must agree.
    let v = vectors();
    let mut deviations = 0;
    for row in v["verify_value"].as_array().unwrap() {
        let Value::String(text) = &row["value"] else {
            continue; // numbers/booleans: the Rust API takes text or Rust numbers
        };
        let value = CloudValue::new(text.clone());
        let tw_strings = ValueRules::any_string(Some(100_000))
            .check("x", &value)
            .is_ok();
        assert_eq!(tw_strings, row["turbowarp_accept_strs"] == "ok", "{text:?}");
        let scratch_ok = ValueRules::scratch().check("x", &value).is_ok();
        let tw_ok = ValueRules::turbowarp().check("x", &value).is_ok();
        let n = text.chars().count();
        assert_eq!(scratch_ok, is_plain_decimal(text) && n <= 256, "{text:?}");
        assert_eq!(tw_ok, is_plain_decimal(text) && n <= 100_000, "{text:?}");
        if !is_plain_decimal(text) {
            assert!(!scratch_ok && !tw_ok, "{text:?} is refused on purpose");
            deviations += usize::from(row["turbowarp_default"] == "ok");
        } else if text.is_empty() {
            // TurboWarp relays "" (its grammar allows it); the original refuses it on both.
            assert!(scratch_ok && tw_ok);
        } else if text.len() > 250 {
            // Long numerals: limit counts value characters, not JSON text.
            assert!(tw_ok);
        } else {
            assert_eq!(scratch_ok, row["scratch"] == "ok", "scratch {text:?}");
            assert_eq!(
                tw_ok,
                row["turbowarp_default"] == "ok",
                "turbowarp {text:?}"
            );
        }
    }
    assert!(
        deviations > 0,
        "the table has exponent forms the original accepts"
    );
}
