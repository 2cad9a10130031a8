//! TLS for `wss://` cloud hosts (Scratch, TurboWarp) and the HTTPS calls of the accounts
//! crate: rustls with the ring provider and the Mozilla root certificates (webpki-roots), so
//! no system certificate store or OpenSSL is needed. Certificates are always verified.

use std::sync::{Arc, OnceLock};

/// The shared rustls client configuration (built once).
pub fn tls_client_config() -> Arc<rustls::ClientConfig> {
    static TLS: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    TLS.get_or_init(|| {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            // ring supports every default protocol version, so this cannot fail; if a
            // future rustls disagreed, fall back to its own defaults rather than panic.
            .unwrap_or_else(|_| rustls::ClientConfig::builder());
        Arc::new(builder.with_root_certificates(roots).with_no_client_auth())
    })
    .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_without_a_process_default_provider_and_is_shared() {
        let a = tls_client_config();
        let b = tls_client_config();
        assert!(Arc::ptr_eq(&a, &b));
        // Scratch's and TurboWarp's certificates chain to public roots: the store is not empty.
        assert!(!webpki_roots::TLS_SERVER_ROOTS.is_empty());
    }
}
