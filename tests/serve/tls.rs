//! `serve --tls-cert PEM --tls-key PEM`: reachable over `wss://` with a certificate made
//! at test time; bad files are named in the error.

use super::support::*;
use std::sync::Arc;

/// A self-signed certificate for `localhost` and `127.0.0.1` as PEM files, and an awc
/// client that trusts exactly it.
fn certificate(dir: &std::path::Path) -> (String, String, awc::Client) {
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let made = rcgen::generate_simple_self_signed(names).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.signing_key.serialize_pem()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(made.cert.der().clone()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let client = awc::Client::builder()
        .connector(awc::Connector::new().rustls_0_23(Arc::new(config)))
        .finish();
    let path = |p: std::path::PathBuf| p.to_str().unwrap().to_owned();
    (path(cert), path(key), client)
}

#[actix_rt::test]
async fn serve_with_tls_is_reachable_over_wss() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, client) = certificate(dir.path());
    let server = Serve::start(&["--port", "0", "--tls-cert", &cert, "--tls-key", &key]);
    assert!(server.url.starts_with("wss://127.0.0.1:"), "{}", server.url);
    let mut a = Ws::join(&client, &server.url, "1", "a").await;
    let mut b = Ws::join(&client, &server.url, "1", "b").await;
    a.send(&set("x", "12")).await;
    assert_eq!(b.frame().await, set("x", "12"));
    b.send(&set("x", "\"13\"")).await;
    assert_eq!(a.frame().await, set("x", "\"13\""));
}

#[test]
fn bad_tls_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key, _) = certificate(dir.path());
    let missing = dir.path().join("missing.pem");
    let missing = missing.to_str().unwrap();
    let (status, err) = serve_fails(&["--port", "0", "--tls-cert", missing, "--tls-key", &key]);
    assert!(!status.success());
    assert!(
        err.contains(missing) && err.contains("does not exist"),
        "{err}"
    );
    // The certificate given as the key.
    let (status, err) = serve_fails(&["--port", "0", "--tls-cert", &cert, "--tls-key", &cert]);
    assert!(!status.success());
    assert!(err.contains("private key") && err.contains(&cert), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}
