//! The list of cloud hosts a connection may use, and the sans-IO rule for which one is next.
//!
//! A connection starts on its primary host. Every failed attempt to open the websocket moves
//! on to the next host of the list (wrapping around to the primary after the last), and every
//! such move is reported as an [`EventKind::HostSwitch`](crate::EventKind::HostSwitch). A
//! socket that opened keeps its host: a later disconnect first tries the same host again.
//! A refusal that is final on one host (HTTP 401/403) is not final while other hosts remain.

use super::{HostKind, SCRATCH_URL, TURBOWARP_URL};

/// TurboWarp's second domain for the same cloud server and variables: TurboWarp's own
/// packager gives projects `[TURBOWARP_URL, TURBOWARP_FALLBACK_URL]` because
/// `turbowarp.org` is blocked on some networks.
pub const TURBOWARP_FALLBACK_URL: &str = "wss://clouddata.turbowarp.xyz";

/// One cloud host a connection may use.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HostEntry {
    /// What kind of server it is (decides the request headers).
    pub kind: HostKind,
    /// Its `ws://` / `wss://` URL.
    pub url: String,
}

impl HostEntry {
    /// A host of `kind` at `url`.
    pub fn new(kind: HostKind, url: impl Into<String>) -> Self {
        HostEntry {
            kind,
            url: url.into(),
        }
    }

    /// Scratch's cloud server.
    pub fn scratch() -> Self {
        HostEntry::new(HostKind::Scratch, SCRATCH_URL)
    }

    /// TurboWarp's main cloud host.
    pub fn turbowarp() -> Self {
        HostEntry::new(HostKind::TurboWarp, TURBOWARP_URL)
    }

    /// TurboWarp's fallback domain ([`TURBOWARP_FALLBACK_URL`]).
    pub fn turbowarp_fallback() -> Self {
        HostEntry::new(HostKind::TurboWarp, TURBOWARP_FALLBACK_URL)
    }
}

/// A move from one host to the next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostSwitch {
    /// The host that failed.
    pub from: HostEntry,
    /// The host tried next.
    pub to: HostEntry,
}

impl HostSwitch {
    /// The event kind reporting this switch.
    pub fn into_event(self) -> crate::EventKind {
        crate::EventKind::HostSwitch {
            from: self.from.url,
            to: self.to.url,
        }
    }
}

/// Which host to open next (sans-IO: fed the outcome of every open).
#[derive(Clone, Debug)]
pub struct HostRotation {
    hosts: Vec<HostEntry>,
    current: usize,
    failures_in_a_row: usize,
}

impl HostRotation {
    /// Start on `primary`, then `fallbacks` in order.
    pub fn new(primary: HostEntry, fallbacks: impl IntoIterator<Item = HostEntry>) -> Self {
        let mut hosts = vec![primary];
        hosts.extend(fallbacks);
        HostRotation {
            hosts,
            current: 0,
            failures_in_a_row: 0,
        }
    }

    /// The host to open now.
    pub fn current(&self) -> &HostEntry {
        &self.hosts[self.current]
    }

    /// Number of hosts (at least 1).
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// Always false: there is a primary host.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The websocket opened: stay on this host.
    pub fn on_opened(&mut self) {
        self.failures_in_a_row = 0;
    }

    /// Opening the current host failed: move to the next one. Returns the switch, or `None`
    /// when there is only one host.
    pub fn on_open_failed(&mut self) -> Option<HostSwitch> {
        self.failures_in_a_row += 1;
        if self.hosts.len() < 2 {
            return None;
        }
        let from = self.current().clone();
        self.current = (self.current + 1) % self.hosts.len();
        Some(HostSwitch {
            from,
            to: self.current().clone(),
        })
    }

    /// Whether every host failed since the last successful open (a first connect gives up
    /// only then, unless it retries).
    pub fn all_failed(&self) -> bool {
        self.failures_in_a_row >= self.hosts.len()
    }

    /// Whether a refusal that is final for one host should end the connection: only when no
    /// other host is left to try.
    pub fn refusal_is_final(&self) -> bool {
        self.hosts.len() < 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn custom(n: u16) -> HostEntry {
        HostEntry::new(HostKind::Custom, format!("ws://127.0.0.1:{n}/"))
    }

    #[test]
    fn one_host_never_switches() {
        let mut r = HostRotation::new(custom(1), []);
        assert_eq!(r.on_open_failed(), None);
        assert_eq!(r.current(), &custom(1));
        assert!(r.all_failed() && r.refusal_is_final());
    }

    #[test]
    fn failures_walk_the_list_and_wrap() {
        let mut r = HostRotation::new(HostEntry::scratch(), [custom(2), custom(3)]);
        assert!(!r.refusal_is_final());
        let s = r.on_open_failed().unwrap();
        assert_eq!((s.from, s.to), (HostEntry::scratch(), custom(2)));
        assert!(!r.all_failed());
        let s = r.on_open_failed().unwrap();
        assert_eq!((s.from, s.to.clone()), (custom(2), custom(3)));
        assert!(!r.all_failed());
        let s = r.on_open_failed().unwrap();
        assert_eq!(s.to, HostEntry::scratch());
        assert!(r.all_failed());
        // A host that opened is kept; the count starts over.
        r.on_open_failed();
        r.on_opened();
        assert_eq!(r.current(), &custom(2));
        assert!(!r.all_failed());
    }
}
