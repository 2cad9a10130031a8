//! The library side of `scratchcomm whoami` against the fake Scratch site.

#[path = "support/fake_scratch.rs"]
mod fake_scratch;

use fake_scratch::*;
use scratchcomm_accounts::{whoami, AccountsErrorKind as K, LoginMethod, Password, SessionId};

#[actix_rt::test]
async fn whoami_reports_the_account_with_secrets_redacted() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let method = LoginMethod::SessionId {
            session_id: SessionId::new("\"sid-alice:1\""),
            username: None,
        };
        let report = whoami(api_config(&fake), method).await.unwrap();
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
            whoami(api_config(&fake), by_password)
                .await
                .unwrap()
                .username,
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
        let err = whoami(api_config(&fake), expired).await.unwrap_err();
        assert_eq!(err.kind(), K::InvalidSession);
        let wrong = LoginMethod::Password {
            username: "alice".into(),
            password: Password::new("nope"),
        };
        let err = whoami(api_config(&fake), wrong).await.unwrap_err();
        assert_eq!(err.kind(), K::WrongPassword);
        fake.stop().await;
    })
    .await;
}
