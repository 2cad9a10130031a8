use std::fmt;
use zeroize::Zeroize;

/// A Scratch session id (`scratchsessionsid` cookie value, normally with its surrounding
/// double quotes). Never printed: `Debug` and `Display` are redacted; zeroized on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

impl SessionId {
    /// Wrap a session id (with its quotes, as the cookie carries it).
    pub fn new(id: impl Into<String>) -> Self {
        SessionId(id.into())
    }

    /// The secret text. Call only where it goes on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The websocket `Cookie` header value the reference sends (trailing `;` included).
    pub fn cookie_header(&self) -> String {
        format!("scratchsessionsid={};", self.0)
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(<redacted>)")
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Drop for SessionId {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SessionId::new("\"secret-abc\"");
        assert!(!format!("{s:?}").contains("secret"));
        assert!(!format!("{s}").contains("secret"));
        assert_eq!(s.cookie_header(), "scratchsessionsid=\"secret-abc\";");
    }
}
