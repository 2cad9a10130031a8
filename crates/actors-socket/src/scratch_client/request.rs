//! The sprite's request serialisation (§8.1), for [`ScratchClient::request`].
//!
//! This is the one implementation: `actors-requests` re-exports it (that crate depends on
//! this one), and its property tests check that its parser reads back what this writes.
//!
//! [`ScratchClient::request`]: crate::ScratchClient::request

pub use scratchcomm_wire::is_scratch_numeric;

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
