//! The kit's character table and the server's side of its value encoding
//! (docs/protocol.md §A3): two digits per character.

use crate::error::RequestError;

/// Codes 10–99 (index = code − 10); code 89 is the line-break marker, never a character.
const TABLE: [&str; 90] = [
    "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", " ", "a", "A", "b", "B", "c", "C", "d", "D",
    "e", "E", "f", "F", "g", "G", "h", "H", "i", "I", "j", "J", "k", "K", "l", "L", "m", "M", "n",
    "N", "o", "O", "p", "P", "q", "Q", "r", "R", "s", "S", "t", "T", "u", "U", "v", "V", "w", "W",
    "x", "X", "y", "Y", "z", "Z", "*", "/", ".", ",", "!", "\"", "§", "$", "%", "_", "-", "(", "´",
    ")", "`", "?", "new line", "@", "#", "~", ";", ":", "+", "&", "|", "^", "'",
];

/// The code that ends one item of a list reply (§5.1).
pub(crate) const LINE_BREAK: &str = "89";

/// The code of a character (`None` for one outside the table).
fn code(c: char) -> Option<usize> {
    let mut buf = [0u8; 4];
    let s: &str = c.encode_utf8(&mut buf);
    TABLE
        .iter()
        .position(|t| *t == s)
        .filter(|&i| i != 79)
        .map(|i| i + 10)
}

/// The server's encoding (§3.2): each character's code as two digits; a character outside
/// the table (including a line break) becomes a space (`20`), never a code below 10 (B10).
///
/// ```
/// assert_eq!(actors_requests::sa_encode("aA z!"), "2122207177");
/// ```
pub fn sa_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        let code = code(c).unwrap_or(20);
        out.push_str(&code.to_string());
    }
    out
}

/// The server's decoding (§3.4, 2.2.6): characters taken pairwise (an odd last one is
/// ignored), each pair read as Python's `int()` does (surrounding spaces allowed); `89` is
/// the text `new line`, codes 00–09 the text `None`, as the reference. Any other pair is an
/// error naming it (the reference loses the request).
///
/// # Errors
///
/// A [`RequestError`](crate::RequestError) naming the first pair that is not a character code.
pub fn sa_decode(digits: &str) -> Result<String, RequestError> {
    let chars: Vec<char> = digits.chars().collect();
    let mut out = String::with_capacity(chars.len() / 2);
    for pair in chars.chunks_exact(2) {
        let pair: String = pair.iter().collect();
        let trimmed = pair.trim_matches(|c: char| c.is_ascii_whitespace());
        let code = match trimmed.parse::<usize>() {
            Ok(code) if trimmed.bytes().all(|b| b.is_ascii_digit()) => code,
            _ => {
                return Err(RequestError::syntax(format!(
                    "scratchattach request {digits:?} has {pair:?} where two digits belong"
                )))
            }
        };
        out.push_str(if code < 10 { "None" } else { TABLE[code - 10] });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_positions() {
        assert_eq!(code('1'), Some(10));
        assert_eq!(code('a'), Some(21));
        assert_eq!(code('Z'), Some(72));
        assert_eq!(code('?'), Some(88));
        assert_eq!(code('\''), Some(99));
        assert_eq!(code('\n'), None);
        assert_eq!(code('é'), None);
    }

    #[test]
    fn decode_quirks() {
        assert_eq!(sa_decode("212").unwrap(), "a");
        assert_eq!(sa_decode("0521").unwrap(), "Nonea");
        assert_eq!(sa_decode("89").unwrap(), "new line");
        assert!(sa_decode("2a").is_err());
    }
}
