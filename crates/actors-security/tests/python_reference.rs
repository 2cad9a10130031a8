//! Key files we write load in the original Python library (scratchcommunication 3.0.0),
//! and a reference server derives the same connection key as our client.
//!
//! Needs the venv of `tools/python-reference/setup.sh` (default `target/pyref-venv` at
//! the workspace root, or the Python given by `SCRATCHCOMM_PYREF_PYTHON`). Outside CI
//! the test is skipped with a printed reason when it is missing; with `CI` set it fails.

use std::path::PathBuf;
use std::process::Command;

use actors_security::write_key_file;
use actors_security::RsaKeys;
use actors_security::Security;
use actors_security::{client_handshake, PublicData};
use rand::SeedableRng;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference_python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("SCRATCHCOMM_PYREF_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = workspace_root().join("target/pyref-venv/bin/python");
    if venv.exists() {
        return Some(venv);
    }
    let reason = "python reference venv missing: run `bash tools/python-reference/setup.sh`";
    if std::env::var_os("CI").is_some() {
        panic!("{reason} (required when CI is set)");
    }
    eprintln!("SKIPPED: {reason}");
    None
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check(python: &PathBuf, security: &Security, label: &str) {
    let dir = std::env::temp_dir().join(format!("pyref-{}-{label}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("server.key");
    write_key_file(&path, security, true).unwrap();

    let public = PublicData::from_map(&security.public_data()).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(99);
    let salt = 177_438_110_100u64;
    let hs = client_handshake(&public, salt, &mut rng).unwrap();

    let script = workspace_root().join("tools/python-reference/check_key.py");
    let output = Command::new(python)
        .arg(&script)
        .arg(&path)
        .arg(&hs.fragment_payload)
        .arg(salt.to_string())
        .output()
        .expect("run the Python reference check");
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        output.status.success(),
        "{label}: reference refused our key file: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(got["security_type"], security.scheme(), "{label}");
    let public_data: std::collections::BTreeMap<String, String> =
        serde_json::from_value(got["public_data"].clone()).unwrap();
    assert_eq!(public_data, security.public_data(), "{label}");
    assert_eq!(got["to_string_roundtrip"], true, "{label}");
    assert_eq!(got["salt_rule_ok"], true, "{label}");
    assert_eq!(got["hashed_key_hex"], hex(&hs.key.hashed_key()), "{label}");
    let ciphertext = got["ciphertext"].as_str().unwrap();
    assert_eq!(
        hs.key.decrypt(ciphertext, salt).unwrap(),
        "Hello from the reference!",
        "{label}"
    );
}

#[test]
fn ec_key_file_loads_in_reference() {
    let Some(python) = reference_python() else {
        return;
    };
    check(&python, &Security::generate_ec(), "ec");
}

#[test]
fn rsa_key_file_loads_in_reference() {
    let Some(python) = reference_python() else {
        return;
    };
    // Full-size keys as `keygen --rsa` makes them.
    check(&python, &Security::generate_rsa(), "rsa");
    // And a smaller key, generated the same way, for a second sample.
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    check(
        &python,
        &Security::Rsa(RsaKeys::generate_with(1024, &mut rng)),
        "rsa-small",
    );
}
