//! The broadcast bench's listening clients, each only a socket: the WebSocket upgrade and
//! TurboWarp's handshake written by hand, then the server's frames read (with actix-http's
//! frame codec, as the server reads its clients) and their `set` messages counted. A cloud connection (an actor, its event stream, a task per listener)
//! costs the load generator about three times the server's own work per delivery, so with
//! 5,000 of them the generator, not the server, set the pace and the latency. A listener
//! answers pings, as the real clients do, and handles frames holding several messages
//! (TurboWarp's buffered sends: one per line).

use actix_http::ws::{OpCode, Parser};
use anyhow::Context;
use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The message a listener counts, as both servers write it.
const SET: &[u8] = br#""method":"set""#;

/// The largest frame a listener takes (far above what either server sends).
const MAX_FRAME: usize = 1 << 20;

/// Connects to `url` (`ws://HOST:PORT/PATH`) and joins `project` as `user`.
pub(super) async fn join(url: &str, project: &str, user: &str) -> anyhow::Result<TcpStream> {
    let rest = url
        .strip_prefix("ws://")
        .with_context(|| format!("not a ws:// URL: {url}"))?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut tcp = TcpStream::connect(host)
        .await
        .with_context(|| format!("connecting to {host}"))?;
    tcp.set_nodelay(true)?;
    let upgrade = format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\
         User-Agent: scratchcomm-bench\r\n\r\n"
    );
    tcp.write_all(upgrade.as_bytes()).await?;
    // Byte by byte up to the blank line, so nothing after the response is read here.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        anyhow::ensure!(head.len() < 4096, "upgrade response too long");
        let n = tcp.read(&mut byte).await?;
        anyhow::ensure!(n == 1, "the server closed during the upgrade");
        head.push(byte[0]);
    }
    anyhow::ensure!(
        head.starts_with(b"HTTP/1.1 101"),
        "upgrade refused: {}",
        String::from_utf8_lossy(&head)
    );
    let handshake = format!(r#"{{"method":"handshake","user":"{user}","project_id":"{project}"}}"#);
    tcp.write_all(&client_frame(OpCode::Text, handshake.as_bytes()))
        .await?;
    Ok(tcp)
}

/// Reads the server's frames until the connection ends, calling `on_set` once for every
/// `set` message; answers pings. `Ok` when the server closes.
pub(super) async fn listen(mut tcp: TcpStream, mut on_set: impl FnMut()) -> anyhow::Result<()> {
    let mut buf = BytesMut::with_capacity(4096);
    loop {
        while let Some((opcode, payload)) = next_frame(&mut buf)? {
            match opcode {
                OpCode::Text | OpCode::Binary | OpCode::Continue => {
                    (0..count_sets(&payload)).for_each(|_| on_set())
                }
                OpCode::Close => return Ok(()),
                OpCode::Ping => tcp.write_all(&client_frame(OpCode::Pong, &payload)).await?,
                _ => {}
            }
        }
        if tcp.read_buf(&mut buf).await? == 0 {
            return Ok(());
        }
    }
}

/// How many lines of a text payload are `set` messages.
fn count_sets(payload: &[u8]) -> usize {
    let lines = payload.split(|&b| b == b'\n');
    lines
        .filter(|line| line.windows(SET.len()).any(|w| w == SET))
        .count()
}

/// Takes the first complete server frame off `buf`: its opcode and payload. `None` while
/// incomplete; an error for a frame over [`MAX_FRAME`] or a masked one (the server's
/// frames are not masked). The same codec the server reads its clients with.
fn next_frame(buf: &mut BytesMut) -> anyhow::Result<Option<(OpCode, BytesMut)>> {
    let frame = Parser::parse(buf, false, MAX_FRAME).context("a frame of the server")?;
    Ok(frame.map(|(_, opcode, payload)| (opcode, payload.unwrap_or_default())))
}

/// A masked client frame.
fn client_frame(opcode: OpCode, payload: &[u8]) -> BytesMut {
    let mut frame = BytesMut::new();
    Parser::write_message(&mut frame, payload, opcode, true, true);
    frame
}

#[cfg(test)]
mod tests {
    use super::*;
    use scratchcomm_server::{CloudServer, ServerConfig};

    #[test]
    fn frames_are_found_whole_or_not_at_all() {
        let found = |bytes: &[u8]| {
            let mut buf = BytesMut::from(bytes);
            let frame = next_frame(&mut buf).unwrap();
            (frame.map(|(op, payload)| (op, payload.to_vec())), buf.len())
        };
        let abc = (OpCode::Text, b"abc".to_vec());
        assert_eq!(found(&[0x81, 3, b'a', b'b', b'c', 0x81]), (Some(abc), 1));
        assert_eq!(found(&[0x81, 3, b'a']), (None, 3));
        let mut long = vec![0x81, 126, 0x01, 0x00];
        long.extend(vec![b'x'; 256]);
        assert_eq!(found(&long), (Some((OpCode::Text, vec![b'x'; 256])), 0));
        assert_eq!(found(&long[..259]), (None, 259));
        assert_eq!(found(&[0x89, 0]), (Some((OpCode::Ping, Vec::new())), 0));
        // Declared far beyond any frame either server sends: refused, not waited for.
        let mut huge =
            BytesMut::from(&[0x81, 127, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF][..]);
        assert!(next_frame(&mut huge).is_err());
    }

    #[test]
    fn every_set_line_of_a_frame_counts() {
        let one = br#"{"method":"set","name":"\u2601 v","value":1}"#;
        assert_eq!(count_sets(one), 1);
        let batch = [&one[..], b"\n", &one[..], b"\n{\"method\":\"create\"}"].concat();
        assert_eq!(count_sets(&batch), 2);
        assert_eq!(count_sets(b""), 0);
    }

    /// Against the real server, which pings every 50 ms and drops a client silent for
    /// 200 ms after a ping: two listeners stay (they answer pings) and count the sets of a
    /// third client, one per set, however the frames fall.
    #[actix_rt::test]
    async fn listeners_answer_pings_and_count_every_set_of_another_client() {
        let config = ServerConfig::default()
            .ping_interval(std::time::Duration::from_millis(50))
            .ping_timeout(std::time::Duration::from_millis(200));
        let server = CloudServer::start(config).await.unwrap();
        let url = server.url();
        let counts: Vec<std::rc::Rc<std::cell::Cell<u32>>> =
            (0..2).map(|_| Default::default()).collect();
        for (i, count) in counts.iter().enumerate() {
            let tcp = join(&url, "77", &format!("listener{i}")).await.unwrap();
            let count = count.clone();
            actix_rt::spawn(listen(tcp, move || count.set(count.get() + 1)));
        }
        // Long enough for several pings: a listener that did not answer would be gone.
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let mut writer = join(&url, "77", "writer").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        for v in 1..=30 {
            let set = format!(r#"{{"method":"set","name":"☁ v","value":{v}}}"#);
            writer
                .write_all(&client_frame(OpCode::Text, set.as_bytes()))
                .await
                .unwrap();
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        while counts.iter().any(|c| c.get() < 30) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(counts.iter().all(|c| c.get() == 30), "{counts:?}");
        server.stop().await;
    }
}
