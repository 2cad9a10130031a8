//! An update queued for a client is sent, however busy the client's connection was when it
//! was queued: the session is woken once when its queue turns non-empty, and that wake-up
//! must not be spent without the queue being written.

use super::raw::*;
use super::support::*;
use scratchcomm_server::{CloudServer, ServerConfig};
use tokio::io::AsyncReadExt;
use tokio::net::TcpSocket;

/// Variables in the room (one fewer than the limit, for the update), each with a value of
/// `VALUE_DIGITS` digits: a join dump of about 12.7 MB, far more than the loopback socket
/// buffers hold while the client does not read.
const VARIABLES: usize = 127;
const VALUE_DIGITS: usize = 99_999;

/// Read until `marker` has been seen (or panic after [`WAIT`] without it).
async fn read_until_marker(tcp: &mut tokio::net::TcpStream, marker: &[u8]) {
    let mut window: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + WAIT;
    for _ in 0..1_000_000 {
        let n = tokio::time::timeout_at(deadline, tcp.read(&mut chunk))
            .await
            .expect("the update queued during the join dump never came")
            .expect("read");
        assert!(n > 0, "the connection ended before the update came");
        window.extend_from_slice(&chunk[..n]);
        if window.windows(marker.len()).any(|w| w == marker) {
            return;
        }
        // Keep only a tail long enough to hold a marker split across reads.
        let keep = window.len().saturating_sub(marker.len());
        window.drain(..keep);
    }
    panic!("too many reads without the update");
}

/// A client whose join dump is still being written (it does not read) when another client
/// sets a variable: once it reads, it gets the dump and then that update. The wake-up for
/// the update comes while the session waits for the dump's write; before the fix it was
/// taken there and lost, and the update stayed queued for good.
#[actix_rt::test]
async fn an_update_queued_while_the_join_dump_is_written_is_sent() {
    let server = CloudServer::start(ServerConfig::default()).await.unwrap();
    let addr = server.local_addr();
    let mut setter = Ws::join(&server.url(), "w", "setter").await;
    // A quoted numeric string: a bare number this long is not finite, so it is ignored.
    let big = format!("\"{}\"", "7".repeat(VALUE_DIGITS));
    for i in 0..VARIABLES {
        setter.send(&set(&format!("v{i}"), &big)).await;
    }
    assert!(setter.sync().await.is_empty());
    let stored = server.variables("w").unwrap_or_default();
    assert_eq!(
        stored.len(),
        VARIABLES,
        "the big values were not all stored"
    );

    // A small receive buffer, so the dump fills the buffers at once.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut tcp = tokio::time::timeout(WAIT, socket.connect(addr))
        .await
        .expect("connect in time")
        .expect("connect");
    join_raw(&mut tcp, addr, server.state(), ("w", "slow"), 2).await;
    // Let the session reach the point where it waits for the dump's write.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    setter.send(&set("after", "42")).await;
    // The round trip proves the set was applied (and queued for the slow client).
    assert!(setter.sync().await.is_empty());

    read_until_marker(&mut tcp, set_out("after", "42").as_bytes()).await;
    server.stop().await;
}
