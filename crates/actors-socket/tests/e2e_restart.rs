//! The cloud connection restarting in the middle of a message. In its own test binary:
//! the server is restarted on the same port, which must not race with other tests'
//! servers taking that port.

#[path = "support/harness.rs"]
mod harness;

use actors_cloud::{CloudHandle, EventStream};
use actors_socket::{feed_from, CloudLink, EventSink};
use actors_socket::{ConnectMode, Host, PacketSize, SocketError, SocketEvent};
use futures_util::future::BoxFuture;
use harness::*;
use scratchcomm_server::CloudServer;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;

/// A link that restarts the cloud server just before its `restart_before`-th set, once the
/// socket reported the previous packet (so it was not lost in flight).
struct RestartingLink {
    inner: CloudHandle,
    sets: AtomicUsize,
    restart_before: usize,
    server: Arc<Mutex<Option<CloudServer>>>,
    socket_events: Arc<Mutex<EventStream<SocketEvent>>>,
    /// Feed the client through the connection's actor (as a `CloudHandle` does).
    feed_on_actor: bool,
}

async fn wait_for_part(events: &Mutex<EventStream<SocketEvent>>) {
    let mut events = events.lock().await;
    loop {
        let e = tokio::time::timeout(WAIT, events.next_event())
            .await
            .expect("part in time")
            .expect("socket running");
        if let SocketEvent::MessagePart { last: false, .. } = e {
            return;
        }
    }
}

async fn restart(server: &Arc<Mutex<Option<CloudServer>>>) {
    let mut guard = server.lock().await;
    let old = guard.take().expect("server running");
    let port = old.local_addr().port();
    old.stop().await;
    let new = start_server(port).await;
    // Wait until the bot and the client are back (bounded).
    tokio::time::timeout(WAIT, async {
        while new.state().client_count(PROJECT) < 2 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("both connections came back");
    *guard = Some(new);
}

impl CloudLink for RestartingLink {
    fn host(&self) -> Host {
        self.inner.host()
    }
    fn events(&self) -> actors_cloud::EventStream {
        self.inner.events()
    }
    fn feed(&self, sink: EventSink) {
        if self.feed_on_actor {
            CloudLink::feed(&self.inner, sink)
        } else {
            feed_from(self.events(), sink)
        }
    }
    fn set(&self, name: String, value: String) -> BoxFuture<'static, Result<(), SocketError>> {
        let n = self.sets.fetch_add(1, Ordering::SeqCst);
        let inner = self.inner.clone();
        let server = self.server.clone();
        let events = self.socket_events.clone();
        let restart_now = n == self.restart_before;
        Box::pin(async move {
            if restart_now {
                wait_for_part(&events).await;
                restart(&server).await;
            }
            CloudLink::set(&inner, name, value).await
        })
    }
    fn get(&self, name: &str) -> Option<String> {
        CloudLink::get(&self.inner, name)
    }
    fn stop(&self) -> BoxFuture<'static, ()> {
        CloudLink::stop(&self.inner)
    }
}

/// Once with the client's replies coming through a sink on the connection's actor (which
/// must live on across the actor's restart), once through a task reading the connection's
/// event stream (any other link). One after the other: see the module docs on ports.
#[actix_rt::test]
async fn cloud_connection_restarting_mid_message() {
    restarting_mid_message(true).await;
    restarting_mid_message(false).await;
}

async fn restarting_mid_message(feed_on_actor: bool) {
    let server = start_server(0).await;
    let url = server.url();
    let key = ec_key();
    let public = public_data(&key);
    let server = Arc::new(Mutex::new(Some(server)));
    let (bot, socket) = socket(&url, Some(key), PacketSize::Auto).await;
    // Sets 0 and 1 are the key fragment and `_safe_connect:`, set 2 the first of the 5
    // packets of the message; the server restarts before set 3, so the rest of the
    // message goes out after both connections came back.
    let link = RestartingLink {
        inner: connect(&url).await,
        sets: AtomicUsize::new(0),
        restart_before: 3,
        server: server.clone(),
        socket_events: Arc::new(Mutex::new(socket.events())),
        feed_on_actor,
    };
    let (client, side) = client_over(
        Arc::new(link),
        &socket,
        ConnectMode::Secure(public),
        PacketSize::Fixed(220),
    )
    .await;
    let text = message(400, 3);
    client.send(&text).await.expect("send across the restart");
    assert_eq!(side.recv(WAIT).await.unwrap(), text);
    // And the other way after the restart.
    side.send(&text).await.unwrap();
    assert_eq!(client.recv(WAIT).await.unwrap(), text);
    socket.stop().await;
    bot.stop().await;
    let last = server.lock().await.take();
    if let Some(s) = last {
        s.stop().await;
    }
}
