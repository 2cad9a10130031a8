//! Unit tests of [`Rooms`](super::Rooms): limits, eviction, slow members, usernames.

use super::*;

fn member(id: ClientId, cap: usize) -> (Member<Recorder>, Recorder) {
    let o = Recorder::with_cap(cap);
    let m = Member {
        id,
        user: format!("u{id}"),
        outbox: o.clone(),
    };
    (m, o)
}

#[test]
fn room_limits_and_eviction_of_empty_rooms() {
    let rooms = Rooms::<Recorder>::default();
    let limits = Limits::default().max_rooms(1).max_clients_per_room(1);
    let (a, _) = member(1, 9);
    assert_eq!(rooms.join("p", a, &limits, false, |_| None), Ok(None));
    let (b, _) = member(2, 9);
    let refused = rooms.join("p", b.clone(), &limits, false, |_| None);
    assert_eq!(refused, Err(JoinRefusal::RoomFull));
    assert_eq!(
        rooms.join("q", b.clone(), &limits, false, |_| None),
        Err(JoinRefusal::TooManyRooms)
    );
    rooms.leave("p", 1);
    assert_eq!(rooms.join("q", b, &limits, false, |_| None), Ok(None));
    assert_eq!(rooms.room_count(), 1);
}

#[test]
fn slow_members_are_dropped_from_broadcasts() {
    let rooms = Rooms::<Recorder>::default();
    let limits = Limits::default();
    let (a, ao) = member(1, 9);
    let (b, bo) = member(2, 1);
    let (c, co) = member(3, 9);
    for m in [a, b, c] {
        rooms.join("p", m, &limits, false, |_| None).unwrap();
    }
    let d1 = rooms.with_room("p", |r| r.broadcast(1, "one")).unwrap();
    assert!(d1.is_empty());
    let d2 = rooms.with_room("p", |r| r.broadcast(1, "two")).unwrap();
    assert_eq!(d2, vec![2]);
    assert_eq!(rooms.member_ids("p"), vec![1, 3]);
    assert!(ao.0.lock().unwrap().is_empty());
    assert_eq!(*bo.0.lock().unwrap(), vec!["one"]);
    assert_eq!(*co.0.lock().unwrap(), vec!["one", "two"]);
}

#[test]
fn unique_usernames_and_connection_count() {
    let rooms = Rooms::<Recorder>::default();
    let (a, _) = member(1, 9);
    let mut b = a.clone();
    b.id = 2;
    rooms
        .join("p", a, &Limits::default(), true, |_| None)
        .unwrap();
    let r = rooms.join("p", b, &Limits::default(), true, |_| None);
    assert_eq!(r, Err(JoinRefusal::UsernameTaken));
    assert!(rooms.try_open_connection(2));
    assert!(rooms.try_open_connection(2));
    assert!(!rooms.try_open_connection(2));
    rooms.close_connection();
    assert_eq!(rooms.connection_count(), 1);
    assert_ne!(rooms.next_client_id(), rooms.next_client_id());
}
