//! Sessions against a fake Scratch site on loopback: the happy paths with the exact
//! requests of PROTOCOL.md §2, and every failure as its own error kind.

#[path = "support/fake_scratch.rs"]
mod fake_scratch;

use fake_scratch::*;
use scratchcomm_accounts::{
    AccountsErrorKind as K, ApiConfig, Password, Session, SessionId, DEFAULT_HEADERS,
};
use std::time::Duration;

const ALICE_SID: &str = "\"sid-alice:1\"";

/// The fake site as both the API and the cloud-logs host.
fn config(fake: &FakeScratch) -> ApiConfig {
    api_config(fake).logs_base(&fake.base()).unwrap()
}

fn assert_default_headers(seen: &Seen) {
    for (name, value) in DEFAULT_HEADERS {
        assert_eq!(seen.header(name), Some(value), "header {name}");
    }
}

#[actix_rt::test]
async fn session_id_lookup_reads_the_account_with_the_reference_request() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let id = SessionId::new(ALICE_SID);
        let session = Session::from_session_id(config(&fake), id, None, None)
            .await
            .unwrap();
        let account = session.account().unwrap();
        assert_eq!(account.username, "alice");
        assert_eq!(account.email.as_deref(), Some("alice@example.org"));
        assert_eq!(account.user_id, Some(4242));
        assert!(!account.banned);
        assert!(account.new_scratcher);
        assert!(!account.is_muted());
        assert_eq!(account.xtoken.expose(), "xtoken-of-alice");
        assert_eq!(account.session_data["flags"]["must_reset_password"], false);
        assert_eq!(session.username(), Some("alice"));
        assert_eq!(session.xtoken().unwrap().expose(), "xtoken-of-alice");

        let seen = fake.seen_paths("/session");
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].method, "POST");
        assert_default_headers(&seen[0]);
        assert_eq!(
            seen[0].header("cookie"),
            Some("scratchsessionsid=\"sid-alice:1\"; scratchcsrftoken=a; scratchlanguage=en")
        );
        assert_eq!(seen[0].header("x-token"), None, "no token known yet");
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn refresh_sends_the_known_x_token() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let id = SessionId::new(ALICE_SID);
        let mut session = Session::from_session_id(config(&fake), id, None, None)
            .await
            .unwrap();
        session.refresh().await.unwrap();
        let seen = fake.seen_paths("/session");
        assert_eq!(seen[1].header("x-token"), Some("xtoken-of-alice"));
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn password_login_takes_the_quoted_cookie_text() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let session = Session::login(config(&fake), "alice", Password::new("pw"))
            .await
            .unwrap();
        // The fake issues a fresh id per login; the quotes are part of the id (§2.3).
        assert_eq!(session.session_id().expose(), "\"sid-alice:2\"");
        assert_eq!(session.account().unwrap().username, "alice");
        assert!(session.has_password());

        let login = &fake.seen_paths("/login/")[0];
        assert_eq!(login.method, "POST");
        assert_eq!(login.body, r#"{"username": "alice", "password": "pw"}"#);
        assert_default_headers(login);
        assert_eq!(
            login.header("cookie"),
            Some("scratchcsrftoken=a; scratchlanguage=en")
        );
        assert_eq!(
            login.header("content-type"),
            None,
            "the reference sets none"
        );
        let lookup = &fake.seen_paths("/session")[0];
        assert_eq!(
            lookup.header("cookie"),
            Some("scratchsessionsid=\"sid-alice:2\"; scratchcsrftoken=a; scratchlanguage=en")
        );
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn each_failure_has_its_own_kind() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let c = config(&fake);

        let wrong = Session::login(c.clone(), "alice", Password::new("nope")).await;
        let wrong = wrong.unwrap_err();
        assert_eq!(wrong.kind(), K::WrongPassword);
        assert!(wrong
            .to_string()
            .contains("Incorrect username or password."));

        let expired = SessionId::new("\"sid-gone:0\"");
        let err = Session::from_session_id(c.clone(), expired, None, None).await;
        assert_eq!(err.unwrap_err().kind(), K::InvalidSession);

        let malformed = SessionId::new(MALFORMED_SESSION);
        let err = Session::from_session_id(c.clone(), malformed, None, None).await;
        assert_eq!(err.unwrap_err().kind(), K::MalformedJson);

        let err = Session::login(c.clone(), NO_COOKIE_USER, Password::new("x")).await;
        assert_eq!(err.unwrap_err().kind(), K::MissingCookie);

        let quick = c.clone().timeout(Duration::from_millis(300));
        let slow = SessionId::new(SLOW_SESSION);
        let err = Session::from_session_id(quick.clone(), slow, None, None).await;
        assert_eq!(err.unwrap_err().kind(), K::Timeout);
        let err = Session::login(quick, SLOW_USER, Password::new("x")).await;
        assert_eq!(err.unwrap_err().kind(), K::Timeout);

        let dead = ApiConfig::default()
            .api_base(&format!("http://{}", dead_addr()))
            .unwrap()
            .timeout(Duration::from_secs(5));
        let err = Session::login(dead, "alice", Password::new("pw")).await;
        let err = err.unwrap_err();
        assert_eq!(err.kind(), K::Unreachable, "{err}");
        assert!(err.is_transient());
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn a_failed_lookup_with_a_known_username_keeps_the_session_as_the_reference() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let expired = SessionId::new("\"sid-gone:0\"");
        let session = Session::from_session_id(config(&fake), expired, Some("bob".into()), None)
            .await
            .unwrap();
        assert_eq!(session.username(), Some("bob"));
        assert_eq!(session.account().unwrap_err().kind(), K::InvalidSession);
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn refresh_logs_in_again_when_the_session_expired_and_the_password_is_known() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let mut session = Session::login(config(&fake), "alice", Password::new("pw"))
            .await
            .unwrap();
        let old = session.session_id().clone();
        fake.state.lock().unwrap().expire_all();
        session.refresh().await.unwrap();
        assert_ne!(session.session_id(), &old);
        assert_eq!(fake.seen_paths("/login/").len(), 2);

        fake.state.lock().unwrap().expire_all();
        session.forget_password();
        let err = session.refresh().await.unwrap_err();
        assert_eq!(err.kind(), K::InvalidSession);
        assert_eq!(session.account().unwrap_err().kind(), K::InvalidSession);
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn debug_output_never_shows_secrets() {
    bounded(async {
        let fake = FakeScratch::start().await;
        fake.state
            .lock()
            .unwrap()
            .add_account("carol", "pw-secret-9");
        let session = Session::login(config(&fake), "carol", Password::new("pw-secret-9"))
            .await
            .unwrap();
        let shown = format!("{session:?} {:?}", session.account().unwrap());
        for secret in ["sid-carol", "pw-secret-9", "xtoken-of-carol"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        assert!(shown.contains("carol"));
        let hint = session.session_id_hint();
        assert!(!hint.contains("sid-carol"), "{hint}");
        fake.stop().await;
    })
    .await;
}
