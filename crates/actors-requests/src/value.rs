//! The values a request carries: what the parsers produce and what untyped handlers receive.

use std::fmt;

use num_bigint::BigInt;

use crate::numbers::Number;

/// One argument of a request, as parsed from the text (docs/protocol.md §8.2).
///
/// `Display` is Python's `str()` of the same value (`5`, `5.0`, `True`, `None`, the text of a
/// string), so a handler returning a `Value` replies exactly what the original would.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A quoted string (`"a"`, `'a'`).
    Str(String),
    /// An integer; exact at any size, like Python's `int`.
    Int(BigInt),
    /// A number with a `.` (or an exponent).
    Float(f64),
    /// `True` / `False` (Python-call syntax only).
    Bool(bool),
    /// `None` (Python-call syntax only).
    None,
}

impl Value {
    /// The name of the value's type as Python spells it (`str`, `int`, `float`, `bool`,
    /// `NoneType`), used in error replies.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "str",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::None => "NoneType",
        }
    }

    /// The string, if this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The integer, if this is an `Int` that fits an `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => i64::try_from(n).ok(),
            _ => None,
        }
    }

    /// The number as an `f64`, if this is an `Int` or a `Float`.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(n) => Some(num_traits::ToPrimitive::to_f64(n).unwrap_or(f64::NAN)),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Python's `repr()` of the value (`'a'`, `5`, `5.0`, `True`, `None`).
    pub fn repr(&self) -> String {
        match self {
            Value::Str(s) => py_repr_str(s),
            other => other.to_string(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => f.write_str(&py_float_repr(*x)),
            Value::Bool(true) => f.write_str("True"),
            Value::Bool(false) => f.write_str("False"),
            Value::None => f.write_str("None"),
        }
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Value {
        match n {
            Number::Int(i) => Value::Int(i),
            Number::Float(x) => Value::Float(x),
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Value {
        Value::Int(BigInt::from(n))
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// Python's `repr(float)` (= `str(float)`) — shortest round-trip digits, `.0` on integral
/// values, `inf`, `nan` — except that the digits are always plain decimal
/// (`scratchcomm_wire::plain_decimal`, the one place typed numbers become text): Python's
/// `1e+16` is `10000000000000000.0` and `1e-05` is `0.00001` here, and `-0.0` is `0.0`, so a
/// reply the sprite shows or stores never carries an exponent.
pub fn py_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    let plain = scratchcomm_wire::plain_decimal(x).unwrap_or_default();
    if plain.contains('.') {
        plain
    } else {
        format!("{plain}.0")
    }
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`; backslash escapes
/// for `\`, the quote, `\t`, `\n`, `\r` and other control characters.
pub fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || (0x7f..0xa0).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_like_python_without_exponents() {
        let cases = [
            (5.0, "5.0"),
            (5.5, "5.5"),
            (0.5, "0.5"),
            (-0.0, "0.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e16, "10000000000000000.0"),
            (1e15, "1000000000000000.0"),
            (123456789012345680.0, "123456789012345680.0"),
            (0.0001, "0.0001"),
            (0.00001, "0.00001"),
            (1.5e-7, "0.00000015"),
            (-2.5e20, "-250000000000000000000.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (x, want) in cases {
            assert_eq!(py_float_repr(x), want, "{x:?}");
        }
    }

    #[test]
    fn strings_repr_like_python() {
        assert_eq!(py_repr_str("hello"), "'hello'");
        assert_eq!(py_repr_str("it's"), "\"it's\"");
        assert_eq!(py_repr_str("a \"q\" \\ b"), "'a \"q\" \\\\ b'");
        assert_eq!(py_repr_str("it's \"q\" \\"), "'it\\'s \"q\" \\\\'");
        assert_eq!(py_repr_str("a\nb\u{1}"), "'a\\nb\\x01'");
        assert_eq!(py_repr_str("日本"), "'日本'");
    }

    #[test]
    fn str_of_values() {
        assert_eq!(Value::from(5).to_string(), "5");
        assert_eq!(Value::Float(5.0).to_string(), "5.0");
        assert_eq!(Value::Bool(true).to_string(), "True");
        assert_eq!(Value::None.to_string(), "None");
        assert_eq!(Value::from("x").to_string(), "x");
        assert_eq!(Value::from("x").repr(), "'x'");
        assert_eq!(Value::Float(2.5).repr(), "2.5");
        assert_eq!(Value::Int(BigInt::from(3)).as_f64(), Some(3.0));
        assert_eq!(Value::from(3).type_name(), "int");
    }
}
