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
}
