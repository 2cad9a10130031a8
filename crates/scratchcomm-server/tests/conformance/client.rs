//! A raw websocket client over a plain `TcpStream`: it sends exactly the bytes a case asks
//! for (binary frames, invalid UTF-8, fragments, a header declaring 2^52 bytes, several
//! messages in one frame) and reports what came back, close codes included, so both servers
//! get byte-identical input. Every read is bounded by a timeout.

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Longest wait for any single answer (a pong, a close, the upgrade response).
pub const WAIT: Duration = Duration::from_secs(5);

/// Opcodes of RFC 6455.
pub const TEXT: u8 = 0x1;
pub const BINARY: u8 = 0x2;
pub const CLOSE: u8 = 0x8;
pub const PING: u8 = 0x9;
pub const PONG: u8 = 0xA;

/// How a connection ended, as seen by the client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// Still open after the last barrier.
    Open,
    /// The server sent a close frame with this code (1005: no code).
    Close(u16),
    /// The TCP connection ended without a close frame.
    Dropped,
    /// The upgrade was refused (HTTP status).
    Refused(u16),
}

/// One masked frame: `fin`, `rsv` bits (0..=7), `opcode`, payload.
pub fn frame(fin: bool, rsv: u8, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![(u8::from(fin) << 7) | (rsv << 4) | opcode];
    let len = payload.len();
    if len < 126 {
        f.push(0x80 | len as u8);
    } else if len <= 0xffff {
        f.push(0x80 | 126);
        f.extend((len as u16).to_be_bytes());
    } else {
        f.push(0x80 | 127);
        f.extend((len as u64).to_be_bytes());
    }
    let mask = [0x5a, 0x17, 0xc3, 0x81];
    f.extend(mask);
    f.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    f
}

/// A complete, final, masked text frame.
pub fn text(s: &str) -> Vec<u8> {
    frame(true, 0, TEXT, s.as_bytes())
}

/// One connection.
pub struct Client {
    read: OwnedReadHalf,
    write: mpsc::UnboundedSender<Vec<u8>>,
    buf: Vec<u8>,
    /// Messages received (text frames split at `"\n"`; non-JSON text kept whole).
    pub messages: Vec<String>,
    /// How it ended so far (`Open` while it lasts).
    pub end: End,
    pings: u32,
}

impl Client {
    /// Connect to `127.0.0.1:port` and upgrade, with extra request header lines.
    pub async fn connect(port: u16, headers: &[(&str, &str)]) -> Client {
        let stream = tokio::time::timeout(WAIT, TcpStream::connect(("127.0.0.1", port)))
            .await
            .expect("connect in time")
            .expect("connect");
        stream.set_nodelay(true).ok();
        let (read, mut write_half) = stream.into_split();
        let (write, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
        // Writes go through a task so a large frame never blocks reading the answer.
        tokio::spawn(async move {
            while let Some(bytes) = rx.recv().await {
                if write_half.write_all(&bytes).await.is_err() {
                    break;
                }
            }
        });
        let mut req = String::from(
            "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
             User-Agent: scratchcomm-conformance\r\n",
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut client = Client {
            read,
            write,
            buf: Vec::new(),
            messages: Vec::new(),
            end: End::Open,
            pings: 0,
        };
        client.send(req.into_bytes());
        client.read_upgrade().await;
        client
    }

    async fn read_upgrade(&mut self) {
        let found = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break Some(i);
            }
            if !self.fill().await {
                break None;
            }
        };
        let Some(i) = found else {
            self.end = End::Dropped;
            return;
        };
        let head = String::from_utf8_lossy(&self.buf[..i]).into_owned();
        self.buf.drain(..i + 4);
        let status: u16 = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        if status != 101 {
            self.end = End::Refused(status);
        }
    }

    /// Queue bytes for sending (errors show up as the connection's end).
    pub fn send(&mut self, bytes: Vec<u8>) {
        let _ = self.write.send(bytes);
    }

    /// Read more bytes, waiting at most `wait`.
    async fn fill_within(&mut self, wait: Duration) -> Fill {
        let mut chunk = vec![0u8; 64 * 1024];
        match tokio::time::timeout(wait, self.read.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                self.buf.extend_from_slice(&chunk[..n]);
                Fill::Data
            }
            Ok(_) => Fill::Ended,
            Err(_) => Fill::TimedOut,
        }
    }

    async fn fill(&mut self) -> bool {
        self.fill_within(WAIT).await == Fill::Data
    }

    /// Decode one server frame from the buffer: `(opcode, payload)`.
    fn decode(&mut self) -> Option<(u8, Vec<u8>)> {
        let b = &self.buf;
        if b.len() < 2 {
            return None;
        }
        let (len, start) = match b[1] & 0x7f {
            126 if b.len() >= 4 => (u16::from_be_bytes([b[2], b[3]]) as usize, 4),
            127 if b.len() >= 10 => (u64::from_be_bytes(b[2..10].try_into().ok()?) as usize, 10),
            126 | 127 => return None,
            n => (n as usize, 2),
        };
        if b.len() < start + len {
            return None;
        }
        let opcode = b[0] & 0x0f;
        let payload = b[start..start + len].to_vec();
        self.buf.drain(..start + len);
        Some((opcode, payload))
    }

    /// Read frames until `stop` says so for one of them, the connection ends, or a read
    /// times out. Returns whether `stop` was met.
    async fn read_until(
        &mut self,
        wait: Duration,
        mut stop: impl FnMut(u8, &[u8]) -> bool,
    ) -> bool {
        if self.end != End::Open {
            return false;
        }
        for _ in 0..100_000 {
            while let Some((opcode, payload)) = self.decode() {
                match opcode {
                    TEXT => self.record(&payload),
                    CLOSE => {
                        self.end = End::Close(match payload.get(..2) {
                            Some(c) => u16::from_be_bytes([c[0], c[1]]),
                            None => 1005,
                        });
                        return false;
                    }
                    _ => {}
                }
                if stop(opcode, &payload) {
                    return true;
                }
            }
            match self.fill_within(wait).await {
                Fill::Data => {}
                // a read that times out leaves the connection open
                Fill::TimedOut => return false,
                Fill::Ended => {
                    self.end = End::Dropped;
                    return false;
                }
            }
        }
        false
    }

    fn record(&mut self, payload: &[u8]) {
        let text = String::from_utf8_lossy(payload);
        if text.starts_with('{') {
            self.messages.extend(text.split('\n').map(str::to_owned));
        } else {
            // Only that it came: the wording of a refusal is not part of the protocol.
            self.messages.push("(text that is not JSON)".to_owned());
        }
    }

    /// Barrier: everything sent before has been processed by the server (a ping is answered
    /// in order), or the connection ended meanwhile.
    pub async fn barrier(&mut self) {
        if self.end != End::Open {
            return;
        }
        self.pings += 1;
        let tag = format!("sync-{}", self.pings).into_bytes();
        self.send(frame(true, 0, PING, &tag));
        self.read_until(WAIT, |op, p| op == PONG && p == tag).await;
    }

    /// Send nothing but pongs to the server's pings, and wait (at most `wait` in all) for
    /// the server to end the connection.
    pub async fn idle(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        for _ in 0..1_000 {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return;
            }
            let mut ping = None;
            let pinged = self
                .read_until(left, |op, p| {
                    ping = (op == PING).then(|| p.to_vec());
                    ping.is_some()
                })
                .await;
            match ping {
                Some(payload) if pinged => self.send(frame(true, 0, PONG, &payload)),
                _ => return,
            }
        }
    }

    /// Wait (at most `wait` without a frame) for the server to end the connection.
    pub async fn await_end(&mut self, wait: Duration) {
        self.read_until(wait, |_, _| false).await;
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Fill {
    Data,
    Ended,
    TimedOut,
}
