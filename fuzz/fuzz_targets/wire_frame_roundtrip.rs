//! Parse of serialise is the identity for every client frame: whatever the name, value,
//! user and project id, `ClientMessage::to_frame` (Python's JSON layout) read back by
//! `parse_batch` (and by serde_json) gives the same fields.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use scratchcomm_wire::{parse_batch, ClientMessage, CloudValue, Method};

#[derive(Arbitrary, Debug)]
struct Input {
    kind: u8,
    name: String,
    other: String,
    user: String,
    project: String,
    numeric_project: Option<u64>,
}

fuzz_target!(|input: Input| {
    let project_id = match input.numeric_project {
        Some(n) => serde_json::json!(n),
        None => serde_json::json!(input.project),
    };
    let user = input.user.clone();
    let msg = match input.kind % 5 {
        0 => ClientMessage::Handshake {
            user,
            project_id: project_id.clone(),
        },
        1 => ClientMessage::Set {
            name: input.name.clone(),
            value: CloudValue::new(input.other.clone()),
            user,
            project_id: project_id.clone(),
        },
        2 => ClientMessage::Create {
            name: input.name.clone(),
            value: CloudValue::new(input.other.clone()),
            user,
            project_id: project_id.clone(),
        },
        3 => ClientMessage::Rename {
            name: input.name.clone(),
            new_name: input.other.clone(),
            user,
            project_id: project_id.clone(),
        },
        _ => ClientMessage::Delete {
            name: input.name.clone(),
            user,
            project_id: project_id.clone(),
        },
    };
    let frame = msg.to_frame();
    assert!(frame.ends_with('\n'));
    assert_eq!(
        frame.matches('\n').count(),
        1,
        "one frame is one line: {frame:?}"
    );
    assert!(
        frame.is_ascii(),
        "Python's json.dumps escapes non-ASCII: {frame:?}"
    );
    let json: serde_json::Value = serde_json::from_str(&frame).expect("frame is JSON");
    assert_eq!(json["user"], serde_json::json!(input.user));
    assert_eq!(json["project_id"], project_id);
    if input.kind % 5 == 0 {
        return;
    }
    let parsed = parse_batch(&frame);
    assert_eq!(parsed.len(), 1);
    let update = parsed
        .into_iter()
        .next()
        .unwrap()
        .expect("own frame parses");
    assert_eq!(update.name, input.name);
    match input.kind % 5 {
        1 | 2 => {
            let want = if input.kind % 5 == 1 {
                Method::Set
            } else {
                Method::Create
            };
            assert_eq!(update.method, want);
            let value = update.value.expect("value");
            assert_eq!(value.as_str(), input.other);
            assert!(value.was_string());
        }
        3 => assert_eq!(update.new_name.as_deref(), Some(input.other.as_str())),
        _ => assert_eq!(update.method, Method::Delete),
    }
});
