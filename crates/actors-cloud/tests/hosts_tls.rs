//! Fallback hosts and TLS (issue #14 item 5), on loopback: host lists fall over with an event
//! on every switch; `wss://` hosts are verified against the public roots, a custom CA, or —
//! when allowed — not at all. The TLS server is the embedded server behind a TLS front made
//! here with a certificate generated at test time.

#[path = "support/common.rs"]
mod common;

use actors_cloud::{CloudErrorKind, CloudHandle, EventKind, EventType};
use common::*;
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
use scratchcomm_server::{CloudServer, ServerConfig};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::rustls;

fn dead_url() -> String {
    // Bound and dropped: nothing listens there.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("ws://127.0.0.1:{port}/")
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

/// A CA and a server certificate for 127.0.0.1 signed by it, made now.
struct Certs {
    ca_pem: String,
    server: rustls::ServerConfig,
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
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf_cert.der().clone(), ca_cert.der().clone()], key)
        .unwrap();
    Certs {
        ca_pem: ca_cert.pem(),
        server,
    }
}

/// A TLS front on 127.0.0.1 that forwards every connection to `backend` (the embedded
/// server). Returns its `wss://` URL; it ends with the test's runtime.
async fn tls_front(server: rustls::ServerConfig, backend: SocketAddr) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    actix_rt::spawn(async move {
        // Bounded: the tests open a handful of connections.
        for _ in 0..64 {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            actix_rt::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return; // the client refused our certificate
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    format!("wss://127.0.0.1:{port}/")
}

async fn tls_setup() -> (CloudServer, Certs, String) {
    let srv = CloudServer::start(ServerConfig::default()).await.unwrap();
    let certs = make_certs();
    let url = tls_front(certs.server.clone(), srv.local_addr()).await;
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
