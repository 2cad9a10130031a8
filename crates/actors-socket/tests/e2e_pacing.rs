//! The link writer through real actors: replies to several clients share one variable
//! rotation per link, each rotation run belongs to one message, every client gets its own
//! messages, and sends still queued for a client that goes away fail instead of hanging.

#[path = "support/harness.rs"]
mod harness;

use actors_cloud::CloudHandle;
use actors_security::Security;
use actors_socket::{CloudLink, SocketConfig};
use actors_socket::{ConnectMode, Host, PacketSize, SocketError, SocketErrorKind, SocketHandle};
use actors_socket::{KeyExchange, Rotation};
use futures_util::future::{join_all, BoxFuture};
use harness::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A link that records every set (name, value) in the order it was issued.
struct RecordingLink {
    inner: CloudHandle,
    sets: Arc<Mutex<Vec<(String, String)>>>,
}

impl CloudLink for RecordingLink {
    fn host(&self) -> Host {
        self.inner.host()
    }
    fn events(&self) -> actors_cloud::EventStream {
        self.inner.events()
    }
    fn set(&self, name: String, value: String) -> BoxFuture<'static, Result<(), SocketError>> {
        self.sets
            .lock()
            .unwrap()
            .push((name.clone(), value.clone()));
        CloudLink::set(&self.inner, name, value)
    }
    fn get(&self, name: &str) -> Option<String> {
        CloudLink::get(&self.inner, name)
    }
    fn stop(&self) -> BoxFuture<'static, ()> {
        CloudLink::stop(&self.inner)
    }
}

/// (client id, packet index) of a TO_CLIENT value.
fn packet_of(value: &str) -> (String, usize) {
    let after = &value[value.find('.').unwrap() + 1..];
    (after[..5].to_owned(), after[8..].parse().unwrap())
}

#[actix_rt::test]
async fn replies_to_three_clients_share_one_rotation_in_whole_runs() {
    let server = start_server(0).await;
    let url = server.url();
    let key = ec_key();
    let public = public_data(&key);
    let sets = Arc::new(Mutex::new(Vec::new()));
    let link = RecordingLink {
        inner: connect(&url).await,
        sets: sets.clone(),
    };
    let config = SocketConfig::default()
        .security(Arc::new(key) as Arc<dyn KeyExchange>)
        // Rust clients see every update: no spacing needed, and none slows the test.
        .to_client_spacing(Duration::ZERO)
        // Scratch's packet size (AUTO is 98,800 on this custom host): several packets each.
        .packet_size(actors_socket::PacketSize::Fixed(220));
    let socket = SocketHandle::listen(vec![Arc::new(link)], config);
    let mut pairs = Vec::new();
    for _ in 0..3 {
        pairs.push(
            client(
                &url,
                &socket,
                ConnectMode::Secure(public.clone()),
                PacketSize::Fixed(220),
            )
            .await,
        );
    }
    sets.lock().unwrap().clear();
    // 82 characters per secure packet at 220: 4 + 2 packets, 2 packets, 1 packet.
    let texts: Vec<Vec<String>> = vec![
        vec![message(300, 1), message(150, 2)],
        vec![message(100, 3)],
        vec![message(50, 4)],
    ];
    let sends = pairs
        .iter()
        .zip(&texts)
        .map(|((_, side), texts)| async move {
            for t in texts {
                side.send(t).await.expect("server send");
            }
        });
    join_all(sends).await;
    for ((client, _), texts) in pairs.iter().zip(&texts) {
        for t in texts {
            assert_eq!(&client.recv(WAIT).await.expect("client recv"), t);
        }
    }
    // Replay the rotation over what was written: one rotation for the whole link, and
    // within a run every packet belongs to the same message.
    let packets_of: HashMap<String, Vec<usize>> = pairs
        .iter()
        .zip(&texts)
        .map(|((client, _), texts)| {
            let counts = texts
                .iter()
                .map(|t| t.chars().count().div_ceil(82))
                .collect();
            (client.client_id().to_string(), counts)
        })
        .collect();
    let mut message_no: HashMap<String, usize> = HashMap::new();
    let mut rotation = Rotation::new();
    let mut previous: Option<String> = None;
    let written = sets.lock().unwrap().clone();
    assert_eq!(written.len(), 4 + 2 + 2 + 1);
    for (name, value) in &written {
        let (cid, index) = packet_of(value);
        let no = *message_no.get(&cid).unwrap_or(&0);
        let count = packets_of[&cid][no];
        if rotation.in_run() {
            assert_eq!(
                previous.as_ref(),
                Some(&cid),
                "a run was interleaved: {written:?}"
            );
        }
        let var = rotation.next_var(count - index);
        assert_eq!(name, &format!("TO_CLIENT_{var}"), "{written:?}");
        assert_eq!(value.starts_with('-'), index + 1 < count);
        if index + 1 == count {
            message_no.insert(cid.clone(), no + 1);
        }
        previous = Some(cid);
    }
    for (client, _) in &pairs {
        client.close().await;
    }
    socket.stop().await;
    server.stop().await;
}

#[actix_rt::test]
async fn queued_sends_of_a_replaced_client_fail_closed() {
    let server = start_server(0).await;
    let url = server.url();
    let (bot, socket) = socket(&url, None::<Security>, actors_socket::PacketSize::Auto).await;
    let raw = connect(&url).await;
    // `_connect` from id 11111 (§5.1), then 20 one-packet sends: 2 s at the default spacing.
    raw.set("FROM_CLIENT", "15903151414050320.111111")
        .await
        .unwrap();
    let (first, _) = socket.accept(WAIT).await.unwrap();
    let sends: Vec<_> = (0..20)
        .map(|i| {
            let first = first.clone();
            actix_rt::spawn(async move { first.send(&format!("m{i}")).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(150)).await;
    // The same id connects again: the first client is replaced and closed.
    raw.set("FROM_CLIENT", "15903151414050320.111112")
        .await
        .unwrap();
    let (_second, _) = socket.accept(WAIT).await.unwrap();
    let mut results = Vec::new();
    for s in sends {
        results.push(tokio::time::timeout(WAIT, s).await.unwrap().unwrap());
    }
    for r in &results {
        if let Err(e) = r {
            assert_eq!(e.kind(), SocketErrorKind::Closed, "{e}");
        }
    }
    assert!(
        results.last().unwrap().is_err(),
        "the last queued send was not cancelled"
    );
    socket.stop().await;
    raw.stop().await;
    bot.stop().await;
    server.stop().await;
}
