//! Character classes and number conversions of the two worlds a request crosses: Python
//! (`int()`, `float()`, `str.isspace`, regex `\w`) on the server side of the reference, and
//! JavaScript `Number()` on the sprite side (docs/protocol.md §8.1, §8.2).

use num_bigint::BigInt;
use scratchcomm_wire::{js_numeric_literal, JsNumericLiteral};

/// A number as the request parsers produce it: Python keeps integers exact and uses a
/// float as soon as there is a `.` (or, for the sprite's raw numbers, an exponent).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Number {
    Int(BigInt),
    Float(f64),
}

/// Zero of every run of ten Unicode decimal digits (general category Nd, Unicode 14, the
/// version of the reference's Python 3.11); digit `d` of a run is `zero + d`.
const DECIMAL_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The value of a Unicode decimal digit (`'7'` → 7, `'٣'` → 3), as Python's `int()` reads it.
pub(crate) fn decimal_value(c: char) -> Option<u32> {
    let cp = c as u32;
    let idx = DECIMAL_ZEROS.partition_point(|&z| z <= cp);
    let zero = *DECIMAL_ZEROS.get(idx.checked_sub(1)?)?;
    (cp - zero < 10).then_some(cp - zero)
}

/// Python's `str.isspace()` (what `str.strip()`, `int()` and `float()` remove).
pub(crate) fn is_py_space(c: char) -> bool {
    matches!(c, '\u{1c}'..='\u{1f}' | '\u{85}') || c.is_whitespace()
}

pub(crate) use scratchcomm_wire::is_js_space;
#[cfg(test)]
use scratchcomm_wire::is_scratch_numeric;

/// Python regex `\w` for `str` patterns (letters, digits, numerics, underscore).
pub(crate) fn is_word_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Python `str.strip()`.
pub(crate) fn py_strip(text: &str) -> &str {
    text.trim_matches(is_py_space)
}

/// Replace Unicode decimal digits by ASCII ones (what Python's `int()`/`float()` do first);
/// `None` when another non-ASCII character remains.
fn ascii_digits(text: &str) -> Option<String> {
    text.chars()
        .map(|c| match decimal_value(c) {
            Some(d) => char::from_digit(d, 10),
            None if c.is_ascii() => Some(c),
            None => None,
        })
        .collect()
}

/// `digit (["_"] digit)*` with ASCII digits: true when `s` is that; underscores removed into `out`.
fn digit_part(s: &str, out: &mut String) -> bool {
    let bytes = s.as_bytes();
    if bytes.is_empty() || !bytes[0].is_ascii_digit() || !bytes[bytes.len() - 1].is_ascii_digit() {
        return false;
    }
    let mut prev_underscore = false;
    for &b in bytes {
        match b {
            b'_' if prev_underscore => return false,
            b'_' => prev_underscore = true,
            b'0'..=b'9' => {
                prev_underscore = false;
                out.push(b as char);
            }
            _ => return false,
        }
    }
    true
}

/// Python `int(text)` (base 10): surrounding whitespace, an optional sign, Unicode decimal
/// digits with single underscores between them.
pub(crate) fn py_int(text: &str) -> Option<BigInt> {
    let ascii = ascii_digits(py_strip(text))?;
    let (negative, body) = match ascii.as_bytes().first()? {
        b'-' => (true, &ascii[1..]),
        b'+' => (false, &ascii[1..]),
        _ => (false, &ascii[..]),
    };
    let mut digits = String::with_capacity(body.len() + 1);
    if negative {
        digits.push('-');
    }
    if !digit_part(body, &mut digits) || digits.len() - usize::from(negative) > MAX_STR_DIGITS {
        return None;
    }
    digits.parse().ok()
}

/// Python 3.11's limit on decimal digits converted by `int()` (`sys.int_info`), which the
/// reference runs with; longer numbers are errors there, and quadratic work here.
pub(crate) const MAX_STR_DIGITS: usize = 4300;

/// Python `float(text)`: whitespace, sign, `5`, `5.`, `.5`, exponents, underscores between
/// digits, `inf`/`infinity`/`nan` in any case, Unicode decimal digits.
pub(crate) fn py_float(text: &str) -> Option<f64> {
    let ascii = ascii_digits(py_strip(text))?;
    let (sign, body) = match ascii.as_bytes().first()? {
        b'-' => ("-", &ascii[1..]),
        b'+' => ("", &ascii[1..]),
        _ => ("", &ascii[..]),
    };
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        let v = if lower == "nan" {
            f64::NAN
        } else {
            f64::INFINITY
        };
        return Some(if sign == "-" { -v } else { v });
    }
    let mut clean = String::from(sign);
    let (mantissa, exponent) = match lower.find('e') {
        Some(i) => (&lower[..i], Some(&lower[i + 1..])),
        None => (&lower[..], None),
    };
    match mantissa.split_once('.') {
        Some((int, frac)) => {
            if int.is_empty() && frac.is_empty() {
                return None;
            }
            if !int.is_empty() && !digit_part(int, &mut clean) {
                return None;
            }
            clean.push('.');
            if !frac.is_empty() && !digit_part(frac, &mut clean) {
                return None;
            }
        }
        None => {
            if !digit_part(mantissa, &mut clean) {
                return None;
            }
        }
    }
    if let Some(exp) = exponent {
        clean.push('e');
        let digits = match exp.as_bytes().first() {
            Some(b'-') => {
                clean.push('-');
                &exp[1..]
            }
            Some(b'+') => &exp[1..],
            _ => exp,
        };
        if !digit_part(digits, &mut clean) {
            return None;
        }
    }
    if clean.starts_with('.') || clean.starts_with("-.") {
        clean = clean.replacen('.', "0.", 1);
    }
    clean.parse().ok()
}

/// JavaScript `Number(text)` for a text that is numeric in Scratch's sense (the grammar is
/// `scratchcomm_wire::js_numeric_literal`). `None` for everything the sprite would quote.
/// Integers stay exact like Python would keep them, up to Python's digit limit.
pub(crate) fn js_number(text: &str) -> Option<Number> {
    match js_numeric_literal(text)? {
        JsNumericLiteral::Radix { radix, digits } => {
            BigInt::parse_bytes(digits.as_bytes(), radix).map(Number::Int)
        }
        JsNumericLiteral::Infinity { negative } => Some(Number::Float(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        })),
        JsNumericLiteral::Decimal {
            negative,
            body,
            int_digits,
            fractional,
        } => {
            let signed = if negative {
                format!("-{body}")
            } else {
                body.to_string()
            };
            if !fractional && int_digits <= MAX_STR_DIGITS {
                return signed.parse().ok().map(Number::Int);
            }
            let normal = if signed.contains("-.") || signed.starts_with('.') {
                signed.replacen('.', "0.", 1)
            } else {
                signed
            };
            normal.parse().ok().map(Number::Float)
        }
    }
}

#[cfg(test)]
mod tests;
