//! Textbook RSA server keys with public exponent 3 (docs/protocol.md §6.1, §6.3), on RustCrypto's
//! `rsa` crate: key generation (`RsaPrivateKey::new_with_exp`) and the raw operations
//! (`rsa::hazmat::rsa_encrypt`, `rsa_decrypt_and_check` with blinding).
//!
//! Keys are stored as the reference stores them, `[e, d, n]` without the primes; the `rsa`
//! crate only recovers primes for `e > 2^16`, so a loaded key is kept as its three numbers
//! ([`RsaKeys`] implements the crate's key traits without CRT values), which is all the
//! raw operations need.
//!
//! The public API speaks `num_bigint::BigUint` (what the rest of the crate and the
//! client's public data use); the `rsa` crate's own big integers stay inside this module.

use std::fmt;

use num_bigint::BigUint;
use num_traits::{ToPrimitive, Zero};
use rand::rngs::OsRng;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{SecurityError, SecurityErrorKind};

/// Modulus size of new keys: the reference draws two 130-byte primes (`create_new_keys(130)`),
/// so its moduli have at most 2080 bits; ours have exactly 2080.
pub const MODULUS_BITS: usize = 2080;

/// The public exponent the reference always uses.
pub const PUBLIC_EXPONENT: u32 = 3;

type DigUint = rsa::BigUint;

fn to_dig(x: &BigUint) -> DigUint {
    DigUint::from_bytes_le(&x.to_bytes_le())
}

fn from_dig(x: &DigUint) -> BigUint {
    BigUint::from_bytes_le(&x.to_bytes_le())
}

/// `m^e mod n` through `rsa::hazmat::rsa_encrypt`: what a client does with the server's
/// public data (§6.3). A zero modulus gives zero (no panic).
pub fn raw_encrypt(m: &BigUint, exponent: &BigUint, modulus: &BigUint) -> BigUint {
    if modulus.is_zero() {
        return BigUint::zero();
    }
    let key = PublicParts {
        n: to_dig(modulus),
        e: to_dig(exponent),
    };
    // rsa_encrypt is infallible in rsa 0.9 (a plain modular power).
    rsa::hazmat::rsa_encrypt(&key, &to_dig(m))
        .map(|c| from_dig(&c))
        .unwrap_or_else(|_| m.modpow(exponent, modulus))
}

struct PublicParts {
    n: DigUint,
    e: DigUint,
}

impl PublicKeyParts for PublicParts {
    fn n(&self) -> &DigUint {
        &self.n
    }
    fn e(&self) -> &DigUint {
        &self.e
    }
}

/// RSA server key data: public exponent, private exponent and modulus.
///
/// `Debug` is redacted. The private exponent is zeroed on drop; big-number temporaries
/// made while decrypting are not (best effort).
#[derive(Clone)]
pub struct RsaKeys {
    public_exponent: BigUint,
    modulus: BigUint,
    e: DigUint,
    d: DigUint,
    n: DigUint,
}

impl Drop for RsaKeys {
    fn drop(&mut self) {
        self.d.zeroize();
    }
}

impl fmt::Debug for RsaKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaKeys")
            .field("public_exponent", &self.public_exponent)
            .field("modulus_bits", &self.modulus.bits())
            .field("private_exponent", &"<redacted>")
            .finish()
    }
}

impl PublicKeyParts for RsaKeys {
    fn n(&self) -> &DigUint {
        &self.n
    }
    fn e(&self) -> &DigUint {
        &self.e
    }
}

impl PrivateKeyParts for RsaKeys {
    fn d(&self) -> &DigUint {
        &self.d
    }
    fn primes(&self) -> &[DigUint] {
        &[]
    }
    fn dp(&self) -> Option<&DigUint> {
        None
    }
    fn dq(&self) -> Option<&DigUint> {
        None
    }
    fn qinv(&self) -> Option<&num_bigint_dig::BigInt> {
        None
    }
    fn crt_values(&self) -> Option<&[rsa::CrtValue]> {
        None
    }
}

impl RsaKeys {
    /// New keys for the reference's format: a 2080-bit modulus, public
    /// exponent 3.
    pub fn generate() -> RsaKeys {
        Self::generate_with(MODULUS_BITS, &mut OsRng)
    }

    /// New keys with a `modulus_bits`-bit modulus (at least 64) and public exponent 3, from
    /// `rng` (`rsa::RsaPrivateKey::new_with_exp`).
    pub fn generate_with(
        modulus_bits: usize,
        rng: &mut (impl rand::CryptoRng + rand::RngCore),
    ) -> RsaKeys {
        let e = DigUint::from(PUBLIC_EXPONENT);
        loop {
            // Only fails for sizes too small to hold two distinct primes, or on a bad draw.
            if let Ok(key) = rsa::RsaPrivateKey::new_with_exp(rng, modulus_bits.max(64), &e) {
                return RsaKeys {
                    public_exponent: from_dig(key.e()),
                    modulus: from_dig(key.n()),
                    e: key.e().clone(),
                    d: key.d().clone(),
                    n: key.n().clone(),
                };
            }
        }
    }

    /// Keys from the three stored numbers, checking they are usable (exponents and
    /// modulus greater than 1, exponents below the modulus).
    ///
    /// # Errors
    /// [`SecurityErrorKind::InvalidKeyData`] naming the number that is out of range.
    pub fn from_parts(
        public_exponent: BigUint,
        private_exponent: BigUint,
        modulus: BigUint,
    ) -> Result<RsaKeys, SecurityError> {
        let bad = |m: &str| SecurityError::new(SecurityErrorKind::InvalidKeyData, m);
        if modulus <= BigUint::from(2u32) {
            return Err(bad("RSA modulus must be greater than 2"));
        }
        if public_exponent.is_zero() || public_exponent >= modulus {
            return Err(bad("RSA public exponent must be between 1 and the modulus"));
        }
        if private_exponent.is_zero() || private_exponent >= modulus {
            return Err(bad(
                "RSA private exponent must be between 1 and the modulus",
            ));
        }
        let mut private_bytes = Zeroizing::new(private_exponent.to_bytes_le());
        let d = DigUint::from_bytes_le(&private_bytes);
        private_bytes.zeroize();
        Ok(RsaKeys {
            e: to_dig(&public_exponent),
            n: to_dig(&modulus),
            d,
            public_exponent,
            modulus,
        })
    }

    /// The public exponent (3 for keys made by the reference or by us).
    pub fn public_exponent(&self) -> &BigUint {
        &self.public_exponent
    }

    /// The modulus n.
    pub fn modulus(&self) -> &BigUint {
        &self.modulus
    }

    /// Decimal text of the private exponent (secret; for the storage format).
    pub fn private_exponent_text(&self) -> Zeroizing<String> {
        Zeroizing::new(self.d.to_str_radix(10))
    }

    /// Server side of §6.3: `C` decimal digits -> `K = C^d mod n` as decimal text
    /// (`rsa::hazmat::rsa_decrypt_and_check`, blinded).
    ///
    /// # Errors
    /// [`SecurityErrorKind::HandshakeRejected`] when `joined` is not a decimal number
    /// smaller than the modulus.
    pub fn decrypt_key_text(&self, joined: &str) -> Result<Zeroizing<String>, SecurityError> {
        let rejected = |m: &str| SecurityError::new(SecurityErrorKind::HandshakeRejected, m);
        if joined.is_empty() || !joined.bytes().all(|b| b.is_ascii_digit()) {
            return Err(rejected("RSA key fragments are not a decimal number"));
        }
        let c = DigUint::parse_bytes(joined.as_bytes(), 10)
            .ok_or_else(|| rejected("RSA key fragments are not a decimal number"))?;
        if c >= self.n {
            return Err(rejected("RSA ciphertext is not smaller than the modulus"));
        }
        let m = rsa::hazmat::rsa_decrypt_and_check(self, Some(&mut OsRng), &c)
            .map_err(|_| rejected("RSA decryption failed"))?;
        Ok(Zeroizing::new(m.to_str_radix(10)))
    }

    /// `m^e mod n` (what a client does, §6.3).
    pub fn encrypt(&self, m: &BigUint) -> BigUint {
        raw_encrypt(m, &self.public_exponent, &self.modulus)
    }
}

/// Number of random digits the sprite appends to `t` (§6.3 step 2):
/// `L = ceil(10 + digits(n)/e - digits(t))`, at least 64.
pub fn client_random_digits(modulus_digits: usize, exponent: &BigUint, t_digits: usize) -> usize {
    let per_exponent = match exponent.to_usize() {
        Some(0) | None => usize::from(modulus_digits > 0),
        Some(e) => modulus_digits.div_ceil(e),
    };
    let l = (10 + per_exponent).saturating_sub(t_digits);
    l.max(64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn small_keys_encrypt_and_decrypt() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(42);
        let keys = RsaKeys::generate_with(512, &mut rng);
        assert_eq!(keys.public_exponent(), &BigUint::from(3u32));
        assert_eq!(keys.modulus().bits(), 512);
        let m = BigUint::from(123_456_789u64);
        let c = keys.encrypt(&m);
        assert_eq!(c, m.modpow(&BigUint::from(3u32), keys.modulus()));
        let back = keys.decrypt_key_text(&c.to_str_radix(10)).unwrap();
        assert_eq!(back.as_str(), "123456789");
        assert!(!format!("{keys:?}").contains(keys.private_exponent_text().as_str()));
        assert!(keys.decrypt_key_text("12a").is_err());
        assert!(keys.decrypt_key_text("").is_err());
        assert!(keys
            .decrypt_key_text(&keys.modulus().to_str_radix(10))
            .is_err());
    }

    #[test]
    fn loaded_keys_round_trip_through_their_numbers() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let made = RsaKeys::generate_with(512, &mut rng);
        let d = BigUint::parse_bytes(made.private_exponent_text().as_bytes(), 10).unwrap();
        let loaded =
            RsaKeys::from_parts(made.public_exponent().clone(), d, made.modulus().clone()).unwrap();
        let m = BigUint::from(987_654_321_123u64) << 200u32;
        let c = made.encrypt(&m);
        let back = loaded.decrypt_key_text(&c.to_str_radix(10)).unwrap();
        assert_eq!(back.as_str(), m.to_str_radix(10));
        let three = BigUint::from(3u32);
        let err = RsaKeys::from_parts(three.clone(), three.clone(), BigUint::from(2u32));
        assert_eq!(err.unwrap_err().kind(), SecurityErrorKind::InvalidKeyData);
    }

    #[test]
    fn full_size_keys_like_the_reference() {
        let keys = RsaKeys::generate();
        assert_eq!(keys.modulus().bits(), 2080);
        let m = BigUint::from(177_438_110_100u64) << 700u32;
        let c = keys.encrypt(&m);
        let back = keys.decrypt_key_text(&c.to_str_radix(10)).unwrap();
        assert_eq!(back.as_str(), m.to_str_radix(10));
    }

    #[test]
    fn random_digit_count_matches_rule() {
        let three = BigUint::from(3u32);
        assert_eq!(client_random_digits(309, &three, 12), 101);
        assert_eq!(client_random_digits(30, &three, 12), 64);
        assert_eq!(client_random_digits(626, &three, 12), 207);
    }
}
