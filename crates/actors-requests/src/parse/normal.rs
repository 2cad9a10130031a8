//! The normal request syntax: `name arg arg …` (docs/protocol.md §8.2 step 4).
//!
//! [`parse_normal`] is a faithful port of the reference state machine, including its
//! corners: exactly one space between tokens, a token starts with a quote, a Unicode decimal
//! digit or `.`; a string ends at the unescaped quote that opened it, which must be followed
//! by a space or the end; `\x` is `x`; an unterminated string (or a trailing `\`) ends at the
//! end of the text; a number runs to the next space and is read by Python's `int()` or, if it
//! contains a `.`, `float()` (so `007`, `1_000`, `٣`, `5.`, `.5` and `1.5e3` are numbers;
//! `1e5` and `1.2.3` are errors); the name token must be exactly the request name.
//!
//! [`parse_normal_lenient`] additionally accepts the sprite's raw numbers (see the
//! [`parse`](crate::parse) module docs).

use crate::error::RequestError;
use crate::numbers::{decimal_value, is_js_space, is_py_space, js_number, py_float, py_int};
use crate::value::Value;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    /// The name token.
    Name,
    /// Between tokens ("space" in the reference).
    Gap,
    Str,
    Int,
    Float,
    /// Lenient only: a token the reference rejects, read as a JavaScript number.
    Loose,
}

/// Parse `part` (already stripped) with the reference rules; `name` is its leading word run.
///
/// # Errors
///
/// A [`RequestError`](crate::RequestError) when the part breaks the reference's syntax.
pub fn parse_normal(part: &str, name: &str) -> Result<Vec<Value>, RequestError> {
    Machine::new(false)
        .run(part, name)
        .map(|(values, _)| values)
}

/// Parse `part` with the reference rules extended by the sprite's raw numbers and extra
/// whitespace between arguments.
///
/// # Errors
///
/// A [`RequestError`](crate::RequestError) when the part breaks even the lenient syntax.
pub fn parse_normal_lenient(part: &str, name: &str) -> Result<Vec<Value>, RequestError> {
    Machine::new(true).run(part, name).map(|(values, _)| values)
}

/// The arguments and, for each unquoted number, its text as sent (whitespace trimmed).
pub(crate) fn parse_normal_texts(
    part: &str,
    name: &str,
    lenient: bool,
) -> Result<(Vec<Value>, Vec<Option<String>>), RequestError> {
    Machine::new(lenient).run(part, name)
}

struct Machine {
    lenient: bool,
    mode: Mode,
    content: String,
    quote: char,
    tokens: Vec<Value>,
    texts: Vec<Option<String>>,
}

impl Machine {
    fn new(lenient: bool) -> Machine {
        Machine {
            lenient,
            mode: Mode::Name,
            content: String::new(),
            quote: '"',
            tokens: Vec::new(),
            texts: Vec::new(),
        }
    }

    fn run(
        mut self,
        part: &str,
        name: &str,
    ) -> Result<(Vec<Value>, Vec<Option<String>>), RequestError> {
        let mut chars = part.chars();
        'outer: while let Some(mut n) = chars.next() {
            if self.mode == Mode::Name {
                if n == ' ' {
                    self.mode = Mode::Gap;
                    let token = std::mem::take(&mut self.content);
                    self.tokens.push(Value::Str(token));
                    self.texts.push(None);
                    match chars.next() {
                        Some(c) => n = c,
                        None => break 'outer,
                    }
                } else {
                    self.content.push(n);
                }
            }
            if self.mode == Mode::Gap {
                if n == '\'' || n == '"' {
                    self.quote = n;
                    self.mode = Mode::Str;
                    match chars.next() {
                        Some(c) => n = c,
                        None => break 'outer,
                    }
                } else if decimal_value(n).is_some() || n == '.' {
                    self.mode = Mode::Int;
                } else if self.lenient && (is_js_space(n) || is_py_space(n)) {
                    continue;
                } else if self.lenient {
                    self.mode = Mode::Loose;
                } else {
                    return Err(RequestError::syntax(format!(
                        "unexpected {n:?} at the start of an argument"
                    )));
                }
            }
            match self.mode {
                Mode::Float | Mode::Int | Mode::Loose if n == ' ' => {
                    self.finish_token()?;
                    self.mode = Mode::Gap;
                    continue;
                }
                Mode::Int if n == '.' => {
                    self.mode = Mode::Float;
                    self.content.push(n);
                }
                Mode::Float | Mode::Int | Mode::Loose => self.content.push(n),
                Mode::Str => {
                    if n == self.quote {
                        match chars.next() {
                            None => break 'outer,
                            Some(' ') => {
                                self.finish_token()?;
                                self.mode = Mode::Gap;
                                continue;
                            }
                            Some(c) => {
                                return Err(RequestError::syntax(format!(
                                    "{c:?} right after the closing quote of a string"
                                )))
                            }
                        }
                    }
                    if n == '\\' {
                        match chars.next() {
                            Some(c) => n = c,
                            None => break 'outer,
                        }
                    }
                    self.content.push(n);
                }
                Mode::Name | Mode::Gap => {}
            }
        }
        // The reference appends the (empty) pending token even after a trailing gap.
        if !(self.mode == Mode::Gap && self.lenient) {
            self.finish_token()?;
        }
        let first = self.tokens.remove(0);
        self.texts.remove(0);
        if first.as_str() != Some(name) {
            return Err(RequestError::syntax(format!(
                "the request name {first} is not a run of word characters"
            )));
        }
        Ok((self.tokens, self.texts))
    }

    /// Convert the current token as the mode says and append it.
    fn finish_token(&mut self) -> Result<(), RequestError> {
        let text = std::mem::take(&mut self.content);
        let number = matches!(self.mode, Mode::Int | Mode::Float | Mode::Loose);
        let value = match self.mode {
            Mode::Int => py_int(&text).map(Value::Int),
            Mode::Float => py_float(&text).map(Value::Float),
            Mode::Loose => None,
            Mode::Name | Mode::Gap | Mode::Str => Some(Value::Str(text.clone())),
        };
        let value = match value {
            Some(v) => v,
            None if self.lenient => match js_number(&text) {
                Some(n) => Value::from(n),
                None => return Err(not_a_number(&text)),
            },
            None => return Err(not_a_number(&text)),
        };
        self.tokens.push(value);
        self.texts.push(number.then(|| {
            let trimmed = text.trim_matches(|c| is_py_space(c) || is_js_space(c));
            trimmed.to_string()
        }));
        Ok(())
    }
}

fn not_a_number(text: &str) -> RequestError {
    RequestError::syntax(format!("{text:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ints(ns: &[i64]) -> Vec<Value> {
        ns.iter().map(|&n| Value::from(n)).collect()
    }

    #[test]
    fn reference_corners() {
        assert_eq!(parse_normal("echo", "echo"), Ok(vec![]));
        assert_eq!(parse_normal("echo 1_000 ٣", "echo"), Ok(ints(&[1000, 3])));
        assert_eq!(
            parse_normal("echo 1.5e3", "echo"),
            Ok(vec![Value::Float(1500.0)])
        );
        assert_eq!(parse_normal("echo 5\t 6", "echo"), Ok(ints(&[5, 6])));
        assert_eq!(parse_normal("echo \"", "echo"), Ok(vec![Value::from("")]));
        assert_eq!(
            parse_normal("echo \"abc\\", "echo"),
            Ok(vec![Value::from("abc")])
        );
        assert_eq!(
            parse_normal("echo '\"'", "echo"),
            Ok(vec![Value::from("\"")])
        );
        assert_eq!(
            parse_normal("echo \"\\n\"", "echo"),
            Ok(vec![Value::from("n")])
        );
        assert_eq!(
            parse_normal("echo \"a\" 'b'", "echo"),
            Ok(vec![Value::from("a"), Value::from("b")])
        );
        // A gap at the very end (only reachable unstripped) is an empty string, as in Python.
        assert_eq!(parse_normal("echo ", "echo"), Ok(vec![Value::from("")]));
        for bad in [
            "echo -5",
            "echo  5",
            "echo 1e5",
            "echo x",
            "echo 5\t6",
            "echo \"a\"b",
            "echo .",
            "echo (1)",
            "echo-x 1",
            "echo ½",
        ] {
            let err = parse_normal(bad, "echo").unwrap_err();
            assert_eq!(err.kind(), crate::RequestErrorKind::Syntax, "{bad:?}");
        }
    }

    #[test]
    fn lenient_accepts_the_sprites_numbers() {
        let p = |s| parse_normal_lenient(s, "echo");
        assert_eq!(p("echo -5"), Ok(ints(&[-5])));
        assert_eq!(p("echo +5"), Ok(ints(&[5])));
        assert_eq!(p("echo 1e3"), Ok(vec![Value::Float(1000.0)]));
        assert_eq!(p("echo -1.5e-3"), Ok(vec![Value::Float(-0.0015)]));
        assert_eq!(p("echo 0x1A 0b11 0o7"), Ok(ints(&[26, 3, 7])));
        assert_eq!(
            p("echo -Infinity"),
            Ok(vec![Value::Float(f64::NEG_INFINITY)])
        );
        assert_eq!(p("echo  5"), Ok(ints(&[5])));
        assert_eq!(
            p("echo \t5\u{a0}  \"x\""),
            Ok(vec![Value::from(5), Value::from("x")])
        );
        assert_eq!(p("echo 5\u{feff}"), Ok(ints(&[5])));
        assert_eq!(p("echo 5 \u{feff}"), Ok(ints(&[5])));
        assert_eq!(p("echo 1_000"), Ok(ints(&[1000])));
        let texts = |s, lenient| parse_normal_texts(s, "echo", lenient).unwrap().1;
        assert_eq!(
            texts("echo \t0x1A\u{a0} \"5\" 007 5.", true),
            [
                Some("0x1A".to_string()),
                None,
                Some("007".into()),
                Some("5.".into())
            ]
        );
        assert_eq!(texts("echo 5\t 'x'", false), [Some("5".to_string()), None]);
        for bad in [
            "echo abc",
            "echo 1.2.3",
            "echo -",
            "echo nan",
            "echo \"a\"b",
            "echo 0x",
        ] {
            assert!(p(bad).is_err(), "{bad:?}");
        }
    }
}
