//! The pacer with a controlled clock: spacing, variable reuse, fairness, failures, and a
//! model of the sprite's polling (§4) receiving what it writes.

use super::*;
use crate::client::{ClientReceiver, ClientSession};
use crate::error::SocketErrorKind;
use crate::server::{RngRandom, SendOptions};
use crate::types::ClientId;
use rand::SeedableRng;

const MS: Duration = Duration::from_millis(1);
const SPACING: Duration = Duration::from_millis(100);
const SALT: Centis = 177_438_700_000;

fn rng() -> RngRandom<rand::rngs::StdRng> {
    RngRandom(rand::rngs::StdRng::seed_from_u64(7))
}

fn cid(n: u32) -> ClientId {
    ClientId::from_number(n).unwrap()
}

/// An insecure message of `packets` packets at packet size 10 (5 characters each).
fn message(client: u32, packets: usize) -> OutboundMessage {
    let text = "abcde".repeat(packets);
    let options = SendOptions::default().allow_garbled_insecure(true);
    // 5 × packets − 1 characters encode to 10 × packets − 1 digits (with the leading 1).
    let text = &text[..text.len() - 1];
    let m = OutboundMessage::new(cid(client), text, None, 10, options).unwrap();
    assert_eq!(m.packet_count(), packets);
    m
}

/// One write as the test saw it: (time, sender's client id, variable, final?).
type Written = (Duration, ClientId, u8, bool);

/// Runs the pacer to completion: every write takes `write_time`; returns the writes and the
/// outcomes in order.
fn drain(p: &mut Pacer, write_time: Duration) -> (Vec<Written>, Vec<MessageId>) {
    let mut now = Duration::ZERO;
    let mut rng = rng();
    let (mut writes, mut done) = (Vec::new(), Vec::new());
    for _ in 0..10_000 {
        match p.poll(now, SALT, &mut rng) {
            PacerStep::Write { set, .. } => {
                let cid = ClientId::parse(&set.value[set.value.find('.').unwrap() + 1..][..5]);
                writes.push((now, cid.unwrap(), set.var, !set.value.starts_with('-')));
                now += write_time;
                if let Some((id, r)) = p.written(now, Ok(())) {
                    r.unwrap();
                    done.push(id);
                }
            }
            PacerStep::WaitUntil(t) => {
                assert!(t > now, "waits for the future");
                now = t;
            }
            PacerStep::Failed { error, .. } => panic!("{error}"),
            PacerStep::Busy => panic!("busy without a write"),
            PacerStep::Idle => return (writes, done),
        }
    }
    panic!("pacer never became idle");
}

#[test]
fn sets_are_spaced_whatever_the_write_time() {
    let mut p = Pacer::new(SPACING);
    p.enqueue(1, message(1, 3));
    let (writes, done) = drain(&mut p, MS);
    let times: Vec<Duration> = writes.iter().map(|w| w.0).collect();
    // Spacing counts from the end of the previous write.
    assert_eq!(times, vec![Duration::ZERO, 101 * MS, 202 * MS]);
    let vars: Vec<u8> = writes.iter().map(|w| w.2).collect();
    assert_eq!(vars, vec![1, 2, 3]);
    assert_eq!(done, vec![0]);
    assert_eq!(p.queued(), 0);
}

#[test]
fn zero_spacing_writes_back_to_back() {
    let mut p = Pacer::new(Duration::ZERO);
    p.enqueue(1, message(1, 6));
    p.enqueue(2, message(2, 1));
    let (writes, done) = drain(&mut p, Duration::ZERO);
    assert!(writes.iter().all(|w| w.0 == Duration::ZERO));
    assert_eq!(writes.len(), 7);
    assert_eq!(done.len(), 2);
}

#[test]
fn a_second_write_waits_for_the_first() {
    let mut p = Pacer::new(Duration::ZERO);
    p.enqueue(1, message(1, 2));
    let mut rng = rng();
    assert!(matches!(
        p.poll(Duration::ZERO, SALT, &mut rng),
        PacerStep::Write { .. }
    ));
    assert!(matches!(
        p.poll(Duration::ZERO, SALT, &mut rng),
        PacerStep::Busy
    ));
    assert!(p.written(Duration::ZERO, Ok(())).is_none());
    assert!(matches!(
        p.poll(Duration::ZERO, SALT, &mut rng),
        PacerStep::Write { .. }
    ));
    assert_eq!(
        p.written(MS, Ok(())).map(|(id, r)| (id, r.is_ok())),
        Some((0, true))
    );
    assert!(matches!(p.poll(MS, SALT, &mut rng), PacerStep::Idle));
    assert!(p.written(MS, Ok(())).is_none(), "nothing in flight");
}

#[test]
fn clients_take_turns_one_run_each_and_keep_their_order() {
    let mut p = Pacer::new(SPACING);
    let a1 = p.enqueue(1, message(1, 6));
    let a2 = p.enqueue(1, message(1, 1));
    let b = p.enqueue(2, message(2, 2));
    let (writes, done) = drain(&mut p, Duration::ZERO);
    let order: Vec<(u32, u8, bool)> = writes.iter().map(|w| (w.1.number(), w.2, w.3)).collect();
    assert_eq!(
        order,
        vec![
            // A's first run: 4 packets on 1..4.
            (1, 1, false),
            (1, 2, false),
            (1, 3, false),
            (1, 4, false),
            // B's whole 2-packet message.
            (2, 1, false),
            (2, 2, true),
            // A's second run: the rest of its first message.
            (1, 3, false),
            (1, 4, true),
            // A's next message only after its first.
            (1, 1, true),
        ]
    );
    assert_eq!(done, vec![b, a1, a2]);
    // Evenly spaced: no variable was rewritten within 4 spacings.
    for (i, w) in writes.iter().enumerate() {
        assert_eq!(w.0, SPACING * i as u32);
    }
}

#[test]
fn a_run_restarting_at_one_waits_until_one_is_four_spacings_old() {
    let mut p = Pacer::new(SPACING);
    p.enqueue(1, message(1, 1));
    p.enqueue(2, message(2, 1));
    p.enqueue(3, message(3, 3));
    let (writes, _) = drain(&mut p, Duration::ZERO);
    let got: Vec<(Duration, u8)> = writes.iter().map(|w| (w.0, w.2)).collect();
    // 3 packets from TO_CLIENT_3 would wrap, so the run is 1, 2, 3; TO_CLIENT_1 was
    // written at 0, so the run waits until 400 ms (and TO_CLIENT_2 until 500 ms).
    assert_eq!(
        got,
        vec![
            (Duration::ZERO, 1),
            (SPACING, 2),
            (4 * SPACING, 1),
            (5 * SPACING, 2),
            (6 * SPACING, 3)
        ]
    );
}

#[test]
fn a_failed_write_drops_the_rest_of_its_message_only() {
    let mut p = Pacer::new(Duration::ZERO);
    let a = p.enqueue(1, message(1, 3));
    let b = p.enqueue(2, message(2, 1));
    let mut rng = rng();
    let PacerStep::Write { id, .. } = p.poll(Duration::ZERO, SALT, &mut rng) else {
        panic!("write expected");
    };
    assert_eq!(id, a);
    let (id, r) = p
        .written(Duration::ZERO, Err(SocketError::closed("link down")))
        .unwrap();
    assert_eq!((id, r.unwrap_err().kind()), (a, SocketErrorKind::Closed));
    let (writes, done) = drain(&mut p, Duration::ZERO);
    assert_eq!(writes.len(), 1);
    // The rotation goes on after the failed packet's variable.
    assert_eq!((writes[0].1.number(), writes[0].2), (2, 2));
    assert_eq!(done, vec![b]);
}

#[test]
fn cancel_drops_queued_messages_and_ignores_the_write_in_flight() {
    let mut p = Pacer::new(Duration::ZERO);
    let a1 = p.enqueue(1, message(1, 2));
    let a2 = p.enqueue(1, message(1, 1));
    let b = p.enqueue(2, message(2, 1));
    let mut rng = rng();
    assert!(matches!(
        p.poll(Duration::ZERO, SALT, &mut rng),
        PacerStep::Write { .. }
    ));
    assert_eq!(p.cancel(1), vec![a1, a2]);
    assert!(p.cancel(1).is_empty());
    assert!(p.written(Duration::ZERO, Ok(())).is_none());
    let (writes, done) = drain(&mut p, Duration::ZERO);
    assert_eq!((writes.len(), done), (1, vec![b]));
}

/// The sprite's view (§4): from `start`, one poll per frame reads TO_CLIENT_1..4 in order
/// and handles each changed value.
struct Sprite {
    rx: ClientReceiver,
    next_poll: Duration,
    got: Option<String>,
}

#[test]
fn sprites_polling_late_get_every_reply_of_three_clients() {
    // R1, R2, C10: replies to three clients are queued at once; each sprite begins polling
    // after its send's 0.1 s wait plus part of a frame, the first one late (a stalled VM:
    // both packets of its reply are pending at its first poll), and sees only the latest
    // value of each variable, read in the order 1..4.
    const FRAME: Duration = Duration::from_micros(33_333);
    let starts = [250 * MS, 120 * MS, 140 * MS];
    let texts = ["x".repeat(219), "y".repeat(150), "z".repeat(10)];
    let mut p = Pacer::new(SPACING);
    let mut sprites: Vec<Sprite> = (0..3)
        .map(|i| {
            let session = ClientSession::new(cid(10 + i as u32), None, 220).unwrap();
            let mut rx = ClientReceiver::new(session, SALT);
            rx.begin_recv(SALT);
            Sprite {
                rx,
                next_poll: starts[i],
                got: None,
            }
        })
        .collect();
    for (i, text) in texts.iter().enumerate() {
        let m = OutboundMessage::new(cid(10 + i as u32), text, None, 220, SendOptions::default());
        p.enqueue(i as u64, m.unwrap());
    }
    let mut vars: [String; 4] = Default::default();
    let mut rng = rng();
    let mut now = Duration::ZERO;
    while now < Duration::from_secs(3) {
        if let PacerStep::Write { set, .. } = p.poll(now, SALT, &mut rng) {
            vars[usize::from(set.var) - 1] = set.value;
            p.written(now + MS, Ok(()));
        }
        for s in sprites.iter_mut().filter(|s| s.next_poll <= now) {
            for (n, value) in vars.iter().enumerate() {
                if let Some(m) = s.rx.observe(n as u8 + 1, value, SALT) {
                    s.got.get_or_insert(m);
                }
            }
            s.next_poll += FRAME;
        }
        now += MS;
    }
    for (s, text) in sprites.iter().zip(&texts) {
        assert_eq!(s.got.as_deref(), Some(text.as_str()));
    }
}
