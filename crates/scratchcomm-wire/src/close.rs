use std::fmt;

/// A websocket close code, with what it means for reconnecting (modelled on
/// twilight-gateway's `CloseCode`). Codes 4000–4006 are the ones TurboWarp's cloud server
/// uses; the embedded server uses the same.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CloseCode(pub u16);

/// What a client should do after a close.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReconnectAdvice {
    /// Reconnect with the normal backoff.
    Retry,
    /// Reconnect, but back off longer (the server is overloaded).
    RetrySlowly,
    /// Reconnecting cannot help; stop and report.
    Never,
}

impl CloseCode {
    /// Normal closure.
    pub const NORMAL: CloseCode = CloseCode(1000);
    /// Going away (server stopping, or a dead client dropped).
    pub const GOING_AWAY: CloseCode = CloseCode(1001);
    /// Policy violation (Scratch uses it to refuse authentication).
    pub const POLICY: CloseCode = CloseCode(1008);
    /// A frame was too big.
    pub const TOO_BIG: CloseCode = CloseCode(1009);
    /// Protocol violation: bad JSON, unknown method, no handshake first, bad project id.
    pub const PROTOCOL_ERROR: CloseCode = CloseCode(4000);
    /// The username is invalid or taken.
    pub const USERNAME: CloseCode = CloseCode(4002);
    /// The server or the room is full.
    pub const OVERLOADED: CloseCode = CloseCode(4003);
    /// The project is unavailable (blocked or does not exist).
    pub const PROJECT_UNAVAILABLE: CloseCode = CloseCode(4004);
    /// The request carried a Scratch session cookie to a server that is not Scratch's
    /// (TurboWarp refuses it so that a leaked session is never used).
    pub const LEAKED_SESSION: CloseCode = CloseCode(4005);
    /// The client must identify itself (TurboWarp: contact info in the User-Agent).
    pub const IDENTIFY: CloseCode = CloseCode(4006);

    /// What a client should do after this close.
    pub fn advice(self) -> ReconnectAdvice {
        match self.0 {
            4000 | 4002 | 4004 | 4005 | 4006 | 1008 => ReconnectAdvice::Never,
            4003 => ReconnectAdvice::RetrySlowly,
            _ => ReconnectAdvice::Retry,
        }
    }

    /// Whether a reconnect can help at all.
    pub fn can_reconnect(self) -> bool {
        self.advice() != ReconnectAdvice::Never
    }

    /// A short English description of the code.
    pub fn description(self) -> &'static str {
        match self.0 {
            1000 => "normal closure",
            1001 => "going away",
            1008 => "policy violation (authentication refused)",
            1009 => "message too big",
            4000 => "protocol violation",
            4002 => "invalid or taken username",
            4003 => "server or room overloaded",
            4004 => "project unavailable",
            4005 => "a Scratch session cookie was sent to a non-Scratch server",
            4006 => "identify yourself (contact info missing)",
            _ => "unknown close code",
        }
    }
}

impl fmt::Debug for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CloseCode({} {})", self.0, self.description())
    }
}

impl fmt::Display for CloseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.description())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advice() {
        assert!(!CloseCode::USERNAME.can_reconnect());
        assert!(!CloseCode::PROJECT_UNAVAILABLE.can_reconnect());
        assert!(!CloseCode::IDENTIFY.can_reconnect());
        assert!(!CloseCode::LEAKED_SESSION.can_reconnect());
        assert_eq!(CloseCode::OVERLOADED.advice(), ReconnectAdvice::RetrySlowly);
        assert!(CloseCode::GOING_AWAY.can_reconnect());
    }
}
