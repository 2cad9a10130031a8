//! [`FromArg`] for the plain types: strings, integers, floats, `bool`, `char`, [`Value`].

use num_bigint::BigInt;

use super::FromArg;
use crate::numbers::{js_number, py_float, py_int, Number};
use crate::value::Value;

impl FromArg for Value {
    const EXPECTED: &'static str = "a value";
    fn from_arg(value: Value) -> Option<Value> {
        Some(value)
    }
}

impl FromArg for String {
    const EXPECTED: &'static str = "a string";
    /// Python's `str(value)`: numbers as written by Python, `True`, `None`.
    fn from_arg(value: Value) -> Option<String> {
        Some(match value {
            Value::Str(s) => s,
            other => other.to_string(),
        })
    }

    /// An unquoted number as sent (`007`, `1e3`, `0x1A`), else [`from_arg`](Self::from_arg).
    fn from_arg_text(value: Value, text: Option<&str>) -> Option<String> {
        match text {
            Some(t) => Some(t.to_string()),
            None => String::from_arg(value),
        }
    }
}

impl FromArg for BigInt {
    const EXPECTED: &'static str = "an integer";
    fn from_arg(value: Value) -> Option<BigInt> {
        match value {
            Value::Int(n) => Some(n),
            Value::Float(x) if x.fract() == 0.0 && x.is_finite() => py_int(&format!("{x:.0}")),
            Value::Bool(b) => Some(BigInt::from(u8::from(b))),
            Value::Str(s) => py_int(&s).or_else(|| match js_number(&s)? {
                Number::Int(n) => Some(n),
                Number::Float(x) => BigInt::from_arg(Value::Float(x)),
            }),
            Value::Float(_) | Value::None => None,
        }
    }
}

macro_rules! integer_args {
    ($($t:ty => $expected:literal),* $(,)?) => {$(
        impl FromArg for $t {
            const EXPECTED: &'static str = $expected;
            fn from_arg(value: Value) -> Option<$t> {
                <$t>::try_from(BigInt::from_arg(value)?).ok()
            }
        }
    )*};
}

integer_args! {
    i8 => "an integer from -128 to 127",
    u8 => "an integer from 0 to 255",
    i16 => "an integer from -32768 to 32767",
    u16 => "an integer from 0 to 65535",
    i32 => "an integer from -2147483648 to 2147483647",
    u32 => "an integer from 0 to 4294967295",
    i64 => "an integer from -9223372036854775808 to 9223372036854775807",
    u64 => "an integer from 0 to 18446744073709551615",
    i128 => "a 128-bit integer",
    u128 => "a non-negative 128-bit integer",
    isize => "an integer",
    usize => "a non-negative integer",
}

impl FromArg for f64 {
    const EXPECTED: &'static str = "a number";
    fn from_arg(value: Value) -> Option<f64> {
        match value {
            Value::Str(s) => py_float(&s).or_else(|| Value::from(js_number(&s)?).as_f64()),
            Value::Bool(b) => Some(f64::from(u8::from(b))),
            other => other.as_f64(),
        }
    }
}

impl FromArg for f32 {
    const EXPECTED: &'static str = "a number";
    fn from_arg(value: Value) -> Option<f32> {
        f64::from_arg(value).map(|x| x as f32)
    }
}

impl FromArg for bool {
    const EXPECTED: &'static str = "true or false (or 1 or 0)";
    fn from_arg(value: Value) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(b),
            Value::Int(n) if n == BigInt::from(0) => Some(false),
            Value::Int(n) if n == BigInt::from(1) => Some(true),
            Value::Float(0.0) => Some(false),
            Value::Float(1.0) => Some(true),
            Value::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

impl FromArg for char {
    const EXPECTED: &'static str = "a single character";
    fn from_arg(value: Value) -> Option<char> {
        char::from_arg_text(value, None)
    }

    fn from_arg_text(value: Value, text: Option<&str>) -> Option<char> {
        let s = String::from_arg_text(value, text)?;
        let mut chars = s.chars();
        let c = chars.next()?;
        chars.next().is_none().then_some(c)
    }
}
