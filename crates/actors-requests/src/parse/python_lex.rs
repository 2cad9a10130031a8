//! A small tokenizer for the subset of Python the call syntax needs.

use std::fmt;

use num_bigint::BigInt;

use crate::error::RequestError;
use crate::numbers::{is_word_char, py_float, py_int};

/// One Python token.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Token {
    Name(String),
    Int(BigInt),
    Float(f64),
    Str(String),
    Open,
    Close,
    Comma,
    Equals,
    /// Any other operator or delimiter character (always an error where it appears).
    Other(char),
    End,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Name(n) => write!(f, "the name {n}"),
            Token::Int(n) => write!(f, "the number {n}"),
            Token::Float(x) => write!(f, "the number {x}"),
            Token::Str(s) => write!(f, "the string {s:?}"),
            Token::Open => f.write_str("("),
            Token::Close => f.write_str(")"),
            Token::Comma => f.write_str(","),
            Token::Equals => f.write_str("="),
            Token::Other(c) => write!(f, "{c:?}"),
            Token::End => f.write_str("the end"),
        }
    }
}

pub(crate) struct Lexer<'a> {
    rest: &'a str,
    peeked: Option<Token>,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(text: &'a str) -> Lexer<'a> {
        Lexer {
            rest: text,
            peeked: None,
        }
    }

    pub(crate) fn peek_token(&mut self) -> Result<Token, RequestError> {
        if self.peeked.is_none() {
            self.peeked = Some(self.lex()?);
        }
        Ok(self.peeked.clone().unwrap_or(Token::End))
    }

    pub(crate) fn next_token(&mut self) -> Result<Token, RequestError> {
        match self.peeked.take() {
            Some(t) => Ok(t),
            None => self.lex(),
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.rest.chars().next()?;
        self.rest = &self.rest[c.len_utf8()..];
        Some(c)
    }

    fn lex(&mut self) -> Result<Token, RequestError> {
        loop {
            self.rest = self.rest.trim_start_matches([' ', '\t', '\x0c', '\r']);
            if self.rest.starts_with('#') {
                let end = self.rest.find(['\r', '\n']).unwrap_or(self.rest.len());
                self.rest = &self.rest[end..];
                continue;
            }
            break;
        }
        let Some(c) = self.rest.chars().next() else {
            return Ok(Token::End);
        };
        let next_is_digit = self.rest[c.len_utf8()..].starts_with(|d: char| d.is_ascii_digit());
        if c.is_ascii_digit() || (c == '.' && next_is_digit) {
            return self.number();
        }
        if is_word_char(c) && !c.is_numeric() {
            let end = self
                .rest
                .find(|ch: char| !is_word_char(ch))
                .unwrap_or(self.rest.len());
            let word = &self.rest[..end];
            let after = self.rest[end..].chars().next();
            if matches!(after, Some('\'' | '"')) {
                let prefix = word.to_ascii_lowercase();
                if matches!(
                    prefix.as_str(),
                    "r" | "u" | "b" | "f" | "br" | "rb" | "fr" | "rf"
                ) {
                    if prefix.contains('b') {
                        return Err(RequestError::syntax("bytes literals are not supported"));
                    }
                    if prefix.contains('f') {
                        return Err(RequestError::syntax("f-strings are not literals"));
                    }
                    self.rest = &self.rest[end..];
                    return self.string(prefix.contains('r'));
                }
            }
            self.rest = &self.rest[end..];
            return Ok(Token::Name(word.to_string()));
        }
        if c == '\'' || c == '"' {
            return self.string(false);
        }
        self.bump();
        Ok(match c {
            '(' => Token::Open,
            ')' => Token::Close,
            ',' => Token::Comma,
            '=' if !self.rest.starts_with('=') => Token::Equals,
            other => Token::Other(other),
        })
    }

    fn number(&mut self) -> Result<Token, RequestError> {
        let mut end = 0;
        let mut prev = '\0';
        let hex = self
            .rest
            .get(..2)
            .is_some_and(|p| p.eq_ignore_ascii_case("0x"));
        for (i, c) in self.rest.char_indices() {
            let sign_ok = !hex && matches!(prev, 'e' | 'E') && matches!(c, '+' | '-');
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' || sign_ok {
                end = i + c.len_utf8();
                prev = c;
            } else {
                break;
            }
        }
        let text = &self.rest[..end];
        self.rest = &self.rest[end..];
        number_literal(text).ok_or_else(|| {
            RequestError::syntax(format!("{text:?} is not a valid Python number literal"))
        })
    }

    /// A string body after its opening quote character(s); `self.rest` starts at the quote.
    fn string(&mut self, raw: bool) -> Result<Token, RequestError> {
        let quote = self.bump().unwrap_or('"');
        let triple: String = [quote; 3].iter().collect();
        let long = self.rest.starts_with(&triple[..2]);
        if long {
            self.rest = &self.rest[2..];
        }
        let mut out = String::new();
        loop {
            if long && self.rest.starts_with(&triple) {
                self.rest = &self.rest[3..];
                return Ok(Token::Str(out));
            }
            let Some(c) = self.bump() else {
                return Err(RequestError::syntax("unterminated string literal"));
            };
            match c {
                c if c == quote && !long => return Ok(Token::Str(out)),
                '\n' | '\r' if !long => {
                    return Err(RequestError::syntax("unterminated string literal"))
                }
                '\\' if raw => {
                    out.push('\\');
                    if let Some(n) = self.bump() {
                        out.push(n);
                    }
                }
                '\\' => self.escape(&mut out)?,
                c => out.push(c),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), RequestError> {
        let Some(c) = self.bump() else {
            return Err(RequestError::syntax("unterminated string literal"));
        };
        let simple = match c {
            '\n' => return Ok(()),
            '\\' | '\'' | '"' => c,
            'a' => '\x07',
            'b' => '\x08',
            'f' => '\x0c',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\x0b',
            '0'..='7' => {
                let mut code = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.rest.chars().next().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            code = code * 8 + d;
                            self.bump();
                        }
                        None => break,
                    }
                }
                char_of(code)?
            }
            'x' | 'u' | 'U' => {
                let len = match c {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits = self
                    .rest
                    .get(..len)
                    .filter(|d| d.len() == len && d.chars().all(|h| h.is_ascii_hexdigit()));
                let Some(digits) = digits else {
                    return Err(RequestError::syntax(format!("truncated \\{c} escape")));
                };
                let code = u32::from_str_radix(digits, 16).unwrap_or(u32::MAX);
                self.rest = &self.rest[len..];
                char_of(code)?
            }
            'N' => return Err(RequestError::syntax("\\N{…} escapes are not supported")),
            other => {
                out.push('\\');
                other
            }
        };
        out.push(simple);
        Ok(())
    }
}

fn char_of(code: u32) -> Result<char, RequestError> {
    char::from_u32(code).ok_or_else(|| {
        RequestError::syntax(format!("escape \\u{code:x} is not a Unicode scalar value"))
    })
}

/// Validate and convert a Python number literal (ASCII, no sign).
fn number_literal(text: &str) -> Option<Token> {
    let lower = text.to_ascii_lowercase();
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(body) = lower.strip_prefix(prefix) {
            let mut digits = String::new();
            let mut last_underscore = false;
            for c in body.chars() {
                match c {
                    '_' if !last_underscore => last_underscore = true,
                    c if c.is_digit(radix) => {
                        digits.push(c);
                        last_underscore = false;
                    }
                    _ => return None,
                }
            }
            if last_underscore || digits.is_empty() {
                return None;
            }
            return BigInt::parse_bytes(digits.as_bytes(), radix).map(Token::Int);
        }
    }
    if lower.ends_with('j') {
        return None;
    }
    if lower.contains(['.', 'e']) {
        return py_float(&lower).map(Token::Float);
    }
    if lower.starts_with('0') && lower.chars().any(|c| c != '0' && c != '_') {
        return None;
    }
    py_int(&lower).map(Token::Int)
}
