//! Salt freshness (replay) guards, PROTOCOL.md §7.4 and §9 (S7, C9).
//!
//! Salts are centiseconds since the Unix epoch; clocks are passed in as the
//! [`Duration`] since the Unix epoch so the rules are exact and testable.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{SecurityError, SecurityErrorKind};

/// How far in the future a salt may be (both sides, §7.4).
pub const FUTURE_WINDOW: Duration = Duration::from_secs(30);

/// How far back the sprite's window reaches when a recv starts (§7.4).
pub const CLIENT_RECV_LOOKBACK: Duration = Duration::from_secs(2);

/// The current time since the Unix epoch (zero if the clock is before 1970).
pub fn unix_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// The time a salt stands for.
pub fn salt_time(salt: u64) -> Duration {
    Duration::from_millis(salt.saturating_mul(10))
}

/// Centiseconds of `t`, rounded half up: the sprite's activity id (§5.4).
pub fn activity_id(t: Duration) -> u64 {
    let centis = t.as_millis() / 10;
    let rest = t.as_nanos() % 10_000_000;
    let rounded = if rest >= 5_000_000 {
        centis + 1
    } else {
        centis
    };
    u64::try_from(rounded).unwrap_or(u64::MAX)
}

/// Centiseconds of `t`, rounded down: the server's salt, `floor(time * 100)` (§3.6).
pub fn salt_floor(t: Duration) -> u64 {
    u64::try_from(t.as_millis() / 10).unwrap_or(u64::MAX)
}

/// Centiseconds of `t`, rounded up (the sprite's `ceil(100 × time)`).
pub fn salt_ceil(t: Duration) -> u64 {
    let floor = salt_floor(t);
    if t.as_nanos() % 10_000_000 == 0 {
        floor
    } else {
        floor.saturating_add(1)
    }
}

fn refuse(message: String) -> SecurityError {
    SecurityError::new(SecurityErrorKind::Replay, message)
}

/// The server's guard for ONE client (one per client id; the reference keeps one
/// for the whole socket, §9 S7).
///
/// Accepts a salt `s` when `s` is later than the socket's creation time (for the first
/// salt), not older than the last accepted salt of this client (equal salts are
/// allowed, §9 C9), and `s/100 < now + 30 s`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerReplayGuard {
    created: Duration,
    last: Option<u64>,
}

impl ServerReplayGuard {
    /// A guard for a client of a socket created at `socket_created` (since the epoch).
    pub fn new(socket_created: Duration) -> Self {
        Self {
            created: socket_created,
            last: None,
        }
    }

    /// The last accepted salt, if any.
    pub fn last_salt(&self) -> Option<u64> {
        self.last
    }

    /// Whether `salt` is acceptable at `now`, without recording it.
    pub fn check(&self, salt: u64, now: Duration) -> Result<(), SecurityError> {
        let t = salt_time(salt);
        match self.last {
            None if t <= self.created => {
                return Err(refuse(format!(
                    "salt {salt} is not newer than the socket's creation"
                )))
            }
            Some(last) if salt < last => {
                return Err(refuse(format!(
                    "salt {salt} is older than this client's last salt {last}"
                )))
            }
            _ => {}
        }
        if t >= now.saturating_add(FUTURE_WINDOW) {
            return Err(refuse(format!("salt {salt} is 30 s or more in the future")));
        }
        Ok(())
    }

    /// [`Self::check`], then record `salt` as this client's last salt.
    pub fn accept(&mut self, salt: u64, now: Duration) -> Result<(), SecurityError> {
        self.check(salt, now)?;
        self.last = Some(salt);
        Ok(())
    }
}

/// The sprite's guard (§7.4): accepts `s ≥ last_activity_id` and
/// `s ≤ (now + 30 s) × 100`; raised to `ceil(100 × (now − 2 s))` when a recv starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientReplayGuard {
    last_activity_id: u64,
}

impl ClientReplayGuard {
    /// Green-flag state: `last_activity_id = ceil(100 × now)`.
    pub fn new(now: Duration) -> Self {
        Self {
            last_activity_id: salt_ceil(now),
        }
    }

    /// The lowest salt still accepted.
    pub fn last_activity_id(&self) -> u64 {
        self.last_activity_id
    }

    /// Start of a recv: raise the floor to `ceil(100 × (now − 2 s))` if it is lower.
    pub fn begin_recv(&mut self, now: Duration) {
        let floor = salt_ceil(now.saturating_sub(CLIENT_RECV_LOOKBACK));
        self.last_activity_id = self.last_activity_id.max(floor);
    }

    /// Whether `salt` is acceptable at `now`, without recording it.
    pub fn check(&self, salt: u64, now: Duration) -> Result<(), SecurityError> {
        if salt < self.last_activity_id {
            return Err(refuse(format!(
                "salt {salt} is older than the last activity id {}",
                self.last_activity_id
            )));
        }
        if salt_time(salt) > now.saturating_add(FUTURE_WINDOW) {
            return Err(refuse(format!(
                "salt {salt} is more than 30 s in the future"
            )));
        }
        Ok(())
    }

    /// [`Self::check`], then `last_activity_id = salt`.
    pub fn accept(&mut self, salt: u64, now: Duration) -> Result<(), SecurityError> {
        self.check(salt, now)?;
        self.last_activity_id = salt;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn rounding_helpers() {
        let t = Duration::from_millis(1_774_381_101_005);
        assert_eq!(salt_floor(t), 177_438_110_100);
        assert_eq!(activity_id(t), 177_438_110_101);
        assert_eq!(salt_ceil(t), 177_438_110_101);
        assert_eq!(salt_ceil(secs(5)), 500);
        assert_eq!(activity_id(Duration::from_millis(4)), 0);
        assert_eq!(salt_time(250), Duration::from_millis(2500));
    }

    #[test]
    fn server_guard_is_per_client_and_allows_equal_salts() {
        let mut g = ServerReplayGuard::new(secs(1000));
        let now = secs(1001);
        assert!(g.check(100_000, now).is_err(), "not newer than creation");
        g.accept(100_050, now).unwrap();
        g.accept(100_050, now).unwrap();
        assert_eq!(
            g.accept(100_049, now).unwrap_err().kind(),
            SecurityErrorKind::Replay
        );
        assert_eq!(g.last_salt(), Some(100_050));
        // 30 s window, strict like the reference.
        assert!(g.check(103_100, now).is_err());
        assert!(g.check(103_099, now).is_ok());
        // Another client has its own guard.
        let mut other = ServerReplayGuard::new(secs(1000));
        other.accept(100_001, now).unwrap();
    }

    #[test]
    fn client_guard_follows_the_sprite() {
        let mut g = ClientReplayGuard::new(secs(1000));
        assert_eq!(g.last_activity_id(), 100_000);
        let now = secs(1010);
        g.begin_recv(now);
        assert_eq!(g.last_activity_id(), 100_800);
        assert!(g.check(100_799, now).is_err());
        g.accept(100_800, now).unwrap();
        g.accept(100_800, now).unwrap();
        assert!(
            g.check(104_000, now).is_ok(),
            "(now + 30 s) × 100 is inclusive"
        );
        assert!(g.check(104_001, now).is_err());
        g.begin_recv(secs(900));
        assert_eq!(g.last_activity_id(), 100_800, "never lowered");
    }
}
