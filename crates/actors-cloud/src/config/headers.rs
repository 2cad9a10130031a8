//! Extra request headers and cookies a connection sends on its websocket handshake to
//! TurboWarp and custom hosts (never to Scratch, whose cookie and Origin are fixed).
//!
//! Values may be secrets (an `Authorization` token, a session cookie): `Debug` shows the
//! names only.

use super::ConnectionConfig;
use crate::CloudError;
use std::fmt;

/// Headers the library or the websocket handshake set itself; `cookie` has its own method.
const RESERVED: &[&str] = &[
    "host",
    "connection",
    "upgrade",
    "cookie",
    "content-length",
    "transfer-encoding",
];

/// Extra headers and cookies, in the order they were added.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ExtraHeaders {
    headers: Vec<(String, String)>,
    cookies: Vec<(String, String)>,
}

impl fmt::Debug for ExtraHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |v: &[(String, String)]| -> Vec<String> {
            v.iter().map(|(n, _)| format!("{n}: <redacted>")).collect()
        };
        f.debug_struct("ExtraHeaders")
            .field("headers", &names(&self.headers))
            .field("cookies", &names(&self.cookies))
            .finish()
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn bad(message: String) -> Result<(), CloudError> {
    Err(CloudError::config(message))
}

impl ExtraHeaders {
    /// Whether a header of this name (any case) was added.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// Every problem is reported by name, never with the value.
    pub(crate) fn validate(&self) -> Result<(), CloudError> {
        for (name, value) in &self.headers {
            if !is_token(name) {
                return bad(format!("header name {name:?} is not an HTTP token"));
            }
            let lower = name.to_ascii_lowercase();
            if RESERVED.contains(&lower.as_str()) || lower.starts_with("sec-websocket-") {
                return bad(format!(
                    "header {name:?} is set by the websocket handshake (cookies: use `cookie`)"
                ));
            }
            if value.chars().any(|c| c.is_control() && c != '\t') {
                return bad(format!(
                    "the value of header {name:?} has control characters"
                ));
            }
        }
        for (name, value) in &self.cookies {
            if !is_token(name) {
                return bad(format!("cookie name {name:?} is not a token"));
            }
            let ok = value
                .bytes()
                .all(|b| b.is_ascii_graphic() && !matches!(b, b'"' | b',' | b';' | b'\\'));
            if !ok {
                return bad(format!(
                    "the value of cookie {name:?} has characters a cookie cannot hold"
                ));
            }
        }
        Ok(())
    }

    /// The headers to send: the extra ones, then one `Cookie` header with every cookie.
    pub(crate) fn to_send(&self) -> Vec<(String, String)> {
        let mut out = self.headers.clone();
        if !self.cookies.is_empty() {
            let cookie: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            out.push(("Cookie".to_owned(), cookie.join("; ")));
        }
        out
    }
}

impl ConnectionConfig {
    /// Send header `name: value` on the websocket handshake to TurboWarp and custom hosts
    /// (never to Scratch). Added in order; a `User-Agent` given here replaces the
    /// library's. The value is kept out of `Debug`. Checked by `validate`: the name must be
    /// an HTTP token and not one the handshake sets (`Host`, `Upgrade`, `Connection`,
    /// `Sec-WebSocket-*`, `Cookie`), the value without control characters.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.headers.push((name.into(), value.into()));
        self
    }

    /// Send cookie `name=value` on the websocket handshake to TurboWarp and custom hosts
    /// (never to Scratch); every cookie goes into one `Cookie` header. The value is kept
    /// out of `Debug`.
    pub fn cookie(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.cookies.push((name.into(), value.into()));
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::ConnectionConfig;

    fn check(c: ConnectionConfig) -> Result<(), String> {
        c.validate().map(|_| ()).map_err(|e| e.to_string())
    }

    #[test]
    fn names_and_values_are_checked_and_values_stay_out_of_debug() {
        let base = || ConnectionConfig::custom("ws://127.0.0.1:1/", "room");
        let ok = base()
            .header("Authorization", "Bearer s3cret")
            .cookie("sid", "abc123");
        check(ok.clone()).unwrap();
        assert!(!format!("{ok:?}").contains("s3cret"));
        assert!(!format!("{ok:?}").contains("abc123"));
        assert!(check(base().header("Bad Name", "x")).is_err());
        assert!(check(base().header("Sec-WebSocket-Key", "x")).is_err());
        assert!(check(base().header("cookie", "a=b")).is_err());
        let err = check(base().header("X-Token", "a\r\nInjected: 1")).unwrap_err();
        assert!(
            err.contains("X-Token") && !err.contains("Injected"),
            "{err}"
        );
        assert!(check(base().cookie("a", "b;c")).is_err());
        assert!(check(base().cookie("", "b")).is_err());
    }

    #[test]
    fn cookies_join_into_one_header() {
        let c = ConnectionConfig::custom("ws://127.0.0.1:1/", "room")
            .header("X-A", "1")
            .cookie("a", "1")
            .cookie("b", "2");
        assert_eq!(
            c.extra.to_send(),
            vec![
                ("X-A".to_owned(), "1".to_owned()),
                ("Cookie".to_owned(), "a=1; b=2".to_owned())
            ]
        );
    }
}
