//! The library side of `scratchcomm whoami` against the fake Scratch site, and a check
//! that no secret reaches the log output, even at trace level.

#[path = "support/fake_scratch.rs"]
mod fake_scratch;

use fake_scratch::*;
use scratchcomm_accounts::{
    whoami, AccountsErrorKind as K, ApiConfig, LoginMethod, Password, Session, SessionId,
};
use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn bounded<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test exceeded 30 s")
}

fn config(fake: &FakeScratch) -> ApiConfig {
    ApiConfig::default()
        .with_api_base(&fake.base())
        .unwrap()
        .with_timeout(Duration::from_secs(5))
}

#[actix_rt::test]
async fn whoami_reports_the_account_with_secrets_redacted() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let method = LoginMethod::SessionId {
            session_id: SessionId::new("\"sid-alice:1\""),
            username: None,
        };
        let report = whoami(config(&fake), method).await.unwrap();
        assert_eq!(report.username, "alice");
        assert_eq!(report.user_id, Some(4242));
        assert_eq!(report.email.as_deref(), Some("alice@example.org"));
        assert!(report.new_scratcher && !report.banned && !report.muted);
        let text = report.to_text();
        let json = report.to_json().to_string();
        for shown in [&text, &json] {
            assert!(!shown.contains("sid-alice"), "{shown}");
            assert!(!shown.contains("xtoken-of-alice"), "{shown}");
        }
        assert!(text.contains("username      alice"), "{text}");
        assert_eq!(report.to_json()["user_id"], 4242);

        let by_password = LoginMethod::Password {
            username: "alice".into(),
            password: Password::new("pw"),
        };
        assert_eq!(
            whoami(config(&fake), by_password).await.unwrap().username,
            "alice"
        );
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn whoami_fails_clearly_instead_of_a_partial_report() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let expired = LoginMethod::SessionId {
            session_id: SessionId::new("\"sid-gone:0\""),
            username: Some("alice".into()),
        };
        let err = whoami(config(&fake), expired).await.unwrap_err();
        assert_eq!(err.kind(), K::InvalidSession);
        let wrong = LoginMethod::Password {
            username: "alice".into(),
            password: Password::new("nope"),
        };
        let err = whoami(config(&fake), wrong).await.unwrap_err();
        assert_eq!(err.kind(), K::WrongPassword);
        fake.stop().await;
    })
    .await;
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_rt::test]
async fn no_secret_in_trace_output() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    bounded(async {
        let fake = FakeScratch::start().await;
        fake.state
            .lock()
            .unwrap()
            .add_account("dora", "pw-dora-secret");
        let mut session = Session::login(config(&fake), "dora", Password::new("pw-dora-secret"))
            .await
            .unwrap();
        fake.state.lock().unwrap().expire_all();
        session.refresh().await.unwrap();
        let gone = SessionId::new("\"sid-gone-secret:0\"");
        Session::from_session_id(config(&fake), gone, Some("dora".into()), None)
            .await
            .unwrap();
        let _ = Session::login(config(&fake), "dora", Password::new("wrong-secret")).await;
        fake.stop().await;
    })
    .await;
    let out = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        out.contains("account request"),
        "tracing was captured: {out}"
    );
    assert!(out.contains("session lookup failed"), "{out}");
    for secret in [
        "pw-dora-secret",
        "sid-dora",
        "xtoken-of-dora",
        "sid-gone-secret",
        "wrong-secret",
    ] {
        assert!(!out.contains(secret), "{secret} leaked into logs:\n{out}");
    }
}
