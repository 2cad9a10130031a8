use crate::WireError;
use std::fmt;

/// A cloud variable value as it arrived or will be sent. The original text is kept, so a
/// 200-digit number is never rounded through a float (§1.3).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CloudValue {
    text: String,
    was_string: bool,
}

impl CloudValue {
    /// A value from text; it goes on the wire as a JSON string.
    pub fn new(text: impl Into<String>) -> Self {
        CloudValue {
            text: text.into(),
            was_string: true,
        }
    }

    /// A value from the raw JSON text of a received `value` member.
    ///
    /// # Errors
    /// The JSON parser's error when `raw` is not one JSON value.
    pub fn from_raw_json(raw: &str) -> Result<Self, serde_json::Error> {
        let raw = raw.trim();
        if raw.starts_with('"') {
            let text: String = serde_json::from_str(raw)?;
            Ok(CloudValue {
                text,
                was_string: true,
            })
        } else {
            // Validate it is JSON, but keep the exact text of numbers, booleans and null.
            let _: serde::de::IgnoredAny = serde_json::from_str(raw)?;
            Ok(CloudValue {
                text: raw.to_owned(),
                was_string: false,
            })
        }
    }

    /// The value's text (for a JSON number: its original digits).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The value's text, by value.
    pub fn into_string(self) -> String {
        self.text
    }

    /// Whether the value arrived as a JSON string (rather than a number or literal).
    pub fn was_string(&self) -> bool {
        self.was_string
    }

    /// Whether the text is a numeral: optional `-`, digits with an optional fraction
    /// (`5`, `-0.5`, `.5`, `5.`), optional exponent (`1e5`). This is what Scratch's
    /// cloud server stores; `nan`, `inf`, ` 7 ` and `1_000` are not numerals.
    pub fn is_numeral(&self) -> bool {
        is_numeral(&self.text)
    }
}

/// TurboWarp's value grammar for string values (its cloud-server's `isValidVariableValue`):
/// an optional `-`, then only ASCII digits and at most one `.`; `""` is accepted, `"-"` and
/// `"."` alone are not. No exponent, no `+`, no spaces. This is what TurboWarp's server relays
/// (anything else is dropped silently); the length limit is separate (100,000 characters on
/// TurboWarp, 256 on Scratch).
pub fn is_plain_decimal(s: &str) -> bool {
    if s == "-" || s == "." {
        return false;
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut seen_point = false;
    digits.bytes().all(|b| match b {
        b'0'..=b'9' => true,
        b'.' if !seen_point => {
            seen_point = true;
            true
        }
        _ => false,
    })
}

/// See [`CloudValue::is_numeral`].
pub fn is_numeral(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i = 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

impl fmt::Debug for CloudValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloudValue({:?})", self.text)
    }
}

impl fmt::Display for CloudValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<&str> for CloudValue {
    fn from(s: &str) -> Self {
        CloudValue::new(s)
    }
}

impl From<String> for CloudValue {
    fn from(s: String) -> Self {
        CloudValue::new(s)
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for CloudValue {
            fn from(n: $t) -> Self {
                CloudValue::new(n.to_string())
            }
        }
    )*};
}
from_integer!(i8, i16, i32, i64, i128, u8, u16, u32, u64, u128, isize, usize);

/// Which texts a server relays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueGrammar {
    /// [`is_plain_decimal`]: optional `-`, digits, at most one `.` (Scratch, TurboWarp).
    PlainDecimal,
    /// Any text (a custom server configured to relay strings).
    AnyString,
}

/// What a server relays, checked before anything is sent (§1.5). Anything else would be
/// dropped by the server without an error, so it is refused here with one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRules {
    grammar: ValueGrammar,
    max_chars: Option<usize>,
}

impl ValueRules {
    /// Scratch: plain decimals of at most 256 characters.
    pub fn scratch() -> Self {
        ValueRules {
            grammar: ValueGrammar::PlainDecimal,
            max_chars: Some(256),
        }
    }

    /// TurboWarp (and, by default, custom hosts): plain decimals of at most 100,000
    /// characters (`src/validators.js` of TurboWarp's cloud-server).
    pub fn turbowarp() -> Self {
        ValueRules {
            grammar: ValueGrammar::PlainDecimal,
            max_chars: Some(100_000),
        }
    }

    /// Any text of at most `max_chars` characters (for a custom server that relays strings).
    pub fn any_string(max_chars: Option<usize>) -> Self {
        ValueRules {
            grammar: ValueGrammar::AnyString,
            max_chars,
        }
    }

    /// The texts allowed (the same length limit).
    pub fn grammar(mut self, grammar: ValueGrammar) -> Self {
        self.grammar = grammar;
        self
    }

    /// Longest value text in characters; `None` = no limit (the same grammar).
    pub fn max_chars(mut self, max_chars: Option<usize>) -> Self {
        self.max_chars = max_chars;
        self
    }

    /// The texts allowed, as set by [`grammar`](Self::grammar).
    pub fn get_grammar(&self) -> ValueGrammar {
        self.grammar
    }

    /// The length limit, as set by [`max_chars`](Self::max_chars).
    pub fn get_max_chars(&self) -> Option<usize> {
        self.max_chars
    }

    /// Check `value` for variable `name`; the error names the variable, value and rule.
    ///
    /// # Errors
    /// A [`WireError`] of kind [`WireErrorKind::InvalidValue`](crate::WireErrorKind::InvalidValue) naming the variable, the value and the rule it breaks.
    pub fn check(&self, name: &str, value: &CloudValue) -> Result<(), WireError> {
        let bad = |rule: String| WireError::value(name, &truncate(value.as_str(), 80), &rule);
        let text = value.as_str();
        if self.grammar == ValueGrammar::PlainDecimal && !is_plain_decimal(text) {
            if matches!(text, "NaN" | "Infinity" | "-Infinity") {
                return Err(bad(crate::number::NOT_FINITE.to_owned()));
            }
            return Err(bad(
                "only plain decimals are relayed: an optional -, digits and at most one . \
                 (e.g. 42, -0.5; no exponent such as 1e5, no +, no spaces)"
                    .into(),
            ));
        }
        if let Some(max) = self.max_chars {
            let n = text.chars().count();
            if n > max {
                return Err(bad(format!("at most {max} characters (got {n})")));
            }
        }
        Ok(())
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numerals() {
        for ok in ["0", "42", "-0.5", "1e5", ".5", "5.", "0123", "1.5E-3"] {
            assert!(is_numeral(ok), "{ok}");
        }
        for bad in [
            "", "-", ".", "abc", "nan", "inf", " 7 ", "1_000", "1e", "1.2.3", "+1", "1-",
        ] {
            assert!(!is_numeral(bad), "{bad}");
        }
    }

    #[test]
    fn plain_decimals_follow_turbowarp() {
        for ok in ["", "0", "42", "-0.5", ".5", "5.", "-.", "0123", "-12.000"] {
            assert!(is_plain_decimal(ok), "{ok}");
        }
        for bad in [
            "-", ".", "1e5", "1E5", "+1", " 7", "7 ", "1.2.3", "--1", "1-", "nan", "١",
        ] {
            assert!(!is_plain_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn scratch_rules() {
        let r = ValueRules::scratch();
        assert!(r.check("x", &CloudValue::new("9".repeat(256))).is_ok());
        let e = r.check("x", &CloudValue::new("9".repeat(257))).unwrap_err();
        assert!(e.to_string().contains("at most 256"));
        let e = r.check("score", &CloudValue::new("abc")).unwrap_err();
        assert!(e.to_string().contains("score") && e.to_string().contains("abc"));
        assert!(ValueRules::any_string(None)
            .check("x", &"abc".into())
            .is_ok());
    }

    #[test]
    fn exponents_are_refused_naming_variable_value_and_rule() {
        for rules in [ValueRules::scratch(), ValueRules::turbowarp()] {
            for bad in ["1e5", "1E5", "+1", " 7", "1.2.3", "abc"] {
                let e = rules.check("score", &CloudValue::new(bad)).unwrap_err();
                let m = e.to_string();
                assert!(m.contains("score") && m.contains(bad.trim()), "{m}");
                assert!(m.contains("plain decimal"), "{m}");
            }
            for ok in ["", "0", "-0.5", ".5", "123456789012345678901234567890"] {
                assert!(rules.check("x", &CloudValue::new(ok)).is_ok(), "{ok}");
            }
        }
        let tw = ValueRules::turbowarp();
        assert!(tw.check("x", &CloudValue::new("9".repeat(100_000))).is_ok());
        let e = tw
            .check("x", &CloudValue::new("9".repeat(100_001)))
            .unwrap_err();
        assert!(e.to_string().contains("at most 100000"));
    }

    #[test]
    fn raw_json_keeps_digits() {
        let v = CloudValue::from_raw_json("123456789012345678901234567890").unwrap();
        assert_eq!(v.as_str(), "123456789012345678901234567890");
        assert!(!v.was_string());
        let v = CloudValue::from_raw_json("\"1.5\"").unwrap();
        assert_eq!(v.as_str(), "1.5");
        assert!(v.was_string());
        assert!(CloudValue::from_raw_json("{bad").is_err());
    }
}
