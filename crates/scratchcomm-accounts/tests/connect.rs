//! Connections from a session (the original's `create_*` helpers), the cloud-socket
//! username lookup, and "who set it" for `CloudEvent`s, against loopback servers only.

#[path = "support/fake_scratch.rs"]
mod fake_scratch;

use actors_cloud::{CloudEvent, CloudHandle, EventKind, HostKind, SourceId, SCRATCH_URL};
use actors_socket::UsernameLookup;
use actors_socket::{ClientId, Host, SocketConfig};
use fake_scratch::*;
use scratchcomm_accounts::{
    AccountsErrorKind as K, ApiConfig, CloudEventLogs, CloudLogs, EventUsers, LogsUsernameLookup,
    Session, SessionId,
};
use scratchcomm_server::{CloudServer, ServerConfig};
use scratchcomm_wire::{CloudValue, ProjectId};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

fn session(username: Option<&str>) -> Session {
    Session::offline(
        ApiConfig::default(),
        SessionId::new("\"sid-secret:1\""),
        username.map(str::to_owned),
        None,
    )
}

fn logs_at(fake: &FakeScratch) -> CloudLogs {
    CloudLogs::new(ApiConfig::default().logs_base(&fake.base()).unwrap())
}

#[test]
fn scratch_config_uses_the_session_and_its_username() {
    let config = session(Some("alice"))
        .scratch_connection_config("123")
        .unwrap();
    assert_eq!(config.host_kind(), HostKind::Scratch);
    assert_eq!(config.target_url(), SCRATCH_URL);
    assert!(config.validate().is_ok());
    let shown = format!("{config:?}");
    assert!(shown.contains("\"alice\""), "{shown}");
    assert!(!shown.contains("sid-secret"), "{shown}");

    let err = session(None).scratch_connection_config("123").unwrap_err();
    assert_eq!(err.kind(), K::MissingData);
}

#[test]
fn turbowarp_config_defaults_to_the_account_as_the_reference() {
    let s = session(Some("server_bot"));
    let shown = format!(
        "{:?}",
        s.turbowarp_connection_config("p", None, None).unwrap()
    );
    assert!(shown.contains("username: \"server_bot\""), "{shown}");
    assert!(shown.contains("\"@server_bot on scratch\""), "{shown}");

    let shown = format!(
        "{:?}",
        s.turbowarp_connection_config("p", Some("someone"), None)
            .unwrap()
    );
    assert!(shown.contains("\"@someone on scratch\""), "{shown}");
    let shown = format!(
        "{:?}",
        s.turbowarp_connection_config("p", None, Some("me@x.org"))
            .unwrap()
    );
    assert!(shown.contains("\"me@x.org\""), "{shown}");

    let err = session(None)
        .turbowarp_connection_config("p", None, None)
        .unwrap_err();
    assert_eq!(err.kind(), K::MissingData);
}

#[actix_rt::test]
async fn a_turbowarp_config_from_a_session_connects_and_sets() {
    bounded(async {
        let server = CloudServer::start(ServerConfig::default()).await.unwrap();
        let config = session(Some("alice"))
            .turbowarp_connection_config("proj", None, None)
            .unwrap()
            .url(&server.url());
        let cloud = CloudHandle::connect(config).await.unwrap();
        cloud.set("score", 42).await.unwrap();
        let mut seen = None;
        for _ in 0..100 {
            seen = server.variables("proj");
            if seen.as_ref().is_some_and(|v| !v.is_empty()) {
                break;
            }
            actix_rt::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(seen.unwrap(), vec![("☁ score".to_owned(), "42".to_owned())]);
        cloud.stop().await;
        server.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn socket_usernames_come_from_the_from_client_logs() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let entries = vec![
            log_entry("bob", "FROM_CLIENT", "1222.11111123", 30),
            log_entry(
                "alice",
                "FROM_CLIENT",
                "15903151414050320.762274253367252",
                20,
            ),
            log_entry("mallory", "OTHER", "1.762270", 10),
        ];
        fake.state
            .lock()
            .unwrap()
            .logs
            .insert("123".into(), entries);
        let lookup = LogsUsernameLookup::new(logs_at(&fake), ProjectId::scratch("123").unwrap());
        let cid = ClientId::parse("76227").unwrap();
        assert_eq!(
            lookup.lookup(cid, Host::Scratch).await.as_deref(),
            Some("alice")
        );
        assert_eq!(lookup.lookup(cid, Host::TurboWarp).await, None);
        let unknown = ClientId::parse("55555").unwrap();
        assert_eq!(lookup.lookup(unknown, Host::Scratch).await, None);

        let broken = LogsUsernameLookup::new(
            logs_at(&fake),
            ProjectId::scratch(MALFORMED_PROJECT).unwrap(),
        );
        assert_eq!(
            broken.lookup(cid, Host::Scratch).await,
            None,
            "failure is None, no panic"
        );
        let err = logs_at(&fake)
            .socket_client_user(&ProjectId::scratch("123").unwrap(), "55555")
            .await
            .unwrap_err();
        assert_eq!(err.kind(), K::EventExpired);
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn socket_helpers_take_connection_settings_and_keep_the_username_lookup() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let entry = log_entry(
            "alice",
            "FROM_CLIENT",
            "15903151414050320.762274253367252",
            20,
        );
        fake.state
            .lock()
            .unwrap()
            .logs
            .insert("123".into(), vec![entry]);
        let s = Session::offline(
            ApiConfig::default().logs_base(&fake.base()).unwrap(),
            SessionId::new("\"sid-secret:1\""),
            Some("bot".into()),
            None,
        );
        // Adjusted Scratch settings still get the logs lookup, for their project.
        let scratch = s
            .scratch_connection_config("123")
            .unwrap()
            .connect_timeout(Duration::from_secs(3));
        let config = s
            .socket_config_for(&scratch, SocketConfig::default())
            .unwrap();
        let lookup = config
            .get_username_lookup()
            .cloned()
            .expect("installed for Scratch");
        let cid = ClientId::parse("76227").unwrap();
        assert_eq!(
            lookup.lookup(cid, Host::Scratch).await.as_deref(),
            Some("alice")
        );
        // A caller's own lookup is kept.
        let own: Arc<dyn UsernameLookup> = Arc::new(LogsUsernameLookup::new(
            logs_at(&fake),
            ProjectId::scratch("999").unwrap(),
        ));
        let given = SocketConfig::default().username_lookup(own.clone());
        let kept = s.socket_config_for(&scratch, given).unwrap();
        assert!(Arc::ptr_eq(kept.get_username_lookup().unwrap(), &own));
        // Other hosts have no logs; bad settings are an error, not a panic.
        let tw = s.turbowarp_connection_config("proj", None, None).unwrap();
        let plain = s.socket_config_for(&tw, SocketConfig::default()).unwrap();
        assert!(plain.get_username_lookup().is_none());
        let bad = tw.clone().url("http://not-a-websocket");
        let err = s
            .socket_config_for(&bad, SocketConfig::default())
            .unwrap_err();
        assert_eq!(err.kind(), K::InvalidInput);

        // End to end with adjusted settings (another URL) on a loopback server.
        let server = CloudServer::start(ServerConfig::default()).await.unwrap();
        let (cloud, socket) = s
            .cloud_socket_with(tw.url(&server.url()), SocketConfig::default())
            .await
            .unwrap();
        cloud.set("ping", 1).await.unwrap();
        assert_eq!(cloud.get("ping"), Some(CloudValue::from(1)));
        socket.stop().await;
        cloud.stop().await;
        server.stop().await;
        fake.stop().await;
    })
    .await;
}

fn set_event(name: &str, value: &str) -> CloudEvent {
    CloudEvent {
        kind: EventKind::Set,
        source: SourceId::new("scratch:123"),
        project_id: ProjectId::scratch("123").unwrap(),
        name: name.to_owned(),
        raw_name: format!("☁ {name}"),
        value: Some(CloudValue::new(value)),
        timestamp: SystemTime::now(),
        user: None,
    }
}

#[actix_rt::test]
async fn who_set_a_cloud_event_is_looked_up_lazily() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let users = EventUsers::new(logs_at(&fake));
        // Events arrive before the logs are even asked for.
        let older = set_event("score", "7");
        let newer = set_event("score", "7");
        let t_older = users.observe(&older).unwrap();
        let t_newer = users.observe(&newer).unwrap();
        fake.state.lock().unwrap().logs.insert(
            "123".into(),
            vec![
                log_entry("bob", "score", "7", 300),
                log_entry("eve", "score", "3", 200),
                log_entry("alice", "score", "7", 100),
            ],
        );
        assert_eq!(users.user_of(&t_older).await.unwrap().user, "alice");
        let bob = users.user_of(&t_newer).await.unwrap();
        assert_eq!((bob.user.as_str(), bob.timestamp_ms), ("bob", 300));
        assert_eq!(newer.with_setter(&bob).user.as_deref(), Some("bob"));
        assert_eq!(newer.who_set(&logs_at(&fake), 0).await.unwrap().user, "bob");
        let err = newer.who_set(&logs_at(&fake), 5).await.unwrap_err();
        assert_eq!(err.kind(), K::EventExpired);
        // The event is untouched by the failed lookup.
        assert_eq!(newer.value.as_ref().unwrap().as_str(), "7");
        fake.stop().await;

        let err = users.user_of(&t_newer).await.unwrap_err();
        assert_eq!(err.kind(), K::Unreachable, "{err}");
    })
    .await;
}
