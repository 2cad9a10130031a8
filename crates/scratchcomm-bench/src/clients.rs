//! Connecting the load's clients, warming them up and closing them.

use super::bots::{connect_cloud, project_of, PACKET_SIZE};
use super::fanout::FanoutProbe;
use super::load::LoadSpec;
use actors_socket::{ClientId, ConnectMode, PacketSize, ScratchClient};
use anyhow::Context;
use futures_util::{stream, StreamExt};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

/// Connections opened at once while connecting many clients.
const CONNECT_CONCURRENCY: usize = 64;
/// Warm-up requests in flight at once (not gentle).
const WARM_UP_CONCURRENCY: usize = 16;
/// Gap between connects and warm-ups of gentle runs.
pub const GENTLE_GAP: Duration = Duration::from_millis(20);
/// Tries to draw a client id no other client of the run has.
const ID_TRIES: usize = 10;

/// Connects `n` socket clients to the bot of `project` (concurrently, bounded), spread
/// round robin over `rooms` projects. Every client gets an id no other client of the run
/// has: ids are 5 random digits like the sprite's, so 1,000 clients share one about five
/// times, and a shared id mixes two clients' replies (docs/performance.md H6). `probe`,
/// if given, listens on every client connection.
#[allow(clippy::too_many_arguments)]
pub async fn connect_clients(
    url: &str,
    project: &str,
    n: usize,
    secure: bool,
    public_data: &BTreeMap<String, String>,
    gentle: bool,
    rooms: usize,
    probe: Option<&FanoutProbe>,
) -> anyhow::Result<Vec<ScratchClient>> {
    let mode = if secure {
        ConnectMode::Secure(public_data.clone())
    } else {
        ConnectMode::Insecure
    };
    let ids: Mutex<HashSet<ClientId>> = Mutex::new(HashSet::new());
    let results: Vec<anyhow::Result<ScratchClient>> = stream::iter(0..n)
        .map(|i| {
            let (mode, ids) = (mode.clone(), &ids);
            async move {
                if gentle {
                    tokio::time::sleep(GENTLE_GAP).await;
                }
                let project = project_of(project, rooms, i);
                for _ in 0..ID_TRIES {
                    let cloud = connect_cloud(url, &project, &format!("client{i}")).await?;
                    let client = ScratchClient::connect(
                        &cloud,
                        mode.clone(),
                        PacketSize::Fixed(PACKET_SIZE),
                    )
                    .await
                    .with_context(|| format!("socket connect of client {i}"))?;
                    let fresh = ids
                        .lock()
                        .map_err(|_| anyhow::anyhow!("client id set poisoned"))?
                        .insert(client.client_id());
                    if fresh {
                        if let Some(probe) = probe {
                            probe.listen(&cloud, i % rooms.max(1));
                        }
                        return Ok(client);
                    }
                    client.close().await;
                }
                anyhow::bail!("client {i} drew a client id in use {ID_TRIES} times")
            }
        })
        .buffer_unordered(if gentle { 1 } else { CONNECT_CONCURRENCY })
        .collect()
        .await;
    results.into_iter().collect()
}

/// Closes every client (concurrently).
pub async fn close_clients(clients: Vec<ScratchClient>) {
    stream::iter(clients)
        .for_each_concurrent(CONNECT_CONCURRENCY, |c| async move { c.close().await })
        .await;
}

/// A first request per client, untimed, so every handshake is complete before timing
/// (one client after the other when `gentle`). A client whose warm-up fails three times is
/// left out of the load; returns the clients kept and how many were left out.
pub async fn warm_up(
    clients: Vec<ScratchClient>,
    spec: &LoadSpec,
) -> anyhow::Result<(Vec<ScratchClient>, usize)> {
    let one = |c: ScratchClient| async move {
        for _ in 0..3 {
            if spec.gentle {
                tokio::time::sleep(GENTLE_GAP).await;
            }
            let (args, expected) = spec.nth_request(0, 0);
            match c.request(&spec.request.0, &args, spec.timeout).await {
                Ok(reply) if reply == expected => return Some(c),
                _ => while c.recv(Duration::from_millis(20)).await.is_ok() {},
            }
        }
        c.close().await;
        None
    };
    let n = clients.len();
    let kept: Vec<ScratchClient> = if spec.gentle {
        let mut kept = Vec::new();
        for c in clients {
            kept.extend(one(c).await);
        }
        kept
    } else {
        // Bounded: with every client in one room, a burst of N requests makes 2N events
        // for each of the N clients, more than a client's event buffer holds.
        stream::iter(clients)
            .map(one)
            .buffer_unordered(WARM_UP_CONCURRENCY)
            .filter_map(|c| async move { c })
            .collect()
            .await
    };
    anyhow::ensure!(
        !kept.is_empty(),
        "no client got a reply to its first request"
    );
    let left_out = n - kept.len();
    Ok((kept, left_out))
}
