//! Textbook RSA server keys with public exponent 3 (PROTOCOL.md §6.1, §6.3).

use std::fmt;

use num_bigint::{BigUint, RandBigInt};
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};
use rand::RngCore;
use zeroize::Zeroizing;

use crate::error::{SecurityError, SecurityErrorKind};

/// Bytes per random "prime" candidate, as in the reference (`create_new_keys(130)`).
pub const PRIME_BYTES: usize = 130;

/// Miller–Rabin rounds, as in the reference.
pub const MILLER_RABIN_ROUNDS: usize = 10;

/// The public exponent the reference always uses.
pub const PUBLIC_EXPONENT: u32 = 3;

/// Small primes for trial division before Miller–Rabin (speed only; the acceptance
/// rule is the reference's 10 Miller–Rabin rounds), grouped so that each group's
/// product fits in a `u32`: one big-number remainder per group instead of per prime.
fn small_prime_groups() -> &'static [(u32, Vec<u32>)] {
    static GROUPS: std::sync::OnceLock<Vec<(u32, Vec<u32>)>> = std::sync::OnceLock::new();
    GROUPS.get_or_init(|| {
        let limit = 4000usize;
        let mut sieve = vec![true; limit];
        let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
        let mut product: u64 = 1;
        let mut members = Vec::new();
        for i in 2..limit {
            if !sieve[i] {
                continue;
            }
            let mut j = i * i;
            while j < limit {
                sieve[j] = false;
                j += i;
            }
            let p = i as u64;
            if product * p > u64::from(u32::MAX) {
                groups.push((product as u32, std::mem::take(&mut members)));
                product = 1;
            }
            product *= p;
            members.push(p as u32);
        }
        groups.push((product as u32, members));
        groups
    })
}

/// Probable-prime test: trial division, then `rounds` Miller–Rabin rounds with random
/// bases in `[2, n - 2)`.
pub fn is_probable_prime(n: &BigUint, rounds: usize, rng: &mut impl RngCore) -> bool {
    let two = BigUint::from(2u32);
    if n < &two {
        return false;
    }
    for (product, primes) in small_prime_groups() {
        let residue = (n % *product).to_u32().unwrap_or(0);
        for &p in primes {
            if residue % p == 0 {
                return n == &BigUint::from(p);
            }
        }
    }
    let n_minus_1 = n - 1u32;
    let j = n_minus_1.trailing_zeros().unwrap_or(0);
    let d = &n_minus_1 >> j;
    let upper = n - 2u32;
    'rounds: for _ in 0..rounds {
        let a = rng.gen_biguint_range(&two, &upper);
        let mut x = a.modpow(&d, n);
        if x.is_one() || x == n_minus_1 {
            continue;
        }
        for _ in 1..j {
            x = x.modpow(&two, n);
            if x == n_minus_1 {
                continue 'rounds;
            }
        }
        return false;
    }
    true
}

/// A probable prime made like the reference: `bytes` random bytes read as a
/// little-endian integer, retried until it passes.
pub fn random_prime(bytes: usize, rng: &mut impl RngCore) -> BigUint {
    let mut buf = Zeroizing::new(vec![0u8; bytes]);
    loop {
        rng.fill_bytes(&mut buf);
        let candidate = BigUint::from_bytes_le(&buf);
        if is_probable_prime(&candidate, MILLER_RABIN_ROUNDS, rng) {
            return candidate;
        }
    }
}

/// RSA server key data: public exponent, private exponent and modulus.
///
/// `Debug` is redacted. The private exponent is kept in a zeroize-on-drop buffer;
/// big-number temporaries made while decrypting are not (best effort).
#[derive(Clone)]
pub struct RsaKeys {
    public_exponent: BigUint,
    private_exponent: Zeroizing<Vec<u32>>,
    modulus: BigUint,
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

impl RsaKeys {
    /// New keys as the reference makes them (about 2080-bit modulus, public exponent 3).
    pub fn generate() -> RsaKeys {
        Self::generate_with(PRIME_BYTES, &mut rand::rngs::OsRng)
    }

    /// New keys from two primes of `prime_bytes` random bytes each.
    pub fn generate_with(prime_bytes: usize, rng: &mut impl RngCore) -> RsaKeys {
        let e = BigUint::from(PUBLIC_EXPONENT);
        loop {
            let p = random_prime(prime_bytes, rng);
            let q = random_prime(prime_bytes, rng);
            if p == q {
                continue;
            }
            let lambda = (&p - 1u32).lcm(&(&q - 1u32));
            if let Some(d) = e.modinv(&lambda) {
                let modulus = &p * &q;
                return RsaKeys {
                    public_exponent: e,
                    private_exponent: Zeroizing::new(d.to_u32_digits()),
                    modulus,
                };
            }
        }
    }

    /// Keys from the three stored numbers, checking they are usable (exponents and
    /// modulus greater than 1, exponents below the modulus).
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
        Ok(RsaKeys {
            public_exponent,
            private_exponent: Zeroizing::new(private_exponent.to_u32_digits()),
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
        Zeroizing::new(BigUint::from_slice(&self.private_exponent).to_str_radix(10))
    }

    /// Server side of §6.3: `C` decimal digits -> `K = C^d mod n` as decimal text.
    pub fn decrypt_key_text(&self, joined: &str) -> Result<Zeroizing<String>, SecurityError> {
        let rejected = |m: &str| SecurityError::new(SecurityErrorKind::HandshakeRejected, m);
        if joined.is_empty() || !joined.bytes().all(|b| b.is_ascii_digit()) {
            return Err(rejected("RSA key fragments are not a decimal number"));
        }
        let c = BigUint::parse_bytes(joined.as_bytes(), 10)
            .ok_or_else(|| rejected("RSA key fragments are not a decimal number"))?;
        if c >= self.modulus {
            return Err(rejected("RSA ciphertext is not smaller than the modulus"));
        }
        let d = BigUint::from_slice(&self.private_exponent);
        Ok(Zeroizing::new(c.modpow(&d, &self.modulus).to_str_radix(10)))
    }

    /// `m^e mod n` (what a client does, §6.3).
    pub fn encrypt(&self, m: &BigUint) -> BigUint {
        m.modpow(&self.public_exponent, &self.modulus)
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
    fn primality_agrees_on_known_numbers() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for p in [2u32, 3, 5, 7919, 104_729] {
            assert!(is_probable_prime(&BigUint::from(p), 10, &mut rng), "{p}");
        }
        for c in [0u32, 1, 4, 561, 7917, 104_730] {
            assert!(!is_probable_prime(&BigUint::from(c), 10, &mut rng), "{c}");
        }
        // 2^127 - 1 is prime, 2^128 + 1 is not.
        let m127 = (BigUint::one() << 127u32) - 1u32;
        assert!(is_probable_prime(&m127, 10, &mut rng));
        let f7 = (BigUint::one() << 128u32) + 1u32;
        assert!(!is_probable_prime(&f7, 10, &mut rng));
    }

    #[test]
    fn small_keys_encrypt_and_decrypt() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(42);
        let keys = RsaKeys::generate_with(32, &mut rng);
        assert_eq!(keys.public_exponent(), &BigUint::from(3u32));
        let m = BigUint::from(123_456_789u64);
        let c = keys.encrypt(&m);
        let back = keys.decrypt_key_text(&c.to_str_radix(10)).unwrap();
        assert_eq!(back.as_str(), "123456789");
        assert!(!format!("{keys:?}").contains(keys.private_exponent_text().as_str()));
        assert!(keys.decrypt_key_text("12a").is_err());
        assert!(keys
            .decrypt_key_text(&keys.modulus().to_str_radix(10))
            .is_err());
    }

    #[test]
    fn full_size_keys_like_the_reference() {
        let keys = RsaKeys::generate();
        // Two primes below 2^1040 each; without top-bit forcing n is ~2080 bits.
        assert!(keys.modulus().bits() <= 2080 && keys.modulus().bits() > 2000);
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
