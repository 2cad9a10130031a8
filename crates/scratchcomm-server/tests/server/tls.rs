//! `wss://`: a self-signed certificate made at test time (rcgen), clients that trust it.

use super::support::*;
use rustls::pki_types::CertificateDer;
use scratchcomm_server::{CloudServer, ServerConfig, ServerErrorKind, TlsFiles};
use std::sync::Arc;

/// A certificate for `localhost` and `127.0.0.1`, written as PEM files into a temp dir.
struct SelfSigned {
    _dir: tempfile::TempDir,
    files: TlsFiles,
    der: CertificateDer<'static>,
}

fn self_signed() -> SelfSigned {
    let dir = tempfile::tempdir().unwrap();
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let made = rcgen::generate_simple_self_signed(names).unwrap();
    let files = TlsFiles::new(dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(files.cert(), made.cert.pem()).unwrap();
    std::fs::write(files.key(), made.signing_key.serialize_pem()).unwrap();
    SelfSigned {
        _dir: dir,
        files,
        der: made.cert.der().clone(),
    }
}

/// An awc client that trusts exactly `cert`.
fn trusting(cert: &CertificateDer<'static>) -> awc::Client {
    trusting_with(cert, rustls::crypto::aws_lc_rs::default_provider())
}

/// An awc client that trusts exactly `cert` and speaks only what `provider` offers.
fn trusting_with(
    cert: &CertificateDer<'static>,
    provider: rustls::crypto::CryptoProvider,
) -> awc::Client {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.clone()).unwrap();
    let provider = Arc::new(provider);
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    awc::Client::builder()
        .connector(awc::Connector::new().rustls_0_23(Arc::new(config)))
        .finish()
}

async fn join(client: awc::Client, url: &str, project: &str, user: &str) -> Ws {
    let mut ws = Ws::connect_with(client, url, &[])
        .await
        .expect("wss connect");
    ws.send(&handshake(project, user)).await;
    ws
}

#[actix_rt::test]
async fn two_wss_clients_exchange_a_set() {
    let cert = self_signed();
    let config = ServerConfig::default().tls(cert.files.clone());
    let server = CloudServer::start(config).await.unwrap();
    let url = server.url();
    assert!(url.starts_with("wss://127.0.0.1:"), "{url}");
    let mut a = join(trusting(&cert.der), &url, "1", "a").await;
    let mut b = join(trusting(&cert.der), &url, "1", "b").await;
    a.send(&set("x", "12")).await;
    assert_eq!(b.text().await, set_out("x", "12"));
    b.send(&set("x", "13")).await;
    assert_eq!(a.text().await, set_out("x", "13"));
    server.stop().await;
    assert_eq!(a.close_code().await, Some(1001));
}

#[actix_rt::test]
async fn the_server_speaks_the_post_quantum_key_exchange() {
    // A client that offers nothing but the hybrid X25519MLKEM768 gets through only if the
    // server's provider has it too (ring's, used before, had no post-quantum group).
    let cert = self_signed();
    let config = ServerConfig::default().tls(cert.files.clone());
    let server = CloudServer::start(config).await.unwrap();
    let mut pq_only = rustls::crypto::aws_lc_rs::default_provider();
    pq_only.kx_groups = vec![rustls::crypto::aws_lc_rs::kx_group::X25519MLKEM768];
    let mut a = join(trusting_with(&cert.der, pq_only), &server.url(), "1", "a").await;
    let mut b = join(trusting(&cert.der), &server.url(), "1", "b").await;
    a.send(&set("x", "7")).await;
    assert_eq!(b.text().await, set_out("x", "7"));
    server.stop().await;
}

#[actix_rt::test]
async fn clients_that_do_not_trust_the_certificate_or_speak_plain_ws_get_nowhere() {
    let cert = self_signed();
    let other = self_signed();
    let config = ServerConfig::default().tls(cert.files.clone());
    let server = CloudServer::start(config).await.unwrap();
    let url = server.url();
    let refused = Ws::connect_with(trusting(&other.der), &url, &[]).await;
    assert!(refused.is_err(), "an untrusted certificate was accepted");
    let plain = url.replacen("wss://", "ws://", 1);
    assert!(
        Ws::try_connect(&plain).await.is_err(),
        "plain ws on a TLS port"
    );
    server.stop().await;
}

#[actix_rt::test]
async fn bad_tls_files_stop_the_start_with_the_file_named() {
    let cert = self_signed();
    let other = self_signed();
    let mismatched =
        ServerConfig::default().tls(TlsFiles::new(cert.files.cert(), other.files.key()));
    let err = CloudServer::start(mismatched).await.unwrap_err();
    assert_eq!(err.kind(), ServerErrorKind::Tls);
    assert!(
        err.to_string()
            .contains(&format!("{:?}", other.files.key())),
        "{err}"
    );
    let missing = ServerConfig::default().tls(TlsFiles::new("/no/such/cert.pem", cert.files.key()));
    let err = CloudServer::start(missing).await.unwrap_err();
    assert!(err.to_string().contains("/no/such/cert.pem"), "{err}");
}
