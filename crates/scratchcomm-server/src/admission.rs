//! Sans-IO decision taken when a websocket opens, from its request headers, before any
//! message: TurboWarp refuses clients that leak a Scratch session cookie (4005) and, when
//! configured, clients without a `User-Agent` (4006).

use scratchcomm_wire::CloseCode;

use crate::config::ServerConfig;

/// Close code TurboWarp uses when a client sends a Scratch session cookie to it
/// ("closed to protect your security"). Not in `scratchcomm_wire::CloseCode`'s constants.
pub const LEAKED_SESSION: CloseCode = CloseCode(4005);

/// Why a new connection is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Close code.
    pub code: CloseCode,
    /// A text frame sent before the close, telling the developer what to fix.
    pub message: &'static str,
    /// Close reason.
    pub reason: &'static str,
}

/// The request headers that matter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Headers<'a> {
    /// `Cookie`, if present.
    pub cookie: Option<&'a str>,
    /// `User-Agent`, if present.
    pub user_agent: Option<&'a str>,
}

/// Whether a connection with these headers may proceed (`None`) or is refused.
pub fn admit(headers: Headers<'_>, config: &ServerConfig) -> Option<Refusal> {
    let leaks = headers
        .cookie
        .is_some_and(|c| c.trim_start().starts_with("scratchsessionsid="));
    if config.refuse_scratch_session_cookie && leaks {
        return Some(Refusal {
            code: LEAKED_SESSION,
            message: "Your client sent a Scratch session cookie to a server that is not \
                      Scratch. Change your Scratch password and fix the client; this connection \
                      is refused to protect your account.",
            reason: "Scratch session cookie sent to a non-Scratch server",
        });
    }
    let has_agent = headers.user_agent.is_some_and(|ua| !ua.trim().is_empty());
    if config.require_user_agent && !has_agent {
        return Some(Refusal {
            code: CloseCode::IDENTIFY,
            message: "Please send a User-Agent header that names your project and how to \
                      contact you.",
            reason: "User-Agent header required",
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers<'a>(cookie: Option<&'a str>, user_agent: Option<&'a str>) -> Headers<'a> {
        Headers { cookie, user_agent }
    }

    #[test]
    fn session_cookie_is_refused_by_default() {
        let config = ServerConfig::default();
        let refusal = admit(headers(Some("scratchsessionsid=\"abc\";"), None), &config);
        assert_eq!(refusal.map(|r| r.code.0), Some(4005));
        assert_eq!(admit(headers(Some("theme=dark"), None), &config), None);
        let allowed = ServerConfig::default().refuse_scratch_session_cookie(false);
        let leak = headers(Some("scratchsessionsid=x"), None);
        assert_eq!(admit(leak, &allowed), None);
    }

    #[test]
    fn user_agent_only_when_required() {
        let config = ServerConfig::default();
        assert_eq!(admit(Headers::default(), &config), None);
        let strict = ServerConfig::default().require_user_agent(true);
        assert_eq!(
            admit(Headers::default(), &strict).map(|r| r.code.0),
            Some(4006)
        );
        assert_eq!(
            admit(headers(None, Some("  ")), &strict).map(|r| r.code.0),
            Some(4006)
        );
        assert_eq!(admit(headers(None, Some("bot/1.0 @me")), &strict), None);
    }
}
