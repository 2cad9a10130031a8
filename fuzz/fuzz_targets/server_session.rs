//! The embedded cloud server's sans-IO protocol, a whole session per input: up to four
//! connections send frames (raw text, or handshakes/sets built from the input so the fuzzer
//! gets past the handshake at once), read their queues or drop, on a server with tight limits.
//! Invariants: no panic; at most one close per frame and it is the last action; close reasons
//! fit a close frame; replies and broadcasts are well-formed update lines; nothing is ever
//! sent back to its sender; rooms, members, variables, names and values stay within the
//! configured limits.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scratchcomm_fuzz::Recorder;
use scratchcomm_server::Rooms;
use scratchcomm_server::{Action, ClientState};
use scratchcomm_server::{Limits, ProjectFilter, ServerConfig};
use scratchcomm_wire::{is_numeral, parse_batch, Method, CLOUD_PREFIX};
use std::collections::BTreeSet;

const CLIENTS: usize = 4;
const MAX_STEPS: usize = 96;

#[derive(Arbitrary, Debug)]
enum Step {
    Frame {
        client: u8,
        text: String,
    },
    Handshake {
        client: u8,
        user: u8,
        project: u8,
    },
    Set {
        client: u8,
        name: u8,
        value: String,
        number: bool,
    },
    Rename {
        client: u8,
        from: u8,
        to: u8,
    },
    Read {
        client: u8,
    },
    Drop {
        client: u8,
    },
}

#[derive(Arbitrary, Debug)]
struct Input {
    unique_usernames: bool,
    allow_rename_delete: bool,
    steps: Vec<Step>,
}

const USERS: [&str; 4] = ["alice", "bob", "bad user!", ""];
const PROJECTS: [&str; 5] = ["\"1\"", "2", "\"abc\"", "-1", "\"blocked\""];

fn name(i: u8) -> String {
    match i % 4 {
        0 => format!("{CLOUD_PREFIX}a"),
        1 => format!("{CLOUD_PREFIX}b"),
        2 => format!("{CLOUD_PREFIX}cccccccccccccccccccccccccc"),
        _ => format!("{CLOUD_PREFIX}{}", i % 7),
    }
}

fn json(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

struct Conn {
    state: ClientState,
    outbox: Recorder,
}

fn check_update_lines(frame: &str, what: &str) {
    for update in parse_batch(frame) {
        let update =
            update.unwrap_or_else(|e| panic!("{what} line does not parse: {e} in {frame:?}"));
        assert!(
            matches!(update.method, Method::Set | Method::Rename | Method::Delete),
            "{what} has method {:?}",
            update.method
        );
        check_name(&update.name);
        if let Some(v) = &update.value {
            check_value(v.as_str());
        }
        if let Some(n) = &update.new_name {
            check_name(n);
        }
    }
}

// The limits of the server under test (its config's fields are private).
const MAX_ROOMS: usize = 2;
const MAX_CLIENTS_PER_ROOM: usize = 3;
const MAX_VARIABLES: usize = 3;
const MAX_VALUE_CHARS: usize = 24;
const MAX_NAME_CHARS: usize = 16;

fn check_name(name: &str) {
    assert!(
        name.starts_with(CLOUD_PREFIX),
        "name without prefix: {name:?}"
    );
    assert!(
        name.chars().count() <= MAX_NAME_CHARS,
        "name too long: {name:?}"
    );
}

fn check_value(value: &str) {
    assert!(
        value.is_empty() || is_numeral(value),
        "not a numeral: {value:?}"
    );
    assert!(
        value.chars().count() <= MAX_VALUE_CHARS,
        "value too long: {value:?}"
    );
}

fuzz_target!(|input: Input| {
    let limits = Limits::default()
        .max_rooms(MAX_ROOMS)
        .max_clients_per_room(MAX_CLIENTS_PER_ROOM)
        .max_connections(8)
        .max_variables_per_room(MAX_VARIABLES)
        .max_message_bytes(4096);
    let config = ServerConfig::default()
        .limits(limits)
        .max_value_chars(MAX_VALUE_CHARS)
        .max_name_chars(MAX_NAME_CHARS)
        .unique_usernames(input.unique_usernames)
        .allow_rename_delete(input.allow_rename_delete)
        .project_filter(ProjectFilter::block_list(["blocked"]));
    let rooms: Rooms<Recorder> = Rooms::default();
    let mut conns: Vec<Option<Conn>> = (0..CLIENTS).map(|_| None).collect();
    let mut projects: BTreeSet<String> = BTreeSet::new();

    for step in input.steps.into_iter().take(MAX_STEPS) {
        let (client, frame) = match step {
            Step::Frame { client, text } => (client, text),
            Step::Handshake {
                client,
                user,
                project,
            } => (
                client,
                format!(
                    "{{\"method\":\"handshake\",\"user\":{},\"project_id\":{}}}",
                    json(USERS[usize::from(user) % USERS.len()]),
                    PROJECTS[usize::from(project) % PROJECTS.len()]
                ),
            ),
            Step::Set {
                client,
                name: n,
                value,
                number,
            } => {
                let value = if number && !value.is_empty() {
                    value
                } else {
                    json(&value)
                };
                (
                    client,
                    format!(
                        "{{\"method\":\"set\",\"name\":{},\"value\":{value}}}",
                        json(&name(n))
                    ),
                )
            }
            Step::Rename { client, from, to } => (
                client,
                format!(
                    "{{\"method\":\"rename\",\"name\":{},\"new_name\":{}}}",
                    json(&name(from)),
                    json(&name(to))
                ),
            ),
            Step::Read { client } => {
                if let Some(c) = &conns[usize::from(client) % CLIENTS] {
                    for f in c.outbox.drain() {
                        check_update_lines(&f, "broadcast");
                    }
                }
                continue;
            }
            Step::Drop { client } => {
                if let Some(mut c) = conns[usize::from(client) % CLIENTS].take() {
                    c.state.on_disconnect(&rooms);
                }
                continue;
            }
        };
        let slot = &mut conns[usize::from(client) % CLIENTS];
        let conn = slot.get_or_insert_with(|| Conn {
            state: ClientState::new(rooms.next_client_id()),
            outbox: Recorder::with_cap(6),
        });
        let queued = conn.outbox.len();
        let actions = conn.state.on_frame(&frame, &rooms, &config, &conn.outbox);
        assert!(
            conn.outbox.len() <= queued,
            "a frame was sent back to its sender"
        );
        if let Some(p) = conn.state.project() {
            projects.insert(p.to_owned());
        }
        let mut closed = false;
        for (i, action) in actions.iter().enumerate() {
            match action {
                Action::Reply(text) => check_update_lines(text, "reply"),
                Action::Close { reason, .. } => {
                    assert!(reason.len() <= 123, "close reason too long: {reason:?}");
                    assert_eq!(i + 1, actions.len(), "actions after a close: {actions:?}");
                    closed = true;
                }
            }
        }
        if closed {
            if let Some(mut c) = slot.take() {
                c.state.on_disconnect(&rooms);
            }
        }
        assert!(rooms.room_count() <= MAX_ROOMS, "too many rooms");
        for p in &projects {
            assert!(rooms.member_ids(p).len() <= MAX_CLIENTS_PER_ROOM);
            if let Some(vars) = rooms.variables(p) {
                assert!(vars.len() <= MAX_VARIABLES, "too many variables");
                for (n, v) in vars {
                    check_name(&n);
                    check_value(&v);
                }
            }
        }
    }
});
