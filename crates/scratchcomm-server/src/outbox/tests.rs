use super::*;

fn limits() -> QueueLimits {
    QueueLimits {
        coalesce_bytes: 100,
        max_bytes: 1000,
        max_lag: Duration::from_secs(10),
    }
}

fn set(name: &str, value: u32) -> Update {
    Update::set(name, &format!("{name}={value}"))
}

fn messages(q: &mut OutQueue) -> Vec<String> {
    q.take_frames(usize::MAX)
        .iter()
        .flat_map(|f| f.split('\n').map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

#[test]
fn below_the_threshold_every_set_is_kept_in_order() {
    let mut q = OutQueue::default();
    assert_eq!(q.push(&set("a", 1), &limits()), Pushed::First);
    assert_eq!(q.push(&set("a", 2), &limits()), Pushed::Behind);
    assert_eq!(q.push(&set("b", 1), &limits()), Pushed::Behind);
    assert_eq!(messages(&mut q), ["a=1", "a=2", "b=1"]);
    assert!(q.is_empty());
    assert_eq!(q.push(&set("a", 3), &limits()), Pushed::First);
}

#[test]
fn a_burst_on_one_variable_coalesces_to_its_latest_value() {
    let mut q = OutQueue::default();
    for i in 0..10_000 {
        assert_ne!(q.push(&set("a", i), &limits()), Pushed::TooSlow);
        assert!(q.bytes() <= 2 * limits().coalesce_bytes + 16);
    }
    q.push(&set("b", 7), &limits());
    let got = messages(&mut q);
    assert_eq!(got.last().unwrap(), "b=7");
    assert_eq!(got[got.len() - 2], "a=9999");
    // only the latest value of "a" survives once the queue was over the threshold
    assert_eq!(got.iter().filter(|m| *m == "a=9999").count(), 1);
    assert!(got.len() < 40, "{} messages kept", got.len());
}

#[test]
fn rename_and_delete_are_barriers() {
    let mut q = OutQueue::default();
    let lim = QueueLimits {
        coalesce_bytes: 0,
        ..limits()
    };
    q.push(&set("a", 1), &lim);
    q.push(&Update::other("rename a"), &lim);
    q.push(&set("a", 2), &lim);
    q.push(&set("a", 3), &lim);
    q.push(&Update::other("delete a"), &lim);
    q.push(&set("a", 4), &lim);
    assert_eq!(
        messages(&mut q),
        ["a=1", "rename a", "a=3", "delete a", "a=4"]
    );
}

#[test]
fn too_many_distinct_bytes_make_a_receiver_too_slow() {
    let mut q = OutQueue::default();
    let mut pushed = 0;
    while q.push(&set(&format!("v{pushed}"), 1), &limits()) != Pushed::TooSlow {
        pushed += 1;
        assert!(pushed < 1000);
    }
    // about 1,000 bytes of "vN=1" messages (6 to 7 bytes each) fit before it is too slow
    assert!(
        (140..170).contains(&pushed),
        "judged too slow after {pushed}"
    );
    assert!(q.is_too_slow() && q.is_empty());
    assert_eq!(q.push(&set("a", 1), &limits()), Pushed::TooSlow);
}

#[test]
fn an_old_unsent_update_makes_a_receiver_too_slow() {
    let mut q = OutQueue::default();
    let t0 = Instant::now();
    q.push(&set("a", 1).made_at(t0), &limits());
    let soon = t0 + Duration::from_secs(10);
    assert_eq!(
        q.push(&set("b", 1).made_at(soon), &limits()),
        Pushed::Behind
    );
    let late = t0 + Duration::from_secs(11);
    assert_eq!(
        q.push(&set("c", 1).made_at(late), &limits()),
        Pushed::TooSlow
    );
}

#[test]
fn a_receiver_that_reads_is_never_too_slow() {
    let mut q = OutQueue::default();
    let t0 = Instant::now();
    for i in 0..100_000u32 {
        let at = t0 + Duration::from_millis(u64::from(i));
        assert_ne!(q.push(&set("a", i).made_at(at), &limits()), Pushed::TooSlow);
        if i % 50 == 0 {
            q.take_frames(16 * 1024);
        }
    }
}

#[test]
fn frames_are_joined_up_to_the_cap() {
    let mut q = OutQueue::default();
    let lim = QueueLimits {
        coalesce_bytes: usize::MAX,
        max_bytes: usize::MAX,
        ..limits()
    };
    for m in ["aa", "bb", "cc", "dddddddd", "e"] {
        q.push(&Update::other(m), &lim);
    }
    assert_eq!(q.take_frames(5), ["aa\nbb", "cc", "dddddddd", "e"]);
    for m in ["x", "y"] {
        q.push(&Update::other(m), &lim);
    }
    assert_eq!(q.take_frames(0), ["x", "y"]);
    assert_eq!(q.take_frames(100), Vec::<String>::new());
}

#[test]
fn the_channel_outbox_wakes_once_and_refuses_when_closed() {
    let out = ChannelOutbox::new(limits());
    assert!(out.offer("one"));
    assert!(out.offer("two"));
    let notified = out.wake().notified();
    let mut notified = std::pin::pin!(notified);
    let waker = futures_util::task::noop_waker();
    let mut cx = std::task::Context::from_waker(&waker);
    assert!(std::future::Future::poll(notified.as_mut(), &mut cx).is_ready());
    assert_eq!(out.lock().take_frames(100), ["one\ntwo"]);
    out.close();
    assert!(!out.offer("three"));
}

/// With the server's default limits a lagging receiver that holds 3 MB of one variable's
/// sets (a bot's FROM_CLIENT, which all its clients write) keeps every one of them, in order,
/// as TurboWarp's server delivers them: superseded sets are dropped only where the receiver
/// would otherwise be closed. (Coalescing from 64 KiB on lost packets of secure messages.)
#[test]
fn by_default_a_lagging_receiver_under_the_limit_keeps_every_set() {
    let lim = QueueLimits::of(&crate::ServerConfig::default());
    let tail = "7".repeat(30_000);
    let mut q = OutQueue::default();
    for i in 0..100 {
        let pushed = q.push(&Update::set("a", &format!("{i}.{tail}")), &lim);
        assert!(
            matches!(pushed, Pushed::First | Pushed::Behind),
            "{pushed:?}"
        );
    }
    let got: Vec<String> = messages(&mut q)
        .iter()
        .map(|m| m.split('.').next().unwrap().to_owned())
        .collect();
    let want: Vec<String> = (0..100).map(|i| i.to_string()).collect();
    assert_eq!(got, want);
}

/// On the lean transport an update for a parked receiver goes straight to its socket, and
/// warming changes nothing. Once the receiver is closed nothing more is written, though the
/// socket lives on in the session (which still sends its close frame).
#[tokio::test]
async fn a_parked_outbox_writes_to_its_socket_until_closed() {
    use tokio::io::AsyncReadExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut client = TcpStream::connect(listener.local_addr().unwrap())
        .await
        .unwrap();
    let socket = Arc::new(listener.accept().await.unwrap().0);
    let out = ChannelOutbox::new(limits());
    out.attach(socket.clone());
    out.warm();
    assert!(out.offer("queued"), "not parked yet: queued");
    assert_eq!(out.lock().take_frames(100), ["queued"]);
    out.park();
    out.warm();
    assert!(out.offer("one"));
    assert!(out.lock().is_empty(), "written, not queued");
    let mut frame = [0u8; 5];
    client.read_exact(&mut frame).await.unwrap();
    assert_eq!(frame, *b"\x81\x03one");

    out.close();
    out.park();
    out.warm();
    assert!(!out.offer("two"));
    // The session's own last frame is the next thing the client reads.
    assert!(matches!(
        crate::lean::write_text_now(&socket, "end"),
        Direct::All
    ));
    client.read_exact(&mut frame).await.unwrap();
    assert_eq!(frame, *b"\x81\x03end");
}
