//! Typed handler parameters: how each request argument becomes the Rust type a handler
//! declares (the Rust form of the original's `auto_convert`).
//!
//! A handler's parameters are filled in order. Plain types ([`FromArg`]: `String`, integers,
//! floats, `bool`, `char`, [`Value`], …) take the next positional argument (or, when the
//! request was registered with [`params`](crate::RequestBuilder::params), the keyword
//! argument of that name); `Option<T>` takes it if there is one; [`Rest<T>`] takes all that
//! are left; [`Kwargs`] takes the keyword arguments no named parameter took; [`Caller`] is
//! the calling client and takes nothing. Arguments left over at the end are an error, so
//! are missing ones; each error names the argument and what was expected.
//!
//! Parameters of type [`Value`] (and `Rest<Value>`, [`Kwargs`]) receive the arguments
//! exactly as parsed, without any conversion: that is the original's behaviour (§9 S3:
//! annotations are never applied, so its `add "2" "3"` concatenates strings).

use std::collections::VecDeque;

use num_bigint::BigInt;

use crate::error::RequestError;
use crate::numbers::{js_number, py_float, py_int, Number};
use crate::value::Value;

/// The client a request came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Caller {
    /// The client id (5 digits on the wire, §3.3).
    pub client_id: String,
    /// The Scratch username of the client, when the cloud socket knows it.
    pub username: Option<String>,
}

impl Caller {
    /// A caller with an id and maybe a username.
    pub fn new(client_id: impl Into<String>, username: Option<String>) -> Caller {
        Caller {
            client_id: client_id.into(),
            username,
        }
    }
}

/// The arguments of one sub-request while a handler's parameters are filled from them.
#[derive(Debug)]
pub struct CallArgs {
    caller: Caller,
    request: String,
    positional: VecDeque<Value>,
    kwargs: Vec<(String, Value)>,
    names: Vec<String>,
    /// 1-based number of the next positional parameter.
    slot: usize,
}

impl CallArgs {
    /// Arguments for `request` from `caller`; `names` are the declared parameter names.
    pub fn new(
        caller: Caller,
        request: impl Into<String>,
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
        names: Vec<String>,
    ) -> CallArgs {
        CallArgs {
            caller,
            request: request.into(),
            positional: args.into(),
            kwargs,
            names,
            slot: 1,
        }
    }

    /// The calling client.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The request name.
    pub fn request(&self) -> &str {
        &self.request
    }

    /// The value for the next positional parameter, if the request has one, with a label
    /// for error messages.
    pub fn next_value(&mut self) -> Result<(Option<Value>, String), RequestError> {
        let slot = self.slot;
        self.slot += 1;
        let name = self.names.get(slot - 1).cloned();
        let from_keyword = name.as_ref().and_then(|n| {
            let i = self.kwargs.iter().position(|(k, _)| k == n)?;
            Some(self.kwargs.remove(i).1)
        });
        let label = match &name {
            Some(n) => format!("argument {slot} ({n}) of {}", self.request),
            None => format!("argument {slot} of {}", self.request),
        };
        match (self.positional.pop_front(), from_keyword) {
            (Some(_), Some(_)) => Err(RequestError::bad_argument(format!(
                "{} got multiple values for argument {:?}",
                self.request,
                name.unwrap_or_default()
            ))),
            (Some(v), None) | (None, Some(v)) => Ok((Some(v), label)),
            (None, None) => Ok((None, label)),
        }
    }

    /// All positional arguments not taken yet.
    pub fn take_rest(&mut self) -> Vec<(Value, String)> {
        let mut out = Vec::new();
        while let Some(v) = self.positional.pop_front() {
            let label = format!("argument {} of {}", self.slot, self.request);
            self.slot += 1;
            out.push((v, label));
        }
        out
    }

    /// All keyword arguments not taken yet.
    pub fn take_kwargs(&mut self) -> Vec<(String, Value)> {
        std::mem::take(&mut self.kwargs)
    }

    /// Check that every argument was used (called after the last parameter).
    pub fn finish(&self) -> Result<(), RequestError> {
        if !self.positional.is_empty() {
            let given = self.slot - 1 + self.positional.len();
            return Err(RequestError::bad_argument(format!(
                "{} takes {} argument{} but {given} were given",
                self.request,
                self.slot - 1,
                if self.slot == 2 { "" } else { "s" }
            )));
        }
        if let Some((k, _)) = self.kwargs.first() {
            return Err(RequestError::bad_argument(format!(
                "{} got an unexpected keyword argument {k:?}",
                self.request
            )));
        }
        Ok(())
    }
}

/// A handler parameter: takes what it needs from the call's arguments.
pub trait FromRequest: Sized {
    /// Extract the parameter.
    fn from_request(args: &mut CallArgs) -> Result<Self, RequestError>;
}

/// A type one request argument converts into.
pub trait FromArg: Sized {
    /// What the type accepts, for error messages ("an integer", "a number").
    const EXPECTED: &'static str;
    /// Convert one argument; `None` when it does not fit.
    fn from_arg(value: Value) -> Option<Self>;
}

fn convert<T: FromArg>(value: Value, label: &str) -> Result<T, RequestError> {
    // Error replies quote the argument, shortened: it may be as long as a message.
    let repr = value.repr();
    let shown = match repr.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &repr[..cut]),
        None => repr,
    };
    T::from_arg(value).ok_or_else(|| {
        RequestError::bad_argument(format!("{label} must be {}, got {shown}", T::EXPECTED))
    })
}

impl<T: FromArg> FromRequest for T {
    fn from_request(args: &mut CallArgs) -> Result<T, RequestError> {
        match args.next_value()? {
            (Some(v), label) => convert(v, &label),
            (None, label) => Err(RequestError::bad_argument(format!("{label} is missing"))),
        }
    }
}

impl<T: FromArg> FromRequest for Option<T> {
    fn from_request(args: &mut CallArgs) -> Result<Option<T>, RequestError> {
        match args.next_value()? {
            (Some(Value::None) | None, _) => Ok(None),
            (Some(v), label) => convert(v, &label).map(Some),
        }
    }
}

/// All remaining positional arguments (Python's `*args`), each converted to `T`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Rest<T>(pub Vec<T>);

impl<T: FromArg> FromRequest for Rest<T> {
    fn from_request(args: &mut CallArgs) -> Result<Rest<T>, RequestError> {
        let rest = args.take_rest();
        rest.into_iter()
            .map(|(v, label)| convert(v, &label))
            .collect::<Result<Vec<T>, _>>()
            .map(Rest)
    }
}

/// The keyword arguments no named parameter took (Python's `**kwargs`), in request order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Kwargs(pub Vec<(String, Value)>);

impl Kwargs {
    /// The value of keyword `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl FromRequest for Kwargs {
    fn from_request(args: &mut CallArgs) -> Result<Kwargs, RequestError> {
        Ok(Kwargs(args.take_kwargs()))
    }
}

impl FromRequest for Caller {
    fn from_request(args: &mut CallArgs) -> Result<Caller, RequestError> {
        Ok(args.caller().clone())
    }
}

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
        let s = String::from_arg(value)?;
        let mut chars = s.chars();
        let c = chars.next()?;
        chars.next().is_none().then_some(c)
    }
}

#[cfg(test)]
mod tests;
