//! The protocol's JSON test vectors, for every crate's tests: the copy in the repository's
//! `tests/vectors/` (so a fresh clone runs), else the spec folder `../shared/protocol/vectors/`.

use crate::paths::repo_root;
use std::path::PathBuf;

/// Where vector file `name` is: `tests/vectors/<name>` if present, else
/// `../shared/protocol/vectors/<name>`. Panics naming both places when neither has it.
pub fn vector_path(name: &str) -> PathBuf {
    let root = repo_root();
    let candidates = [
        root.join("tests/vectors").join(name),
        root.join("../shared/protocol/vectors").join(name),
    ];
    candidates
        .iter()
        .find(|p| p.exists())
        .cloned()
        .unwrap_or_else(|| panic!("vector file {name} not found in {candidates:?}"))
}

/// Parses vector file `name`; panics with its path when it is missing or not JSON.
pub fn load(name: &str) -> serde_json::Value {
    let path = vector_path(name);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_reads_a_vector() {
        let doc = load("cloud_wire.json");
        assert!(doc.is_object(), "cloud_wire.json is a JSON object");
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        let v = serde_json::json!({"a": "x", "b": 1});
        assert_eq!(s(&v, "a"), "x");
    }

    #[test]
    #[should_panic(expected = "not found")]
    fn a_missing_vector_names_where_it_looked() {
        vector_path("no-such-vector.json");
    }
}
