//! TLS for `wss://` cloud hosts (Scratch, TurboWarp, self-hosted servers) and the HTTPS calls
//! of the accounts crate: rustls with the ring provider and the Mozilla root certificates
//! (webpki-roots), so no system certificate store or OpenSSL is needed.
//!
//! By default certificates are always verified against those roots. A connection may also
//! trust a custom CA (PEM, e.g. of a self-hosted server), or — only when asked with
//! `allow_no_certificate` — accept any certificate, which logs a warning once per
//! connection.

use crate::CloudError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// How a connection checks the certificate of a `wss://` host. `Default`: the public roots
/// only, always verified. Set on a connection with
/// [`ConnectionConfig::tls`](crate::ConnectionConfig::tls) (or its shortcuts
/// `ca_pem` / `allow_no_certificate`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    pub(crate) ca_pem: Option<Arc<Vec<u8>>>,
    pub(crate) allow_no_certificate: bool,
}

impl fmt::Debug for TlsOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca_pem_bytes", &self.ca_pem.as_ref().map(|p| p.len()))
            .field("allow_no_certificate", &self.allow_no_certificate)
            .finish()
    }
}

impl TlsOptions {
    /// Also trust this CA (PEM text, one or more certificates), on top of the public roots
    /// — e.g. for a self-hosted server with its own CA. Checked by
    /// [`validate`](Self::validate).
    pub fn ca_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.ca_pem = Some(Arc::new(pem.into()));
        self
    }

    /// Accept any certificate, without verification (a warning is logged once per
    /// connection). Only for testing or trusted networks. Default off.
    pub fn allow_no_certificate(mut self, yes: bool) -> Self {
        self.allow_no_certificate = yes;
        self
    }

    /// Check that these options make a client configuration (e.g. that the CA PEM holds a
    /// certificate).
    ///
    /// # Errors
    ///
    /// A [`CloudError`] naming what is wrong with the CA PEM.
    pub fn validate(&self) -> Result<(), CloudError> {
        self.client_config().map(|_| ())
    }

    /// Whether these are the defaults (public roots only, always verified).
    pub fn is_default(&self) -> bool {
        self.ca_pem.is_none() && !self.allow_no_certificate
    }

    /// The certificates of the custom CA; an error names what is wrong with the PEM.
    pub(crate) fn custom_roots(&self) -> Result<Vec<CertificateDer<'static>>, CloudError> {
        let Some(pem) = &self.ca_pem else {
            return Ok(Vec::new());
        };
        let mut certs = Vec::new();
        for (i, cert) in CertificateDer::pem_slice_iter(pem).enumerate() {
            let cert = cert.map_err(|e| {
                CloudError::config(format!(
                    "the CA certificate file has a bad PEM block (number {}): {e}",
                    i + 1
                ))
            })?;
            certs.push(cert);
        }
        if certs.is_empty() {
            return Err(CloudError::config(
                "the CA certificate file holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
            ));
        }
        Ok(certs)
    }

    /// The rustls configuration for one connection.
    pub(crate) fn client_config(&self) -> Result<Arc<rustls::ClientConfig>, CloudError> {
        if self.is_default() {
            return Ok(tls_client_config());
        }
        if self.allow_no_certificate {
            let verifier = Arc::new(AcceptAnyCertificate::new());
            let config = builder()
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth();
            return Ok(http11(config));
        }
        let mut roots = public_roots();
        for cert in self.custom_roots()? {
            roots.add(cert).map_err(|e| {
                CloudError::config(format!("the CA certificate cannot be used: {e}"))
            })?;
        }
        Ok(Arc::new(
            builder()
                .with_root_certificates(roots)
                .with_no_client_auth(),
        ))
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn builder() -> rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier> {
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        // ring supports every default protocol version, so this cannot fail; if a future
        // rustls disagreed, fall back to its own defaults rather than panic.
        .unwrap_or_else(|_| rustls::ClientConfig::builder())
}

fn public_roots() -> rustls::RootCertStore {
    rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// The shared rustls client configuration with the public roots (built once).
pub fn tls_client_config() -> Arc<rustls::ClientConfig> {
    static TLS: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    TLS.get_or_init(|| {
        http11(
            builder()
                .with_root_certificates(public_roots())
                .with_no_client_auth(),
        )
    })
    .clone()
}

/// Offer only HTTP/1.1 by ALPN: websockets upgrade over HTTP/1.1 (and awc's own way of
/// limiting the version would replace this configuration, see transport.rs).
fn http11(mut config: rustls::ClientConfig) -> Arc<rustls::ClientConfig> {
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Says "certificate" in a TLS failure reason that does not already, so a failed
/// verification is recognisable in every error and log line.
pub(crate) fn explain_failure(reason: String) -> String {
    let lower = reason.to_ascii_lowercase();
    let tls_words = [
        "certificate",
        "unknownissuer",
        "tls",
        "handshake",
        "notvalidforname",
    ];
    if lower.contains("certificate") || !tls_words.iter().any(|w| lower.contains(w)) {
        reason
    } else {
        format!("TLS certificate verification failed: {reason}")
    }
}

/// `allow_no_certificate`: accepts every certificate (signatures are still checked so the
/// handshake itself is sound), warning once in the log.
#[derive(Debug)]
struct AcceptAnyCertificate {
    warned: AtomicBool,
    algorithms: rustls::crypto::WebPkiSupportedAlgorithms,
}

impl AcceptAnyCertificate {
    fn new() -> Self {
        AcceptAnyCertificate {
            warned: AtomicBool::new(false),
            algorithms: provider().signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.warned.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                server = ?server_name,
                "allow_no_certificate: the server's certificate is NOT verified; anyone on \
                 the network path can read and change this connection"
            );
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_offers_the_post_quantum_key_exchange_first() {
        let groups: Vec<_> = provider().kx_groups.iter().map(|g| g.name()).collect();
        assert_eq!(
            groups.first(),
            Some(&rustls::NamedGroup::X25519MLKEM768),
            "{groups:?}"
        );
    }

    #[test]
    fn builds_without_a_process_default_provider_and_is_shared() {
        let a = tls_client_config();
        let b = tls_client_config();
        assert!(Arc::ptr_eq(&a, &b));
        // Scratch's and TurboWarp's certificates chain to public roots: the store is not empty.
        assert!(!webpki_roots::TLS_SERVER_ROOTS.is_empty());
        assert!(Arc::ptr_eq(
            &TlsOptions::default().client_config().unwrap(),
            &a
        ));
    }

    #[test]
    fn bad_ca_files_are_named() {
        let opts = |pem: &str| TlsOptions {
            ca_pem: Some(Arc::new(pem.as_bytes().to_vec())),
            allow_no_certificate: false,
        };
        let e = opts("hello").client_config().unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        let e = opts("-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n")
            .client_config()
            .unwrap_err();
        assert!(e.to_string().contains("PEM"), "{e}");
        let any = TlsOptions {
            ca_pem: None,
            allow_no_certificate: true,
        };
        assert!(any.client_config().is_ok());
        assert!(format!("{any:?}").contains("allow_no_certificate: true"));
    }

    #[test]
    fn failures_say_certificate() {
        let r = explain_failure("invalid peer certificate: UnknownIssuer".into());
        assert_eq!(r, "invalid peer certificate: UnknownIssuer");
        let r = explain_failure("TLS handshake error: NotValidForName".into());
        assert!(r.contains("certificate"));
        let r = explain_failure("connection refused".into());
        assert_eq!(r, "connection refused");
    }
}
