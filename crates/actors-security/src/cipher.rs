//! The per-connection symmetric cipher (docs/protocol.md §7).
//!
//! Key hashing (§7.1), salt mixing (§7.2), an AES-128 counter keystream and a character
//! shift over the 91-character table with the `ITSTHEENDOFTHIS` end marker (§7.3).

use std::fmt;

use aes::cipher::{generic_array::GenericArray, BlockEncrypt, KeyInit};
use aes::Aes128;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::encoding::{char_at, index_of, TABLE_LEN};
use crate::error::{SecurityError, SecurityErrorKind};

/// The authentication marker appended to every plaintext before shifting.
pub const END_MARKER: &str = "ITSTHEENDOFTHIS";

/// Number of characters of [`END_MARKER`].
pub const END_MARKER_LEN: usize = 15;

/// Largest salt that fits the 15-digit salt field (§3.3).
pub const MAX_SALT: u64 = 999_999_999_999_999;

/// Only the last this many bytes of the key text are hashed (§7.1).
const HASHED_TAIL: usize = 53;

/// A connection key, reduced to what the cipher needs: the first 16 bytes of the
/// SHA-256 of the key text's last 53 bytes (§7.1).
///
/// `Debug` prints a redacted placeholder; the bytes are zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct CipherKey {
    hashed: [u8; 16],
}

impl fmt::Debug for CipherKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CipherKey(<redacted>)")
    }
}

/// The 15-digit, zero-padded text of `salt`, or an error when it does not fit.
///
/// # Errors
/// [`SecurityErrorKind::SaltOutOfRange`] when `salt` has more than 15 digits.
pub fn salt_text(salt: u64) -> Result<String, SecurityError> {
    if salt > MAX_SALT {
        return Err(SecurityError::new(
            SecurityErrorKind::SaltOutOfRange,
            format!("salt {salt} has more than 15 digits"),
        ));
    }
    Ok(format!("{salt:015}"))
}

/// The 8 numbers mixed into the AES key: seven two-digit pairs and the last digit of
/// the 15-digit salt text (§7.2).
///
/// # Errors
/// [`SecurityErrorKind::SaltOutOfRange`] when `salt` has more than 15 digits.
pub fn salt_pairs(salt: u64) -> Result<[u8; 8], SecurityError> {
    let text = salt_text(salt)?;
    let d = text.as_bytes();
    let mut out = [0u8; 8];
    for (i, slot) in out.iter_mut().take(7).enumerate() {
        *slot = (d[2 * i] - b'0') * 10 + (d[2 * i + 1] - b'0');
    }
    out[7] = d[14] - b'0';
    Ok(out)
}

impl CipherKey {
    /// Hashes the decimal key text as §7.1 says (any text is accepted; only its last
    /// 53 bytes matter).
    pub fn from_key_text(decimal_key: &str) -> CipherKey {
        let bytes = decimal_key.as_bytes();
        let tail = &bytes[bytes.len().saturating_sub(HASHED_TAIL)..];
        let mut digest = Sha256::digest(tail);
        let mut hashed = [0u8; 16];
        hashed.copy_from_slice(&digest[..16]);
        digest.as_mut_slice().zeroize();
        CipherKey { hashed }
    }

    /// The 16-byte hashed key `H` (secret; for tests and diagnostics).
    pub fn hashed_key(&self) -> [u8; 16] {
        self.hashed
    }

    /// The AES-128 key `A` for `salt` (§7.2), zeroized when dropped.
    ///
    /// # Errors
    /// [`SecurityErrorKind::SaltOutOfRange`] when `salt` has more than 15 digits.
    pub fn aes_key(&self, salt: u64) -> Result<Zeroizing<[u8; 16]>, SecurityError> {
        let pairs = salt_pairs(salt)?;
        let mut key = Zeroizing::new(self.hashed);
        for (k, p) in key.iter_mut().zip(pairs.iter()) {
            *k ^= p;
        }
        Ok(key)
    }

    /// The first `len` keystream bytes for `salt` (§7.3), zeroized when dropped.
    ///
    /// # Errors
    /// [`SecurityErrorKind::SaltOutOfRange`] when `salt` has more than 15 digits.
    pub fn keystream(&self, salt: u64, len: usize) -> Result<Zeroizing<Vec<u8>>, SecurityError> {
        let key = self.aes_key(salt)?;
        let aes = Aes128::new(GenericArray::from_slice(&key[..]));
        let mut out = Zeroizing::new(Vec::with_capacity(len.div_ceil(16) * 16));
        let mut counter: u128 = 1;
        while out.len() < len {
            let mut block = GenericArray::from(counter.to_be_bytes());
            aes.encrypt_block(&mut block);
            out.extend_from_slice(&block);
            block.as_mut_slice().zeroize();
            counter += 1;
        }
        out.truncate(len);
        Ok(out)
    }

    /// Encrypts `plaintext` with `salt` into `"seed:len:body"` (§7.3).
    ///
    /// Every plaintext character must be in the table (use
    /// [`crate::encoding::sanitize`] first); `seed` is carried but not used by the
    /// cipher (senders pick it at random from 1000..=9998, see [`random_seed`]).
    ///
    /// # Errors
    /// [`SecurityErrorKind::CharacterNotInTable`] for a character outside the 91-character
    /// table, [`SecurityErrorKind::SaltOutOfRange`] for a salt of more than 15 digits.
    pub fn encrypt(&self, plaintext: &str, salt: u64, seed: u16) -> Result<String, SecurityError> {
        let mut indices = Zeroizing::new(Vec::with_capacity(plaintext.len() + END_MARKER_LEN));
        for (pos, c) in plaintext.chars().enumerate() {
            match index_of(c) {
                Some(i) => indices.push(i),
                None => {
                    return Err(SecurityError::new(
                        SecurityErrorKind::CharacterNotInTable,
                        format!("plaintext character {pos} is not in the 91-character table"),
                    ))
                }
            }
        }
        let len = indices.len();
        indices.extend(END_MARKER.chars().filter_map(index_of));
        let stream = self.keystream(salt, indices.len())?;
        let mut out = format!("{seed}:{len}:");
        out.reserve(indices.len());
        for (i, k) in indices.iter().zip(stream.iter()) {
            out.push(char_at((i + usize::from(*k)) % TABLE_LEN));
        }
        Ok(out)
    }

    /// Decrypts `"seed:len:body"` made with `salt`; fails with
    /// [`SecurityErrorKind::MalformedCiphertext`] when the structure is wrong and with
    /// [`SecurityErrorKind::BadMessage`] when authentication fails (tampered, truncated,
    /// wrong key or wrong salt), as the reference's `Bad message` (§7.3).
    ///
    /// # Errors
    /// [`SecurityErrorKind::MalformedCiphertext`], [`SecurityErrorKind::BadMessage`] as above,
    /// [`SecurityErrorKind::SaltOutOfRange`] for a salt of more than 15 digits.
    pub fn decrypt(&self, ciphertext: &str, salt: u64) -> Result<String, SecurityError> {
        let (len, body) = split_ciphertext(ciphertext)?;
        if len.checked_add(END_MARKER_LEN) != Some(body.chars().count()) {
            return Err(bad_message("length field does not match the body"));
        }
        let plain = self.unshift(body, salt)?;
        match plain.strip_suffix(END_MARKER) {
            Some(text) => Ok(text.to_owned()),
            None => Err(bad_message(
                "end marker missing (wrong key or salt, or tampered text)",
            )),
        }
    }

    /// Decrypts like the client sprite, whose check is weaker (§7.3, §9 C7): the end
    /// marker is compared case-insensitively and a body of `len + 14` characters whose
    /// tail matches the first 14 marker characters is accepted too. For a Rust model of
    /// the sprite; a server uses [`Self::decrypt`].
    ///
    /// # Errors
    /// As [`Self::decrypt`], with the sprite's weaker end-marker check.
    pub fn decrypt_as_sprite(&self, ciphertext: &str, salt: u64) -> Result<String, SecurityError> {
        let (len, body) = split_ciphertext(ciphertext)?;
        let body_len = body.chars().count();
        let marker_len = match body_len.checked_sub(len) {
            Some(n) if n == END_MARKER_LEN || n == END_MARKER_LEN - 1 => n,
            _ => return Err(bad_message("length field does not match the body")),
        };
        let plain = self.unshift(body, salt)?;
        let chars: Vec<char> = plain.chars().collect();
        let text: String = chars[..len].iter().collect();
        let tail: String = chars[len..].iter().collect();
        if tail.eq_ignore_ascii_case(&END_MARKER[..marker_len]) {
            Ok(text)
        } else {
            Err(bad_message(
                "end marker missing (wrong key or salt, or tampered text)",
            ))
        }
    }

    /// Shifts every body character back by its keystream byte.
    fn unshift(&self, body: &str, salt: u64) -> Result<Zeroizing<String>, SecurityError> {
        let body_len = body.chars().count();
        let stream = self.keystream(salt, body_len)?;
        let mut plain = Zeroizing::new(String::with_capacity(body_len));
        for (pos, (c, k)) in body.chars().zip(stream.iter()).enumerate() {
            let Some(i) = index_of(c) else {
                return Err(SecurityError::new(
                    SecurityErrorKind::MalformedCiphertext,
                    format!("body character {pos} is not in the 91-character table"),
                ));
            };
            let shift = usize::from(*k) % TABLE_LEN;
            plain.push(char_at((i + TABLE_LEN - shift) % TABLE_LEN));
        }
        Ok(plain)
    }
}

fn bad_message(what: &str) -> SecurityError {
    SecurityError::new(SecurityErrorKind::BadMessage, what)
}

/// Splits `"seed:len:body"` at the first two `:` and parses `len` (the body may itself
/// contain `:`).
fn split_ciphertext(ciphertext: &str) -> Result<(usize, &str), SecurityError> {
    let malformed = |what: &str| SecurityError::new(SecurityErrorKind::MalformedCiphertext, what);
    let mut parts = ciphertext.splitn(3, ':');
    let seed = parts.next().unwrap_or_default();
    let (Some(len_text), Some(body)) = (parts.next(), parts.next()) else {
        return Err(malformed("expected \"seed:len:body\" (two ':' separators)"));
    };
    if seed.is_empty() || !seed.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("seed field is not a decimal number"));
    }
    if len_text.is_empty() || !len_text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed("length field is not a decimal number"));
    }
    // Too large for usize cannot match any body: authentication failure, like the reference.
    let len = len_text
        .parse()
        .map_err(|_| bad_message("length field does not match the body"))?;
    Ok((len, body))
}

/// A seed in 1000..=9998 as both the reference and the sprite choose it.
pub fn random_seed(rng: &mut impl rand::Rng) -> u16 {
    rng.gen_range(1000..=9998)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = CipherKey::from_key_text("123456789");
        let shown = format!("{key:?}");
        assert_eq!(shown, "CipherKey(<redacted>)");
    }

    #[test]
    fn round_trip_and_tamper() {
        let key = CipherKey::from_key_text("555");
        let c = key.encrypt("hello: world", 177_438_113_754, 1234).unwrap();
        assert!(c.starts_with("1234:12:"));
        assert_eq!(key.decrypt(&c, 177_438_113_754).unwrap(), "hello: world");
        let truncated = &c[..c.len() - 1];
        let err = key.decrypt(truncated, 177_438_113_754).unwrap_err();
        assert_eq!(err.kind(), SecurityErrorKind::BadMessage);
        let other = CipherKey::from_key_text("556");
        assert_eq!(
            other.decrypt(&c, 177_438_113_754).unwrap_err().kind(),
            SecurityErrorKind::BadMessage
        );
    }

    #[test]
    fn rejects_bad_salt_and_characters() {
        let key = CipherKey::from_key_text("1");
        let e = key.encrypt("a", MAX_SALT + 1, 1000).unwrap_err();
        assert_eq!(e.kind(), SecurityErrorKind::SaltOutOfRange);
        let e = key.encrypt("a@b", 5, 1000).unwrap_err();
        assert_eq!(e.kind(), SecurityErrorKind::CharacterNotInTable);
        assert!(!e.to_string().contains('@'), "plaintext must not leak: {e}");
        for bad in ["", "1000", "1000:3", "x:3:abc", "1:-3:abc", "1::abc"] {
            let e = key.decrypt(bad, 5).unwrap_err();
            assert_eq!(e.kind(), SecurityErrorKind::MalformedCiphertext, "{bad:?}");
        }
        let huge = format!("1:{}:abc", u128::MAX);
        assert_eq!(
            key.decrypt(&huge, 5).unwrap_err().kind(),
            SecurityErrorKind::BadMessage
        );
    }

    #[test]
    fn sprite_decrypt_is_weaker() {
        let key = CipherKey::from_key_text("777");
        let salt = 177_438_113_754;
        let c = key.encrypt("ab", salt, 1000).unwrap();
        assert_eq!(key.decrypt_as_sprite(&c, salt).unwrap(), "ab");
        // One character short: the reference refuses, the sprite accepts.
        let short = &c[..c.len() - 1];
        assert!(key.decrypt(short, salt).is_err());
        assert_eq!(key.decrypt_as_sprite(short, salt).unwrap(), "ab");
        // The last body character encrypts the marker's final 'S'; make it encrypt 's'.
        let mut chars: Vec<char> = c.chars().collect();
        let last = chars.len() - 1;
        let k = (index_of(chars[last]).unwrap() + TABLE_LEN - index_of('S').unwrap()) % TABLE_LEN;
        chars[last] = char_at((index_of('s').unwrap() + k) % TABLE_LEN);
        let altered: String = chars.iter().collect();
        assert!(key.decrypt(&altered, salt).is_err());
        assert_eq!(key.decrypt_as_sprite(&altered, salt).unwrap(), "ab");
        assert!(key.decrypt_as_sprite(&c[..c.len() - 2], salt).is_err());
        assert!(key.decrypt_as_sprite("1:x:abc", salt).is_err());
    }

    #[test]
    fn random_seed_in_range() {
        let mut rng = rand::thread_rng();
        for _ in 0..1000 {
            assert!((1000..=9998).contains(&random_seed(&mut rng)));
        }
    }
}
