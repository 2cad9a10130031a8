//! Browser login from a Firefox-format `cookies.sqlite` the test creates (read through
//! rookie), checked against the fake Scratch site.

#[path = "support/fake_scratch.rs"]
mod fake_scratch;

use fake_scratch::*;
use scratchcomm_accounts::{
    scratch_session_id_from_firefox_db, AccountsErrorKind as K, ApiConfig, Session,
};
use std::path::{Path, PathBuf};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "scratchcomm-accounts-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Firefox's `moz_cookies` schema (the columns rookie reads plus Firefox's others).
fn firefox_db(path: &Path, cookies: &[(&str, &str, &str)]) {
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute_batch(
        "CREATE TABLE moz_cookies (id INTEGER PRIMARY KEY, originAttributes TEXT NOT NULL DEFAULT '',
            name TEXT, value TEXT, host TEXT, path TEXT, expiry INTEGER, lastAccessed INTEGER,
            creationTime INTEGER, isSecure INTEGER, isHttpOnly INTEGER,
            inBrowserElement INTEGER DEFAULT 0, sameSite INTEGER DEFAULT 0,
            rawSameSite INTEGER DEFAULT 0, schemeMap INTEGER DEFAULT 0);",
    )
    .unwrap();
    for (host, name, value) in cookies {
        db.execute(
            "INSERT INTO moz_cookies (name, value, host, path, expiry, lastAccessed,
                creationTime, isSecure, isHttpOnly, sameSite)
             VALUES (?1, ?2, ?3, '/', 4102444800, 0, 0, 1, 1, 1)",
            rusqlite::params![name, value, host],
        )
        .unwrap();
    }
}

#[actix_rt::test]
async fn firefox_cookies_log_in() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let dir = TempDir::new("ff");
        let db = dir.0.join("cookies.sqlite");
        firefox_db(
            &db,
            &[
                (".example.org", "scratchsessionsid", "\"not-scratch\""),
                (".scratch.mit.edu", "scratchcsrftoken", "csrf"),
                (".scratch.mit.edu", "scratchsessionsid", "\"sid-alice:1\""),
            ],
        );
        let id = scratch_session_id_from_firefox_db(&db).await.unwrap();
        assert_eq!(id.expose(), "\"sid-alice:1\"");

        let config = ApiConfig::default().api_base(&fake.base()).unwrap();
        let session = Session::from_firefox_cookies(config, &db).await.unwrap();
        assert_eq!(session.account().unwrap().username, "alice");
        assert_eq!(
            fake.seen_paths("/session")[0].header("cookie"),
            Some("scratchsessionsid=\"sid-alice:1\"; scratchcsrftoken=a; scratchlanguage=en")
        );
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn missing_cookie_or_database_is_browser_cookies_not_found() {
    bounded(async {
        let dir = TempDir::new("ff-empty");
        let db = dir.0.join("cookies.sqlite");
        firefox_db(&db, &[(".example.org", "scratchsessionsid", "\"x\"")]);
        let err = scratch_session_id_from_firefox_db(&db).await.unwrap_err();
        assert_eq!(err.kind(), K::BrowserCookiesNotFound);
        assert!(err.to_string().contains("scratchsessionsid"), "{err}");

        let missing = dir.0.join("nope/cookies.sqlite");
        let err = scratch_session_id_from_firefox_db(&missing)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), K::BrowserCookiesNotFound);

        let not_a_db = dir.0.join("garbage.sqlite");
        std::fs::write(&not_a_db, b"this is not sqlite").unwrap();
        let err = scratch_session_id_from_firefox_db(&not_a_db)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), K::BrowserCookiesNotFound);
    })
    .await;
}

#[actix_rt::test]
async fn an_uninstalled_browser_is_an_error_not_a_panic() {
    bounded(async {
        // Safari's cookie store exists only on macOS; elsewhere asking for it is a clear
        // error value.
        if cfg!(not(target_os = "macos")) {
            let err =
                scratchcomm_accounts::scratch_session_id(scratchcomm_accounts::Browser::Safari)
                    .await
                    .unwrap_err();
            assert_eq!(err.kind(), K::BrowserCookiesNotFound);
            assert!(err.to_string().contains("macOS"), "{err}");
        }
    })
    .await;
}
