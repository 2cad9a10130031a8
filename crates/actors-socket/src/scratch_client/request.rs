//! The sprite's request serialisation (§8.1), for [`ScratchClient::request`].
//!
//! This is the one implementation: `actors-requests` re-exports it (that crate depends on
//! this one), and its property tests check that its parser reads back what this writes.
//!
//! [`ScratchClient::request`]: crate::ScratchClient::request

/// JavaScript's `StrWhiteSpaceChar` (whitespace and line terminators).
fn js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// Whether `a` is numeric in Scratch's sense: not empty or whitespace-only, and
/// JavaScript `Number(a)` is not NaN.
pub fn is_scratch_numeric(a: &str) -> bool {
    let t = a.trim_matches(js_space);
    if t.is_empty() {
        return false;
    }
    let b = t.as_bytes();
    if b.len() > 2 && b[0] == b'0' {
        let radix = match b[1] {
            b'x' | b'X' => Some(16),
            b'o' | b'O' => Some(8),
            b'b' | b'B' => Some(2),
            _ => None,
        };
        if let Some(radix) = radix {
            return t[2..].chars().all(|c| c.is_digit(radix));
        }
    }
    let s = t.strip_prefix(['+', '-']).unwrap_or(t);
    if s == "Infinity" {
        return true;
    }
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let digits = |x: &str| x.bytes().all(|c| c.is_ascii_digit());
    if int.len() + frac.len() == 0 || !digits(int) || !digits(frac) {
        return false;
    }
    match exponent {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        }
    }
}

/// One argument as `[cloud requests] add argument (a)` appends it.
pub fn serialize_argument(arg: &str) -> String {
    if is_scratch_numeric(arg) {
        return arg.to_owned();
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

/// The text the sprite sends for request `name` with `args`: items joined with a space,
/// or with nothing when every item is one UTF-16 unit long (quirk C3).
pub fn serialize_request<S: AsRef<str>>(name: &str, args: &[S]) -> String {
    let mut items = vec![name.to_owned()];
    items.extend(args.iter().map(|a| serialize_argument(a.as_ref())));
    let single = items.iter().all(|i| i.encode_utf16().count() == 1);
    items.join(if single { "" } else { " " })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_like_javascript() {
        for yes in [
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
            "+3",
            "0b101",
            "1E-3",
        ] {
            assert!(is_scratch_numeric(yes), "{yes}");
        }
        for no in [
            "", "  ", "abc", "nan", "NaN", "true", "-0x1A", "1_000", "1e", ".", "5-", "0x",
            "infinity",
        ] {
            assert!(!is_scratch_numeric(no), "{no}");
        }
    }

    #[test]
    fn sprite_serialization_vectors() {
        let path = format!(
            "{}/../../tests/vectors/requests.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let cases = doc["sprite_serialization"].as_array().unwrap();
        assert!(!cases.is_empty());
        for case in cases {
            let name = case["request_name"].as_str().unwrap();
            let args: Vec<&str> = case["arguments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert_eq!(
                serialize_request(name, &args),
                case["request_string"].as_str().unwrap(),
                "{name} {args:?}"
            );
        }
    }

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
