//! Secret strings of an account: the password and the X-Token. The session id is
//! [`scratchcomm_wire::SessionId`]. All of them print redacted and are zeroized on drop.

use scratchcomm_wire::SessionId;
use std::fmt;
use zeroize::Zeroize;

macro_rules! secret_string {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wrap a secret.
            pub fn new(secret: impl Into<String>) -> Self {
                $name(secret.into())
            }

            /// The secret text. Call only where it goes on the wire or into a session string.
            pub fn expose(&self) -> &str {
                &self.0
            }

            /// Whether the secret is the empty string.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<redacted>")
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                self.0.zeroize();
            }
        }
    };
}

secret_string!(
    /// An account password. Kept only as long as the caller keeps the session.
    Password
);

secret_string!(
    /// The X-Token of a session (`user.token` of the session endpoint, §2.2).
    XToken
);

/// A short, safe-to-print hint of a secret: its length and its last 4 characters at most
/// (none when it is shorter than 12), e.g. `<redacted, 60 chars, ends "Xk9Q\"">`.
pub fn redacted_hint(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.len() < 12 {
        return format!("<redacted, {} chars>", chars.len());
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("<redacted, {} chars, ends {tail:?}>", chars.len())
}

/// The safe-to-print hint of a session id (see [`redacted_hint`]).
pub fn session_id_hint(id: &SessionId) -> String {
    redacted_hint(id.expose())
}

/// The session id of a `Set-Cookie` header text, exactly as the reference takes it
/// (§2.3): the substring from the first `"` to the last `"` of the same line, both
/// quotes included (Python `re.search('"(.*)"', text).group()`). `None` when the text
/// holds no pair of quotes.
pub fn session_id_from_set_cookie(text: &str) -> Option<SessionId> {
    // `.` does not match a newline in Python's re, so the match stays on one line: the
    // first line that holds two quotes wins, greedy to that line's last quote.
    for line in text.split('\n') {
        let first = match line.find('"') {
            Some(i) => i,
            None => continue,
        };
        let last = line.rfind('"').unwrap_or(first);
        if last > first {
            return Some(SessionId::new(&line[first..=last]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let p = Password::new("hunter2-secret");
        let t = XToken::new("tok-secret");
        for shown in [
            format!("{p:?}"),
            format!("{p}"),
            format!("{t:?}"),
            format!("{t}"),
        ] {
            assert!(!shown.contains("secret"), "{shown}");
        }
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
        assert_eq!(t.expose(), "tok-secret");
    }

    #[test]
    fn hint_never_shows_short_secrets() {
        assert_eq!(redacted_hint("abc"), "<redacted, 3 chars>");
        let hint = redacted_hint("\"abcdefghijklmnop\"");
        assert!(
            hint.contains("18 chars") && hint.contains("nop\\\""),
            "{hint}"
        );
        assert!(!hint.contains("abcdef"));
    }

    #[test]
    fn set_cookie_takes_first_to_last_quote_with_quotes() {
        let header = "scratchsessionsid=\"abc:def\"; expires=Thu, 01 Jan 2099; Max-Age=1; Path=/";
        let id = session_id_from_set_cookie(header).unwrap();
        assert_eq!(id.expose(), "\"abc:def\"");
        // Greedy: several quoted parts on one line run from the first to the last quote.
        let two = "a=\"x\"; b=\"y\"";
        assert_eq!(
            session_id_from_set_cookie(two).unwrap().expose(),
            "\"x\"; b=\"y\""
        );
        assert!(session_id_from_set_cookie("scratchsessionsid=abc; Path=/").is_none());
        assert!(session_id_from_set_cookie("only \"one quote").is_none());
        assert!(session_id_from_set_cookie("").is_none());
    }

    #[test]
    fn set_cookie_match_stays_on_one_line() {
        let text = "a=\"x\nb=\"y\"";
        assert_eq!(session_id_from_set_cookie(text).unwrap().expose(), "\"y\"");
    }
}
