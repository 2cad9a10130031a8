//! Serving `wss://`: a certificate chain and private key from PEM files, turned into a
//! rustls 0.23 server configuration (ring provider) for actix-web's `bind_rustls_0_23`.

use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::ServerError;

/// The PEM files of a TLS server ([`ServerConfig::tls`](crate::ServerConfig::tls)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    cert: PathBuf,
    key: PathBuf,
}

impl TlsFiles {
    /// The files at `cert` (the certificate chain: one or more `CERTIFICATE` blocks, the
    /// server's own first) and `key` (the private key of the first certificate: a
    /// `PRIVATE KEY` (PKCS#8), `RSA PRIVATE KEY` or `EC PRIVATE KEY` block).
    pub fn new(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> Self {
        TlsFiles {
            cert: cert.into(),
            key: key.into(),
        }
    }

    /// The certificate chain's file.
    pub fn cert(&self) -> &Path {
        &self.cert
    }

    /// The private key's file.
    pub fn key(&self) -> &Path {
        &self.key
    }

    /// Read both files and check that they form a usable TLS configuration. Errors name the
    /// file and what is wrong with it (missing, not PEM, no certificate or key in it, the key
    /// does not belong to the certificate).
    ///
    /// # Errors
    ///
    /// A [`ServerError`] of kind [`Tls`](crate::ServerErrorKind::Tls), as above.
    pub fn load(&self) -> Result<rustls::ServerConfig, ServerError> {
        let certs = read_certs(&self.cert)?;
        let key = read_key(&self.key)?;
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("certificate", &self.cert, e.to_string()))?
            .with_no_client_auth();
        builder.with_single_cert(certs, key).map_err(|e| match e {
            rustls::Error::InconsistentKeys(_) => tls_error(
                "private key",
                &self.key,
                format!("does not belong to the certificate in {:?}", self.cert),
            ),
            other => tls_error(
                "private key",
                &self.key,
                format!("cannot be used with the certificate: {other}"),
            ),
        })
    }
}

fn read_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, ServerError> {
    let fail = |reason: String| tls_error("certificate", path, reason);
    let bytes = read(path).map_err(fail)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| fail(pem_problem(&e)))?;
    if certs.is_empty() {
        return Err(fail(
            "is not a PEM certificate (no CERTIFICATE block found)".to_owned(),
        ));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, ServerError> {
    let fail = |reason: String| tls_error("private key", path, reason);
    let bytes = read(path).map_err(fail)?;
    PrivateKeyDer::from_pem_slice(&bytes).map_err(|e| match e {
        pem::Error::NoItemsFound => fail(
            "is not a PEM private key (no PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block found)"
                .to_owned(),
        ),
        other => fail(pem_problem(&other)),
    })
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err("does not exist".to_owned()),
        Err(e) => Err(format!("cannot be read: {e}")),
    }
}

fn pem_problem(e: &pem::Error) -> String {
    format!("is not valid PEM: {e}")
}

fn tls_error(what: &'static str, path: &Path, reason: String) -> ServerError {
    ServerError::tls(what, path, reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ServerErrorKind;

    struct Pair {
        dir: tempfile::TempDir,
        files: TlsFiles,
    }

    fn pair() -> Pair {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let files = TlsFiles::new(dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&files.cert, cert.cert.pem()).unwrap();
        std::fs::write(&files.key, cert.signing_key.serialize_pem()).unwrap();
        Pair { dir, files }
    }

    fn message(files: &TlsFiles) -> String {
        let err = files.load().unwrap_err();
        assert_eq!(err.kind(), ServerErrorKind::Tls);
        err.to_string()
    }

    #[test]
    fn a_generated_pair_loads() {
        let p = pair();
        p.files.load().expect("usable");
    }

    #[test]
    fn missing_files_are_named() {
        let p = pair();
        let missing = TlsFiles::new(p.dir.path().join("nope.pem"), &p.files.key);
        let text = message(&missing);
        assert!(
            text.contains("certificate") && text.contains("nope.pem"),
            "{text}"
        );
        assert!(text.contains("does not exist"), "{text}");
        let missing = TlsFiles::new(&p.files.cert, p.dir.path().join("nokey.pem"));
        let text = message(&missing);
        assert!(
            text.contains("private key") && text.contains("nokey.pem"),
            "{text}"
        );
    }

    #[test]
    fn files_that_are_not_pem_are_named() {
        let p = pair();
        let junk = p.dir.path().join("junk.txt");
        std::fs::write(&junk, "hello, not a certificate\n").unwrap();
        let text = message(&TlsFiles::new(&junk, &p.files.key));
        assert!(
            text.contains("junk.txt") && text.contains("not a PEM certificate"),
            "{text}"
        );
        let text = message(&TlsFiles::new(&p.files.cert, &junk));
        assert!(
            text.contains("junk.txt") && text.contains("not a PEM private key"),
            "{text}"
        );
        // The certificate given as key and the other way round.
        let text = message(&TlsFiles::new(&p.files.key, &p.files.cert));
        assert!(text.contains("certificate"), "{text}");
    }

    #[test]
    fn a_key_of_another_certificate_is_refused() {
        let a = pair();
        let b = pair();
        let text = message(&TlsFiles::new(&a.files.cert, &b.files.key));
        assert!(text.contains("does not belong"), "{text}");
        assert!(text.contains(&format!("{:?}", b.files.key)), "{text}");
    }
}
