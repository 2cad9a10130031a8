//! Session strings (PROTOCOL.md §2.4): byte-exact with the reference, restored through the
//! fake Scratch site with the reference's fallbacks; default headers match the vectors.

#[path = "support/fake_scratch.rs"]
mod fake_scratch;
#[path = "support/vectors.rs"]
mod vectors;

use fake_scratch::*;
use scratchcomm_accounts::{
    AccountsErrorKind as K, Password, Session, SessionId, SessionStringData, XToken,
    DEFAULT_HEADERS,
};

#[test]
fn the_vector_session_string_round_trips_byte_exactly() {
    let v = vectors::cloud_wire();
    let vector = &v["session_string"];
    let data = &vector["data"];
    let text = |k: &str| data[k].as_str().unwrap().to_owned();
    let made = SessionStringData {
        username: Some(text("username")),
        session_id: Some(SessionId::new(text("session_id"))),
        xtoken: Some(XToken::new(text("xtoken"))),
        password: Some(Password::new(text("password"))),
    };
    let expected = vector["session_string"].as_str().unwrap();
    assert_eq!(made.encode(), expected);

    let back = SessionStringData::decode(expected).unwrap();
    assert_eq!(back.username.as_deref(), Some("example_user"));
    assert_eq!(back.session_id.as_ref().unwrap().expose(), "\"abc123:xyz\"");
    assert_eq!(back.xtoken.as_ref().unwrap().expose(), "tok");
    assert_eq!(back.password.as_ref().unwrap().expose(), "pw");
    assert_eq!(back.encode(), expected);
}

#[test]
fn default_headers_are_the_vector_headers() {
    let v = vectors::cloud_wire();
    let expected = v["rest_headers_default"].as_object().unwrap();
    assert_eq!(expected.len(), DEFAULT_HEADERS.len());
    for (name, value) in DEFAULT_HEADERS {
        assert_eq!(expected[name], value, "{name}");
    }
    let cookies = v["rest_cookies_default"].as_object().unwrap();
    for (name, value) in scratchcomm_accounts::BASE_COOKIES {
        assert_eq!(cookies[name], value, "{name}");
    }
}

#[actix_rt::test]
async fn a_live_session_saves_without_the_password_unless_asked() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let session = Session::login(api_config(&fake), "alice", Password::new("pw"))
            .await
            .unwrap();
        let plain = SessionStringData::decode(&session.session_string()).unwrap();
        assert!(plain.password.is_none());
        assert_eq!(plain.username.as_deref(), Some("alice"));
        assert_eq!(plain.session_id.as_ref(), Some(session.session_id()));
        assert_eq!(plain.xtoken.unwrap().expose(), "xtoken-of-alice");
        let full = SessionStringData::decode(&session.session_string_with_password()).unwrap();
        assert_eq!(full.password.unwrap().expose(), "pw");

        let restored = Session::from_session_string(api_config(&fake), &session.session_string())
            .await
            .unwrap();
        assert_eq!(restored.session_id(), session.session_id());
        assert_eq!(restored.account().unwrap().username, "alice");
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn restoring_an_expired_string_logs_in_again_only_with_a_password() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let session = Session::login(api_config(&fake), "alice", Password::new("pw"))
            .await
            .unwrap();
        let with_pw = session.session_string_with_password();
        let without = session.session_string();
        fake.state.lock().unwrap().expire_all();

        let err = Session::from_session_string(api_config(&fake), &without).await;
        assert_eq!(err.unwrap_err().kind(), K::InvalidSession);

        let restored = Session::from_session_string(api_config(&fake), &with_pw)
            .await
            .unwrap();
        assert_ne!(restored.session_id(), session.session_id());
        assert!(restored.account().is_ok());
        assert!(restored.has_password());

        let err = Session::from_session_string(api_config(&fake), "not base64!").await;
        assert_eq!(err.unwrap_err().kind(), K::InvalidSessionString);
        fake.stop().await;
    })
    .await;
}
