//! The reference's portable session string (docs/protocol.md §2.4): standard Base64 of the
//! JSON text `{"username": .., "session_id": .., "xtoken": .., "password": ..}` written
//! the way Python's `json.dumps` writes it (`", "`/`": "` separators, non-ASCII escaped
//! as `\uXXXX`), so strings made here load in the original library and vice versa.

use crate::error::{AccountsError, Result};
use crate::secret::{Password, XToken};
use base64::Engine as _;
use scratchcomm_wire::{push_python_json_string, SessionId};
use serde_json::Value;

/// The fields of a session string. Secrets stay wrapped; `Debug` is redacted.
#[derive(Debug, Clone, Default)]
pub struct SessionStringData {
    /// `username` (`null` when unknown).
    pub username: Option<String>,
    /// `session_id` (`null` when unknown).
    pub session_id: Option<SessionId>,
    /// `xtoken`, written only when known.
    pub xtoken: Option<XToken>,
    /// `password`, written only when known (and the caller asked for it).
    pub password: Option<Password>,
}

impl SessionStringData {
    /// The session string: Base64 of the Python-style JSON text.
    pub fn encode(&self) -> String {
        let mut json = String::from("{\"username\": ");
        push_opt(&mut json, self.username.as_deref());
        json.push_str(", \"session_id\": ");
        push_opt(&mut json, self.session_id.as_ref().map(|s| s.expose()));
        if let Some(x) = &self.xtoken {
            json.push_str(", \"xtoken\": ");
            push_python_json_string(&mut json, x.expose());
        }
        if let Some(p) = &self.password {
            json.push_str(", \"password\": ");
            push_python_json_string(&mut json, p.expose());
        }
        json.push('}');
        let encoded = base64::engine::general_purpose::STANDARD.encode(json.as_bytes());
        zeroize::Zeroize::zeroize(&mut json);
        encoded
    }

    /// Read a session string. Errors (`InvalidSessionString`) say what was wrong but never
    /// echo the content.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `InvalidSessionString` (which does not echo the content).
    pub fn decode(session_string: &str) -> Result<SessionStringData> {
        let bad = |reason: &str| AccountsError::invalid_session_string(reason.to_owned());
        let compact: String = session_string
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| bad("not standard Base64 with padding"))?;
        let parsed: std::result::Result<Value, _> = serde_json::from_slice(&bytes);
        zeroize::Zeroize::zeroize(&mut bytes);
        let value = parsed.map_err(|_| bad("the decoded text is not JSON"))?;
        let obj = value
            .as_object()
            .ok_or_else(|| bad("the decoded JSON is not an object"))?;
        let field = |name: &str| -> Result<Option<String>> {
            match obj.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(bad(&format!("\"{name}\" is not text"))),
            }
        };
        Ok(SessionStringData {
            username: field("username")?,
            session_id: field("session_id")?.map(SessionId::new),
            xtoken: field("xtoken")?.map(XToken::new),
            password: field("password")?.map(Password::new),
        })
    }
}

fn push_opt(out: &mut String, text: Option<&str>) {
    match text {
        Some(t) => push_python_json_string(out, t),
        None => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_written_as_the_reference_does() {
        let data = SessionStringData {
            username: None,
            session_id: Some(SessionId::new("\"s\"")),
            ..Default::default()
        };
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(data.encode())
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            r#"{"username": null, "session_id": "\"s\""}"#
        );
    }

    #[test]
    fn round_trips_non_ascii_and_reports_bad_input() {
        let data = SessionStringData {
            username: Some("jürgen".into()),
            session_id: Some(SessionId::new("\"x:y\"")),
            xtoken: None,
            password: Some(Password::new("pässwörd 😀")),
        };
        let back = SessionStringData::decode(&data.encode()).unwrap();
        assert_eq!(back.username.as_deref(), Some("jürgen"));
        assert_eq!(back.password.unwrap().expose(), "pässwörd 😀");
        assert!(back.xtoken.is_none());
        use crate::AccountsErrorKind as K;
        for bad in ["***", "bm90IGpzb24=", "WzFd", "eyJ1c2VybmFtZSI6IDF9"] {
            let e = SessionStringData::decode(bad).unwrap_err();
            assert_eq!(e.kind(), K::InvalidSessionString, "{bad}");
        }
    }

    #[test]
    fn debug_is_redacted() {
        let data = SessionStringData {
            username: Some("u".into()),
            session_id: Some(SessionId::new("sid-secret")),
            xtoken: Some(XToken::new("tok-secret")),
            password: Some(Password::new("pw-secret")),
        };
        assert!(!format!("{data:?}").contains("secret"));
    }
}
