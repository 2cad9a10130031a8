//! The connection cipher (`CipherKey`): `decrypt` and `decrypt_as_sprite` on any ciphertext
//! and salt, and the encrypt/decrypt round trip.
//! Invariants: no panic; `decrypt(encrypt(p))` is `p` for every table-only plaintext, key,
//! salt and seed, also for the sprite's weaker check; a ciphertext `decrypt` accepts
//! re-encrypts to the same body (the cipher is deterministic given the salt).
#![no_main]
use actors_security::sanitize;
use actors_security::CipherKey;
use actors_security::MAX_SALT;
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    key: String,
    salt: u64,
    seed: u16,
    plaintext: String,
    ciphertext: String,
}

fuzz_target!(|input: Input| {
    let key = CipherKey::from_key_text(&input.key);
    let salt = input.salt % (MAX_SALT + 2); // now and then one past the limit
    if let Ok(plain) = key.decrypt(&input.ciphertext, salt) {
        let seed: u16 = input
            .ciphertext
            .split(':')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1000);
        let again = key
            .encrypt(&plain, salt, seed)
            .expect("decrypted text re-encrypts");
        let body = |c: &str| c.splitn(3, ':').nth(2).map(str::to_owned);
        assert_eq!(
            body(&again),
            body(&input.ciphertext),
            "decrypt is not encrypt's inverse"
        );
        let sprite = key
            .decrypt_as_sprite(&input.ciphertext, salt)
            .expect("sprite accepts too");
        assert_eq!(sprite, plain);
    } else {
        let _ = key.decrypt_as_sprite(&input.ciphertext, salt);
    }

    let plain = sanitize(&input.plaintext);
    match key.encrypt(&plain, salt, input.seed) {
        Ok(c) => {
            assert!(salt <= MAX_SALT);
            assert_eq!(key.decrypt(&c, salt).expect("round trip"), plain);
            assert_eq!(
                key.decrypt_as_sprite(&c, salt).expect("sprite round trip"),
                plain
            );
            if salt > 0 {
                // Another salt must not authenticate (it may only by a 91^-15 accident).
                assert!(
                    key.decrypt(&c, salt - 1).is_err(),
                    "another salt authenticated"
                );
            }
        }
        Err(_) => assert!(salt > MAX_SALT, "encrypt refused a valid salt"),
    }
});
