//! Account data read from the session endpoint's answer (docs/protocol.md §2.2), as a pure
//! parser so the rules are tested without any HTTP.

use crate::error::{AccountsError, Result};
use crate::secret::XToken;
use serde_json::Value;
use std::fmt;

/// What the session endpoint says about the logged-in account. The whole answer is kept
/// (`session_data`); `Debug` shows only non-secret fields.
#[derive(Clone)]
pub struct AccountData {
    /// `user.username`.
    pub username: String,
    /// `user.email`, when present.
    pub email: Option<String>,
    /// `user.id`, when present.
    pub user_id: Option<u64>,
    /// `user.banned` (false when absent).
    pub banned: bool,
    /// `permissions.new_scratcher` (false when absent).
    pub new_scratcher: bool,
    /// `permissions.mute_status` as sent (an object, often `{}`; `null` when absent).
    pub mute_status: Value,
    /// `permissions` as sent (`null` when absent).
    pub permissions: Value,
    /// `flags` as sent (`null` when absent).
    pub flags: Value,
    /// `user.token`: the X-Token.
    pub xtoken: XToken,
    /// The whole answer (contains the token: never log it).
    pub session_data: Value,
}

impl fmt::Debug for AccountData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountData")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("user_id", &self.user_id)
            .field("banned", &self.banned)
            .field("new_scratcher", &self.new_scratcher)
            .field("mute_status", &self.mute_status)
            .field("xtoken", &self.xtoken)
            .field("session_data", &"<redacted>")
            .finish()
    }
}

impl AccountData {
    /// Parse the session endpoint's answer. `url` names the source in errors.
    ///
    /// * not JSON, or not an object: `MalformedJson`;
    /// * no `user` object (Scratch answers `{}` for a session that is not logged in):
    ///   `InvalidSession`;
    /// * `user.token` or `user.username` missing or not text, or another read field of
    ///   the wrong type: `MalformedJson` naming the field.
    ///
    /// # Errors
    ///
    /// An [`AccountsError`](crate::AccountsError) of kind `MalformedJson` naming the field (see above).
    pub fn from_session_json(url: &str, body: &[u8]) -> Result<AccountData> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            AccountsError::malformed(url, format!("the session answer is not JSON ({e})"))
        })?;
        let obj = value
            .as_object()
            .ok_or_else(|| AccountsError::malformed(url, "the session answer is not an object"))?;
        let user = match obj.get("user") {
            None | Some(Value::Null) => {
                return Err(AccountsError::invalid_session(
                    url,
                    "the answer has no \"user\" (not logged in)",
                ))
            }
            Some(Value::Object(user)) => user,
            Some(_) => return Err(AccountsError::malformed(url, "\"user\" is not an object")),
        };
        let text = |field: &str| -> Result<String> {
            match user.get(field) {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(_) => Err(AccountsError::malformed(
                    url,
                    format!("\"user.{field}\" is not text"),
                )),
                None => Err(AccountsError::malformed(
                    url,
                    format!("\"user.{field}\" is missing"),
                )),
            }
        };
        let xtoken = XToken::new(text("token")?);
        let username = text("username")?;
        let email = match user.get("email") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(AccountsError::malformed(url, "\"user.email\" is not text")),
        };
        let user_id = match user.get("id") {
            None | Some(Value::Null) => None,
            Some(v) => Some(v.as_u64().ok_or_else(|| {
                AccountsError::malformed(url, "\"user.id\" is not a non-negative integer")
            })?),
        };
        let banned = flag(url, user.get("banned"), "user.banned")?;
        let permissions = obj.get("permissions").cloned().unwrap_or(Value::Null);
        let (new_scratcher, mute_status) = match &permissions {
            Value::Object(p) => (
                flag(url, p.get("new_scratcher"), "permissions.new_scratcher")?,
                p.get("mute_status").cloned().unwrap_or(Value::Null),
            ),
            Value::Null => (false, Value::Null),
            _ => {
                return Err(AccountsError::malformed(
                    url,
                    "\"permissions\" is not an object",
                ))
            }
        };
        Ok(AccountData {
            username,
            email,
            user_id,
            banned,
            new_scratcher,
            mute_status,
            permissions,
            flags: obj.get("flags").cloned().unwrap_or(Value::Null),
            xtoken,
            session_data: value,
        })
    }

    /// Whether the account is muted: `mute_status` is a non-empty object.
    pub fn is_muted(&self) -> bool {
        matches!(&self.mute_status, Value::Object(m) if !m.is_empty())
    }
}

fn flag(url: &str, value: Option<&Value>, field: &str) -> Result<bool> {
    match value {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(AccountsError::malformed(
            url,
            format!("\"{field}\" is not true or false"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountsErrorKind as K;

    const GOOD: &str = r#"{"user": {"id": 42, "banned": false, "username": "alice",
        "token": "tok-secret", "thumbnailUrl": "//x", "dateJoined": "2020", "email": "a@x.org"},
        "permissions": {"admin": false, "scratcher": true, "new_scratcher": false,
        "mute_status": {"offenses": [], "showWarning": false}},
        "flags": {"has_outstanding_email_confirmation": false}}"#;

    #[test]
    fn parses_the_documented_shape() {
        let a = AccountData::from_session_json("u", GOOD.as_bytes()).unwrap();
        assert_eq!(a.username, "alice");
        assert_eq!(a.email.as_deref(), Some("a@x.org"));
        assert_eq!(a.user_id, Some(42));
        assert!(!a.banned && !a.new_scratcher);
        assert_eq!(a.xtoken.expose(), "tok-secret");
        assert!(a.is_muted());
        assert_eq!(a.session_data["user"]["thumbnailUrl"], "//x");
        let shown = format!("{a:?}");
        assert!(!shown.contains("tok-secret"), "{shown}");
    }

    #[test]
    fn failures_have_distinct_kinds() {
        let kind = |body: &str| {
            AccountData::from_session_json("u", body.as_bytes())
                .unwrap_err()
                .kind()
        };
        assert_eq!(kind("{}"), K::InvalidSession);
        assert_eq!(kind(r#"{"user": null}"#), K::InvalidSession);
        assert_eq!(kind("not json"), K::MalformedJson);
        assert_eq!(kind("[1]"), K::MalformedJson);
        assert_eq!(kind(r#"{"user": {"username": "a"}}"#), K::MalformedJson);
        assert_eq!(
            kind(r#"{"user": {"username": "a", "token": "t", "id": "x"}}"#),
            K::MalformedJson
        );
        assert_eq!(
            kind(r#"{"user": {"username": "a", "token": "t"}, "permissions": 3}"#),
            K::MalformedJson
        );
    }

    #[test]
    fn optional_fields_default() {
        let a =
            AccountData::from_session_json("u", br#"{"user": {"username": "bob", "token": "t"}}"#)
                .unwrap();
        assert_eq!(a.email, None);
        assert_eq!(a.user_id, None);
        assert!(!a.banned && !a.new_scratcher && !a.is_muted());
        assert_eq!(a.flags, Value::Null);
    }
}
