//! The protocol test vectors: `tests/vectors/` at the workspace root (copied so a fresh
//! clone runs), else the shared spec folder beside the repository.

use serde_json::Value;
use std::path::PathBuf;

pub fn cloud_wire() -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let candidates = [
        root.join("tests/vectors/cloud_wire.json"),
        root.join("../shared/protocol/vectors/cloud_wire.json"),
    ];
    let path = candidates
        .iter()
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("cloud_wire.json not found in {candidates:?}"));
    let text = std::fs::read_to_string(path).expect("read cloud_wire.json");
    serde_json::from_str(&text).expect("cloud_wire.json is JSON")
}
