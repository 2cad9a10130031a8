//! Criterion benches: encode, decode, encrypt, decrypt (throughput in bytes of
//! plaintext), EC and RSA handshakes (per operation). Compare with the original Python
//! library with `python3 tools/python-reference/bench_compare.py`.

// criterion_group! makes a public function without docs.
#![allow(missing_docs)]

use actors_security::workload::{handshake, sample_text, KEY_TEXT, SALT, TEXT_LEN};
use actors_security::PublicData;
use actors_security::{client_decode, client_encode, server_decode, server_encode};
use actors_security::{CipherKey, Security};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use rand::SeedableRng;

fn encoding(c: &mut Criterion) {
    let text = sample_text(TEXT_LEN);
    let digits = server_encode(&text);
    let mut group = c.benchmark_group("encoding");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("server_encode", |b| {
        b.iter(|| server_encode(black_box(&text)))
    });
    group.bench_function("server_decode", |b| {
        b.iter(|| server_decode(black_box(&digits[1..])).unwrap())
    });
    group.bench_function("client_encode", |b| {
        b.iter(|| client_encode(black_box(&text)))
    });
    group.bench_function("client_decode", |b| {
        b.iter(|| client_decode(black_box(&digits[1..])))
    });
    group.finish();
}

fn cipher(c: &mut Criterion) {
    let text = sample_text(TEXT_LEN);
    let key = CipherKey::from_key_text(KEY_TEXT);
    let ciphertext = key.encrypt(&text, SALT, 4321).unwrap();
    let mut group = c.benchmark_group("cipher");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("encrypt", |b| {
        b.iter(|| key.encrypt(black_box(&text), SALT, 4321).unwrap())
    });
    group.bench_function("decrypt", |b| {
        b.iter(|| key.decrypt(black_box(&ciphertext), SALT).unwrap())
    });
    group.finish();
}

fn handshakes(c: &mut Criterion) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut group = c.benchmark_group("handshake");
    for (name, server) in [
        ("ec", Security::generate_ec()),
        ("rsa", Security::generate_rsa()),
    ] {
        let public = PublicData::from_map(&server.public_data()).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| handshake(&server, &public, SALT, &mut rng))
        });
    }
    group.finish();
}

criterion_group!(benches, encoding, cipher, handshakes);
criterion_main!(benches);
