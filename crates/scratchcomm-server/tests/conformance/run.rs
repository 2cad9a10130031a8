//! Runs a case's script against one server and records what every client saw.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::time::Duration;

use super::client::{Client, End};

/// TurboWarp's server buffers relayed messages and sends them 60 times a second
/// (`bufferSends`): after this long, everything relayed before has been written out.
const FLUSH: Duration = Duration::from_millis(40);

/// How long a client that expects to be cut off waits for the server to do it.
const END_WAIT: Duration = Duration::from_secs(2);

/// One step of a script. Client numbers start at 0; a client is connected (without extra
/// headers) the first time a step uses it.
#[derive(Clone, Debug)]
pub enum Step {
    /// Connect client k with these extra request headers.
    Connect(usize, Vec<(&'static str, String)>),
    /// Send one text frame (`$P` is replaced by the case's own room id).
    Text(usize, String),
    /// Send these bytes as they are.
    Raw(usize, Vec<u8>),
    /// Like `Text`, but only wait until the sender's own frame was processed (for the bulk
    /// steps of limit cases).
    Quick(usize, String),
    /// Send these bytes, then wait (bounded) for the server to end the connection instead of
    /// a barrier (for bytes after which a ping would be read as payload).
    RawThenWait(usize, Vec<u8>),
    /// Send nothing (but answer the server's pings) and wait, at most this long, for the
    /// server to end the connection (for the handshake timeout).
    Idle(usize, Duration),
}

/// What one client saw: messages in order, then how the connection ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub messages: Vec<String>,
    pub end: End,
}

/// What every client saw, by client number.
pub type Outcome = BTreeMap<usize, Seen>;

/// Run `steps` against the server on `port`, in room `room`.
pub async fn run(port: u16, room: &str, steps: &[Step]) -> Outcome {
    let mut clients: BTreeMap<usize, Client> = BTreeMap::new();
    for step in steps {
        let k = match step {
            Step::Connect(k, _)
            | Step::Text(k, _)
            | Step::Raw(k, _)
            | Step::Quick(k, _)
            | Step::RawThenWait(k, _)
            | Step::Idle(k, _) => *k,
        };
        if let Step::Connect(_, headers) = step {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(h, v)| (*h, v.as_str())).collect();
            clients.insert(k, Client::connect(port, &headers).await);
            settle(&mut clients, k, true).await;
            continue;
        }
        let client = match clients.entry(k) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(v) => v.insert(Client::connect(port, &[]).await),
        };
        match step {
            Step::Text(_, t) | Step::Quick(_, t) => {
                client.send(super::client::text(&t.replace("$P", room)))
            }
            Step::Raw(_, b) | Step::RawThenWait(_, b) => client.send(b.clone()),
            Step::Idle(_, wait) => {
                client.idle(*wait).await;
                continue;
            }
            Step::Connect(..) => unreachable!(),
        }
        match step {
            Step::RawThenWait(..) => client.await_end(END_WAIT).await,
            Step::Quick(..) => client.barrier().await,
            _ => settle(&mut clients, k, true).await,
        }
    }
    // Final settle: every relay written out and read by every client.
    tokio::time::sleep(FLUSH).await;
    for c in clients.values_mut() {
        c.barrier().await;
    }
    clients
        .into_iter()
        .map(|(k, c)| {
            (
                k,
                Seen {
                    messages: c.messages,
                    end: c.end,
                },
            )
        })
        .collect()
}

/// After client `k` sent something: wait until the server processed it (a ping after it is
/// answered), then until what it relayed reached every other client.
async fn settle(clients: &mut BTreeMap<usize, Client>, k: usize, others: bool) {
    if let Some(c) = clients.get_mut(&k) {
        c.barrier().await;
    }
    let any_other = clients.iter().any(|(j, c)| *j != k && c.end == End::Open);
    if others && any_other {
        tokio::time::sleep(FLUSH).await;
        for (j, c) in clients.iter_mut() {
            if *j != k {
                c.barrier().await;
            }
        }
    }
}
