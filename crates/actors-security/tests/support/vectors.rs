//! Shared helpers of the integration tests: loading the protocol vectors.
#![allow(dead_code)]

use std::path::PathBuf;

/// Directory of the JSON vectors copied from the protocol (workspace `tests/vectors`).
pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors")
}

/// Parses one vector file; panics with the path when it is missing (tests only).
pub fn load(name: &str) -> serde_json::Value {
    let path = vectors_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read vector file {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("bad JSON in {}: {e}", path.display()))
}

/// The string at `v[key]`, or a panic naming the key.
pub fn s<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("vector field {key:?} is not a string: {}", v[key]))
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
