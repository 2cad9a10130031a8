//! The cloud-log client against the fake cloud-data host (PROTOCOL.md §1.7): paging by
//! 100, newest first, name filter, and the lazy "who set this value" lookup.

#[path = "support/fake_scratch.rs"]
mod fake_scratch;

use fake_scratch::*;
use scratchcomm_accounts::{AccountsErrorKind as K, ApiConfig, CloudLogs, LogQuery, SetHistory};
use scratchcomm_wire::{CloudValue, ProjectId};
use std::time::Duration;

fn logs_client(fake: &FakeScratch) -> CloudLogs {
    CloudLogs::new(
        ApiConfig::default()
            .logs_base(&fake.base())
            .unwrap()
            .timeout(Duration::from_secs(5)),
    )
}

fn project() -> ProjectId {
    ProjectId::scratch("123").unwrap()
}

/// 250 entries, newest first: timestamps 250..1; every 5th one sets `score`, the rest `tick`.
fn fill(fake: &FakeScratch) {
    let entries = (1..=250u64)
        .rev()
        .map(|t| {
            let name = if t % 5 == 0 { "score" } else { "tick" };
            log_entry(&format!("user{t}"), name, &t.to_string(), t)
        })
        .collect();
    fake.state
        .lock()
        .unwrap()
        .logs
        .insert("123".into(), entries);
}

#[actix_rt::test]
async fn pages_by_100_newest_first() {
    bounded(async {
        let fake = FakeScratch::start().await;
        fill(&fake);
        let logs = logs_client(&fake);
        let got = logs
            .fetch(&LogQuery::new(project()).limit(150))
            .await
            .unwrap();
        assert_eq!(got.len(), 150);
        assert_eq!(got[0].timestamp_ms, 250);
        assert_eq!(got[149].timestamp_ms, 101);
        let queries: Vec<String> = fake
            .seen_paths("/logs")
            .into_iter()
            .map(|s| s.query)
            .collect();
        assert_eq!(
            queries,
            [
                "projectid=123&limit=100&offset=0",
                "projectid=123&limit=50&offset=100"
            ]
        );
        let from_offset = logs
            .fetch(&LogQuery::new(project()).limit(3).offset(10))
            .await
            .unwrap();
        assert_eq!(from_offset[0].timestamp_ms, 240);
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn filters_by_name_across_pages_until_the_end() {
    bounded(async {
        let fake = FakeScratch::start().await;
        fill(&fake);
        let logs = logs_client(&fake);
        let query = LogQuery::new(project()).limit(100).name("score").unwrap();
        let got = logs.fetch(&query).await.unwrap();
        assert_eq!(got.len(), 50, "every 5th of 250");
        assert!(got.iter().all(|e| e.name == "☁ score"));
        assert_eq!(got[0].user, "user250");
        // Three full pages (250 entries), then the empty page that ends the query.
        assert_eq!(fake.seen_paths("/logs").len(), 4);
        let latest = logs.latest_value(&project(), "score").await.unwrap();
        assert_eq!(latest.unwrap().as_str(), "250");
        let none = logs.latest_value(&project(), "missing").await.unwrap();
        assert!(none.is_none());
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn who_set_uses_the_age_among_equal_values() {
    bounded(async {
        let fake = FakeScratch::start().await;
        // Newest first: bob set 7 last, then eve set 3, alice set 7 before them.
        let entries = vec![
            log_entry("bob", "FROM_CLIENT", "7", 300),
            log_entry("eve", "FROM_CLIENT", "3", 200),
            log_entry("zed", "OTHER", "7", 150),
            log_entry("alice", "FROM_CLIENT", "7", 100),
        ];
        fake.state
            .lock()
            .unwrap()
            .logs
            .insert("123".into(), entries);
        let logs = logs_client(&fake);

        // This process received: alice's 7, eve's 3, bob's 7 (oldest first).
        let mut history = SetHistory::new();
        let seven = CloudValue::new("7");
        let alices = history.record("☁ FROM_CLIENT", &seven);
        let eves = history.record("☁ FROM_CLIENT", &CloudValue::new("3"));
        let bobs = history.record("☁ FROM_CLIENT", &seven);

        let p = project();
        let who = |t| logs.who_set_recorded(&p, &history, t);
        assert_eq!(who(&alices).await.unwrap().user, "alice");
        assert_eq!(who(&eves).await.unwrap().user, "eve");
        let bob = who(&bobs).await.unwrap();
        assert_eq!((bob.user.as_str(), bob.timestamp_ms), ("bob", 300));

        let err = logs
            .who_set(&project(), "☁ FROM_CLIENT", &seven, 2)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), K::EventExpired);
        fake.stop().await;
    })
    .await;
}

#[actix_rt::test]
async fn log_failures_are_error_values() {
    bounded(async {
        let fake = FakeScratch::start().await;
        let logs = logs_client(&fake);
        let bad = ProjectId::scratch(MALFORMED_PROJECT).unwrap();
        let err = logs.fetch(&LogQuery::new(bad.clone())).await.unwrap_err();
        assert_eq!(err.kind(), K::MalformedJson);
        let err = logs
            .who_set(&bad, "☁ x", &CloudValue::new("1"), 0)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), K::MalformedJson);

        let quick = CloudLogs::new(
            ApiConfig::default()
                .logs_base(&fake.base())
                .unwrap()
                .timeout(Duration::from_millis(300)),
        );
        let stalling = ProjectId::scratch(STALLING_PROJECT).unwrap();
        let err = quick.fetch(&LogQuery::new(stalling)).await.unwrap_err();
        assert_eq!(
            err.kind(),
            K::Timeout,
            "a body that stalls is a timeout: {err}"
        );

        let turbowarp = ProjectId::new("my-tw-project").unwrap();
        let err = logs.fetch(&LogQuery::new(turbowarp)).await.unwrap_err();
        assert_eq!(err.kind(), K::InvalidInput);

        let empty = logs.fetch(&LogQuery::new(project())).await.unwrap();
        assert!(empty.is_empty());
        fake.stop().await;

        let dead = CloudLogs::new(
            ApiConfig::default()
                .logs_base(&format!("http://{}", dead_addr()))
                .unwrap(),
        );
        let err = dead.fetch(&LogQuery::new(project())).await.unwrap_err();
        assert_eq!(err.kind(), K::Unreachable);
    })
    .await;
}
