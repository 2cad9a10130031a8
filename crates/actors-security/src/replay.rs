//! The salt clock and the salt freshness (replay) rules of both sides, docs/protocol.md §3.3,
//! §3.6, §5.4, §7.4 and §9 (S7, C9): the one home of these rules.
//!
//! Salts are centiseconds since the Unix epoch ([`Centis`]); every rule takes its clock as
//! an argument, so it is exact and testable.
//!
//! * [`ServerReplayGuard`]: the server's per-client guard (the reference keeps one for the
//!   whole socket, §9 S7). Equal salts are what the sprite produces for two packets sent in
//!   the same centisecond (§5.5); an exact replay of an accepted packet has an equal salt
//!   *and* an identical body, so it stays rejected (C9).
//! * [`check_connect_salt`]: the server's rule for the salt of a `_safe_connect`.
//! * [`ClientReplayGuard`]: the sprite's `last_activity_id` rule.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{SecurityError, SecurityErrorKind};

/// Centiseconds since the Unix epoch: the unit of every salt (§3.3).
pub type Centis = u64;

/// Freshness window ahead of the receiver's clock: 30 s (§7.4). The server refuses a salt
/// `s ≥ now + FUTURE_WINDOW`, the sprite a salt `s > now + FUTURE_WINDOW`.
pub const FUTURE_WINDOW: Centis = 3_000;

/// How far back the sprite's floor reaches when a `recv` starts: 2 s (§4 step 2).
pub const CLIENT_RECV_LOOKBACK: Centis = 200;

/// Most bodies remembered for one salt value (the sprite does not produce more packets in
/// one centisecond than this from one client).
const SEEN_PER_SALT: usize = 32;

/// `floor(unix_time × 100)` of `t`: the server's salt rule (§3.6). Zero before 1970.
pub fn centis_floor(t: SystemTime) -> Centis {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    d.as_secs() * 100 + u64::from(d.subsec_millis() / 10)
}

/// `round(unix_time × 100)`, half up: the sprite's activity id rule (§5.4).
pub fn centis_round(t: SystemTime) -> Centis {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let micros = u64::from(d.subsec_micros());
    d.as_secs() * 100 + (micros + 5_000) / 10_000
}

/// `ceil(unix_time × 100)`: the sprite's `last_activity_id` at the green flag (§7.4).
pub fn centis_ceil(t: SystemTime) -> Centis {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let floor = centis_floor(t);
    if d.subsec_nanos() % 10_000_000 == 0 {
        floor
    } else {
        floor.saturating_add(1)
    }
}

/// The current time in centiseconds (floor).
pub fn now_centis() -> Centis {
    centis_floor(SystemTime::now())
}

fn refuse(kind: SecurityErrorKind, message: String) -> SecurityError {
    SecurityError::new(kind, message)
}

fn server_future_check(salt: Centis, now: Centis) -> Result<(), SecurityError> {
    if salt >= now.saturating_add(FUTURE_WINDOW) {
        return Err(refuse(
            SecurityErrorKind::FutureSalt,
            format!("salt {salt} is 30 s or more ahead of the server clock {now}"),
        ));
    }
    Ok(())
}

/// The server's rule for the salt of a client's `_safe_connect` (§3.5, §7.4): newer than
/// the socket's creation `created` and than this client's last connect salt, and less than
/// 30 s ahead of `now`.
///
/// # Errors
/// [`SecurityErrorKind::StaleSalt`] when the salt is not newer, and
/// [`SecurityErrorKind::FutureSalt`] when it is 30 s or more ahead.
pub fn check_connect_salt(
    salt: Centis,
    created: Centis,
    last_connect: Option<Centis>,
    now: Centis,
) -> Result<(), SecurityError> {
    if salt <= created {
        return Err(refuse(
            SecurityErrorKind::StaleSalt,
            format!("connect salt {salt} is not newer than the socket's creation {created}"),
        ));
    }
    if let Some(last) = last_connect.filter(|&l| salt <= l) {
        return Err(refuse(
            SecurityErrorKind::StaleSalt,
            format!("connect salt {salt} is not newer than this client's last connect {last}"),
        ));
    }
    server_future_check(salt, now)
}

/// The server's replay state of ONE secure client.
///
/// Accepts a salt `s` when `s < now + 30 s` and either `s > last` or `s == last` with a
/// body not seen at that salt. The state only advances on [`Self::commit`], i.e. after
/// decryption succeeded, so a tampered packet cannot block the genuine client.
#[derive(Debug, Clone)]
pub struct ServerReplayGuard {
    last: Centis,
    seen_at_last: Vec<u64>,
}

impl ServerReplayGuard {
    /// A guard that accepts salts from `floor` on (the client's connect salt).
    pub fn new(floor: Centis) -> Self {
        ServerReplayGuard {
            last: floor,
            seen_at_last: Vec::new(),
        }
    }

    /// The last accepted salt.
    pub fn last(&self) -> Centis {
        self.last
    }

    /// Checks `salt` and `body` at `now` without changing state.
    ///
    /// # Errors
    /// [`SecurityErrorKind::FutureSalt`] for a salt 30 s or more ahead,
    /// [`SecurityErrorKind::StaleSalt`] for one older than the last accepted salt, and
    /// [`SecurityErrorKind::Replay`] for the same body again at the last salt.
    pub fn check(&self, salt: Centis, body: &str, now: Centis) -> Result<(), SecurityError> {
        server_future_check(salt, now)?;
        if salt < self.last {
            return Err(refuse(
                SecurityErrorKind::StaleSalt,
                format!(
                    "salt {salt} is older than this client's last salt {}",
                    self.last
                ),
            ));
        }
        if salt == self.last && self.seen_at_last.contains(&body_hash(body)) {
            return Err(refuse(
                SecurityErrorKind::Replay,
                format!("the same packet again at salt {salt}"),
            ));
        }
        Ok(())
    }

    /// Records an accepted packet.
    pub fn commit(&mut self, salt: Centis, body: &str) {
        if salt > self.last {
            self.last = salt;
            self.seen_at_last.clear();
        }
        if salt == self.last {
            if self.seen_at_last.len() >= SEEN_PER_SALT {
                self.seen_at_last.remove(0);
            }
            self.seen_at_last.push(body_hash(body));
        }
    }
}

fn body_hash(body: &str) -> u64 {
    let mut h = DefaultHasher::new();
    body.hash(&mut h);
    h.finish()
}

/// The sprite's guard (§7.4): accepts `last_activity_id ≤ s ≤ now + 30 s`; the floor is
/// raised to `now − 2 s` when a `recv` starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientReplayGuard {
    last_activity_id: Centis,
}

impl ClientReplayGuard {
    /// A guard whose floor is `floor` (the sprite uses `ceil(100 × now)` at the green
    /// flag, [`centis_ceil`]).
    pub fn new(floor: Centis) -> Self {
        Self {
            last_activity_id: floor,
        }
    }

    /// The lowest salt still accepted.
    pub fn last_activity_id(&self) -> Centis {
        self.last_activity_id
    }

    /// Sets the floor (e.g. to replay a transcript with its recorded clock).
    pub fn set_last_activity_id(&mut self, floor: Centis) {
        self.last_activity_id = floor;
    }

    /// Start of a recv: raise the floor to `now − 2 s` if it is lower (never lowered).
    pub fn begin_recv(&mut self, now: Centis) {
        let floor = now.saturating_sub(CLIENT_RECV_LOOKBACK);
        self.last_activity_id = self.last_activity_id.max(floor);
    }

    /// Whether `salt` is acceptable at `now`, without recording it.
    ///
    /// # Errors
    /// [`SecurityErrorKind::StaleSalt`] below the floor, [`SecurityErrorKind::FutureSalt`]
    /// more than 30 s ahead of `now`.
    pub fn check(&self, salt: Centis, now: Centis) -> Result<(), SecurityError> {
        if salt < self.last_activity_id {
            return Err(refuse(
                SecurityErrorKind::StaleSalt,
                format!(
                    "salt {salt} is older than the last activity id {}",
                    self.last_activity_id
                ),
            ));
        }
        if salt > now.saturating_add(FUTURE_WINDOW) {
            return Err(refuse(
                SecurityErrorKind::FutureSalt,
                format!("salt {salt} is more than 30 s ahead of {now}"),
            ));
        }
        Ok(())
    }

    /// [`Self::check`], then `last_activity_id = salt`.
    ///
    /// # Errors
    /// As [`Self::check`]; nothing is recorded then.
    pub fn accept(&mut self, salt: Centis, now: Centis) -> Result<(), SecurityError> {
        self.check(salt, now)?;
        self.last_activity_id = salt;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at_micros(micros: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_micros(micros)
    }

    #[test]
    fn clock_rounding() {
        let t = at_micros(1_774_387_003_299_999);
        assert_eq!(centis_floor(t), 177_438_700_329);
        assert_eq!(centis_round(t), 177_438_700_330);
        assert_eq!(centis_ceil(t), 177_438_700_330);
        assert_eq!(centis_ceil(at_micros(5_000_000)), 500);
        assert_eq!(centis_round(at_micros(4_000)), 0);
        assert_eq!(centis_floor(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }

    #[test]
    fn server_equal_salt_new_body_ok_replay_rejected() {
        let mut g = ServerReplayGuard::new(100);
        let kind = |r: Result<(), SecurityError>| r.unwrap_err().kind();
        assert_eq!(kind(g.check(99, "a", 200)), SecurityErrorKind::StaleSalt);
        g.check(100, "a", 200).unwrap();
        g.commit(100, "a");
        assert_eq!(kind(g.check(100, "a", 200)), SecurityErrorKind::Replay);
        g.check(100, "b", 200).unwrap();
        g.commit(100, "b");
        g.check(150, "a", 200).unwrap();
        g.commit(150, "a");
        assert_eq!(kind(g.check(100, "c", 200)), SecurityErrorKind::StaleSalt);
        assert_eq!(g.last(), 150);
    }

    #[test]
    fn server_future_window_is_strict() {
        let g = ServerReplayGuard::new(0);
        let err = g.check(3_100, "a", 100).unwrap_err();
        assert_eq!(err.kind(), SecurityErrorKind::FutureSalt);
        g.check(3_099, "a", 100).unwrap();
    }

    #[test]
    fn connect_salt_rule() {
        let kind = |r: Result<(), SecurityError>| r.unwrap_err().kind();
        assert_eq!(
            kind(check_connect_salt(100, 100, None, 200)),
            SecurityErrorKind::StaleSalt
        );
        assert_eq!(
            kind(check_connect_salt(150, 100, Some(150), 200)),
            SecurityErrorKind::StaleSalt
        );
        check_connect_salt(151, 100, Some(150), 200).unwrap();
        assert_eq!(
            kind(check_connect_salt(3_200, 100, None, 200)),
            SecurityErrorKind::FutureSalt
        );
        check_connect_salt(3_199, 100, None, 200).unwrap();
    }

    #[test]
    fn client_guard_follows_the_sprite() {
        let mut g = ClientReplayGuard::new(100_000);
        let now = 101_000;
        g.begin_recv(now);
        assert_eq!(g.last_activity_id(), 100_800);
        assert!(g.check(100_799, now).is_err());
        g.accept(100_800, now).unwrap();
        g.accept(100_800, now).unwrap();
        assert!(g.check(104_000, now).is_ok(), "now + 30 s is inclusive");
        let err = g.check(104_001, now).unwrap_err();
        assert_eq!(err.kind(), SecurityErrorKind::FutureSalt);
        g.begin_recv(90_000);
        assert_eq!(g.last_activity_id(), 100_800, "never lowered");
        g.set_last_activity_id(5);
        assert_eq!(g.last_activity_id(), 5);
    }
}
