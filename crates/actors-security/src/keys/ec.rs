//! EC (X25519) server keys: generation, the stored hex data, and the server side of the
//! EC handshake (docs/protocol.md §6.1, §6.2).

use std::fmt;

use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::encoding;
use crate::error::{SecurityError, SecurityErrorKind};

/// The standard X25519 base point (u = 9) as the reference stores it.
pub const STANDARD_BASE_HEX: &str =
    "0900000000000000000000000000000000000000000000000000000000000000";

/// Clamps 32 random bytes into an X25519 scalar exactly as the reference and the sprite
/// do (§6.1): byte 0 `&= 248`, byte 31 `&= 127` then `|= 64`.
pub fn clamp(scalar: &mut [u8; 32]) {
    scalar[0] &= 248;
    scalar[31] &= 127;
    scalar[31] |= 64;
}

/// X25519(scalar, point), refusing low-order points whose result is all zeros (the
/// reference's `cryptography` package refuses them too).
///
/// # Errors
/// [`SecurityErrorKind::HandshakeRejected`] for a low-order `point` (all-zero result).
pub fn scalar_multiply(scalar: &[u8; 32], point: &[u8; 32]) -> Result<[u8; 32], SecurityError> {
    let out = x25519_dalek::x25519(*scalar, *point);
    if out.iter().all(|&b| b == 0) {
        return Err(SecurityError::new(
            SecurityErrorKind::HandshakeRejected,
            "X25519 point of low order (all-zero result)",
        ));
    }
    Ok(out)
}

/// Lowercase hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

/// Parses exactly 64 hex digits (either case) into 32 bytes; `what` names the field
/// in the error.
///
/// # Errors
/// [`SecurityErrorKind::InvalidKeyData`] naming `what` when `text` is not 64 hex digits.
pub fn parse_hex32(
    text: &str,
    what: &str,
    kind: SecurityErrorKind,
) -> Result<[u8; 32], SecurityError> {
    let bytes = text.as_bytes();
    if bytes.len() != 64 {
        return Err(SecurityError::new(
            kind,
            format!(
                "{what} must be 64 hex digits, got {} characters",
                text.chars().count()
            ),
        ));
    }
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        let hi = hex_value(pair[0]);
        let lo = hex_value(pair[1]);
        match (hi, lo) {
            (Some(h), Some(l)) => out[i] = (h << 4) | l,
            _ => {
                out.zeroize();
                return Err(SecurityError::new(
                    kind,
                    format!("{what} is not hexadecimal"),
                ));
            }
        }
    }
    Ok(out)
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The connection key text of an EC handshake (§6.2 step 5): every byte of the shared
/// secret in decimal without padding, then the salt in decimal.
pub fn key_text(shared_secret: &[u8; 32], salt: u64) -> Zeroizing<String> {
    let mut text = Zeroizing::new(String::with_capacity(32 * 3 + 15));
    for b in shared_secret {
        text.push_str(&b.to_string());
    }
    text.push_str(&salt.to_string());
    text
}

/// EC server key data: base point, private scalar and public point.
///
/// `Debug` is redacted; the private scalar is zeroized on drop.
#[derive(Clone)]
pub struct EcKeys {
    base: [u8; 32],
    scalar: Zeroizing<[u8; 32]>,
    point: [u8; 32],
}

impl fmt::Debug for EcKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EcKeys")
            .field("public_point", &to_hex(&self.point))
            .field("scalar", &"<redacted>")
            .finish()
    }
}

impl EcKeys {
    /// New keys from the OS random generator with the standard base point.
    pub fn generate() -> EcKeys {
        Self::generate_with(&mut rand::rngs::OsRng)
    }

    /// New keys from `rng` (clamped like the reference) with the standard base point.
    pub fn generate_with(rng: &mut impl RngCore) -> EcKeys {
        let mut scalar = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(&mut scalar[..]);
        clamp(&mut scalar);
        let base = x25519_dalek::X25519_BASEPOINT_BYTES;
        let point = x25519_dalek::x25519(*scalar, base);
        EcKeys {
            base,
            scalar,
            point,
        }
    }

    /// Keys from the stored hex data: `[base, scalar]` or `[base, scalar, point]`.
    /// A given point must equal X25519(scalar, base).
    ///
    /// # Errors
    /// [`SecurityErrorKind::InvalidKeyData`] for a bad hex field, a wrong number of parts, or a
    /// point that does not match the scalar.
    pub fn from_hex_parts(parts: &[String]) -> Result<EcKeys, SecurityError> {
        let kind = SecurityErrorKind::InvalidKeyData;
        if parts.len() != 2 && parts.len() != 3 {
            return Err(SecurityError::new(
                kind,
                format!("EC key data must have 2 or 3 elements, got {}", parts.len()),
            ));
        }
        let base = parse_hex32(&parts[0], "EC base point", kind)?;
        let scalar = Zeroizing::new(parse_hex32(&parts[1], "EC private scalar", kind)?);
        let point = scalar_multiply(&scalar, &base)
            .map_err(|_| SecurityError::new(kind, "EC base point is of low order"))?;
        if let Some(given) = parts.get(2) {
            if parse_hex32(given, "EC public point", kind)? != point {
                return Err(SecurityError::new(
                    kind,
                    "EC public point does not match X25519(private scalar, base)",
                ));
            }
        }
        Ok(EcKeys {
            base,
            scalar,
            point,
        })
    }

    /// The three hex strings `[base, scalar, point]` (the form the reference
    /// CloudSocket 3.0.0 requires, §9 S4). Contains the secret scalar.
    pub fn hex_parts(&self) -> Zeroizing<[String; 3]> {
        Zeroizing::new([
            to_hex(&self.base),
            to_hex(&self.scalar[..]),
            to_hex(&self.point),
        ])
    }

    /// The base point as 64 lowercase hex digits.
    pub fn base_hex(&self) -> String {
        to_hex(&self.base)
    }

    /// The public point as 64 lowercase hex digits.
    pub fn point_hex(&self) -> String {
        to_hex(&self.point)
    }

    /// Server side of §6.2: `joined` fragments = 15-digit salt ‖ server-encoded-without-1
    /// client point hex. Returns the connection key text (decimal bytes of the shared
    /// secret ‖ decimal of that salt) and the salt read from `joined`.
    ///
    /// # Errors
    /// [`SecurityErrorKind::HandshakeRejected`] when `joined` is too short, not digits, or
    /// names an unusable (e.g. low-order) client point.
    pub fn derive_key_text(&self, joined: &str) -> Result<(Zeroizing<String>, u64), SecurityError> {
        let rejected = |m: String| SecurityError::new(SecurityErrorKind::HandshakeRejected, m);
        let Some(salt_digits) = joined.get(..15) else {
            return Err(rejected(format!(
                "EC key fragments too short: {} characters, need at least 15",
                joined.len()
            )));
        };
        if !salt_digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(rejected(
                "EC key fragments do not start with a 15-digit salt".into(),
            ));
        }
        let salt: u64 = salt_digits
            .parse()
            .map_err(|_| rejected("EC key fragment salt is not a number".into()))?;
        let point_hex = encoding::server_decode(&joined[15..])
            .map_err(|e| rejected(format!("EC client point: {}", e.detail())))?;
        let client_point = parse_hex32(
            &point_hex,
            "EC client point",
            SecurityErrorKind::HandshakeRejected,
        )?;
        let mut shared = scalar_multiply(&self.scalar, &client_point)?;
        let text = key_text(&shared, salt);
        shared.zeroize();
        Ok((text, salt))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamping_matches_reference() {
        let mut s = [255u8; 32];
        clamp(&mut s);
        assert_eq!(s[0], 248);
        assert_eq!(s[31], 127);
        let mut z = [0u8; 32];
        clamp(&mut z);
        assert_eq!(z[31], 64);
    }

    #[test]
    fn generated_keys_round_trip_and_redact() {
        let keys = EcKeys::generate();
        let parts = keys.hex_parts();
        let again = EcKeys::from_hex_parts(&parts[..2]).unwrap();
        assert_eq!(again.point_hex(), keys.point_hex());
        assert_eq!(parts[0], STANDARD_BASE_HEX);
        let shown = format!("{keys:?}");
        assert!(!shown.contains(&parts[1]), "scalar leaked in {shown}");
    }

    #[test]
    fn rejects_bad_hex_and_low_order() {
        let bad = ["zz".repeat(32), "00".repeat(32)];
        assert!(EcKeys::from_hex_parts(&bad).is_err());
        let low = ["00".repeat(32), "11".repeat(32)];
        assert!(EcKeys::from_hex_parts(&low).is_err());
        assert!(EcKeys::from_hex_parts(&["09".into()]).is_err());
        let keys = EcKeys::generate();
        assert!(keys.derive_key_text("").is_err());
        assert!(keys.derive_key_text("00000000000000a").is_err());
        // A low-order client point (all zeros) is refused.
        let zero_point = crate::encoding::server_encode(&"0".repeat(64));
        let joined = format!("000177438110100{}", &zero_point[1..]);
        assert_eq!(
            keys.derive_key_text(&joined).unwrap_err().kind(),
            SecurityErrorKind::HandshakeRejected
        );
    }
}
