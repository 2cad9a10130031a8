//! `serve --data FILE`: values survive `kill -9` once the durability window has passed; a
//! kill in the middle of writing loses at most the last window and never corrupts the file.

use super::support::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// `(name, value)` of every message of a join dump (values sent as JSON strings).
fn parse_dump(dump: &str) -> BTreeMap<String, String> {
    dump.split('\n')
        .map(|line| {
            let msg: serde_json::Value = serde_json::from_str(line).expect("JSON message");
            assert_eq!(msg["method"], "set", "{line}");
            let value = match &msg["value"] {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (msg["name"].as_str().expect("name").to_owned(), value)
        })
        .collect()
}

fn integrity(file: &Path) -> String {
    let conn = rusqlite::Connection::open(file).expect("the file opens");
    conn.query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check runs")
}

#[actix_rt::test]
async fn values_older_than_the_durability_window_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cloud.db");
    let file = file.to_str().unwrap();
    // The default window: written every 500 ms. Renames and deletes are off by default, as
    // on TurboWarp's server.
    let server = Serve::start(&["--port", "0", "--data", file, "--rename-delete"]);
    let client = awc::Client::new();
    let mut a = Ws::join(&client, &server.url, "1", "a").await;
    let mut b = Ws::join(&client, &server.url, "2", "b").await;
    a.send(&set("number", "1.50")).await;
    a.send(&set("string", "\"007\"")).await;
    a.send(&set("old", "3")).await;
    a.send(r#"{"method":"rename","name":"☁ old","new_name":"☁ new"}"#)
        .await;
    a.send(&set("gone", "4")).await;
    a.send(r#"{"method":"delete","name":"☁ gone"}"#).await;
    for i in 0..100 {
        b.send(&set("counter", &i.to_string())).await;
    }
    a.sync().await;
    b.sync().await;
    // Well past the window (500 ms plus the write), then no chance to write anything more.
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.kill9();

    let again = Serve::start(&["--port", "0", "--data", file]);
    let mut c = Ws::join(&client, &again.url, "1", "c").await;
    // The number as the server relays it (JavaScript's text: 1.50 → 1.5).
    let expected = [
        set("new", "3"),
        set("number", "1.5"),
        set("string", "\"007\""),
    ]
    .join("\n");
    assert_eq!(c.frame().await, expected);
    let mut d = Ws::join(&client, &again.url, "2", "d").await;
    assert_eq!(d.frame().await, set("counter", "99"));
}

/// Variables written in turn by [`burst`]; message `n` sets variable `n % VARS` to `n`.
const VARS: u64 = 8;

/// `n` as a numeral long enough (10 000 characters) that every write takes a while.
fn long_value(n: u64) -> String {
    format!("{n}.{}", "5".repeat(10_000))
}

/// Send messages `from..to`, one message per frame (a frame of several messages closes the
/// connection, as on TurboWarp's server).
async fn burst(ws: &mut Ws, from: u64, to: u64) -> bool {
    for i in from..to {
        let message = set(&format!("v{}", i % VARS), &format!("\"{}\"", long_value(i)));
        if !ws.try_send(&message).await {
            return false;
        }
    }
    true
}

/// The stored state must be that after some prefix `0..=m` of the messages: each variable
/// holds the last message for it up to `m`. Returns `m`.
fn prefix_end(vars: &BTreeMap<String, String>) -> u64 {
    let number = |v: &String| -> u64 { v.split('.').next().unwrap().parse().expect("numeral") };
    let m = vars
        .values()
        .map(number)
        .max()
        .expect("something was stored");
    for slot in 0..VARS {
        let name = format!("☁ v{slot}");
        // The last message for this variable at or before m.
        let last = (0..=m).rev().find(|i| i % VARS == slot).expect("in range");
        assert_eq!(
            vars.get(&name).map(number),
            Some(last),
            "variable {name} is not what the prefix up to message {m} left: {:?}",
            vars.iter().map(|(k, v)| (k, number(v))).collect::<Vec<_>>()
        );
        assert!(
            vars[&name] == long_value(last),
            "{name}: value text not kept whole"
        );
    }
    m
}

#[actix_rt::test]
async fn kill_9_while_writing_loses_at_most_the_window_and_never_corrupts_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cloud.db");
    let path = file.to_str().unwrap();
    let args = ["--port", "0", "--data", path, "--flush-ms", "10"];
    let client = awc::Client::new();
    const DURABLE: u64 = 240; // messages synced and left for many windows
    const SENT: u64 = 800;
    for round in 0..3 {
        let server = Serve::start(&args);
        let project = format!("{}", 100 + round);
        let mut ws = Ws::join(&client, &server.url, &project, "w").await;
        assert!(burst(&mut ws, 0, DURABLE).await);
        ws.sync().await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        // Keep the server busy receiving and writing, and kill it in the middle of that.
        burst(&mut ws, DURABLE, SENT).await;
        server.kill9();
        assert_eq!(integrity(&file), "ok", "after the kill in round {round}");
    }

    let server = Serve::start(&args);
    for round in 0..3 {
        let project = format!("{}", 100 + round);
        let mut ws = Ws::join(&client, &server.url, &project, "r").await;
        let vars = parse_dump(&ws.frame().await);
        let m = prefix_end(&vars);
        assert!(
            (DURABLE - 1..SENT).contains(&m),
            "round {round}: stored up to message {m}; {} were durable",
            DURABLE
        );
    }
}

#[test]
fn an_unusable_data_path_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    let (status, err) = serve_fails(&["--port", "0", "--data", folder]);
    assert!(!status.success());
    assert!(err.contains(folder) && err.contains("directory"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let missing = dir.path().join("no-such-folder").join("cloud.db");
    let missing = missing.to_str().unwrap();
    let (status, err) = serve_fails(&["--port", "0", "--data", missing]);
    assert!(!status.success());
    assert!(
        err.contains(missing) && err.contains("cannot open"),
        "{err}"
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database\n".repeat(100)).unwrap();
    let text = text.to_str().unwrap();
    let (status, err) = serve_fails(&["--port", "0", "--data", text]);
    assert!(!status.success());
    assert!(
        err.contains(text) && err.contains("not an SQLite database"),
        "{err}"
    );
}
