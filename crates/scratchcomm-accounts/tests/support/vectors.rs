//! The protocol test vectors: `tests/vectors/` at the workspace root (copied so a fresh
//! clone runs), else the shared spec folder beside the repository (`test-support`).

use serde_json::Value;

pub fn cloud_wire() -> Value {
    test_support::vectors::load("cloud_wire.json")
}
