//! A raw websocket client on a plain TCP socket: a hand-written upgrade and masked frames,
//! for tests that need control over every byte (nothing read or written behind their back).

use super::support::{eventually, handshake, WAIT};
use scratchcomm_server::CloudState;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A masked client frame (`opcode` 1 = text, 8 = close).
pub fn frame(opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x12, 0x34, 0x56, 0x78];
    let mut out = vec![0x80 | opcode];
    match payload.len() {
        n if n < 126 => out.push(0x80 | n as u8),
        n if n <= 0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

pub fn text(s: &str) -> Vec<u8> {
    frame(1, s.as_bytes())
}

pub fn close_frame() -> Vec<u8> {
    frame(8, &1000u16.to_be_bytes())
}

pub fn upgrade_request(addr: SocketAddr) -> Vec<u8> {
    format!(
        "GET / HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         User-Agent: half-close-test\r\n\r\n"
    )
    .into_bytes()
}

/// Read the upgrade response (up to the blank line) and check it is a 101.
pub async fn read_upgrade_response(tcp: &mut TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(WAIT, tcp.read(&mut byte))
            .await
            .expect("upgrade response timed out")
            .expect("read upgrade response");
        assert_eq!(n, 1, "connection ended during the upgrade: {head:?}");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    assert!(head.starts_with("HTTP/1.1 101"), "{head}");
}

/// Upgrade `tcp` (connected to `addr`), send the handshake for `project` as `user`, and
/// return once `project` holds `members` clients (this one among them).
pub async fn join_raw(
    tcp: &mut TcpStream,
    addr: SocketAddr,
    state: &CloudState,
    (project, user): (&str, &str),
    members: usize,
) {
    tcp.write_all(&upgrade_request(addr)).await.unwrap();
    read_upgrade_response(tcp).await;
    tcp.write_all(&text(&handshake(project, user)))
        .await
        .unwrap();
    eventually(&format!("{user} joined {project}"), || {
        state.client_count(project) == members
    })
    .await;
}
