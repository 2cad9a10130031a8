//! Times the security operations on the shared workloads and prints one JSON object:
//! operation -> {"seconds_per_op", "bytes_per_op"}. Run in release mode by
//! `tools/python-reference/bench_compare.py`, which times the original Python library on
//! the same inputs in the same run. Usage: `bench_ops [SECONDS_PER_OPERATION]`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use actors_security::workload::{handshake, sample_text, KEY_TEXT, SALT, TEXT_LEN};
use actors_security::PublicData;
use actors_security::{server_decode, server_encode};
use actors_security::{CipherKey, Security};
use rand::SeedableRng;

/// Runs `f` repeatedly for about `budget` and returns the mean seconds per call.
fn time(budget: Duration, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget || n < 3 {
        f();
        n += 1;
    }
    start.elapsed().as_secs_f64() / n as f64
}

fn main() {
    let budget = std::env::args()
        .nth(1)
        .and_then(|s| s.parse::<f64>().ok())
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(1));
    let text = sample_text(TEXT_LEN);
    let digits = server_encode(&text);
    let key = CipherKey::from_key_text(KEY_TEXT);
    let ciphertext = key.encrypt(&text, SALT, 4321).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let ec = Security::generate_ec();
    let ec_public = PublicData::from_map(&ec.public_data()).unwrap();
    let rsa = Security::generate_rsa();
    let rsa_public = PublicData::from_map(&rsa.public_data()).unwrap();

    let bytes = text.len() as f64;
    let mut results: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    results.insert(
        "encode",
        (
            time(budget, || {
                black_box(server_encode(black_box(&text)));
            }),
            bytes,
        ),
    );
    results.insert(
        "decode",
        (
            time(budget, || {
                black_box(server_decode(black_box(&digits[1..])).unwrap());
            }),
            bytes,
        ),
    );
    results.insert(
        "encrypt",
        (
            time(budget, || {
                black_box(key.encrypt(black_box(&text), SALT, 4321).unwrap());
            }),
            bytes,
        ),
    );
    results.insert(
        "decrypt",
        (
            time(budget, || {
                black_box(key.decrypt(black_box(&ciphertext), SALT).unwrap());
            }),
            bytes,
        ),
    );
    results.insert(
        "ec_handshake",
        (
            time(budget, || {
                black_box(handshake(&ec, &ec_public, SALT, &mut rng));
            }),
            0.0,
        ),
    );
    results.insert(
        "rsa_handshake",
        (
            time(budget, || {
                black_box(handshake(&rsa, &rsa_public, SALT, &mut rng));
            }),
            0.0,
        ),
    );

    let json: BTreeMap<&str, serde_json::Value> = results
        .into_iter()
        .map(|(k, (s, b))| {
            (
                k,
                serde_json::json!({"seconds_per_op": s, "bytes_per_op": b}),
            )
        })
        .collect();
    println!("{}", serde_json::to_string(&json).unwrap());
}
