//! The 91-character table and the digit encoding of cloud sockets (docs/protocol.md §3.2).
//!
//! Every character has a two-digit code (its 1-based position in [`TABLE`]). The server
//! form ([`server_encode`]) starts with a `1` so leading zeros survive numeric handling;
//! the client (sprite) form ([`client_encode`]) has no prefix and works per UTF-16 unit.

use crate::error::{SecurityError, SecurityErrorKind};

/// The table, in code order: code `01` is `a`, code `91` is `*`.
pub const TABLE: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,-:;_'#!\"§$%&/()=?{[]}\\0123456789<>ß*";

/// Number of characters in [`TABLE`].
pub const TABLE_LEN: usize = 91;

/// The table as characters; `TABLE_CHARS[i]` has code `i + 1`.
pub(crate) const TABLE_CHARS: [char; TABLE_LEN] = table_chars();

/// The code of `?`, written for every character outside the table.
pub const UNKNOWN_CODE: &str = "72";

const fn table_chars() -> [char; TABLE_LEN] {
    // Built from the same literal as TABLE; checked against it in the tests.
    let ascii = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,-:;_'#!\"?$%&/()=?{[]}\\0123456789<>?*";
    let mut out = ['\0'; TABLE_LEN];
    let mut i = 0;
    while i < TABLE_LEN {
        out[i] = ascii[i] as char;
        i += 1;
    }
    out[63] = '§';
    out[89] = 'ß';
    out
}

/// 0-based table index of `c`, or `None` when `c` is not in the table.
pub fn index_of(c: char) -> Option<usize> {
    match c {
        'a'..='z' => Some(c as usize - 'a' as usize),
        'A'..='Z' => Some(c as usize - 'A' as usize + 26),
        '0'..='9' => Some(c as usize - '0' as usize + 77),
        '§' => Some(63),
        'ß' => Some(89),
        _ => {
            let punct = " .,-:;_'#!\"";
            let rest = "$%&/()=?{[]}\\";
            if let Some(p) = punct.find(c) {
                Some(52 + p)
            } else if let Some(p) = rest.find(c) {
                Some(64 + p)
            } else {
                match c {
                    '<' => Some(87),
                    '>' => Some(88),
                    '*' => Some(90),
                    _ => None,
                }
            }
        }
    }
}

/// The table character at 0-based index `i` (`i < 91`).
pub(crate) fn char_at(i: usize) -> char {
    TABLE_CHARS[i % TABLE_LEN]
}

/// Whether `c` is one of the 91 table characters.
pub fn in_table(c: char) -> bool {
    index_of(c).is_some()
}

/// Replaces every character outside the table by `?` (§7.5).
pub fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| if in_table(c) { c } else { '?' })
        .collect()
}

fn push_code(out: &mut String, index: Option<usize>) {
    match index {
        Some(i) => {
            let code = i + 1;
            out.push((b'0' + (code / 10) as u8) as char);
            out.push((b'0' + (code % 10) as u8) as char);
        }
        None => out.push_str(UNKNOWN_CODE),
    }
}

/// Server (reference) encoding: `"1"` then the two-digit code of every character;
/// characters outside the table become `72` (`?`).
pub fn server_encode(text: &str) -> String {
    let mut out = String::with_capacity(1 + 2 * text.len());
    out.push('1');
    for c in text.chars() {
        push_code(&mut out, index_of(c));
    }
    out
}

/// Client (sprite) encoding: the two-digit codes without a leading `1`, per UTF-16
/// code unit (a character outside the BMP becomes `7272`).
pub fn client_encode(text: &str) -> String {
    let mut out = String::with_capacity(2 * text.len());
    for c in text.chars() {
        let index = index_of(c);
        if index.is_none() && c.len_utf16() == 2 {
            out.push_str(UNKNOWN_CODE);
        }
        push_code(&mut out, index);
    }
    out
}

/// Server (reference) decoding of a digit string without its leading `1`.
///
/// Pairs are read from the start; a trailing odd digit is ignored; `00` is `*` (the
/// last table character); pairs 92–99 are dropped with a warning. Any character that is
/// not an ASCII digit is an error naming its position.
///
/// # Errors
/// [`SecurityErrorKind::InvalidDigits`] naming the position of the first non-digit.
pub fn server_decode(digits: &str) -> Result<String, SecurityError> {
    if let Some((pos, c)) = digits.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        return Err(SecurityError::new(
            SecurityErrorKind::InvalidDigits,
            format!("expected only decimal digits, found {c:?} at byte {pos}"),
        ));
    }
    let bytes = digits.as_bytes();
    let mut out = String::with_capacity(bytes.len() / 2);
    let mut dropped = 0usize;
    for pair in bytes.chunks_exact(2) {
        let p = usize::from(pair[0] - b'0') * 10 + usize::from(pair[1] - b'0');
        match p {
            0 => out.push(char_at(TABLE_LEN - 1)),
            1..=91 => out.push(char_at(p - 1)),
            _ => dropped += 1,
        }
    }
    if dropped > 0 {
        tracing::warn!(dropped, "server_decode dropped digit pairs outside 00-91");
    }
    Ok(out)
}

/// The 0-based table index a two-character pair selects in the sprite, which switches
/// to costume `Number(pair)`: the pair is a number in JavaScript's sense (surrounding
/// whitespace ignored, `-3`, `5.`, `.5` are numbers; `5-` is not), and costume `n` is
/// index `wrapClamp(round(n - 1), 0, 90)`. `None` when the pair is not a number.
fn sprite_pair_index(pair: &[char]) -> Option<usize> {
    let text: String = pair.iter().collect();
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if trimmed.is_empty()
        || !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || "+-.".contains(c))
    {
        return None;
    }
    let n: f64 = trimmed.parse().ok()?;
    // Math.round rounds halves up; then wrap into 0..=90.
    let index = (n - 1.0 + 0.5).floor() as i64;
    Some(index.rem_euclid(TABLE_LEN as i64) as usize)
}

/// Client (sprite) decoding; never fails.
///
/// Each pair selects `TABLE[((p - 1) mod 91) + 1]` where `p` is the pair read as a
/// JavaScript number (so `00` is `*`, `92` is `a`, and `-3`, which appears when the
/// sprite keeps a packet's leading `-` (§9 C1), is `<`); a trailing single character
/// decodes to itself; a pair that is not a number (`5-`) repeats the previously
/// decoded character (nothing if there is none).
pub fn client_decode(digits: &str) -> String {
    let chars: Vec<char> = digits.chars().collect();
    let mut out = String::with_capacity(chars.len() / 2 + 1);
    let mut previous: Option<char> = None;
    let mut pairs = chars.chunks_exact(2);
    for pair in pairs.by_ref() {
        let decoded = sprite_pair_index(pair).map(char_at).or(previous);
        if let Some(c) = decoded {
            out.push(c);
            previous = Some(c);
        }
    }
    if let [last] = pairs.remainder() {
        out.push(*last);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_chars_match_table_and_index_of() {
        let from_str: Vec<char> = TABLE.chars().collect();
        assert_eq!(from_str.len(), TABLE_LEN);
        assert_eq!(from_str, TABLE_CHARS.to_vec());
        for (i, c) in TABLE.chars().enumerate() {
            assert_eq!(index_of(c), Some(i), "index of {c:?}");
        }
        for c in ['+', '@', '~', '`', '^', '|', '\t', '\n', 'é', 'ẞ', '😀'] {
            assert!(!in_table(c), "{c:?} must not be in the table");
        }
    }

    #[test]
    fn question_mark_is_72() {
        assert_eq!(server_encode("?"), "172");
        assert_eq!(client_encode("@"), "72");
        assert_eq!(sanitize("a+b😀"), "a?b?");
    }

    #[test]
    fn server_decode_rejects_non_digits() {
        let err = server_decode("01a2").unwrap_err();
        assert_eq!(err.kind(), SecurityErrorKind::InvalidDigits);
        assert!(err.detail().contains("'a'"), "{err}");
        assert!(server_decode("0١").is_err());
    }

    #[test]
    fn client_decode_repeats_previous_on_non_number() {
        assert_eq!(client_decode("015-02"), "aab");
        assert_eq!(client_decode("5-01"), "a");
        assert_eq!(client_decode("0"), "0");
        assert_eq!(client_decode("--"), "");
    }

    #[test]
    fn client_decode_reads_pairs_as_javascript_numbers() {
        assert_eq!(client_decode("-3"), "<");
        assert_eq!(client_decode("-0"), "*");
        assert_eq!(client_decode("929900"), "ah*");
        assert_eq!(client_decode(" 1"), "a");
        assert_eq!(client_decode("2 "), "b");
        assert_eq!(client_decode("5."), "e");
        assert_eq!(client_decode(".5"), "a", "round(-0.5) is -0 in JavaScript");
        assert_eq!(client_decode("01  "), "aa", "whitespace-only repeats");
        assert_eq!(client_decode("01.."), "aa");
    }
}
