//! Unit tests of the sans-IO protocol: no server, no sockets.

use super::*;
use crate::config::{Limits, ProjectFilter};
use crate::room::Recorder;

struct Client {
    state: ClientState,
    out: Recorder,
}

struct World {
    rooms: Rooms<Recorder>,
    config: ServerConfig,
}

impl World {
    fn new(config: ServerConfig) -> Self {
        World {
            rooms: Rooms::default(),
            config,
        }
    }
    fn client(&self) -> Client {
        Client {
            state: ClientState::new(self.rooms.next_client_id()),
            out: Recorder::new(),
        }
    }
    fn send(&self, c: &mut Client, frame: &str) -> Vec<Action> {
        c.state.on_frame(frame, &self.rooms, &self.config, &c.out)
    }
    fn joined(&self, project: &str, user: &str) -> Client {
        let mut c = self.client();
        let hs = format!(r#"{{"method":"handshake","user":"{user}","project_id":"{project}"}}"#);
        let actions = self.send(&mut c, &hs);
        assert!(
            actions.iter().all(|a| matches!(a, Action::Reply(_))),
            "{actions:?}"
        );
        c
    }
}

fn set(name: &str, value: &str) -> String {
    format!(r#"{{"method":"set","name":"☁ {name}","value":{value}}}"#)
}

fn close_code(actions: &[Action]) -> Option<u16> {
    match actions.last() {
        Some(Action::Close { code, .. }) => Some(code.0),
        _ => None,
    }
}

#[test]
fn join_dump_is_one_frame_with_every_variable() {
    let w = World::new(ServerConfig::default());
    let mut a = w.joined("7", "alice");
    assert_eq!(w.send(&mut a, &set("b", "\"2\"")), vec![]);
    assert_eq!(w.send(&mut a, &set("a", "1.5")), vec![]);
    let mut b = w.client();
    let actions = w.send(
        &mut b,
        r#"{"method":"handshake","user":"bob","project_id":7}"#,
    );
    assert_eq!(
        actions,
        vec![Action::Reply(
            "{\"method\":\"set\",\"name\":\"☁ b\",\"value\":\"2\"}\n{\"method\":\"set\",\"name\":\"☁ a\",\"value\":1.5}".to_owned()
        )]
    );
    assert_eq!(b.state.project(), Some("7"));
}

#[test]
fn empty_room_sends_no_dump() {
    let w = World::new(ServerConfig::default());
    let mut c = w.client();
    let hs = r#"{"method":"handshake","user":"x","project_id":"p-1"}"#;
    assert_eq!(w.send(&mut c, hs), vec![]);
    assert_eq!(w.rooms.variables("p-1"), Some(vec![]));
}

#[test]
fn set_goes_to_others_not_sender() {
    let w = World::new(ServerConfig::default());
    let mut a = w.joined("1", "a");
    let b = w.joined("1", "b");
    let other_room = w.joined("2", "c");
    w.send(&mut a, &set("x", "\"42\""));
    assert!(a.out.take().is_empty());
    assert_eq!(
        b.out.take(),
        vec!["{\"method\":\"set\",\"name\":\"☁ x\",\"value\":\"42\"}"]
    );
    assert!(other_room.out.take().is_empty());
    assert_eq!(
        w.rooms.variables("1"),
        Some(vec![("☁ x".to_owned(), "42".to_owned())])
    );
    // create is a set
    w.send(&mut a, r#"{"method":"create","name":"☁ y","value":-3}"#);
    assert_eq!(
        b.out.take(),
        vec!["{\"method\":\"set\",\"name\":\"☁ y\",\"value\":-3}"]
    );
}

#[test]
fn invalid_values_are_ignored_and_connection_kept() {
    let config = ServerConfig::default().max_value_chars(5);
    let w = World::new(config);
    let mut a = w.joined("1", "a");
    let b = w.joined("1", "b");
    for v in [
        "\"abc\"",
        "true",
        "null",
        "{}",
        "[1]",
        "\"1 \"",
        "\"nan\"",
        "\"123456\"",
        "1234567",
        "\"1e5\"",
        "1e400",
    ] {
        assert_eq!(w.send(&mut a, &set("v", v)), vec![], "value {v}");
    }
    // a set without a value is an invalid value too
    assert_eq!(w.send(&mut a, r#"{"method":"set","name":"☁ v"}"#), vec![]);
    assert!(b.out.take().is_empty());
    assert_eq!(w.rooms.variables("1"), Some(vec![]));
    for v in ["\"12345\"", "\"\"", "1e3", "\"-0.5\"", "-0"] {
        w.send(&mut a, &set("v", v));
    }
    // numbers are relayed as JavaScript prints the number parsed
    let got = b.out.take();
    assert_eq!(got.len(), 5);
    assert!(got[2].ends_with("\"value\":1000}"), "{}", got[2]);
    assert!(got[4].ends_with("\"value\":0}"), "{}", got[4]);
}

#[test]
fn a_frame_is_one_message() {
    let w = World::new(ServerConfig::default());
    let mut a = w.joined("1", "a");
    let frame = format!("{}\n{}", set("x", "1"), set("y", "2"));
    assert_eq!(close_code(&w.send(&mut a, &frame)), Some(4000));
    assert_eq!(w.rooms.variables("1"), Some(vec![]));
    let mut b = w.joined("1", "b");
    assert_eq!(w.send(&mut b, &format!(" {}\n", set("x", "1"))), vec![]);
    assert_eq!(close_code(&w.send(&mut b, "")), Some(4000));
}

#[test]
fn names_and_rooms_are_taken_as_javascript_takes_them() {
    let w = World::new(ServerConfig::default());
    let mut a = w.joined("5", "a");
    let b = w.joined("5", "b");
    for frame in [
        r#"{"method":"set","name":"x","value":1}"#,
        r#"{"method":"set","name":5,"value":2}"#,
        r#"{"method":"set","name":"5","value":3}"#,
        r#"{"method":"set","value":4}"#,
    ] {
        assert_eq!(w.send(&mut a, frame), vec![], "{frame}");
    }
    assert_eq!(
        b.out.take(),
        vec![
            r#"{"method":"set","name":"x","value":1}"#,
            r#"{"method":"set","name":5,"value":2}"#,
            r#"{"method":"set","name":"5","value":3}"#,
            r#"{"method":"set","value":4}"#,
        ]
    );
    // a JSON number as project id is the same room as its text
    let mut c = w.client();
    let hs = r#"{"method":"handshake","user":"c","project_id":5.0}"#;
    let dump = w.send(&mut c, hs);
    assert_eq!(c.state.project(), Some("5"));
    assert!(matches!(&dump[..], [Action::Reply(d)] if d.lines().count() == 4));
    let mut d = w.joined("1", "d");
    let object_name = r#"{"method":"set","name":{},"value":1}"#;
    assert_eq!(close_code(&w.send(&mut d, object_name)), Some(4000));
}

#[test]
fn close_codes() {
    let w = World::new(ServerConfig::default().project_filter(ProjectFilter::block_list(["666"])));
    let cases: &[(&str, u16)] = &[
        (&set("x", "1"), 4000),
        ("{\"method\":\"handshake\"", 4000),
        ("[1,2]", 4000),
        (r#"{"method":5}"#, 4000),
        (r#"{"method":"hello"}"#, 4000),
        (r#"{"method":"handshake","user":"a","project_id":""}"#, 4000),
        (r#"{"method":"handshake","user":"a","project_id":[]}"#, 4000),
        (r#"{"method":"handshake","user":"","project_id":"1"}"#, 4002),
        (
            r#"{"method":"handshake","user":"a b","project_id":"1"}"#,
            4002,
        ),
        (
            r#"{"method":"handshake","user":"abcdefghijklmnopqrstu","project_id":"1"}"#,
            4002,
        ),
        (r#"{"method":"handshake","user":7,"project_id":"1"}"#, 4002),
        (r#"{"method":"handshake","project_id":"1"}"#, 4002),
        (
            r#"{"method":"handshake","user":"a","project_id":"666"}"#,
            4004,
        ),
    ];
    for (frame, code) in cases {
        let mut c = w.client();
        assert_eq!(close_code(&w.send(&mut c, frame)), Some(*code), "{frame}");
        assert_eq!(c.state.project(), None);
    }
    let mut a = w.joined("1", "abcdefghijklmnopqrst");
    let hs = r#"{"method":"handshake","user":"a","project_id":"1"}"#;
    assert_eq!(close_code(&w.send(&mut a, hs)), Some(4000));
    let mut a = w.joined("1", "a_b-C9");
    assert_eq!(
        close_code(&w.send(&mut a, r#"{"method":"nope"}"#)),
        Some(4000)
    );
    let strict = World::new(
        ServerConfig::default()
            .require_cloud_prefix(true)
            .max_name_chars(5),
    );
    for name in [r#""x""#, r#""☁ ""#, "5", r#""☁ abcd""#] {
        let mut a = strict.joined("1", "a");
        let frame = format!(r#"{{"method":"set","name":{name},"value":1}}"#);
        assert_eq!(
            close_code(&strict.send(&mut a, &frame)),
            Some(4000),
            "{name}"
        );
    }
}

#[test]
fn limits_close_like_turbowarp() {
    let config = ServerConfig::default().limits(
        Limits::default()
            .max_rooms(1)
            .max_clients_per_room(2)
            .max_variables_per_room(1),
    );
    let w = World::new(config);
    let mut a = w.joined("1", "a");
    let _b = w.joined("1", "b");
    let mut c = w.client();
    let hs = |p: &str| format!(r#"{{"method":"handshake","user":"c","project_id":"{p}"}}"#);
    assert_eq!(close_code(&w.send(&mut c, &hs("1"))), Some(4000));
    let mut d = w.client();
    assert_eq!(close_code(&w.send(&mut d, &hs("2"))), Some(4003));
    assert_eq!(w.send(&mut a, &set("one", "1")), vec![]);
    assert_eq!(w.send(&mut a, &set("one", "2")), vec![]);
    assert_eq!(close_code(&w.send(&mut a, &set("two", "1"))), Some(4000));
}

#[test]
fn rename_and_delete_when_enabled() {
    let w = World::new(ServerConfig::default().allow_rename_delete(true));
    let mut a = w.joined("1", "a");
    let b = w.joined("1", "b");
    w.send(&mut a, &set("x", "5"));
    b.out.take();
    let rename = r#"{"method":"rename","name":"☁ x","new_name":"☁ y"}"#;
    assert_eq!(w.send(&mut a, rename), vec![]);
    assert_eq!(
        b.out.take(),
        vec!["{\"method\":\"rename\",\"name\":\"☁ x\",\"new_name\":\"☁ y\"}"]
    );
    assert_eq!(
        w.rooms.variables("1"),
        Some(vec![("☁ y".into(), "5".into())])
    );
    assert_eq!(
        w.send(&mut a, r#"{"method":"delete","name":"☁ y"}"#),
        vec![]
    );
    assert_eq!(
        b.out.take(),
        vec!["{\"method\":\"delete\",\"name\":\"☁ y\"}"]
    );
    assert_eq!(w.rooms.variables("1"), Some(vec![]));
    assert_eq!(
        close_code(&w.send(&mut a, r#"{"method":"delete","name":"☁ y"}"#)),
        Some(4000)
    );
    let mut a = w.joined("1", "a");
    assert_eq!(close_code(&w.send(&mut a, rename)), Some(4000));
}

#[test]
fn rename_and_delete_are_ignored_by_default() {
    let w = World::new(ServerConfig::default());
    let mut early = w.client();
    assert_eq!(
        w.send(&mut early, r#"{"method":"delete","name":"☁ x"}"#),
        vec![]
    );
    let mut a = w.joined("1", "a");
    let b = w.joined("1", "b");
    w.send(&mut a, &set("x", "5"));
    b.out.take();
    assert_eq!(
        w.send(&mut a, r#"{"method":"delete","name":"☁ x"}"#),
        vec![]
    );
    assert_eq!(
        w.send(
            &mut a,
            r#"{"method":"rename","name":"☁ x","new_name":"☁ z"}"#
        ),
        vec![]
    );
    assert!(b.out.take().is_empty());
    assert_eq!(
        w.rooms.variables("1"),
        Some(vec![("☁ x".into(), "5".into())])
    );
}

#[test]
fn slow_client_is_dropped_and_told_on_next_message() {
    let w = World::new(ServerConfig::default());
    let mut a = w.joined("1", "a");
    let mut slow = w.client();
    slow.out.1 = 1;
    w.send(
        &mut slow,
        r#"{"method":"handshake","user":"s","project_id":"1"}"#,
    );
    w.send(&mut a, &set("x", "1"));
    w.send(&mut a, &set("x", "2"));
    assert_eq!(w.rooms.member_ids("1"), vec![a.state.id()]);
    assert_eq!(slow.out.take().len(), 1);
    assert_eq!(close_code(&w.send(&mut slow, &set("x", "3"))), Some(1013));
    slow.state.on_disconnect(&w.rooms);
    a.state.on_disconnect(&w.rooms);
    assert!(w.rooms.member_ids("1").is_empty());
    // variables stay for clients that come back
    assert_eq!(
        w.rooms.variables("1"),
        Some(vec![("☁ x".into(), "2".into())])
    );
}

#[test]
fn username_rules() {
    assert!(is_valid_username("player1000"));
    assert!(is_valid_username("a"));
    assert!(is_valid_username("A-b_c"));
    assert!(!is_valid_username("héllo"));
    assert!(!is_valid_username("a.b"));
    assert!(!is_valid_username(&"x".repeat(21)));
}

#[test]
fn unique_usernames_when_asked() {
    let config = ServerConfig::default().unique_usernames(true);
    let w = World::new(config);
    let _a = w.joined("1", "same");
    let mut b = w.client();
    let hs = r#"{"method":"handshake","user":"same","project_id":"1"}"#;
    assert_eq!(close_code(&w.send(&mut b, hs)), Some(4002));
}

#[test]
fn long_close_reasons_are_cut() {
    let w = World::new(ServerConfig::default());
    let mut a = w.joined("1", "a");
    let long = format!(r#"{{"method":"{}"}}"#, "m".repeat(300));
    match w.send(&mut a, &long).pop() {
        Some(Action::Close { reason, .. }) => assert!(reason.len() <= 123),
        other => panic!("expected a close, got {other:?}"),
    }
}
