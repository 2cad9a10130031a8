//! The network side of a connection's settings: fallback hosts and TLS.

use super::{BlankExt, ConnectionConfig, HostEntry, HostKind, HostRotation};
use crate::tls::TlsOptions;

impl ConnectionConfig {
    /// Add a host to fall over to when opening the current one fails (tried in the order
    /// added, after the primary; the list wraps around). Every switch is an
    /// [`EventKind::HostSwitch`](crate::EventKind::HostSwitch) event. The project id, user
    /// name and value rules stay those of the primary host.
    pub fn fallback_host(mut self, host: HostEntry) -> Self {
        if !self.fallbacks.contains(&host) {
            self.fallbacks.push(host);
        }
        self
    }

    /// Add a custom `ws://` / `wss://` server as a fallback host.
    pub fn fallback_url(self, url: &str) -> Self {
        self.fallback_host(HostEntry::new(HostKind::Custom, url))
    }

    /// Preset (opt-in): when Scratch's cloud server cannot be reached, use TurboWarp's
    /// (main host, then its fallback domain) with the same project id. Projects on TurboWarp
    /// have their own variables: users of the project must be on TurboWarp too. `contact`
    /// goes into the User-Agent TurboWarp requires.
    pub fn fallback_to_turbowarp(mut self, contact: &str) -> Self {
        if self.contact.as_deref().is_none_or_blank() {
            self.contact = Some(contact.to_owned());
        }
        self.fallback_host(HostEntry::turbowarp())
            .fallback_host(HostEntry::turbowarp_fallback())
    }

    /// Preset (opt-in): TurboWarp's own fallback domain ([`TURBOWARP_FALLBACK_URL`](crate::TURBOWARP_FALLBACK_URL), the same
    /// server and variables under another name, as TurboWarp's packager uses).
    pub fn turbowarp_fallback_host(self) -> Self {
        self.fallback_host(HostEntry::turbowarp_fallback())
    }

    /// Trust this CA (PEM text, one or more certificates) for `wss://` hosts, on top of the
    /// public roots — e.g. for a self-hosted server with its own CA. Checked by `validate`.
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls = self.tls.ca_pem(pem);
        self
    }

    /// Accept any certificate of a `wss://` host, without verification (a warning is logged
    /// once per connection). Only for testing or trusted networks.
    pub fn allow_no_certificate(mut self, yes: bool) -> Self {
        self.tls = self.tls.allow_no_certificate(yes);
        self
    }

    /// Replace the TLS settings (default [`TlsOptions::default`]: public roots, verified).
    pub fn tls(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// Every host in the order tried: the primary, then the fallbacks.
    pub fn hosts(&self) -> Vec<HostEntry> {
        let mut all = vec![HostEntry::new(self.host, self.url.clone())];
        all.extend(self.fallbacks.iter().cloned());
        all
    }

    /// The sans-IO host rotation of a new connection.
    pub(crate) fn rotation(&self) -> HostRotation {
        HostRotation::new(
            HostEntry::new(self.host, self.url.clone()),
            self.fallbacks.iter().cloned(),
        )
    }

    /// The TLS settings, as set by [`tls`](Self::tls).
    pub fn get_tls(&self) -> &TlsOptions {
        &self.tls
    }

    /// Check the TLS settings alone (e.g. that the CA PEM holds a certificate).
    ///
    /// # Errors
    ///
    /// A [`CloudError`](crate::CloudError) when the TLS settings cannot make a client configuration (e.g. a CA PEM without a certificate).
    pub fn tls_check(&self) -> Result<(), crate::CloudError> {
        self.tls.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SCRATCH_URL, TURBOWARP_FALLBACK_URL, TURBOWARP_URL};
    use super::*;
    use scratchcomm_wire::{SessionId, ValueRules};

    #[test]
    fn fallback_presets() {
        let c = ConnectionConfig::scratch("123", SessionId::new("s"), "bot");
        assert_eq!(c.hosts().len(), 1);
        let c = c.fallback_to_turbowarp("me@example.com");
        let urls: Vec<String> = c.hosts().into_iter().map(|h| h.url).collect();
        assert_eq!(urls, [SCRATCH_URL, TURBOWARP_URL, TURBOWARP_FALLBACK_URL]);
        assert!(c.validate().is_ok());
        // Scratch's rules stay (they are the stricter ones).
        assert_eq!(c.rules(), &ValueRules::scratch());
        let tw = ConnectionConfig::turbowarp("1", "me").turbowarp_fallback_host();
        assert_eq!(tw.hosts()[1], HostEntry::turbowarp_fallback());
        // A fallback is validated like the primary.
        let bad = ConnectionConfig::custom("ws://127.0.0.1:1/", "p").fallback_url("http://x");
        assert!(bad.validate().is_err());
        let bad = ConnectionConfig::custom("ws://127.0.0.1:1/", "p")
            .fallback_host(HostEntry::turbowarp());
        assert!(bad.validate().unwrap_err().to_string().contains("contact"));
        let bad = ConnectionConfig::custom("ws://127.0.0.1:1/", "p")
            .fallback_host(HostEntry::new(HostKind::Scratch, "ws://127.0.0.1:2/"));
        assert!(bad.validate().is_err());
        let bad = ConnectionConfig::custom("wss://127.0.0.1:1/", "p").ca_pem("not pem");
        assert!(bad.validate().unwrap_err().to_string().contains("PEM"));
    }
}
