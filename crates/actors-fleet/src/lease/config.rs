//! Lease timing settings, member ids and the order in which a member prefers projects.

use crate::error::FleetError;
use std::time::Duration;

/// How leases are timed. Every time is measured on the process's monotonic clock, except
/// the expiry of a key, which Redis measures on its own: a lease held locally is given up
/// `margin` before the key can expire, counted from the moment the command that set or
/// extended it was *sent* (so a slow reply only shortens it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaseConfig {
    pub(crate) ttl: Duration,
    pub(crate) renew_every: Duration,
    pub(crate) margin: Duration,
    pub(crate) heartbeat_every: Duration,
    pub(crate) member_ttl: Duration,
    pub(crate) retry_taken: Duration,
    pub(crate) max_attempts_per_poll: usize,
}

impl LeaseConfig {
    /// Lease keys expiring after `ttl` (`SET … PX ttl`: a dead process's projects are free
    /// after at most this long; default 5 s), the other times derived from it as their
    /// setters say.
    pub fn from_ttl(ttl: Duration) -> LeaseConfig {
        LeaseConfig {
            ttl,
            renew_every: ttl / 3,
            margin: ttl / 10,
            heartbeat_every: ttl / 6,
            member_ttl: ttl / 2,
            retry_taken: Duration::from_secs(1).min(ttl / 2),
            max_attempts_per_poll: 4,
        }
    }

    /// How often a held lease is extended. Default `ttl / 3`.
    pub fn renew_every(mut self, time: Duration) -> LeaseConfig {
        self.renew_every = time;
        self
    }

    /// Safety margin: a lease counts as lost locally this long before Redis could expire
    /// it (clock rate differences, scheduling). Default `ttl / 10`.
    pub fn margin(mut self, time: Duration) -> LeaseConfig {
        self.margin = time;
        self
    }

    /// How often the member announces itself. Default `ttl / 6`.
    pub fn heartbeat_every(mut self, time: Duration) -> LeaseConfig {
        self.heartbeat_every = time;
        self
    }

    /// A member not heard from for this long is no longer counted. Default `ttl / 2`:
    /// shorter than a lease, so that when a dead member's leases expire the others already
    /// count one member less and take its projects at once. Counting a live but slow
    /// member out only lets the others take *free* projects above their share for a while.
    pub fn member_ttl(mut self, time: Duration) -> LeaseConfig {
        self.member_ttl = time;
        self
    }

    /// After finding a project taken, wait this long before trying it again, or until its
    /// key expires if that is sooner. Default 1 s.
    pub fn retry_taken(mut self, time: Duration) -> LeaseConfig {
        self.retry_taken = time;
        self
    }

    /// Acquire commands sent per poll, at most. Default 4.
    pub fn max_attempts_per_poll(mut self, n: usize) -> LeaseConfig {
        self.max_attempts_per_poll = n;
        self
    }

    /// Checks that the times fit together, naming the first that does not.
    ///
    /// # Errors
    ///
    /// A [`FleetError`] naming the first time that does not fit.
    pub fn validate(&self) -> Result<(), FleetError> {
        if self.ttl < Duration::from_millis(100) {
            return Err(FleetError::invalid(format!(
                "lease ttl {:?} is shorter than 100 ms",
                self.ttl
            )));
        }
        if self.margin >= self.ttl / 2 {
            return Err(FleetError::invalid(format!(
                "lease margin {:?} must be under half the ttl {:?}",
                self.margin, self.ttl
            )));
        }
        if self.renew_every.is_zero() || self.renew_every * 2 > self.ttl - self.margin {
            return Err(FleetError::invalid(format!(
                "renew_every {:?} must be positive and leave room for a second try within \
                 ttl - margin ({:?})",
                self.renew_every,
                self.ttl - self.margin
            )));
        }
        if self.heartbeat_every.is_zero() || self.heartbeat_every >= self.member_ttl {
            return Err(FleetError::invalid(format!(
                "heartbeat_every {:?} must be positive and under member_ttl {:?}",
                self.heartbeat_every, self.member_ttl
            )));
        }
        if self.max_attempts_per_poll == 0 {
            return Err(FleetError::invalid(
                "max_attempts_per_poll must be at least 1",
            ));
        }
        Ok(())
    }
}

impl Default for LeaseConfig {
    fn default() -> Self {
        LeaseConfig::from_ttl(Duration::from_secs(5))
    }
}

/// A member's id in the fleet: printable, without spaces, at most 100 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(String);

impl MemberId {
    /// Validates `id`.
    ///
    /// # Errors
    ///
    /// A [`FleetError`] when `id` is empty, longer than 100 characters, or holds spaces or
    /// control characters.
    pub fn new(id: impl Into<String>) -> Result<MemberId, FleetError> {
        let id = id.into();
        if id.is_empty() || id.chars().count() > 100 {
            return Err(FleetError::invalid(format!(
                "member id {id:?} must have 1 to 100 characters"
            )));
        }
        if let Some(c) = id.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(FleetError::invalid(format!(
                "member id {id:?} contains {c:?} (no spaces or control characters)"
            )));
        }
        Ok(MemberId(id))
    }

    /// A fresh id for this process: its pid and 64 random bits.
    pub fn random() -> MemberId {
        MemberId(format!(
            "{}-{:016x}",
            std::process::id(),
            rand::random::<u64>()
        ))
    }

    /// The id's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MemberId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Rendezvous weight of `project` for `member` (64-bit FNV-1a of both): members try
/// projects in descending weight, so that they start from different projects and each
/// gives up its least preferred ones first.
pub(crate) fn weight(member: &MemberId, project: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in member
        .as_str()
        .bytes()
        .chain(std::iter::once(0))
        .chain(project.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
