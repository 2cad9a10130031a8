//! Parsing a request message into sub-requests (docs/protocol.md §8.2).
//!
//! Two rule sets:
//!
//! * **Reference** — exactly the original's parsers: split on every `;`, strip each part, the
//!   name is the leading run of word characters, `name(…)` is the Python-call syntax,
//!   everything else the normal syntax (see [`parse_normal`] and [`parse_python`]).
//! * **Lenient** (the default, [`ParseOptions::lenient`]) — the reference result whenever the
//!   reference accepts the message; only when it rejects it, the message is parsed again
//!   with rules that accept everything the client sprite sends (§8.1):
//!   - raw numbers as JavaScript `Number()` reads them: `-5`, `+5`, `1e3`, `-1.5e-3`,
//!     `0x1A`, `0o17`, `0b101`, `Infinity`, `-Infinity` (integers stay `Int`, anything with
//!     `.` or an exponent is a `Float`);
//!   - whitespace around a raw number (the sprite sends the argument ` 5` as `echo  5`):
//!     runs of whitespace between arguments are skipped;
//!   - `;` inside a quoted string does not split the message (`echo "a;b"`);
//!   - the join quirk C3 (§9): when every item is one character the sprite joins them without
//!     spaces, so request `a` with arguments `5`, `6` arrives as `a56`. If `a56` is not a
//!     registered request but `a` is, the digits are its integer arguments.
//!
//!   Because the lenient rules only run on messages the reference rejects, every message the
//!   reference accepts means the same thing in both modes.

use crate::error::{RequestError, RequestErrorKind};
use crate::numbers::{is_word_char, py_strip};
use crate::value::Value;

pub mod normal;
pub mod python;
mod python_lex;

pub use normal::{parse_normal, parse_normal_lenient};
pub use python::parse_python;

/// Which of the two request syntaxes a sub-request used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Syntax {
    /// `name arg arg …`
    Normal,
    /// `name(arg, …, key=arg)`
    Python,
}

/// One parsed sub-request (the parts of a message between `;`).
#[derive(Clone, Debug, PartialEq)]
pub struct SubRequest {
    /// The request name (the registered name it resolved to).
    pub name: String,
    /// The syntax it was written in.
    pub syntax: Syntax,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments in the order written (Python-call syntax only).
    pub kwargs: Vec<(String, Value)>,
    /// For each positional argument: its text as sent when it was an unquoted number in the
    /// normal syntax (`007`, `1e3`; whitespace trimmed), else `None`. The sprite sends every
    /// argument that looks like a number unquoted, so this is what the user typed.
    pub texts: Vec<Option<String>>,
}

/// Parser settings: [`reference`](Self::reference) or [`lenient`](Self::lenient) (the
/// default), the only setting being whether messages the reference rejects are retried
/// with the sprite-tolerant rules (module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    lenient: bool,
}

impl ParseOptions {
    /// Exactly the reference grammar.
    pub fn reference() -> ParseOptions {
        ParseOptions { lenient: false }
    }

    /// The reference grammar plus what the sprite sends (the default).
    pub fn lenient() -> ParseOptions {
        ParseOptions { lenient: true }
    }

    /// Whether these are the [`lenient`](Self::lenient) rules.
    pub fn is_lenient(&self) -> bool {
        self.lenient
    }
}

impl Default for ParseOptions {
    fn default() -> ParseOptions {
        ParseOptions::lenient()
    }
}

/// What the parser needs to know about a request name: `None` if it is not registered,
/// otherwise whether it accepts the Python-call syntax.
pub trait NameLookup {
    /// `Some(allows_python_syntax)` for a registered name.
    fn lookup(&self, name: &str) -> Option<bool>;
}

impl<F: Fn(&str) -> Option<bool>> NameLookup for F {
    fn lookup(&self, name: &str) -> Option<bool> {
        self(name)
    }
}

/// Parse a whole message. An empty result (no part has a name) means "no reply" (§8.2 step 6).
/// The error is the one the reference rules give, even when lenient parsing is on.
///
/// # Errors
///
/// A [`RequestError`](crate::RequestError) with the reference's reason when a part's syntax is wrong.
pub fn parse_message(
    text: &str,
    names: &dyn NameLookup,
    options: ParseOptions,
) -> Result<Vec<SubRequest>, RequestError> {
    match parse_with(text, names, false) {
        Ok(subs) => Ok(subs),
        Err(e) if options.lenient => parse_with(text, names, true).map_err(|_| e),
        Err(e) => Err(e),
    }
}

/// The leading run of word characters of `part` (Python `re.match(r"\w+", part)`).
pub fn leading_name(part: &str) -> Option<&str> {
    let end = part
        .char_indices()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(part.len(), |(i, _)| i);
    (end > 0).then(|| &part[..end])
}

/// Whether `part` uses the Python-call syntax: `re.match(r"\w+\(.*\)$", part)`.
pub fn is_python_call(part: &str) -> bool {
    let Some(name) = leading_name(part) else {
        return false;
    };
    let rest = &part[name.len()..];
    rest.starts_with('(') && rest.len() >= 2 && rest.ends_with(')') && !rest.contains('\n')
}

fn parse_with(
    text: &str,
    names: &dyn NameLookup,
    lenient: bool,
) -> Result<Vec<SubRequest>, RequestError> {
    let parts = if lenient {
        split_outside_quotes(text)
    } else {
        text.split(';').collect()
    };
    let mut subs = Vec::new();
    for raw in parts {
        let part = py_strip(raw);
        let Some(name) = leading_name(part) else {
            continue;
        };
        let python = is_python_call(part);
        let Some(allows_python) = names.lookup(name) else {
            if lenient && !python {
                if let Some(sub) = joined_single_characters(part, names) {
                    subs.push(sub);
                    continue;
                }
            }
            return Err(RequestError::new(
                RequestErrorKind::UnknownRequest,
                format!("no request named {name:?}"),
            ));
        };
        if python {
            if !allows_python {
                return Err(RequestError::new(
                    RequestErrorKind::PythonSyntaxRefused,
                    format!("request {name:?} does not accept the python-call syntax"),
                ));
            }
            let (args, kwargs) = parse_python(part, name)?;
            subs.push(SubRequest {
                name: name.to_string(),
                syntax: Syntax::Python,
                texts: vec![None; args.len()],
                args,
                kwargs,
            });
        } else {
            let (args, texts) = normal::parse_normal_texts(part, name, lenient)?;
            subs.push(SubRequest {
                name: name.to_string(),
                syntax: Syntax::Normal,
                args,
                kwargs: Vec::new(),
                texts,
            });
        }
    }
    Ok(subs)
}

/// C3: `a56` is request `a` with the single-digit arguments 5 and 6.
fn joined_single_characters(part: &str, names: &dyn NameLookup) -> Option<SubRequest> {
    let mut chars = part.chars();
    let first = chars.next()?;
    let digits = chars.as_str();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let name = first.to_string();
    names.lookup(&name)?;
    Some(SubRequest {
        name,
        syntax: Syntax::Normal,
        args: digits
            .bytes()
            .map(|b| Value::from(i64::from(b - b'0')))
            .collect(),
        kwargs: Vec::new(),
        texts: digits.chars().map(|c| Some(c.to_string())).collect(),
    })
}

/// Split on `;` outside `'…'` / `"…"` strings (backslash escapes the next character inside).
fn split_outside_quotes(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match quote {
            Some(_) if escaped => escaped = false,
            Some(_) if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            None if c == ';' => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            None => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

#[cfg(test)]
mod tests;
