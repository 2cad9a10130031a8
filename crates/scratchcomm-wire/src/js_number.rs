//! JavaScript's text for a number (`Number.prototype.toString`, which `JSON.stringify`
//! uses): what TurboWarp's server relays for a JSON number it parsed. `-0` → `0`,
//! `-1.5e-3` → `-0.0015`, `1e21` → `1e+21`, 30 nines → `1e+30`.
//!
//! The shortest digits that round-trip come from Rust's own formatter (`{:e}` without a
//! precision is the shortest round-trip form, as ECMAScript requires); only the layout
//! rules of ECMA-262 `Number::toString` are applied here.

/// JavaScript's `String(x)` for a finite `x`; `NaN`/`Infinity`/`-Infinity` as JS spells them.
pub fn js_number_text(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned(); // also -0
    }
    if x < 0.0 {
        return format!("-{}", js_number_text(-x));
    }
    if x.is_infinite() {
        return "Infinity".to_owned();
    }
    let sci = format!("{x:e}"); // e.g. "1.2345678901234568e29", "5e-7"
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    let k = digits.len() as i32;
    let n = exp + 1; // x = 0.digits × 10^n
    if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        format!("{int}.{frac}")
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        let dot = if rest.is_empty() { "" } else { "." };
        format!("{first}{dot}{rest}e{sign}{}", e.abs())
    }
}

/// The number a JSON number text means to JavaScript's `JSON.parse` (correctly rounded;
/// too large magnitudes become infinite, too small ones zero). `None` if `text` is not a
/// JSON number.
pub fn js_parse_number(text: &str) -> Option<f64> {
    let t = text.trim();
    let body = t.strip_prefix('-').unwrap_or(t);
    let json_like = body.starts_with(|c: char| c.is_ascii_digit())
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    if !json_like {
        return None;
    }
    t.parse::<f64>().ok()
}

/// JavaScript's `StrWhiteSpaceChar`: whitespace and line terminators, what `Number()`
/// ignores around a number (Unicode `White_Space` except U+0085, plus U+FEFF).
pub fn is_js_space(c: char) -> bool {
    c == '\u{feff}' || (c.is_whitespace() && c != '\u{85}')
}

/// A text JavaScript's `Number()` reads as a number (ECMA-262 `StringNumericLiteral`, not
/// empty or whitespace only), split into its parts. Borrowed from the text, after trimming
/// JavaScript whitespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsNumericLiteral<'a> {
    /// `0x…`, `0o…` or `0b…` (prefix in either case, no sign): `digits` are non-empty and
    /// all valid in `radix`.
    Radix {
        /// 16, 8 or 2.
        radix: u32,
        /// The digits after the prefix.
        digits: &'a str,
    },
    /// `Infinity`, `+Infinity` or `-Infinity`.
    Infinity {
        /// Whether it was `-Infinity`.
        negative: bool,
    },
    /// A decimal literal: digits with an optional `.` and exponent.
    Decimal {
        /// Whether it started with `-`.
        negative: bool,
        /// The literal without its sign, e.g. `5.`, `.5`, `1e-3`.
        body: &'a str,
        /// Number of digits before the `.` (or before the exponent).
        int_digits: usize,
        /// Whether there is a `.` or an exponent (JavaScript makes no difference; Python's
        /// side of a request does).
        fractional: bool,
    },
}

/// Splits `text` as JavaScript's `Number()` reads it; `None` when the result would be NaN or
/// the text is empty or whitespace only (what Scratch quotes, §8.1).
pub fn js_numeric_literal(text: &str) -> Option<JsNumericLiteral<'_>> {
    let t = text.trim_matches(is_js_space);
    if t.is_empty() {
        return None;
    }
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if t.len() > 2 && t.get(..2).is_some_and(|p| p.eq_ignore_ascii_case(prefix)) {
            let digits = &t[2..];
            return digits
                .chars()
                .all(|c| c.is_digit(radix))
                .then_some(JsNumericLiteral::Radix { radix, digits });
        }
    }
    let (negative, body) = match t.as_bytes()[0] {
        b'-' => (true, &t[1..]),
        b'+' => (false, &t[1..]),
        _ => (false, t),
    };
    if body == "Infinity" {
        return Some(JsNumericLiteral::Infinity { negative });
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    if let Some(exp) = exponent {
        let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if exp.is_empty() || !all_digits(exp) {
            return None;
        }
    }
    Some(JsNumericLiteral::Decimal {
        negative,
        body,
        int_digits: int.len(),
        fractional: exponent.is_some() || mantissa.contains('.'),
    })
}

/// Numeric in Scratch's sense (§8.1): not empty or whitespace only, and JavaScript
/// `Number(text)` is not NaN. What the sprite sends without quotes.
pub fn is_scratch_numeric(text: &str) -> bool {
    js_numeric_literal(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_javascript() {
        let cases: &[(f64, &str)] = &[
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-1.5e-3, "-0.0015"),
            (123456789012345678901234567890.0, "1.2345678901234568e+29"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123e18, "123000000000000000000"),
            (1.5, "1.5"),
            (0.1, "0.1"),
            (0.000001, "0.000001"),
            (0.0000001, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (100000.0, "100000"),
            (0.1 + 0.2, "0.30000000000000004"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (x, want) in cases {
            assert_eq!(js_number_text(*x), *want, "{x:?}");
        }
    }

    #[test]
    fn parsing_is_json_numbers_only() {
        assert_eq!(js_parse_number("1e400"), Some(f64::INFINITY));
        assert_eq!(js_parse_number("-1e-400"), Some(-0.0));
        assert_eq!(js_parse_number("1E+5"), Some(100000.0));
        assert_eq!(js_parse_number("\"5\""), None);
        assert_eq!(js_parse_number("inf"), None);
        assert_eq!(js_parse_number("NaN"), None);
        assert_eq!(js_parse_number("true"), None);
    }

    #[test]
    fn numeric_like_javascript() {
        for yes in [
            "5",
            "5.0",
            "-5",
            " 5",
            "1e5",
            "0x1A",
            "0O17",
            "Infinity",
            "-Infinity",
            ".5",
            "5.",
            "+3",
            "0b101",
            "1E-3",
            "5\u{a0}\u{feff}\n",
        ] {
            assert!(is_scratch_numeric(yes), "{yes:?}");
        }
        for no in [
            "", "  ", "abc", "nan", "NaN", "true", "-0x1A", "1_000", "1e", ".", "5-", "0x",
            "infinity", "1.2.3", "e5", "٣", "5 6", "ä",
        ] {
            assert!(!is_scratch_numeric(no), "{no:?}");
        }
        assert_eq!(
            js_numeric_literal(" -.5e3 "),
            Some(JsNumericLiteral::Decimal {
                negative: true,
                body: ".5e3",
                int_digits: 0,
                fractional: true
            })
        );
        assert_eq!(
            js_numeric_literal("0X1f"),
            Some(JsNumericLiteral::Radix {
                radix: 16,
                digits: "1f"
            })
        );
    }

    #[test]
    fn javascript_whitespace() {
        assert!(is_js_space('\u{feff}') && is_js_space('\u{3000}') && is_js_space('\u{2028}'));
        assert!(!is_js_space('\u{85}') && !is_js_space('\u{1c}') && !is_js_space('x'));
    }
}
