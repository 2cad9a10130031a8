//! Frames written right before the client closes must not be lost: a client that writes its
//! handshake and a `set` and then shuts its TCP write side (FIN), or closes the socket at
//! once, still gets the set stored and broadcast. The client here is a raw TCP socket with a
//! hand-written websocket upgrade and masked frames, so nothing waits between the writes.

use super::raw::*;
use super::support::*;
use scratchcomm_server::{CloudServer, ServerConfig};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Read until the server ends the connection (bounded), so the session is surely over.
async fn read_to_end(tcp: &mut TcpStream) {
    let mut sink = Vec::new();
    let _ = tokio::time::timeout(WAIT, tcp.read_to_end(&mut sink)).await;
}

/// How the raw client ends after writing its frames.
#[derive(Clone, Copy, Debug)]
enum Ending {
    /// Shut the write side (FIN) and keep reading.
    HalfClose,
    /// A close frame, then FIN.
    CloseFrameThenHalfClose,
    /// Drop the socket right after writing (FIN, or RST if data is unread).
    Drop,
}

/// Upgrade, write handshake + sets (in one write when `one_write`), end as told.
async fn raw_client(addr: SocketAddr, sets: &[String], ending: Ending, one_write: bool) {
    let mut tcp = TcpStream::connect(addr).await.expect("tcp connect");
    let mut bytes = upgrade_request(addr);
    if !one_write {
        tcp.write_all(&bytes).await.unwrap();
        read_upgrade_response(&mut tcp).await;
        bytes.clear();
    }
    bytes.extend(text(&handshake("1", "raw")));
    for s in sets {
        bytes.extend(text(s));
    }
    if matches!(ending, Ending::CloseFrameThenHalfClose) {
        bytes.extend(close_frame());
    }
    tcp.write_all(&bytes).await.unwrap();
    match ending {
        Ending::Drop => drop(tcp),
        Ending::HalfClose | Ending::CloseFrameThenHalfClose => {
            tcp.shutdown().await.unwrap();
            read_to_end(&mut tcp).await;
        }
    }
}

/// The raw client sets `☁ v` to 1, 2, 3 and ends; the watcher must see all three. With
/// `preset`, the room already holds a variable, so the raw client's handshake is answered
/// with a join dump it never reads.
async fn check(ending: Ending, one_write: bool, preset: bool) {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let addr = server.local_addr();
    let mut watcher = Ws::join(&server.url(), "1", "watcher").await;
    if preset {
        watcher.send(&set("v", "0")).await;
    }
    assert!(watcher.sync().await.is_empty());

    let sets: Vec<String> = (1..=3).map(|i| set("v", &i.to_string())).collect();
    raw_client(addr, &sets, ending, one_write).await;

    for i in 1..=3 {
        assert_eq!(
            watcher.text().await,
            set_out("v", &i.to_string()),
            "{ending:?}, one write: {one_write}"
        );
    }
    assert_eq!(
        server.variables("1"),
        Some(vec![("☁ v".into(), "3".into())]),
        "{ending:?}"
    );
    eventually("the raw client left", || {
        server.state().connection_count() == 1
    })
    .await;
    // Gone before the stop: a client that is not read here would keep the stop waiting
    // for its answer to the close (a second).
    drop(watcher);
    server.stop().await;
}

#[actix_rt::test]
async fn frames_before_a_half_close_are_processed() {
    check(Ending::HalfClose, false, false).await;
}

#[actix_rt::test]
async fn frames_sent_with_the_upgrade_request_then_fin_are_processed() {
    check(Ending::HalfClose, true, false).await;
}

#[actix_rt::test]
async fn frames_before_a_close_frame_and_fin_are_processed() {
    check(Ending::CloseFrameThenHalfClose, false, false).await;
}

#[actix_rt::test]
async fn frames_before_dropping_the_socket_are_processed() {
    check(Ending::Drop, false, false).await;
}

#[actix_rt::test]
async fn frames_are_processed_when_the_join_dump_is_never_read() {
    for ending in [
        Ending::HalfClose,
        Ending::CloseFrameThenHalfClose,
        Ending::Drop,
    ] {
        for one_write in [false, true] {
            check(ending, one_write, true).await;
        }
    }
}

#[actix_rt::test]
async fn repeated_half_closes_lose_nothing() {
    // The race depends on how the bytes and the FIN are split into reads: repeat it.
    for _ in 0..20 {
        check(Ending::HalfClose, false, false).await;
    }
}
