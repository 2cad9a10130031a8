//! What the client sprite does to connect securely (docs/protocol.md §6.2 and §6.3, client
//! side): read the project's public data, agree on a connection key and produce the
//! digits that are cut into key fragments.

use std::collections::BTreeMap;
use std::fmt;

use num_bigint::BigUint;
use rand::{Rng, RngCore};
use zeroize::Zeroizing;

use crate::cipher::{salt_text, CipherKey};
use crate::encoding;
use crate::error::{SecurityError, SecurityErrorKind};
use crate::keys::ec::{clamp, key_text, parse_hex32, scalar_multiply, to_hex};
use crate::keys::rsa::client_random_digits;
use crate::keys::{
    VAR_PUBLIC_BASE, VAR_PUBLIC_EXPONENT, VAR_PUBLIC_MODULUS, VAR_PUBLIC_POINT, VAR_SCHEME,
};

/// The server's public data as the sprite reads it from its stage variables (§6.1).
#[derive(Clone, PartialEq, Eq)]
pub enum PublicData {
    /// `[secure] key exchange scheme` is `EC` (any case).
    Ec {
        /// `[secure] public base`.
        base: [u8; 32],
        /// `[secure] public point`.
        point: [u8; 32],
    },
    /// Any other scheme: RSA.
    Rsa {
        /// `[secure] public exponent`.
        exponent: BigUint,
        /// `[secure] public modulus`.
        modulus: BigUint,
    },
}

impl fmt::Debug for PublicData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ec { point, .. } => write!(f, "PublicData::Ec {{ point: {} }}", to_hex(point)),
            Self::Rsa { exponent, modulus } => {
                write!(
                    f,
                    "PublicData::Rsa {{ exponent: {exponent}, modulus_bits: {} }}",
                    modulus.bits()
                )
            }
        }
    }
}

fn invalid(message: String) -> SecurityError {
    SecurityError::new(SecurityErrorKind::InvalidPublicData, message)
}

fn decimal(map: &BTreeMap<String, String>, name: &str) -> Result<BigUint, SecurityError> {
    let text = map
        .get(name)
        .ok_or_else(|| invalid(format!("variable {name:?} is missing")))?
        .trim();
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "variable {name:?} is not a decimal number"
        )));
    }
    BigUint::parse_bytes(text.as_bytes(), 10)
        .ok_or_else(|| invalid(format!("variable {name:?} is not a decimal number")))
}

impl PublicData {
    /// Reads the variables of [`crate::Security::public_data`]. The scheme is EC when
    /// `[secure] key exchange scheme` equals `EC` case-insensitively, otherwise RSA, as
    /// the sprite decides.
    ///
    /// # Errors
    /// [`SecurityErrorKind::InvalidPublicData`] naming the missing or malformed variable.
    pub fn from_map(m: &BTreeMap<String, String>) -> Result<PublicData, SecurityError> {
        let is_ec = m
            .get(VAR_SCHEME)
            .is_some_and(|s| s.eq_ignore_ascii_case("EC"));
        if is_ec {
            let hex = |name: &str| -> Result<[u8; 32], SecurityError> {
                let text = m
                    .get(name)
                    .ok_or_else(|| invalid(format!("variable {name:?} is missing")))?;
                parse_hex32(text, name, SecurityErrorKind::InvalidPublicData)
            };
            return Ok(PublicData::Ec {
                base: hex(VAR_PUBLIC_BASE)?,
                point: hex(VAR_PUBLIC_POINT)?,
            });
        }
        let exponent = decimal(m, VAR_PUBLIC_EXPONENT)?;
        let modulus = decimal(m, VAR_PUBLIC_MODULUS)?;
        if exponent < BigUint::from(1u32) || modulus < BigUint::from(3u32) {
            return Err(invalid(
                "RSA public exponent must be at least 1 and modulus at least 3".into(),
            ));
        }
        Ok(PublicData::Rsa { exponent, modulus })
    }
}

/// The result of a client handshake: the connection's cipher key and the digits to
/// send in key fragments (`E` for EC, `C` for RSA).
#[derive(Debug, Clone)]
pub struct ClientHandshake {
    /// The connection key, hashed (§7.1).
    pub key: CipherKey,
    /// The digits cut into `# PACKET SIZE` key fragments (§6.2 step 7).
    pub fragment_payload: String,
}

/// Runs the client side of §6.2 (EC) or §6.3 (RSA) with connect time `salt` (the
/// activity id, centiseconds) and randomness from `rng`.
///
/// # Errors
/// [`SecurityErrorKind::InvalidPublicData`] when the server's public data is unusable
/// (e.g. a low-order EC point), [`SecurityErrorKind::SaltOutOfRange`] for a salt of more
/// than 15 digits.
pub fn client_handshake(
    public: &PublicData,
    salt: u64,
    rng: &mut impl RngCore,
) -> Result<ClientHandshake, SecurityError> {
    match public {
        PublicData::Ec { .. } => {
            let mut scalar = Zeroizing::new([0u8; 32]);
            rng.fill_bytes(&mut scalar[..]);
            clamp(&mut scalar);
            ec_handshake_with_scalar(public, salt, &scalar)
        }
        PublicData::Rsa { exponent, modulus } => {
            let count = client_random_digits(
                modulus.to_str_radix(10).len(),
                exponent,
                salt.to_string().len(),
            );
            let digits: Zeroizing<String> = Zeroizing::new(
                (0..count)
                    .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
                    .collect(),
            );
            rsa_handshake_with_digits(public, salt, &digits)
        }
    }
}

/// EC client handshake with a given (already clamped) scalar; deterministic, for
/// tests and vectors. Returns the key text too.
///
/// # Errors
/// As [`client_handshake`].
pub fn ec_handshake_with_scalar(
    public: &PublicData,
    salt: u64,
    scalar: &[u8; 32],
) -> Result<ClientHandshake, SecurityError> {
    let PublicData::Ec { base, point } = public else {
        return Err(invalid("public data is not EC".into()));
    };
    let aid = salt_text(salt)?;
    let client_point = scalar_multiply(scalar, base)
        .map_err(|_| invalid("EC base point is of low order".into()))?;
    let shared = Zeroizing::new(
        scalar_multiply(scalar, point)
            .map_err(|_| invalid("EC public point is of low order".into()))?,
    );
    let text = key_text(&shared, salt);
    let fragment_payload = format!("{aid}{}", encoding::client_encode(&to_hex(&client_point)));
    Ok(ClientHandshake {
        key: CipherKey::from_key_text(&text),
        fragment_payload,
    })
}

/// RSA client handshake with given random `digits` (appended to the decimal salt);
/// deterministic, for tests and vectors.
///
/// # Errors
/// As [`client_handshake`]; [`SecurityErrorKind::InvalidDigits`] when `digits` are not
/// ASCII digits.
pub fn rsa_handshake_with_digits(
    public: &PublicData,
    salt: u64,
    digits: &str,
) -> Result<ClientHandshake, SecurityError> {
    let PublicData::Rsa { exponent, modulus } = public else {
        return Err(invalid("public data is not RSA".into()));
    };
    salt_text(salt)?;
    if modulus < &BigUint::from(3u32) {
        return Err(invalid("RSA modulus must be at least 3".into()));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SecurityError::new(
            SecurityErrorKind::InvalidDigits,
            "RSA client key digits must be decimal",
        ));
    }
    let text = Zeroizing::new(format!("{salt}{digits}"));
    let k = BigUint::parse_bytes(text.as_bytes(), 10).ok_or_else(|| {
        SecurityError::new(
            SecurityErrorKind::InvalidDigits,
            "RSA client key is not decimal",
        )
    })?;
    let c = crate::keys::rsa::raw_encrypt(&k, exponent, modulus);
    Ok(ClientHandshake {
        key: CipherKey::from_key_text(&text),
        fragment_payload: c.to_str_radix(10),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Security;
    use rand::SeedableRng;

    #[test]
    fn ec_client_and_server_agree() {
        let server = Security::generate_ec();
        let public = PublicData::from_map(&server.public_data()).unwrap();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let salt = 177_438_110_100;
        let hs = client_handshake(&public, salt, &mut rng).unwrap();
        assert_eq!(hs.fragment_payload.len(), 15 + 128);
        let key = server
            .derive_server_key(&hs.fragment_payload, salt)
            .unwrap();
        assert_eq!(key, hs.key);
        // Another salt in the connect packet does not match the key.
        let err = server
            .derive_server_key(&hs.fragment_payload, salt + 1)
            .unwrap_err();
        assert_eq!(err.kind(), SecurityErrorKind::HandshakeRejected);
    }

    #[test]
    fn rsa_client_and_server_agree() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let server = Security::Rsa(crate::keys::RsaKeys::generate_with(640, &mut rng));
        let public = PublicData::from_map(&server.public_data()).unwrap();
        assert!(matches!(public, PublicData::Rsa { .. }));
        let salt = 177_438_400_100;
        let hs = client_handshake(&public, salt, &mut rng).unwrap();
        let key = server
            .derive_server_key(&hs.fragment_payload, salt)
            .unwrap();
        assert_eq!(key, hs.key);
    }

    #[test]
    fn public_data_errors_name_the_variable() {
        let mut m = BTreeMap::new();
        m.insert(VAR_SCHEME.to_owned(), "ec".to_owned());
        let err = PublicData::from_map(&m).unwrap_err();
        assert!(err.detail().contains(VAR_PUBLIC_BASE), "{err}");
        m.insert(VAR_SCHEME.to_owned(), "RSA".to_owned());
        m.insert(VAR_PUBLIC_EXPONENT.to_owned(), "3".to_owned());
        m.insert(VAR_PUBLIC_MODULUS.to_owned(), "12x".to_owned());
        let err = PublicData::from_map(&m).unwrap_err();
        assert!(err.detail().contains(VAR_PUBLIC_MODULUS), "{err}");
    }
}
