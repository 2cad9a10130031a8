//! Fallback hosts and TLS (issue #14 item 5), on loopback: host lists fall over with an event
//! on every switch; `wss://` hosts are verified against the public roots, a custom CA, or —
//! when allowed — not at all. The TLS server is the embedded server in its own TLS mode
//! (`ServerConfig::tls`, rustls) with a certificate generated at test time.

use actors_cloud::{CloudErrorKind, CloudHandle, EventKind, EventType};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
use scratchcomm_server::{CloudServer, ServerConfig, TlsFiles};
use std::net::{IpAddr, Ipv4Addr};
use test_support::cloud::*;
use test_support::{bounded, eventually};

fn dead_url() -> String {
    // Nothing listens there.
    format!("ws://127.0.0.1:{}/", test_support::free_port())
}

#[actix_rt::test]
async fn a_dead_primary_falls_over_to_the_next_host_at_first_connect() {
    let srv = server().await;
    let cfg = config(&dead_url(), "room", "alice").fallback_url(&srv.url());
    assert_eq!(cfg.hosts().len(), 2);
    let a = connect(cfg).await;
    bounded("set", a.set("x", 7)).await.unwrap();
    eventually("the fallback host got the set", || {
        srv.variables("room") == Some(vec![("☁ x".to_owned(), "7".to_owned())])
    })
    .await;
    a.stop().await;
    srv.stop().await;
}

#[actix_rt::test]
async fn every_host_dead_fails_the_first_connect_after_trying_all() {
    // First connects are retried by default; this test asks for the error instead.
    let cfg = config(&dead_url(), "room", "alice")
        .fallback_url(&dead_url())
        .retry_first_connect(false);
    let err = bounded("connect", CloudHandle::connect(cfg))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), CloudErrorKind::Connect);
}

#[actix_rt::test]
async fn losing_the_host_switches_with_an_event_and_keeps_working() {
    let primary = server().await;
    let fallback = server().await;
    let primary_url = primary.url();
    let cfg = config(&primary_url, "room", "alice").fallback_url(&fallback.url());
    let a = connect(cfg).await;
    let mut events = a.events();
    primary.stop().await;
    let ev = next_matching(&mut events, "a host switch", |e| {
        e.event_type() == EventType::HostSwitch
    })
    .await;
    assert_eq!(
        ev.kind,
        EventKind::HostSwitch {
            from: primary_url,
            to: fallback.url()
        }
    );
    next_matching(&mut events, "connected to the fallback", |e| {
        e.kind == EventKind::Connect
    })
    .await;
    bounded("set", a.set("y", 1)).await.unwrap();
    eventually("the fallback host got the set", || {
        fallback.variables("room") == Some(vec![("☁ y".to_owned(), "1".to_owned())])
    })
    .await;
    a.stop().await;
    fallback.stop().await;
}

/// A CA and a server certificate for 127.0.0.1 signed by it, made now, as PEM text.
struct Certs {
    ca_pem: String,
    /// The server's chain: its certificate, then the CA's.
    chain_pem: String,
    key_pem: String,
}

fn make_certs() -> Certs {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key).unwrap();
    Certs {
        ca_pem: ca_cert.pem(),
        chain_pem: format!("{}{}", leaf_cert.pem(), ca_cert.pem()),
        key_pem: leaf_key.serialize_pem(),
    }
}

/// The embedded server in its own TLS mode (`ServerConfig::tls`, what `scratchcomm
/// serve --tls-cert --tls-key` does) with a fresh certificate; its URL is `wss://`.
async fn tls_setup() -> (CloudServer, Certs, String) {
    let certs = make_certs();
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, &certs.chain_pem).unwrap();
    std::fs::write(&key, &certs.key_pem).unwrap();
    let srv = CloudServer::start(ServerConfig::default().tls(TlsFiles::new(&cert, &key)))
        .await
        .expect("the embedded server starts in TLS mode");
    let url = srv.url();
    assert!(url.starts_with("wss://127.0.0.1:"), "{url}");
    (srv, certs, url)
}

#[actix_rt::test]
async fn an_unknown_certificate_is_refused_saying_certificate() {
    let (srv, _certs, url) = tls_setup().await;
    let cfg = config(&url, "room", "a").retry_first_connect(false);
    let err = bounded("connect", CloudHandle::connect(cfg))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), CloudErrorKind::Connect);
    assert!(err.to_string().contains("certificate"), "{err}");
    srv.stop().await;
}

#[actix_rt::test]
async fn a_custom_ca_is_trusted() {
    let (srv, certs, url) = tls_setup().await;
    let a = connect(config(&url, "room", "a").ca_pem(certs.ca_pem.clone())).await;
    bounded("set", a.set("z", 3)).await.unwrap();
    eventually("the server behind TLS got the set", || {
        srv.variables("room") == Some(vec![("☁ z".to_owned(), "3".to_owned())])
    })
    .await;
    a.stop().await;
    // Another CA does not vouch for this server.
    let other = make_certs();
    let err = bounded(
        "connect",
        CloudHandle::connect(
            config(&url, "room", "b")
                .ca_pem(other.ca_pem)
                .retry_first_connect(false),
        ),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
    srv.stop().await;
}

#[actix_rt::test]
async fn allow_no_certificate_accepts_any_certificate() {
    let (srv, _certs, url) = tls_setup().await;
    let a = connect(config(&url, "room", "a").allow_no_certificate(true)).await;
    bounded("set", a.set("w", 4)).await.unwrap();
    eventually("the server behind TLS got the set", || {
        srv.variables("room") == Some(vec![("☁ w".to_owned(), "4".to_owned())])
    })
    .await;
    a.stop().await;
    srv.stop().await;
}
