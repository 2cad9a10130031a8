//! The machine's floor for a room fan-out, measured in the same run: plain tokio TCP on
//! loopback, no websocket, no JSON, no actors. One thread writes a small message to N
//! sockets (like a server worker broadcasting a set), the bench's own thread reads them
//! (like the load generator's N client connections). Whatever our stack adds to a room
//! fan-out is the difference to this.

use super::fanout::Fanout;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Rounds (one message to every socket each).
const ROUNDS: usize = 20;
/// Time between rounds.
const GAP: Duration = Duration::from_millis(100);
/// Bytes per message: about one set frame.
const MESSAGE: usize = 100;

/// Delivers [`ROUNDS`] messages to each of `n` loopback sockets and times every delivery.
pub async fn raw_tcp_floor(n: usize) -> anyhow::Result<Fanout> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut readers = Vec::with_capacity(n);
    let mut writers = Vec::with_capacity(n);
    for _ in 0..n {
        let (client, accepted) = tokio::join!(TcpStream::connect(addr), listener.accept());
        let (client, (server, _)) = (client?, accepted?);
        client.set_nodelay(true)?;
        server.set_nodelay(true)?;
        readers.push(client);
        writers.push(server.into_std()?);
    }
    let sent: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let arrivals: Arc<Mutex<Vec<(usize, Instant)>>> = Arc::default();
    let mut tasks = Vec::with_capacity(n);
    for mut r in readers {
        let arrivals = arrivals.clone();
        tasks.push(tokio::spawn(async move {
            let mut buf = [0u8; MESSAGE];
            for _ in 0..ROUNDS {
                if r.read_exact(&mut buf).await.is_err() {
                    return;
                }
                let at = Instant::now();
                if let Ok(mut a) = arrivals.lock() {
                    a.push((usize::from(buf[0]) + 1, at));
                }
            }
        }));
    }
    let writer_sent = sent.clone();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async move {
            let mut socks = Vec::with_capacity(writers.len());
            for w in writers {
                socks.push(TcpStream::from_std(w)?);
            }
            for round in 0..ROUNDS {
                let msg = [round as u8; MESSAGE];
                writer_sent.lock().expect("floor lock").push(Instant::now());
                for s in &mut socks {
                    s.write_all(&msg).await?;
                }
                tokio::time::sleep(GAP).await;
            }
            Ok(())
        })
    });
    for t in tasks {
        tokio::time::timeout(GAP * (ROUNDS as u32 + 50), t).await??;
    }
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("floor writer panicked"))??;
    let sent = sent.lock().expect("floor lock").clone();
    let arrivals = arrivals.lock().expect("floor lock").clone();
    Ok(super::fanout::measure(&sent, &arrivals, &vec![0; n], 1))
}

/// A one-line summary of a floor measurement.
pub fn summary(f: &mut Fanout) -> String {
    format!(
        "plain TCP on this machine (same run): one message reaches a socket in p50 {}  p99 {}; all {} in p50 {}",
        super::metrics::Ms(f.deliveries.quantile(0.5)),
        super::metrics::Ms(f.deliveries.quantile(0.99)),
        f.expected / ROUNDS.max(1),
        super::metrics::Ms(f.whole_room.quantile(0.5)),
    )
}
