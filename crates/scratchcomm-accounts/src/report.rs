//! What `scratchcomm whoami` prints: the account data of a session, secrets redacted, as
//! text or JSON. The CLI only parses arguments and calls [`whoami`].

use crate::account::AccountData;
use crate::browser::Browser;
use crate::config::ApiConfig;
use crate::error::Result;
use crate::secret::{redacted_hint, Password};
use crate::session::Session;
use scratchcomm_wire::SessionId;
use serde_json::{json, Value};
use std::path::PathBuf;

/// How to log in. `Debug` never shows a secret (a session string holds the session id).
#[derive(Clone)]
#[non_exhaustive]
pub enum LoginMethod {
    /// A session id, with the username when known.
    SessionId {
        /// The session id.
        session_id: SessionId,
        /// The username, if known (used when the lookup fails).
        username: Option<String>,
    },
    /// A username and password.
    Password {
        /// The username.
        username: String,
        /// The password.
        password: Password,
    },
    /// The cookies of an installed browser.
    Browser(Browser),
    /// A Firefox-format `cookies.sqlite` file.
    FirefoxCookies(PathBuf),
    /// A saved session string.
    SessionString(String),
}

impl std::fmt::Debug for LoginMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginMethod::SessionId {
                session_id,
                username,
            } => f
                .debug_struct("SessionId")
                .field("session_id", session_id)
                .field("username", username)
                .finish(),
            LoginMethod::Password { username, password } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", password)
                .finish(),
            LoginMethod::Browser(b) => f.debug_tuple("Browser").field(b).finish(),
            LoginMethod::FirefoxCookies(p) => f.debug_tuple("FirefoxCookies").field(p).finish(),
            LoginMethod::SessionString(_) => f.write_str("SessionString(<redacted>)"),
        }
    }
}

/// The account data of a session, ready to print. Holds no secret in full.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountReport {
    /// The account's username.
    pub username: String,
    /// Length and last characters of the session id only.
    pub session_id_hint: String,
    /// The account's e-mail address, when the session endpoint gives it.
    pub email: Option<String>,
    /// The numeric user id.
    pub user_id: Option<u64>,
    /// Whether the account is banned.
    pub banned: bool,
    /// Whether the account is a "New Scratcher".
    pub new_scratcher: bool,
    /// Whether `mute_status` is non-empty.
    pub muted: bool,
    /// `permissions.mute_status` as sent.
    pub mute_status: Value,
    /// Length and last characters of the X-Token only.
    pub xtoken_hint: String,
}

impl AccountReport {
    /// The report of a looked-up session; the lookup's error when it has no account data.
    ///
    /// # Errors
    ///
    /// The lookup's [`AccountsError`](crate::AccountsError) when the session has no account data.
    pub fn from_session(session: &Session) -> Result<AccountReport> {
        let account: &AccountData = session.account()?;
        Ok(AccountReport {
            username: account.username.clone(),
            session_id_hint: session.session_id_hint(),
            email: account.email.clone(),
            user_id: account.user_id,
            banned: account.banned,
            new_scratcher: account.new_scratcher,
            muted: account.is_muted(),
            mute_status: account.mute_status.clone(),
            xtoken_hint: redacted_hint(account.xtoken.expose()),
        })
    }

    /// One `key: value` line per field.
    pub fn to_text(&self) -> String {
        let opt = |v: Option<String>| v.unwrap_or_else(|| "(unknown)".to_owned());
        let lines = [
            ("username", self.username.clone()),
            ("user id", opt(self.user_id.map(|i| i.to_string()))),
            ("email", opt(self.email.clone())),
            ("banned", yes_no(self.banned)),
            ("new scratcher", yes_no(self.new_scratcher)),
            ("muted", yes_no(self.muted)),
            ("mute status", self.mute_status.to_string()),
            ("session id", self.session_id_hint.clone()),
            ("x-token", self.xtoken_hint.clone()),
        ];
        lines.iter().map(|(k, v)| format!("{k:<14}{v}\n")).collect()
    }

    /// A JSON object with the same fields.
    pub fn to_json(&self) -> Value {
        json!({
            "username": self.username,
            "user_id": self.user_id,
            "email": self.email,
            "banned": self.banned,
            "new_scratcher": self.new_scratcher,
            "muted": self.muted,
            "mute_status": self.mute_status,
            "session_id": self.session_id_hint,
            "x_token": self.xtoken_hint,
        })
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// Log in with `method` and report the account. Strict: a session whose lookup failed is
/// an error (the lookup's kind: `InvalidSession`, `Timeout`, ...), never a partial report.
///
/// # Errors
///
/// The lookup's [`AccountsError`](crate::AccountsError) (`InvalidSession`, `WrongPassword`, `Timeout`, ...).
pub async fn whoami(config: ApiConfig, method: LoginMethod) -> Result<AccountReport> {
    let session = match method {
        LoginMethod::SessionId {
            session_id,
            username,
        } => Session::from_session_id(config, session_id, username, None).await?,
        LoginMethod::Password { username, password } => {
            Session::login(config, &username, password).await?
        }
        LoginMethod::Browser(browser) => Session::from_browser(config, browser).await?,
        LoginMethod::FirefoxCookies(path) => Session::from_firefox_cookies(config, &path).await?,
        LoginMethod::SessionString(s) => Session::from_session_string(config, &s).await?,
    };
    AccountReport::from_session(&session)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> AccountReport {
        AccountReport {
            username: "alice".into(),
            session_id_hint: redacted_hint("\"0123456789abcdefXYZW\""),
            email: None,
            user_id: Some(7),
            banned: false,
            new_scratcher: true,
            muted: false,
            mute_status: json!({}),
            xtoken_hint: redacted_hint("token-0123456789"),
        }
    }

    #[test]
    fn text_and_json_never_hold_secrets_in_full() {
        let r = report();
        let text = r.to_text();
        let json = r.to_json().to_string();
        for shown in [&text, &json, &format!("{r:?}")] {
            assert!(!shown.contains("0123456789abcdef"), "{shown}");
            assert!(!shown.contains("token-0123"), "{shown}");
        }
        assert!(text.contains("username      alice\n"), "{text}");
        assert!(text.contains("new scratcher yes"), "{text}");
        assert!(text.contains("email         (unknown)"), "{text}");
        assert_eq!(r.to_json()["user_id"], 7);
        assert_eq!(r.to_json()["email"], Value::Null);
    }

    #[test]
    fn login_methods_print_redacted() {
        let methods = [
            LoginMethod::SessionString("c2VjcmV0LXNlc3Npb24=".into()),
            LoginMethod::SessionId {
                session_id: SessionId::new("secret-id"),
                username: None,
            },
            LoginMethod::Password {
                username: "u".into(),
                password: Password::new("secret-pw"),
            },
        ];
        for m in methods {
            let shown = format!("{m:?}");
            assert!(
                !shown.contains("secret") && !shown.contains("c2Vj"),
                "{shown}"
            );
        }
    }
}
