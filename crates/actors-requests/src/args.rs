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

use crate::error::RequestError;
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
    positional: VecDeque<(Value, Option<String>)>,
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
            positional: args.into_iter().map(|v| (v, None)).collect(),
            kwargs,
            names,
            slot: 1,
        }
    }

    /// Attach the texts of unquoted numbers ([`SubRequest::texts`](crate::SubRequest::texts)),
    /// which `String` parameters receive as sent.
    pub fn texts(mut self, texts: Vec<Option<String>>) -> CallArgs {
        for ((_, slot), text) in self.positional.iter_mut().zip(texts) {
            *slot = text;
        }
        self
    }

    /// The calling client.
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    /// The request name.
    pub fn request(&self) -> &str {
        &self.request
    }

    /// The next positional parameter's argument, if the request has one.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) naming the request when a keyword argument has no parameter to go to.
    pub fn next_value(&mut self) -> Result<Slot, RequestError> {
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
        let (value, text) = match (self.positional.pop_front(), from_keyword) {
            (Some(_), Some(_)) => {
                return Err(RequestError::bad_argument(format!(
                    "{} got multiple values for argument {:?}",
                    self.request,
                    name.unwrap_or_default()
                )))
            }
            (Some((v, text)), None) => (Some(v), text),
            (None, Some(v)) => (Some(v), None),
            (None, None) => (None, None),
        };
        Ok(Slot { value, text, label })
    }

    /// All positional arguments not taken yet.
    pub fn take_rest(&mut self) -> Vec<Slot> {
        let mut out = Vec::new();
        while let Some((v, text)) = self.positional.pop_front() {
            let label = format!("argument {} of {}", self.slot, self.request);
            self.slot += 1;
            out.push(Slot {
                value: Some(v),
                text,
                label,
            });
        }
        out
    }

    /// All keyword arguments not taken yet.
    pub fn take_kwargs(&mut self) -> Vec<(String, Value)> {
        std::mem::take(&mut self.kwargs)
    }

    /// Check that every argument was used (called after the last parameter).
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) naming the request when arguments are left over.
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

/// One positional argument handed to a parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Slot {
    /// The argument, if the request has one for this parameter.
    pub value: Option<Value>,
    /// Its text as sent, when it was an unquoted number in the normal syntax.
    pub text: Option<String>,
    /// "argument 2 (b) of add", for error messages.
    pub label: String,
}

/// A handler parameter: takes what it needs from the call's arguments.
pub trait FromRequest: Sized {
    /// Extract the parameter.
    ///
    /// # Errors
    ///
    /// A [`RequestError`](crate::RequestError) naming the request and parameter when the argument is missing or cannot be converted.
    fn from_request(args: &mut CallArgs) -> Result<Self, RequestError>;
}

/// A type one request argument converts into.
pub trait FromArg: Sized {
    /// What the type accepts, for error messages ("an integer", "a number").
    const EXPECTED: &'static str;
    /// Convert one argument; `None` when it does not fit.
    fn from_arg(value: Value) -> Option<Self>;

    /// Convert one argument that may come with its text as sent (an unquoted number of the
    /// normal syntax: the sprite sends every argument that looks like a number unquoted).
    /// By default the text is ignored; `String` and `char` take it, so `"007"` stays `007`.
    fn from_arg_text(value: Value, text: Option<&str>) -> Option<Self> {
        let _ = text;
        Self::from_arg(value)
    }
}

fn convert<T: FromArg>(value: Value, text: Option<&str>, label: &str) -> Result<T, RequestError> {
    // Error replies quote the argument, shortened: it may be as long as a message.
    let repr = value.repr();
    let shown = match repr.char_indices().nth(60) {
        Some((cut, _)) => format!("{}...", &repr[..cut]),
        None => repr,
    };
    T::from_arg_text(value, text).ok_or_else(|| {
        RequestError::bad_argument(format!("{label} must be {}, got {shown}", T::EXPECTED))
    })
}

impl<T: FromArg> FromRequest for T {
    fn from_request(args: &mut CallArgs) -> Result<T, RequestError> {
        let slot = args.next_value()?;
        match slot.value {
            Some(v) => convert(v, slot.text.as_deref(), &slot.label),
            None => Err(RequestError::bad_argument(format!(
                "{} is missing",
                slot.label
            ))),
        }
    }
}

impl<T: FromArg> FromRequest for Option<T> {
    fn from_request(args: &mut CallArgs) -> Result<Option<T>, RequestError> {
        let slot = args.next_value()?;
        match slot.value {
            Some(Value::None) | None => Ok(None),
            Some(v) => convert(v, slot.text.as_deref(), &slot.label).map(Some),
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
            .map(|s| convert(s.value.unwrap_or(Value::None), s.text.as_deref(), &s.label))
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

mod convert;

#[cfg(test)]
mod tests;
