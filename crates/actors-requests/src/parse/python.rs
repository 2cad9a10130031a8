//! The Python-call syntax: `name(1, 'a', key=2.5)` (docs/protocol.md §8.2 step 3).
//!
//! The reference runs `ast.parse` and takes `.value` of every argument node, so only plain
//! literals work: integers (`5`, `0x1A`, `1_000`), floats (`2.5`, `.5`, `1e5`), strings in
//! every quoting (`'a'`, `"a"`, `'''a'''`, `r'\d'`, `u'a'`, adjacent strings concatenated,
//! with Python's escapes), `True`, `False`, `None`, each optionally in parentheses.
//! `-1`, names, expressions, `*args`/`**kwargs` are syntax errors (as in the reference,
//! where they raise `AttributeError`), and so is a positional argument after a keyword one
//! (Python's `SyntaxError`). A repeated keyword passes `ast.parse`; its last value counts.
//!
//! Deliberate differences, all rejections: bytes (`b'x'`), complex (`1j`) and `...`
//! literals, which the reference would pass to a handler as odd Python objects, the
//! `\N{name}` escape, and further statements after a carriage return (`f(1)\rg(2)`, where
//! the reference runs `f(1)` and silently ignores the rest).

use super::python_lex::{Lexer, Token};
use crate::error::RequestError;
use crate::value::Value;

/// Positional and keyword arguments of a Python-call sub-request.
pub type PythonArgs = (Vec<Value>, Vec<(String, Value)>);

/// Parse `part` (stripped, matching `\w+\(.*\)$`) whose function name must be `name`.
///
/// # Errors
///
/// A [`RequestError`](crate::RequestError) when the call is not a valid Python call of literals or names another function.
pub fn parse_python(part: &str, name: &str) -> Result<PythonArgs, RequestError> {
    let mut lex = Lexer::new(part);
    match lex.next_token()? {
        Token::Name(n) if n == name => {}
        other => {
            return Err(RequestError::syntax(format!(
                "expected the call of {name:?}, found {other}"
            )))
        }
    }
    expect(&mut lex, Token::Open)?;
    let mut args = Vec::new();
    let mut kwargs: Vec<(String, Value)> = Vec::new();
    loop {
        let token = lex.next_token()?;
        if token == Token::Close {
            break;
        }
        let value = match token {
            Token::Name(key) if lex.peek_token()? == Token::Equals => {
                lex.next_token()?;
                if is_keyword(&key) {
                    return Err(RequestError::syntax(format!(
                        "{key:?} cannot be a keyword argument"
                    )));
                }
                let value = literal(&mut lex, None)?;
                // `ast.parse` lets a repeated keyword through (only compiling rejects it);
                // the reference's dict keeps the first position and the last value.
                match kwargs.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => kwargs.push((key, value)),
                }
                None
            }
            first => Some(literal(&mut lex, Some(first))?),
        };
        if let Some(value) = value {
            if !kwargs.is_empty() {
                return Err(RequestError::syntax(
                    "positional argument follows keyword argument",
                ));
            }
            args.push(value);
        }
        match lex.next_token()? {
            Token::Comma => {}
            Token::Close => break,
            other => {
                return Err(RequestError::syntax(format!(
                    "expected , or ) but found {other}"
                )))
            }
        }
    }
    expect(&mut lex, Token::End)?;
    Ok((args, kwargs))
}

fn expect(lex: &mut Lexer<'_>, want: Token) -> Result<(), RequestError> {
    let got = lex.next_token()?;
    if got == want {
        Ok(())
    } else {
        Err(RequestError::syntax(format!(
            "expected {want} but found {got}"
        )))
    }
}

/// A literal argument: numbers, strings (adjacent ones concatenated), `True`, `False`,
/// `None`, possibly parenthesised. `first` is an already-read first token.
fn literal(lex: &mut Lexer<'_>, first: Option<Token>) -> Result<Value, RequestError> {
    let mut token = match first {
        Some(t) => t,
        None => lex.next_token()?,
    };
    // Parentheses around a literal, iteratively (no recursion on untrusted input); Python's
    // tokenizer allows 200 open levels, the call's own parenthesis included.
    let mut depth = 0;
    while token == Token::Open {
        depth += 1;
        if depth >= MAX_NESTING {
            return Err(RequestError::syntax("too many nested parentheses"));
        }
        token = lex.next_token()?;
    }
    let value = plain_literal(lex, token)?;
    for _ in 0..depth {
        expect(lex, Token::Close)?;
    }
    Ok(value)
}

/// Python's tokenizer limit of open parentheses.
const MAX_NESTING: usize = 200;

fn plain_literal(lex: &mut Lexer<'_>, token: Token) -> Result<Value, RequestError> {
    match token {
        Token::Int(n) => Ok(Value::Int(n)),
        Token::Float(x) => Ok(Value::Float(x)),
        Token::Str(mut s) => {
            while let Token::Str(more) = lex.peek_token()? {
                lex.next_token()?;
                s.push_str(&more);
            }
            Ok(Value::Str(s))
        }
        Token::Name(n) => match n.as_str() {
            "True" => Ok(Value::Bool(true)),
            "False" => Ok(Value::Bool(false)),
            "None" => Ok(Value::None),
            _ => Err(RequestError::syntax(format!(
                "{n} is not a literal (only numbers, strings, True, False and None are)"
            ))),
        },
        other => Err(RequestError::syntax(format!(
            "{other} is not a literal (only numbers, strings, True, False and None are)"
        ))),
    }
}

fn is_keyword(word: &str) -> bool {
    const KEYWORDS: [&str; 35] = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class",
        "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global",
        "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return",
        "try", "while", "with", "yield",
    ];
    KEYWORDS.contains(&word)
}

#[cfg(test)]
mod tests;
