//! Fixed workloads shared by the criterion benches and the `bench_ops` example that
//! `tools/python-reference/bench_compare.py` runs against the original library, so both
//! sides time exactly the same inputs. Not part of the protocol.

use crate::client::{client_handshake, PublicData};
use crate::encoding::TABLE;
use crate::keys::Security;
use crate::CipherKey;

/// Plaintext size of the throughput workloads, in characters.
pub const TEXT_LEN: usize = 64 * 1024;

/// Salt used by the cipher workloads.
pub const SALT: u64 = 177_438_113_754;

/// Key text used by the cipher workloads.
pub const KEY_TEXT: &str = "132254244129131791587141346023714020215122447223933242822161332002532112255919117311177438113728";

/// A deterministic table-only text of `len` characters.
pub fn sample_text(len: usize) -> String {
    let table: Vec<char> = TABLE.chars().collect();
    (0..len)
        .map(|i| table[(i * 7 + i / 91) % table.len()])
        .collect()
}

/// One EC or RSA handshake: client side, then the server derives the same key.
/// Panics if the two sides disagree (a benchmark on a broken handshake is meaningless).
pub fn handshake(
    server: &Security,
    public: &PublicData,
    salt: u64,
    rng: &mut impl rand::RngCore,
) -> CipherKey {
    let hs = client_handshake(public, salt, rng).expect("client handshake");
    let key = server
        .derive_server_key(&hs.fragment_payload, salt)
        .expect("server derivation");
    assert_eq!(key, hs.key, "client and server keys differ");
    key
}
