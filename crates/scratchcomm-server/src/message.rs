//! Reading one received message the way TurboWarp's cloud-server reads it.
//!
//! A text frame is exactly one JSON text (`JSON.parse` of the whole frame): it must be an
//! object (a repeated key keeps its last value) with a string `method`. Everything else here
//! says how a member of that object is understood:
//! * [`VarKey`]: a variable's name, which TurboWarp takes as it comes (a string of any form,
//!   a number, `true`, `null` or missing) and relays in the same form;
//! * [`room_id`]: the project id as JavaScript's `String(x)` makes it (`5` and `"5"` are
//!   one room, a missing id is the room `"undefined"`), 1 to 999 UTF-16 units;
//! * [`value`]: a string that is a plain decimal (`scratchcomm_wire::is_plain_decimal`) or a
//!   finite JSON number, relayed as JavaScript prints the number it parsed
//!   (`scratchcomm_wire::js_number_text`).

use scratchcomm_wire::{is_plain_decimal, js_number_text, js_parse_number, CloudValue};
use serde_json::value::RawValue;
use std::collections::HashMap;

/// One received message: a JSON object with a string `method`.
#[derive(Debug)]
pub struct Incoming<'a> {
    method: String,
    members: HashMap<String, &'a RawValue>,
}

impl<'a> Incoming<'a> {
    /// Parse one frame; `Err` says why it is not a message (TurboWarp closes with 4000).
    pub fn parse(text: &'a str) -> Result<Self, String> {
        if !text.trim_start().starts_with('{') {
            return Err("a message must be a JSON object".to_owned());
        }
        let members: HashMap<String, &'a RawValue> =
            serde_json::from_str(text).map_err(|e| format!("malformed message: {e}"))?;
        let method = members
            .get("method")
            .and_then(|raw| json_string(raw))
            .ok_or_else(|| "a message needs a string \"method\"".to_owned())?;
        Ok(Incoming { method, members })
    }

    /// The `method` member.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// Another member, `None` when missing.
    pub fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.members.get(key).copied()
    }
}

/// The type of a variable name as JavaScript sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Str,
    Num,
    Literal,
    Missing,
}

/// A variable's name as TurboWarp keys its room's variables (a JavaScript `Map` key): two
/// names are one variable when they are the same string, or the same number (`5`, `5.0`),
/// or the same literal. Objects and arrays are refused ([`VarKey::from_member`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VarKey {
    kind: Kind,
    /// The string itself, JavaScript's text of the number, the literal, or `undefined`.
    text: String,
}

impl VarKey {
    /// A string name.
    pub fn string(name: impl Into<String>) -> Self {
        VarKey {
            kind: Kind::Str,
            text: name.into(),
        }
    }

    /// The name a message's member gives; `None` for an object, an array or a string
    /// that is not valid Unicode (see the crate docs: deliberate differences).
    pub fn from_member(raw: Option<&RawValue>) -> Option<Self> {
        let Some(raw) = raw else {
            return Some(VarKey {
                kind: Kind::Missing,
                text: "undefined".to_owned(),
            });
        };
        let t = raw.get().trim();
        match t.as_bytes().first()? {
            b'"' => json_string(raw).map(VarKey::string),
            b'{' | b'[' => None,
            b't' | b'f' | b'n' => Some(VarKey {
                kind: Kind::Literal,
                text: t.to_owned(),
            }),
            _ => Some(VarKey {
                kind: Kind::Num,
                text: js_number_text(js_parse_number(t)?),
            }),
        }
    }

    /// The name as text: the string itself, else its JavaScript form (`5`, `null`,
    /// `undefined`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the name is a JSON string.
    pub fn is_string(&self) -> bool {
        self.kind == Kind::Str
    }

    /// The name as `JSON.stringify` writes it, `None` when it is missing (`undefined`).
    pub fn json(&self) -> Option<String> {
        Some(match self.kind {
            Kind::Missing => return None,
            Kind::Str => json_str(&self.text),
            Kind::Num if self.text.ends_with("Infinity") => "null".to_owned(),
            Kind::Num | Kind::Literal => self.text.clone(),
        })
    }

    /// `,"<field>":<name as JSON>` as `JSON.stringify` writes the member, or nothing when
    /// the name is missing (`JSON.stringify` leaves out `undefined` members).
    pub fn member(&self, field: &str) -> String {
        self.json()
            .map(|json| format!(",\"{field}\":{json}"))
            .unwrap_or_default()
    }

    /// How a store keys the variable: a string name is kept as its text. Names that are not
    /// strings (numbers, `true`, `null`, missing: TurboWarp relays them, no Scratch client
    /// sends them) are `None`: such variables live in memory only (see the crate docs).
    pub fn stored(&self) -> Option<&str> {
        self.is_string().then_some(self.text.as_str())
    }
}

/// A value TurboWarp stores and relays: a plain-decimal string of at most `max_chars`
/// characters, or a finite number (kept as JavaScript's text of it, which must also fit).
/// Anything else is `None`: ignored, connection kept.
pub fn value(raw: Option<&RawValue>, max_chars: usize) -> Option<CloudValue> {
    let t = raw?.get().trim();
    if t.starts_with('"') {
        let s: String = serde_json::from_str(t).ok()?;
        return (s.len() <= max_chars && is_plain_decimal(&s)).then(|| CloudValue::new(s));
    }
    let x = js_parse_number(t).filter(|x| x.is_finite())?;
    let text = js_number_text(x);
    if text.len() > max_chars {
        return None;
    }
    CloudValue::from_raw_json(&text).ok()
}

/// The room a handshake's `project_id` names: JavaScript's `'' + project_id`, valid when it
/// is 1 to 999 UTF-16 units long.
pub fn room_id(raw: Option<&RawValue>) -> Option<String> {
    let id = match raw {
        None => "undefined".to_owned(),
        Some(raw) => js_string(raw)?,
    };
    let units = id.encode_utf16().count();
    (1..1000).contains(&units).then_some(id)
}

/// A string member's text (`None` if it is not a JSON string).
pub fn json_string(raw: &RawValue) -> Option<String> {
    serde_json::from_str::<String>(raw.get()).ok()
}

/// `s` as a JSON string, escaped as `JSON.stringify` does.
pub fn json_str(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// JavaScript's `String(x)` of a parsed JSON value.
fn js_string(raw: &RawValue) -> Option<String> {
    let t = raw.get().trim();
    match t.as_bytes().first()? {
        b'"' => json_string(raw),
        b'{' => Some("[object Object]".to_owned()),
        b'[' => {
            let items: Vec<&RawValue> = serde_json::from_str(t).ok()?;
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|item| match item.get().trim() {
                    "null" => Some(String::new()),
                    _ => js_string(item),
                })
                .collect();
            Some(parts?.join(","))
        }
        b't' | b'f' | b'n' => Some(t.to_owned()),
        _ => js_parse_number(t).map(js_number_text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap()
    }

    #[test]
    fn messages_are_single_json_objects_with_a_string_method() {
        assert!(Incoming::parse(r#"{"method":"set"}"#).is_ok());
        assert!(Incoming::parse(r#"["handshake"]"#).is_err());
        assert!(Incoming::parse(r#"{"method":5}"#).is_err());
        assert!(Incoming::parse("{\"method\":\"set\"}\n{\"method\":\"set\"}").is_err());
        let m = Incoming::parse(r#"{"method":"a","method":"set","x":1,"x":2}"#).unwrap();
        assert_eq!(m.method(), "set");
        assert_eq!(m.get("x").unwrap().get(), "2");
    }

    #[test]
    fn names_key_as_javascript_map_keys() {
        let k = |s: &str| VarKey::from_member(Some(&raw(s)));
        assert_eq!(k("5"), k("5.0"));
        assert_ne!(k("5"), k("\"5\""));
        assert_eq!(k("1e400").unwrap().member("name"), ",\"name\":null");
        assert_eq!(k("-0").unwrap().member("name"), ",\"name\":0");
        assert_eq!(k("null").unwrap().as_str(), "null");
        assert_eq!(VarKey::from_member(None).unwrap().member("name"), "");
        assert_eq!(k("{}"), None);
        assert_eq!(k("[1]"), None);
    }

    #[test]
    fn values_follow_turbowarp() {
        let v = |s: &str| value(Some(&raw(s)), 100_000).map(|v| v.as_str().to_owned());
        assert_eq!(v("\"1e5\""), None);
        assert_eq!(v("1e5").as_deref(), Some("100000"));
        assert_eq!(v("1e400"), None);
        assert_eq!(v("-0").as_deref(), Some("0"));
        assert_eq!(v("\"-.\"").as_deref(), Some("-."));
        assert_eq!(v("\"\"").as_deref(), Some(""));
        assert_eq!(v("true"), None);
        assert_eq!(value(Some(&raw("\"123\"")), 2), None);
    }

    #[test]
    fn room_ids_are_javascript_strings() {
        let r = |s: &str| room_id(Some(&raw(s)));
        assert_eq!(r("5").as_deref(), Some("5"));
        assert_eq!(r("1e21").as_deref(), Some("1e+21"));
        assert_eq!(
            r("[1,[2,null],{}]").as_deref(),
            Some("1,2,,[object Object]")
        );
        assert_eq!(r("\"\""), None);
        assert_eq!(r("[]"), None);
        assert_eq!(room_id(None).as_deref(), Some("undefined"));
        assert_eq!(
            r(&format!("\"{}\"", "x".repeat(999))).map(|s| s.len()),
            Some(999)
        );
        assert_eq!(r(&format!("\"{}\"", "x".repeat(1000))), None);
    }
}
