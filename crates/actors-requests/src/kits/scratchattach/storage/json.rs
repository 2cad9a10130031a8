//! The database files in scratchattach's format (docs/protocol.md §A7.3): one JSON object
//! per database, read keeping the order of its keys, written as Python's
//! `json.dump(data, indent=4)` writes it (4-space indent, `": "`, non-ASCII escaped).

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// A database's entries in insertion order.
pub(crate) type Entries = Vec<(String, Value)>;

struct Ordered;

impl<'de> Visitor<'de> for Ordered {
    type Value = Entries;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object (scratchattach's database file)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries, A::Error> {
        let mut out: Entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            // A repeated key keeps its first place and its last value, as Python's dict.
            match out.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => out.push((key, value)),
            }
        }
        Ok(out)
    }
}

/// Read a database file's text.
pub(crate) fn parse(text: &str) -> Result<Entries, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let entries = (&mut de).deserialize_map(Ordered)?;
    de.end()?;
    Ok(entries)
}

/// The text Python's `json.dump(entries, indent=4)` writes.
pub(crate) fn dump(entries: &Entries) -> String {
    let mut out = String::new();
    if entries.is_empty() {
        out.push_str("{}");
        return out;
    }
    out.push('{');
    for (i, (key, value)) in entries.iter().enumerate() {
        out.push_str(if i == 0 { "\n" } else { ",\n" });
        out.push_str("    ");
        string(&mut out, key);
        out.push_str(": ");
        json_value(&mut out, value, 1);
    }
    out.push_str("\n}");
    out
}

fn json_value(out: &mut String, value: &Value, depth: usize) {
    let indent = |out: &mut String, d: usize| out.push_str(&"    ".repeat(d));
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                json_value(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                out.push_str(if i == 0 { "\n" } else { ",\n" });
                indent(out, depth + 1);
                string(out, k);
                out.push_str(": ");
                json_value(out, v, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
    }
}

/// A JSON string as Python's `ensure_ascii` writes it (the wire crate's one implementation).
fn string(out: &mut String, s: &str) {
    scratchcomm_wire::push_python_json_string(out, s);
}

/// A stored value as the reference replies it (`str(value)`): strings as they are,
/// `True`/`False`/`None`, numbers and nested values as JSON.
pub(crate) fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_format_round_trip() {
        let text = "{\n    \"k1\": \"hello\",\n    \"n\": \"123\"\n}";
        let entries = parse(text).unwrap();
        assert_eq!(entries[0].0, "k1");
        assert_eq!(dump(&entries), text);
        assert_eq!(dump(&Vec::new()), "{}");
        let odd = parse(r#"{"z": "é😀\"\\\n", "a": [1, {"b": null}], "e": {}, "z": "x"}"#).unwrap();
        assert_eq!(
            dump(&odd),
            "{\n    \"z\": \"x\",\n    \"a\": [\n        1,\n        {\n            \"b\": null\n        }\n    ],\n    \"e\": {}\n}"
        );
        let mut s = String::new();
        string(&mut s, "é😀\"\\\n\u{7f}");
        assert_eq!(s, r#""\u00e9\ud83d\ude00\"\\\n\u007f""#);
        assert!(parse("[1]").is_err());
        assert!(parse("{} x").is_err());
        assert_eq!(super::text(&Value::Bool(true)), "True");
        assert_eq!(super::text(&serde_json::json!(12)), "12");
    }
}
