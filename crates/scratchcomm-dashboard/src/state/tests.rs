//! Connection-state derivation from observed events, without any runtime.

use super::*;
use actors_cloud::{CloudValue, ProjectId};
use std::time::SystemTime;

fn ev(kind: EventKind, name: &str, value: Option<&str>) -> CloudEvent {
    CloudEvent {
        kind,
        source: "custom:p1".into(),
        project_id: ProjectId::new("p1").unwrap(),
        name: name.into(),
        raw_name: format!("☁ {name}"),
        value: value.map(CloudValue::new),
        timestamp: SystemTime::UNIX_EPOCH,
        user: None,
    }
}

fn disconnect(reason: &str) -> CloudEvent {
    ev(
        EventKind::Disconnect {
            code: None,
            reason: reason.into(),
        },
        "",
        None,
    )
}

#[test]
fn attached_connection_is_connected_and_first_connect_is_not_a_reconnect() {
    let mut s = ConnectionStatus::attached();
    assert_eq!(s.state, ConnectionState::Connected);
    assert_eq!(
        s.observe(&ev(EventKind::Connect, "", None)),
        Update::Nothing
    );
    assert_eq!(s.reconnects, 0);
}

#[test]
fn disconnect_then_connect_counts_one_reconnect_each_time() {
    let mut s = ConnectionStatus::attached();
    for round in 1..=3 {
        assert_eq!(s.observe(&disconnect("1006 abnormal")), Update::Project);
        assert_eq!(s.state, ConnectionState::Disconnected);
        assert_eq!(s.last_reason.as_deref(), Some("1006 abnormal"));
        assert_eq!(
            s.observe(&ev(EventKind::Connect, "", None)),
            Update::Project
        );
        assert_eq!(s.state, ConnectionState::Connected);
        assert_eq!((s.reconnects, s.disconnects), (round, round));
    }
    // The reason of the last disconnect stays visible after the reconnect.
    assert_eq!(s.last_reason.as_deref(), Some("1006 abnormal"));
}

#[test]
fn two_disconnects_in_a_row_before_a_connect_are_one_reconnect() {
    let mut s = ConnectionStatus::attached();
    s.observe(&disconnect("a"));
    s.observe(&disconnect("b"));
    s.observe(&ev(EventKind::Connect, "", None));
    assert_eq!((s.reconnects, s.disconnects), (1, 2));
}

#[test]
fn error_is_final_and_stream_end_after_error_keeps_failed() {
    let mut s = ConnectionStatus::attached();
    s.observe(&disconnect("gone"));
    let u = s.observe(&ev(
        EventKind::Error {
            message: "reconnect attempts exhausted".into(),
        },
        "",
        None,
    ));
    assert_eq!(u, Update::Project);
    assert_eq!(s.state, ConnectionState::Failed);
    assert_eq!(s.ended(), Update::Nothing);
    assert_eq!(s.state, ConnectionState::Failed);
    assert_eq!(
        s.last_reason.as_deref(),
        Some("reconnect attempts exhausted")
    );
}

#[test]
fn a_close_code_is_kept_as_a_close_code_and_shown_as_its_number() {
    let mut s = ConnectionStatus::attached();
    s.observe(&ev(
        EventKind::Disconnect {
            code: Some(actors_cloud::CloseCode::OVERLOADED),
            reason: "closed with 4003 (server or room overloaded)".into(),
        },
        "",
        None,
    ));
    assert_eq!(s.last_close_code, Some(actors_cloud::CloseCode::OVERLOADED));
    assert_eq!(serde_json::to_value(&s).unwrap()["last_close_code"], 4003);
    // A later disconnect without a close frame has no code.
    s.observe(&disconnect("connection lost"));
    assert_eq!(s.last_close_code, None);
}

#[test]
fn stream_end_means_stopped_once() {
    let mut s = ConnectionStatus::attached();
    assert_eq!(s.ended(), Update::Project);
    assert_eq!(s.state, ConnectionState::Stopped);
    assert_eq!(s.ended(), Update::Nothing);
}

#[test]
fn variable_events_become_variable_updates() {
    let mut s = ConnectionStatus::attached();
    assert_eq!(
        s.observe(&ev(EventKind::Set, "score", Some("42"))),
        Update::Variable {
            name: "score".into(),
            value: Some("42".into())
        }
    );
    assert_eq!(
        s.observe(&ev(EventKind::Create, "new", Some("0"))),
        Update::Variable {
            name: "new".into(),
            value: Some("0".into())
        }
    );
    assert_eq!(
        s.observe(&ev(EventKind::Delete, "new", None)),
        Update::Variable {
            name: "new".into(),
            value: None
        }
    );
    let rename = ev(
        EventKind::Rename {
            new_name: "b".into(),
        },
        "a",
        None,
    );
    assert_eq!(s.observe(&rename), Update::Project);
    assert_eq!(
        s,
        ConnectionStatus::attached(),
        "variable events do not touch the connection status"
    );
}

#[test]
fn lag_is_counted_and_triggers_a_full_resend() {
    let mut s = ConnectionStatus::attached();
    assert_eq!(
        s.observe(&ev(EventKind::Lagged { missed: 7 }, "", None)),
        Update::Project
    );
    s.observe(&ev(EventKind::Lagged { missed: 3 }, "", None));
    assert_eq!(s.missed_events, 10);
    assert_eq!(s.state, ConnectionState::Connected);
}

#[test]
fn custom_and_unknown_events_change_nothing() {
    let mut s = ConnectionStatus::attached();
    assert_eq!(
        s.observe(&ev(
            EventKind::Custom {
                name: "hello".into(),
                values: vec!["1".into()]
            },
            "x",
            Some("1")
        )),
        Update::Nothing
    );
    assert_eq!(
        s.observe(&ev(
            EventKind::Other {
                method: "weird".into()
            },
            "x",
            None
        )),
        Update::Nothing
    );
}

#[test]
fn project_view_json_shape() {
    let view = ProjectView {
        id: "custom:p1".into(),
        project_id: "p1".into(),
        host: "custom".into(),
        status: ConnectionStatus::attached(),
        variables: [("score".to_owned(), "42".to_owned())]
            .into_iter()
            .collect(),
    };
    let json = serde_json::to_value(&view).unwrap();
    assert_eq!(json["state"], "connected");
    assert_eq!(json["reconnects"], 0);
    assert_eq!(json["last_reason"], serde_json::Value::Null);
    assert_eq!(json["last_close_code"], serde_json::Value::Null);
    assert_eq!(json["variables"]["score"], "42");
    assert_eq!(json["host"], "custom");
}

#[test]
fn own_writes_are_variable_updates_too() {
    use actors_cloud::OwnWrite;
    let mut s = ConnectionStatus::attached();
    assert_eq!(
        s.observe(&ev(
            EventKind::Sent(OwnWrite::Set),
            "TO_CLIENT_1",
            Some("9")
        )),
        Update::Variable {
            name: "TO_CLIENT_1".into(),
            value: Some("9".into())
        }
    );
    assert_eq!(
        s.observe(&ev(EventKind::Sent(OwnWrite::Create), "n", Some("0"))),
        Update::Variable {
            name: "n".into(),
            value: Some("0".into())
        }
    );
    assert_eq!(
        s.observe(&ev(EventKind::Sent(OwnWrite::Delete), "n", None)),
        Update::Variable {
            name: "n".into(),
            value: None
        }
    );
    let rename = OwnWrite::Rename {
        new_name: "b".into(),
    };
    assert_eq!(
        s.observe(&ev(EventKind::Sent(rename), "a", None)),
        Update::Project
    );
    assert_eq!(s, ConnectionStatus::attached());
}
