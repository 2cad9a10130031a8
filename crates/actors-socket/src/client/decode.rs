//! The sprite's digit decoding (§3.2 "Client decode"), with one refinement the recorded
//! sprite transcripts show (`sprite_e2e.json`, insecure session): a pair is a *number* in
//! JavaScript's sense, so `-3` (which appears when the sprite keeps a packet's leading `-`,
//! §9 C1) selects costume −3 and wraps to table position 88 (`<`), while `5-` is not a
//! number and repeats the previous character.
//!
//! `actors_security::encoding::client_decode` treats `-3` as not a number; this module is
//! what the client uses until that is aligned.

use actors_security::encoding::TABLE;

/// The table position (0-based) a pair selects, or `None` when the pair is not a number.
fn pair_index(a: char, b: char) -> Option<usize> {
    let n: i64 = match (a, b.to_digit(10)) {
        (_, None) => return None,
        ('-', Some(d)) => -i64::from(d),
        (a, Some(d)) => i64::from(a.to_digit(10)?) * 10 + i64::from(d),
    };
    // Scratch: costume number n → index wrapClamp(n - 1, 0, 90).
    Some((n - 1).rem_euclid(91) as usize)
}

/// Decodes digits the way the sprite's costume trick does; never fails.
pub fn sprite_decode(digits: &str) -> String {
    let table: Vec<char> = TABLE.chars().collect();
    let chars: Vec<char> = digits.chars().collect();
    let mut out = String::with_capacity(chars.len() / 2 + 1);
    let mut previous: Option<char> = None;
    let mut pairs = chars.chunks_exact(2);
    for pair in pairs.by_ref() {
        let decoded = pair_index(pair[0], pair[1])
            .and_then(|i| table.get(i).copied())
            .or(previous);
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
    use actors_security::encoding::client_decode;

    #[test]
    fn negative_pairs_wrap_and_broken_pairs_repeat() {
        assert_eq!(sprite_decode("-3"), "<");
        assert_eq!(sprite_decode("-0"), "*");
        assert_eq!(sprite_decode("015-02"), "aab");
        assert_eq!(sprite_decode("5-01"), "a");
        assert_eq!(sprite_decode("--"), "");
        assert_eq!(sprite_decode("0"), "0");
        assert_eq!(sprite_decode("929900"), "ah*");
    }

    #[test]
    fn same_as_security_on_digits() {
        for s in ["", "0102", "9192", "00", "123", "7272727"] {
            assert_eq!(sprite_decode(s), client_decode(s), "{s}");
        }
    }
}
