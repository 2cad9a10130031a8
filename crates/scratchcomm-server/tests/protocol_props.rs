//! Property tests of the sans-IO protocol: arbitrary input never panics, only closes with
//! the documented codes, and never echoes a set back to its sender.

use proptest::prelude::*;
use scratchcomm_server::ServerConfig;
use scratchcomm_server::{Action, ClientState};
use scratchcomm_server::{Outbox, Rooms};
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<String>>>);

impl Outbox for Recorder {
    fn offer(&self, frame: &str) -> bool {
        self.0.lock().unwrap().push(frame.to_owned());
        true
    }
}

const CODES: [u16; 5] = [4000, 4002, 4003, 4004, 1013];

/// Pieces that look like protocol messages, mixed with noise.
fn piece() -> impl Strategy<Value = String> {
    let method = prop_oneof![
        Just("handshake"),
        Just("set"),
        Just("create"),
        Just("rename"),
        Just("delete"),
        Just("other")
    ];
    let json_value = prop_oneof![
        "-?[0-9]{0,6}(\\.[0-9]{0,3})?".prop_map(|s| format!("\"{s}\"")),
        "-?[0-9]{1,6}".prop_map(String::from),
        Just("true".to_owned()),
        Just("null".to_owned()),
        "[a-z ☁]{0,5}".prop_map(|s| format!("\"{s}\"")),
    ];
    let name = prop_oneof![
        "[a-z]{1,3}".prop_map(|s| format!("\"☁ {s}\"")),
        Just("5".to_owned())
    ];
    let structured = (method, name.clone(), json_value, name, "[0-9a-z]{0,4}").prop_map(
        |(m, n, v, nn, id)| {
            format!(
                r#"{{"method":"{m}","name":{n},"value":{v},"new_name":{nn},"user":"u{id}","project_id":"{id}"}}"#
            )
        },
    );
    prop_oneof![3 => structured, 1 => "\\PC{0,20}"]
}

proptest! {
    #[test]
    fn arbitrary_frames_never_panic(frames in prop::collection::vec(
        prop::collection::vec(piece(), 1..4).prop_map(|p| p.join("\n")), 1..12)
    ) {
        let rooms = Rooms::<Recorder>::default();
        let config = ServerConfig::default();
        let mut first = ClientState::new(rooms.next_client_id());
        let first_out = Recorder::default();
        let hs = r#"{"method":"handshake","user":"watcher","project_id":"1"}"#;
        prop_assert!(first.on_frame(hs, &rooms, &config, &first_out).is_empty());
        let mut client = ClientState::new(rooms.next_client_id());
        let out = Recorder::default();
        for frame in &frames {
            let actions = client.on_frame(frame, &rooms, &config, &out);
            for (i, action) in actions.iter().enumerate() {
                if let Action::Close { code, .. } = action {
                    prop_assert!(CODES.contains(&code.0), "unexpected code {}", code.0);
                    prop_assert_eq!(i, actions.len() - 1, "close must be last");
                }
            }
            if matches!(actions.last(), Some(Action::Close { .. })) {
                break;
            }
        }
        // A client never receives its own updates: everything it got came from the dump.
        prop_assert!(out.0.lock().unwrap().is_empty());
        client.on_disconnect(&rooms);
        prop_assert_eq!(rooms.member_ids("1").len(), 1);
    }
}
