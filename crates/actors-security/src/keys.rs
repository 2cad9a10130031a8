//! Server key material: [`Security`] (EC or RSA), the key-string storage format, the
//! public data for the project, and the server side of `_safe_connect`
//! (docs/protocol.md §3.5 step 6, §6).

pub mod ec;
pub mod rsa;

use std::collections::BTreeMap;
use std::fmt;

use num_bigint::BigUint;
use zeroize::Zeroizing;

use crate::cipher::CipherKey;
use crate::error::{SecurityError, SecurityErrorKind};
pub use ec::EcKeys;
pub use rsa::RsaKeys;

/// Storage tag of EC keys.
pub const EC_TAG: &str = "ECxxxxx1";
/// Storage tag of RSA keys.
pub const RSA_TAG: &str = "RSAxxxx1";

/// Public-data variable: EC base point.
pub const VAR_PUBLIC_BASE: &str = "[secure] public base";
/// Public-data variable: EC public point.
pub const VAR_PUBLIC_POINT: &str = "[secure] public point";
/// Public-data variable: RSA public exponent.
pub const VAR_PUBLIC_EXPONENT: &str = "[secure] public exponent";
/// Public-data variable: RSA modulus.
pub const VAR_PUBLIC_MODULUS: &str = "[secure] public modulus";
/// Public-data variable: `EC` or `RSA`.
pub const VAR_SCHEME: &str = "[secure] key exchange scheme";

/// A server's key pair for secure cloud sockets. `Debug` never shows private parts.
#[derive(Clone)]
pub enum Security {
    /// X25519 keys (the default).
    Ec(EcKeys),
    /// Textbook RSA keys with public exponent 3.
    Rsa(RsaKeys),
}

impl fmt::Debug for Security {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ec(k) => f.debug_tuple("Security::Ec").field(k).finish(),
            Self::Rsa(k) => f.debug_tuple("Security::Rsa").field(k).finish(),
        }
    }
}

impl Default for Security {
    /// New EC keys, like the reference's `Security.generate()`.
    fn default() -> Self {
        Self::generate_ec()
    }
}

impl Security {
    /// New EC (X25519) keys from the OS random generator.
    pub fn generate_ec() -> Security {
        Security::Ec(EcKeys::generate())
    }

    /// New RSA keys for the reference's format (2080-bit modulus, public exponent 3,
    /// made by the `rsa` crate; a second or so in release builds).
    pub fn generate_rsa() -> Security {
        Security::Rsa(RsaKeys::generate())
    }

    /// `"EC"` or `"RSA"`.
    pub fn scheme(&self) -> &'static str {
        match self {
            Self::Ec(_) => "EC",
            Self::Rsa(_) => "RSA",
        }
    }

    /// Loads a key string: `ECxxxxx1` + JSON list of 2 or 3 hex strings, or `RSAxxxx1`
    /// + JSON list of 3 integers (§6.1). Errors never echo the key text.
    ///
    /// # Errors
    /// [`SecurityErrorKind::UnknownFormat`] for an unknown tag,
    /// [`SecurityErrorKind::InvalidKeyData`] for unusable data after a known tag.
    pub fn from_key_string(s: &str) -> Result<Security, SecurityError> {
        let s = s.trim_end_matches(['\n', '\r']);
        let (tag, rest) = match (s.get(..8), s.get(8..)) {
            (Some(tag), Some(rest)) => (tag, rest),
            _ => {
                return Err(SecurityError::new(
                    SecurityErrorKind::UnknownFormat,
                    "key string must start with ECxxxxx1 or RSAxxxx1",
                ))
            }
        };
        match tag {
            EC_TAG => {
                let parts: Zeroizing<Vec<String>> =
                    Zeroizing::new(serde_json::from_str(rest).map_err(|e| {
                        SecurityError::new(
                            SecurityErrorKind::InvalidKeyData,
                            format!(
                                "EC key data is not a JSON list of strings (line {}, column {})",
                                e.line(),
                                e.column()
                            ),
                        )
                    })?);
                Ok(Security::Ec(EcKeys::from_hex_parts(&parts)?))
            }
            RSA_TAG => {
                let numbers = parse_integer_list(rest)?;
                let [e, d, n]: [BigUint; 3] = numbers.try_into().map_err(|v: Vec<BigUint>| {
                    SecurityError::new(
                        SecurityErrorKind::InvalidKeyData,
                        format!("RSA key data must have 3 integers, got {}", v.len()),
                    )
                })?;
                Ok(Security::Rsa(RsaKeys::from_parts(e, d, n)?))
            }
            _ => Err(SecurityError::new(
                SecurityErrorKind::UnknownFormat,
                "key string must start with ECxxxxx1 or RSAxxxx1",
            )),
        }
    }

    /// The key string the reference's `Security.from_string` loads and its
    /// `CloudSocket` accepts (EC is written in the 3-element form, §9 S4).
    /// Contains the private key: store it like a password.
    pub fn to_key_string(&self) -> Zeroizing<String> {
        match self {
            Self::Ec(k) => {
                let [base, scalar, point] = &*k.hex_parts();
                Zeroizing::new(format!("{EC_TAG}[\"{base}\", \"{scalar}\", \"{point}\"]"))
            }
            Self::Rsa(k) => Zeroizing::new(format!(
                "{RSA_TAG}[{}, {}, {}]",
                k.public_exponent(),
                k.private_exponent_text().as_str(),
                k.modulus()
            )),
        }
    }

    /// The Scratch variable names and the values the project must hold (§6.1).
    pub fn public_data(&self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        match self {
            Self::Ec(k) => {
                map.insert(VAR_PUBLIC_BASE.to_owned(), k.base_hex());
                map.insert(VAR_PUBLIC_POINT.to_owned(), k.point_hex());
            }
            Self::Rsa(k) => {
                map.insert(
                    VAR_PUBLIC_EXPONENT.to_owned(),
                    k.public_exponent().to_string(),
                );
                map.insert(VAR_PUBLIC_MODULUS.to_owned(), k.modulus().to_string());
            }
        }
        map.insert(VAR_SCHEME.to_owned(), self.scheme().to_owned());
        map
    }

    /// Server side of §3.5 step 6 / §6.2 / §6.3: the joined fragment text and the
    /// `_safe_connect` salt give the connection key text (decimal, no leading zeros),
    /// accepted only when it ends or starts with the decimal text of `salt`.
    ///
    /// # Errors
    /// [`SecurityErrorKind::HandshakeRejected`] when the fragments cannot be decrypted or the
    /// key does not carry `salt`; [`SecurityErrorKind::SaltOutOfRange`] for a salt of more than
    /// 15 digits.
    pub fn derive_server_key_text(
        &self,
        joined_fragments: &str,
        salt: u64,
    ) -> Result<Zeroizing<String>, SecurityError> {
        let text = match self {
            Self::Ec(k) => k.derive_key_text(joined_fragments)?.0,
            Self::Rsa(k) => k.decrypt_key_text(joined_fragments)?,
        };
        // The reference keeps the key as an integer: drop leading zeros.
        let trimmed = text.trim_start_matches('0');
        let text = Zeroizing::new(if trimmed.is_empty() {
            "0".to_owned()
        } else {
            trimmed.to_owned()
        });
        let salt_text = salt.to_string();
        if text.ends_with(&salt_text) || text.starts_with(&salt_text) {
            Ok(text)
        } else {
            Err(SecurityError::new(
                SecurityErrorKind::HandshakeRejected,
                "derived key does not contain the connect salt (wrong server key or tampered fragments)",
            ))
        }
    }

    /// [`Self::derive_server_key_text`], hashed into the connection's [`CipherKey`].
    ///
    /// # Errors
    /// As [`Self::derive_server_key_text`].
    pub fn derive_server_key(
        &self,
        joined_fragments: &str,
        salt: u64,
    ) -> Result<CipherKey, SecurityError> {
        let text = self.derive_server_key_text(joined_fragments, salt)?;
        Ok(CipherKey::from_key_text(&text))
    }
}

/// Parses a JSON list of non-negative integers of any size (`[3, 123, 456]`); serde_json
/// cannot hold the 600-digit numbers without `arbitrary_precision`.
fn parse_integer_list(text: &str) -> Result<Vec<BigUint>, SecurityError> {
    let bad = |m: &str| SecurityError::new(SecurityErrorKind::InvalidKeyData, m);
    let is_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let inner = text
        .trim_matches(is_ws)
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .ok_or_else(|| bad("RSA key data is not a JSON list"))?;
    if inner.trim_matches(is_ws).is_empty() {
        return Ok(Vec::new());
    }
    inner
        .split(',')
        .enumerate()
        .map(|(i, item)| {
            let item = item.trim_matches(is_ws);
            let valid = !item.is_empty()
                && item.bytes().all(|b| b.is_ascii_digit())
                && (item == "0" || !item.starts_with('0'));
            if !valid {
                return Err(SecurityError::new(
                    SecurityErrorKind::InvalidKeyData,
                    format!("RSA key data element {i} is not a non-negative JSON integer"),
                ));
            }
            BigUint::parse_bytes(item.as_bytes(), 10)
                .ok_or_else(|| bad("RSA key data element is not a number"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_tags_are_rejected() {
        for s in [
            "",
            "EC",
            "XYZxxxx1[]",
            "ECxxxxx2[]",
            "ecxxxxx1[]",
            "RSAxxxx1",
            "ECxxxxx1",
        ] {
            let err = Security::from_key_string(s).unwrap_err();
            assert!(
                matches!(
                    err.kind(),
                    SecurityErrorKind::UnknownFormat | SecurityErrorKind::InvalidKeyData
                ),
                "{s:?}: {err}"
            );
        }
        assert_eq!(
            Security::from_key_string("XYZxxxx1[]").unwrap_err().kind(),
            SecurityErrorKind::UnknownFormat
        );
    }

    #[test]
    fn integer_lists() {
        let list = parse_integer_list(" [3,\n 10 , 0]\n").unwrap();
        assert_eq!(
            list,
            vec![
                BigUint::from(3u32),
                BigUint::from(10u32),
                BigUint::from(0u32)
            ]
        );
        assert!(parse_integer_list("[]").unwrap().is_empty());
        for bad in ["[1,]", "[01]", "[-1]", "[1.5]", "[\"1\"]", "1,2", "[1 2]"] {
            assert!(parse_integer_list(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ec_round_trip_and_debug() {
        let sec = Security::generate_ec();
        let text = sec.to_key_string();
        let again = Security::from_key_string(&text).unwrap();
        assert_eq!(again.public_data(), sec.public_data());
        assert_eq!(again.to_key_string(), text);
        let scalar = text.split('"').nth(3).unwrap().to_owned();
        assert!(!format!("{sec:?}").contains(&scalar));
        assert_eq!(sec.public_data()[VAR_SCHEME], "EC");
    }
}
