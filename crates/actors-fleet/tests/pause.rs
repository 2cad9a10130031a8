//! Fencing: a member that cannot renew (its Redis traffic frozen, as in a paused process)
//! refuses its own writes before another member can take the project over.
//!
//! Member A reaches Redis through a proxy the test can freeze; member B directly. Once A
//! serves the project, the proxy stops forwarding: A's renewals hang, its lease runs out
//! locally `margin` before Redis frees the key, and only then can B acquire it.

use actors_fleet::{Fleet, FleetConfig, FleetErrorKind, FleetEvent, Lease, LossReason, Serving};
use scratchcomm_wire::ProjectId;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use test_support::Redis;

/// Forwards 127.0.0.1:<port> to `target`; while `frozen`, nothing is read or written.
fn freezable_proxy(target: u16, frozen: Arc<AtomicBool>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in listener.incoming().map_while(Result::ok) {
            let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                continue;
            };
            for (from, to) in [
                (client.try_clone().unwrap(), server.try_clone().unwrap()),
                (server, client),
            ] {
                let frozen = frozen.clone();
                std::thread::spawn(move || pump(from, to, frozen));
            }
        }
    });
    port
}

fn pump(mut from: TcpStream, mut to: TcpStream, frozen: Arc<AtomicBool>) {
    let _ = from.set_read_timeout(Some(Duration::from_millis(10)));
    let mut buf = [0u8; 4096];
    loop {
        if frozen.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(5));
            continue;
        }
        match from.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    return;
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return,
        }
    }
}

type Slot<T> = Arc<Mutex<Option<T>>>;

fn member(url: String, gained: Slot<(Lease, Instant)>) -> Fleet {
    let project = ProjectId::new("fenced").unwrap();
    let config = FleetConfig::new(url, vec![project])
        .ttl(Duration::from_millis(1500))
        .name("pause");
    Fleet::start(config, move |_, lease| {
        let gained = gained.clone();
        async move {
            *gained.lock().unwrap() = Some((lease, Instant::now()));
            Ok(Serving::new(|| async {}))
        }
    })
    .expect("fleet starts")
}

async fn until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting: {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[actix_rt::test]
async fn a_member_that_cannot_renew_stops_writing_before_another_takes_over() {
    let Some(redis) = Redis::start() else { return };
    let frozen = Arc::new(AtomicBool::new(false));
    let proxy = freezable_proxy(redis.port(), frozen.clone());
    let (a_slot, b_slot): (Slot<_>, Slot<_>) = Default::default();
    let a = member(format!("redis://127.0.0.1:{proxy}/"), a_slot.clone());
    let mut a_events = a.events();
    let (lease_a, _) = until("A serves", || a_slot.lock().unwrap().clone()).await;
    let b = member(redis.url(), b_slot.clone());
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        b_slot.lock().unwrap().is_none(),
        "B cannot take a live lease"
    );
    assert!(lease_a.check().is_ok());

    frozen.store(true, Ordering::Relaxed); // A's renewals hang from now on
    let frozen_at = Instant::now();
    let a_refuses_at = until("A's lease runs out", || {
        (!lease_a.is_valid()).then(Instant::now)
    })
    .await;
    let (lease_b, b_gained_at) = until("B takes over", || b_slot.lock().unwrap().clone()).await;
    eprintln!(
        "A refuses writes {:?} after the freeze; B gained {:?} after the freeze",
        a_refuses_at - frozen_at,
        b_gained_at - frozen_at
    );
    assert!(a_refuses_at < b_gained_at, "A still wrote when B took over");
    let refused = lease_a.check().unwrap_err();
    assert_eq!(refused.kind(), FleetErrorKind::Fenced);
    assert!(lease_b.token() > lease_a.token(), "fencing tokens grow");
    assert!(lease_b.check().is_ok());

    // A notices (its own clock) and reports the loss; after the thaw it stays out.
    let lost = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match a_events.next_event().await {
                Some(FleetEvent::Lost { reason, .. }) => return reason,
                Some(_) => {}
                None => panic!("A's events ended"),
            }
        }
    })
    .await
    .expect("A reports the loss");
    assert_eq!(lost, LossReason::Expired);
    frozen.store(false, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert!(
        a.served().await.unwrap().is_empty(),
        "A does not take it back"
    );
    assert_eq!(b.served().await.unwrap().len(), 1);
    assert!(!lease_a.is_valid());
    b.stop().await;
    a.stop().await;
}
