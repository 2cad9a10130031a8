//! The client sprite's request serialisation (PROTOCOL.md §8.1), for Rust clients that want
//! to send exactly what the sprite sends.
//!
//! Each argument that is numeric in Scratch's sense (JavaScript `Number(a)` is not NaN and `a`
//! is not empty or whitespace only) is sent unchanged; anything else is quoted with `"` and a
//! `\` before every `'`, `"` and `\`. The items (name, then arguments) are joined with single
//! spaces — **unless every item is one character long, then they are joined with nothing**
//! (quirk C3: request `a` with argument `5` becomes `a5`, which a reference server reads as a
//! request named `a5`; this crate's lenient parser recovers it). Lengths are counted in UTF-16
//! units, as Scratch does, so a lone astral character (e.g. an emoji) is not "one character".
//!
//! `;` is not escaped: an argument containing `;` splits the request on a reference server.

use crate::numbers::is_scratch_numeric;

/// One argument as the sprite's `[cloud requests] add argument (a)` block appends it.
pub fn serialize_argument(arg: &str) -> String {
    if is_scratch_numeric(arg) {
        return arg.to_string();
    }
    let mut out = String::with_capacity(arg.len() + 2);
    out.push('"');
    for c in arg.chars() {
        if matches!(c, '\'' | '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// The whole request text the sprite sends for request `name` with `args`
/// (`initiate new request`, `add argument` for each, `send initiated request`).
pub fn serialize_request<S: AsRef<str>>(name: &str, args: &[S]) -> String {
    let mut items = Vec::with_capacity(args.len() + 1);
    items.push(name.to_string());
    items.extend(args.iter().map(|a| serialize_argument(a.as_ref())));
    join_like_scratch(&items)
}

/// Scratch's list-to-text conversion: items joined with a space, or with nothing when every
/// item is exactly one (UTF-16) character long.
pub fn join_like_scratch<S: AsRef<str>>(items: &[S]) -> String {
    let all_single = items
        .iter()
        .all(|item| item.as_ref().encode_utf16().count() == 1);
    let separator = if all_single { "" } else { " " };
    items
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments() {
        for raw in [
            "5",
            "5.0",
            "-5",
            " 5",
            "1e5",
            "0x1A",
            "Infinity",
            "-Infinity",
            ".5",
            "5.",
        ] {
            assert_eq!(serialize_argument(raw), raw);
        }
        assert_eq!(serialize_argument("abc"), "\"abc\"");
        assert_eq!(serialize_argument("nan"), "\"nan\"");
        assert_eq!(serialize_argument(""), "\"\"");
        assert_eq!(serialize_argument("  "), "\"  \"");
        assert_eq!(
            serialize_argument("it's \"q\" \\"),
            "\"it\\'s \\\"q\\\" \\\\\""
        );
        assert_eq!(serialize_argument("a;b"), "\"a;b\"");
        assert_eq!(serialize_argument("true"), "\"true\"");
    }

    #[test]
    fn join_quirk() {
        assert_eq!(serialize_request::<&str>("test", &[]), "test");
        assert_eq!(serialize_request("a", &["5"]), "a5");
        assert_eq!(serialize_request("a", &["5", "6"]), "a56");
        assert_eq!(serialize_request("a", &["x"]), "a \"x\"");
        assert_eq!(serialize_request("a", &["55"]), "a 55");
        assert_eq!(serialize_request("é", &["5"]), "é5");
        assert_eq!(serialize_request("😀", &["5"]), "😀 5");
        assert_eq!(
            serialize_request("echo", &["hello", "5"]),
            "echo \"hello\" 5"
        );
    }
}
