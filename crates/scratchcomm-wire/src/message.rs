use crate::{CloudValue, WireError};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt::Write;

/// A frame a client sends to a cloud server (§1.2).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ClientMessage {
    /// `{"method": "handshake", ...}`: must be the first message.
    Handshake {
        /// Username.
        user: String,
        /// Project id as sent (number for Scratch, string otherwise).
        project_id: serde_json::Value,
    },
    /// Set a variable.
    Set {
        /// Full wire name (with the `☁ ` prefix).
        name: String,
        /// The value (sent as a JSON string).
        value: CloudValue,
        /// Username.
        user: String,
        /// Project id as sent (number for Scratch, string otherwise).
        project_id: serde_json::Value,
    },
    /// Create a variable (TurboWarp extension).
    Create {
        /// Full wire name (with the `☁ ` prefix).
        name: String,
        /// The value (sent as a JSON string).
        value: CloudValue,
        /// Username.
        user: String,
        /// Project id as sent (number for Scratch, string otherwise).
        project_id: serde_json::Value,
    },
    /// Rename a variable (TurboWarp extension).
    Rename {
        /// Full wire name (with the `☁ ` prefix).
        name: String,
        /// The new full wire name.
        new_name: String,
        /// Username.
        user: String,
        /// Project id as sent (number for Scratch, string otherwise).
        project_id: serde_json::Value,
    },
    /// Delete a variable (TurboWarp extension).
    Delete {
        /// Full wire name (with the `☁ ` prefix).
        name: String,
        /// Username.
        user: String,
        /// Project id as sent (number for Scratch, string otherwise).
        project_id: serde_json::Value,
    },
}

impl ClientMessage {
    /// The exact frame text the reference sends: Python's default JSON layout (`", "`,
    /// `": "`, non-ASCII as `\uXXXX`), members in protocol order, then one `\n`.
    /// Values always go as JSON strings.
    pub fn to_frame(&self) -> String {
        let mut o = PyObject::default();
        match self {
            ClientMessage::Handshake { user, project_id } => {
                o.str("method", "handshake");
                o.str("user", user);
                o.json("project_id", project_id);
            }
            ClientMessage::Set {
                name,
                value,
                user,
                project_id,
            }
            | ClientMessage::Create {
                name,
                value,
                user,
                project_id,
            } => {
                let method = if matches!(self, ClientMessage::Set { .. }) {
                    "set"
                } else {
                    "create"
                };
                o.str("method", method);
                o.str("name", name);
                o.str("value", value.as_str());
                o.str("user", user);
                o.json("project_id", project_id);
            }
            ClientMessage::Rename {
                name,
                new_name,
                user,
                project_id,
            } => {
                o.str("method", "rename");
                o.str("name", name);
                o.str("new_name", new_name);
                o.str("user", user);
                o.json("project_id", project_id);
            }
            ClientMessage::Delete {
                name,
                user,
                project_id,
            } => {
                o.str("method", "delete");
                o.str("name", name);
                o.str("user", user);
                o.json("project_id", project_id);
            }
        }
        o.finish()
    }
}

#[derive(Default)]
struct PyObject {
    out: String,
}

impl PyObject {
    fn key(&mut self, k: &str) {
        self.out
            .push_str(if self.out.is_empty() { "{" } else { ", " });
        push_python_json_string(&mut self.out, k);
        self.out.push_str(": ");
    }
    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        push_python_json_string(&mut self.out, v);
    }
    fn json(&mut self, k: &str, v: &serde_json::Value) {
        self.key(k);
        match v {
            serde_json::Value::String(s) => push_python_json_string(&mut self.out, s),
            other => self.out.push_str(&other.to_string()),
        }
    }
    fn finish(mut self) -> String {
        self.out.push_str("}\n");
        self.out
    }
}

/// Append `s` as a JSON string exactly as Python's `json.dumps` writes it (`ensure_ascii`:
/// everything outside printable ASCII as `\uXXXX`, astral characters as surrogate pairs,
/// DEL included). The original library's frames, login body and session strings use it.
pub fn push_python_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The method of a server update.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `set`
    Set,
    /// `create`
    Create,
    /// `delete`
    Delete,
    /// `rename`
    Rename,
    /// Any other method (kept as sent).
    Other(String),
}

impl Method {
    fn parse(s: &str) -> Self {
        match s {
            "set" => Method::Set,
            "create" => Method::Create,
            "delete" => Method::Delete,
            "rename" => Method::Rename,
            other => Method::Other(other.to_owned()),
        }
    }

    /// The method as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Set => "set",
            Method::Create => "create",
            Method::Delete => "delete",
            Method::Rename => "rename",
            Method::Other(s) => s,
        }
    }
}

/// One update received from a cloud server (§1.3).
#[derive(Clone, Debug, PartialEq)]
pub struct ServerUpdate {
    /// The `method` member.
    pub method: Method,
    /// Full wire name (with `☁ ` prefix).
    pub name: String,
    /// The `value` member, original JSON text kept (absent for delete/rename).
    pub value: Option<CloudValue>,
    /// For `rename`: the new full name.
    pub new_name: Option<String>,
}

#[derive(Deserialize)]
struct RawUpdate<'a> {
    method: String,
    name: String,
    #[serde(borrow, default)]
    value: Option<&'a RawValue>,
    #[serde(default)]
    new_name: Option<String>,
}

/// Split a received frame on `\n` and parse every non-empty piece. One bad piece does not
/// hide the good ones: each gets its own result.
pub fn parse_batch(frame: &str) -> Vec<Result<ServerUpdate, WireError>> {
    frame
        .split('\n')
        .filter(|p| !p.trim().is_empty())
        .map(parse_update)
        .collect()
}

fn parse_update(piece: &str) -> Result<ServerUpdate, WireError> {
    let bad = |reason: String| {
        let text: String = piece.chars().take(200).collect();
        WireError::malformed(&text, &reason)
    };
    let raw: RawUpdate<'_> = serde_json::from_str(piece).map_err(|e| bad(e.to_string()))?;
    let value = match raw.value {
        Some(v) => Some(CloudValue::from_raw_json(v.get()).map_err(|e| bad(e.to_string()))?),
        None => None,
    };
    let method = Method::parse(&raw.method);
    if matches!(method, Method::Set | Method::Create) && value.is_none() {
        return Err(bad(format!("a {} update needs a value", raw.method)));
    }
    Ok(ServerUpdate {
        method,
        name: raw.name,
        value,
        new_name: raw.new_name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn frames_match_reference_layout() {
        let hs = ClientMessage::Handshake {
            user: "player1000".into(),
            project_id: json!("123456789"),
        };
        assert_eq!(
            hs.to_frame(),
            "{\"method\": \"handshake\", \"user\": \"player1000\", \"project_id\": \"123456789\"}\n"
        );
        let set = ClientMessage::Set {
            name: "☁ msg".into(),
            value: "hello".into(),
            user: "player1000".into(),
            project_id: json!("123456789"),
        };
        assert_eq!(
            set.to_frame(),
            "{\"method\": \"set\", \"name\": \"\\u2601 msg\", \"value\": \"hello\", \"user\": \"player1000\", \"project_id\": \"123456789\"}\n"
        );
    }

    #[test]
    fn python_string_escapes() {
        let py = |text: &str| {
            let mut s = String::new();
            push_python_json_string(&mut s, text);
            s
        };
        assert_eq!(py("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(py("\n\t\u{1}"), r#""\n\t\u0001""#);
        assert_eq!(py("é☁"), r#""\u00e9\u2601""#);
        assert_eq!(py("😀"), r#""\ud83d\ude00""#);
        // Python: json.dumps("\x7f") == '"\\u007f"'
        assert_eq!(py("\u{7f}"), r#""\u007f""#);
    }

    #[test]
    fn batch_parsing() {
        let frame = "{\"method\":\"set\",\"name\":\"☁ A\",\"value\":\"1\"}\n{\"method\":\"set\",\"name\":\"☁ B\",\"value\":2}\n\n";
        let ups: Vec<_> = parse_batch(frame).into_iter().map(Result::unwrap).collect();
        assert_eq!(ups.len(), 2);
        assert_eq!(ups[0].name, "☁ A");
        assert_eq!(ups[1].value.as_ref().unwrap().as_str(), "2");
        let mixed = parse_batch("garbage\n{\"method\":\"delete\",\"name\":\"☁ C\"}");
        assert!(mixed[0].is_err());
        assert_eq!(mixed[1].as_ref().unwrap().method, Method::Delete);
    }
}
